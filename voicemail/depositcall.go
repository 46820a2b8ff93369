package voicemail

import (
	"context"
	"errors"
	"time"
)

type depositState uint8

const (
	dsIdle depositState = iota
	dsGreeting
	dsRecording
	dsMenu
	dsDone
)

// DepositCall is the caller's side of voicemail as a state machine: the
// greeting for the reason the call came, the operator hint (0 transfers
// to the mailbox's Options.Operator when set), the beep, the recording
// until silence, '#', hang-up or the maximum length, and the deposit menu
// (1 send, 2 listen, 3 record again, 4 mark urgent; hanging up sends).
// Pressing # or * during the greeting skips to the beep; InputTimeout
// during the greeting (an application whose player stopped at another
// key) goes on to the beep too.
//
// After it ends, Result says what was left. A DepositCall is not safe for
// concurrent use; use one per call.
type DepositCall struct {
	svc    *Service
	box    string
	meta   DepositMeta
	reason Reason
	mb     Mailbox
	st     depositState
	dep    *Deposit
	msg    Message
	err    error
}

// NewDepositCall returns the deposit flow of a call that reached mailbox
// for reason, from the caller in meta.
func (s *Service) NewDepositCall(mailbox string, meta DepositMeta, reason Reason) *DepositCall {
	return &DepositCall{svc: s, box: mailbox, meta: meta, reason: reason}
}

// Result returns the message left, or why none was: ErrTooShort (an empty
// hang-up), ErrMailboxFull, ErrNoMailbox, or nil error and a zero Message
// while the call is still going or when the caller went to the operator.
func (c *DepositCall) Result() (Message, error) { return c.msg, c.err }

// Start plays the greeting. A full mailbox says so and hangs up.
func (c *DepositCall) Start(ctx context.Context, now time.Time) (Action, error) {
	mb, err := c.svc.store.GetMailbox(ctx, c.box)
	if err != nil {
		c.st, c.err = dsDone, err
		return Action{}, err
	}
	c.mb = mb
	if c.meta.Received.IsZero() {
		c.meta.Received = now
	}
	dep, err := c.svc.Begin(ctx, c.box, c.meta)
	if errors.Is(err, ErrMailboxFull) {
		c.st, c.err = dsDone, err
		return Action{Kind: ActionHangup, Play: prompts("vm-mailbox-full")}, nil
	}
	if err != nil {
		c.st, c.err = dsDone, err
		return Action{}, err
	}
	c.dep = dep
	c.st = dsGreeting
	return play(c.greeting(now)...), nil
}

// greeting is what the caller hears before the beep.
func (c *DepositCall) greeting(now time.Time) []Item {
	g := greetingOf(c.mb, c.reason, now)
	var items []Item
	if g.Kind == GreetingStandard {
		if g.Name != "" {
			items = append(items, AudioItem(g.Name))
		} else {
			items = append(items, Prompt("vm-person-at"), Digits(c.box))
		}
		if c.reason == ReasonBusy {
			items = append(items, Prompt("vm-busy"))
		} else {
			items = append(items, Prompt("vm-unavailable"))
		}
		items = append(items, Prompt("vm-leave-message"))
	} else {
		items = append(items, AudioItem(g.Audio))
	}
	if c.mb.Options.Operator != "" {
		items = append(items, Prompt("vm-operator-hint"))
	}
	return items
}

func (c *DepositCall) record(pre ...Item) Action {
	c.st = dsRecording
	return Action{Kind: ActionRecord, Play: pre, Beep: true, Recording: c.dep,
		MaxLength: c.mb.Quota.WithDefaults().MaxLength, Silence: recordSilence}
}

func (c *DepositCall) menu(pre ...Item) Action {
	c.st = dsMenu
	return play(append(pre, Prompt("vm-deposit-menu"))...)
}

// Handle feeds one input and returns what to do next.
func (c *DepositCall) Handle(ctx context.Context, in Input, now time.Time) (Action, error) {
	switch c.st {
	case dsGreeting:
		switch {
		case in.Kind == InputHangup:
			return c.finish(ctx, false)
		case in.Kind == InputPlayed, in.Kind == InputTimeout, in.Kind == InputDigit && (in.Digit == '#' || in.Digit == '*'):
			// A timeout: a key that does nothing here stopped the
			// greeting, and the application waited for another.
			return c.record(), nil
		case in.Kind == InputDigit && in.Digit == '0' && c.mb.Options.Operator != "":
			c.st = dsDone
			c.err = c.dep.Abort()
			return Action{Kind: ActionTransfer, Number: c.mb.Options.Operator}, nil
		}
	case dsRecording:
		switch {
		case in.Kind == InputHangup:
			_, err := c.finish(ctx, true)
			return Action{}, err
		case in.Kind == InputRecorded, in.Kind == InputDigit && in.Digit == '#':
			return c.menu(), nil
		}
	case dsMenu:
		switch {
		case in.Kind == InputHangup:
			_, err := c.finish(ctx, true)
			return Action{}, err
		case in.Kind == InputTimeout:
			return c.finish(ctx, true)
		case in.Kind == InputDigit:
			switch in.Digit {
			case '1':
				a, err := c.finish(ctx, true)
				if errors.Is(c.err, ErrTooShort) {
					return c.again(ctx)
				}
				return a, err
			case '2':
				return play(AudioItem(c.dep.Audio()), Prompt("vm-deposit-menu")), nil
			case '3':
				return c.again(ctx)
			case '4':
				c.dep.SetUrgent(true)
				return c.menu(Prompt("vm-marked-urgent")), nil
			}
			return c.menu(Prompt("vm-invalid")), nil
		}
	}
	return Action{}, nil
}

// again discards the recording and records anew.
func (c *DepositCall) again(ctx context.Context) (Action, error) {
	if c.dep != nil {
		_ = c.dep.Abort()
	}
	dep, err := c.svc.Begin(ctx, c.box, c.meta)
	if err != nil {
		c.st, c.err = dsDone, err
		return Action{}, err
	}
	c.dep, c.err = dep, nil
	return c.record(Prompt("vm-leave-message")), nil
}

// finish commits (send) or aborts the recording and ends the flow.
func (c *DepositCall) finish(ctx context.Context, send bool) (Action, error) {
	c.st = dsDone
	if !send {
		c.err = c.dep.Abort()
		return Action{}, nil
	}
	c.msg, c.err = c.dep.Commit(ctx)
	if c.err != nil && !errors.Is(c.err, ErrTooShort) {
		return Action{}, c.err
	}
	if c.err != nil {
		return Action{}, nil
	}
	return Action{Kind: ActionHangup, Play: prompts("vm-message-sent", "vm-goodbye")}, nil
}
