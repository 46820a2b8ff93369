package voicemail

import "context"

// Notifier is the hook through which the Service announces what happened,
// so that the application can send message-summary NOTIFY to phones and
// email to users. The Service calls it synchronously, after the change is
// durable and indexed, from the goroutine that made the change; a slow
// Notifier slows that call (hand work to a queue of your own if needed).
// Implementations must be safe for concurrent use.
type Notifier interface {
	// MessageArrived is called once for every message that arrived in a
	// mailbox (deposited or forwarded), with what the mailbox's Notify
	// settings ask for. When a.Notify.AutoForward is ForwardDelete and
	// MessageArrived returns nil, the Service deletes the message; on an
	// error it keeps it and logs the error.
	MessageArrived(ctx context.Context, a Arrival) error
	// CountsChanged is called after every change of a mailbox's counts
	// (arrival, heard, new, urgent, delete, purge), with the new counts.
	CountsChanged(ctx context.Context, mailbox string, c Counts)
}

// Arrival describes a new message for Notifier.MessageArrived.
type Arrival struct {
	// Message is the new message; open its audio with Service.OpenAudio.
	Message Message
	// MailboxName is the mailbox owner's name.
	MailboxName string
	// Notify is the mailbox's notification settings: the Notifier sends
	// email as Notify.Email says and forwards as Notify.AutoForward says.
	Notify Notify
}

// NotifierFuncs adapts two functions to a Notifier; a nil field does
// nothing (and MessageArrived then reports success).
type NotifierFuncs struct {
	Arrived func(ctx context.Context, a Arrival) error
	Changed func(ctx context.Context, mailbox string, c Counts)
}

// MessageArrived implements Notifier.
func (n NotifierFuncs) MessageArrived(ctx context.Context, a Arrival) error {
	if n.Arrived == nil {
		return nil
	}
	return n.Arrived(ctx, a)
}

// CountsChanged implements Notifier.
func (n NotifierFuncs) CountsChanged(ctx context.Context, mailbox string, c Counts) {
	if n.Changed != nil {
		n.Changed(ctx, mailbox, c)
	}
}
