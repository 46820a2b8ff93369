package voicemail

import "fmt"

// enumText is the text form shared by the package's enums: names[v] is the
// name of value v, and "" marks a value with no text form.
func enumText[T ~uint8](v T, names []string) ([]byte, error) {
	if int(v) < len(names) && names[v] != "" {
		return []byte(names[v]), nil
	}
	return nil, fmt.Errorf("voicemail: invalid %T %d", v, v)
}

func enumParse[T ~uint8](dst *T, text []byte, names []string) error {
	for i, n := range names {
		if n != "" && n == string(text) {
			*dst = T(i)
			return nil
		}
	}
	return fmt.Errorf("voicemail: unknown %T %q", *dst, text)
}

func enumString[T ~uint8](v T, names []string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%T(%d)", v, v)
}

// Folder is where a message is filed: new (not yet heard, the inbox) or
// old (heard or saved). The zero value is FolderUnknown.
type Folder uint8

// The folders.
const (
	FolderUnknown Folder = iota
	// FolderNew holds messages not yet heard: the inbox, counted as "new"
	// by message-waiting indication.
	FolderNew
	// FolderOld holds messages heard or saved.
	FolderOld
)

var folderNames = []string{"", "new", "old"}

// String returns "new" or "old".
func (f Folder) String() string { return enumString(f, folderNames) }

// MarshalText implements encoding.TextMarshaler ("new", "old").
func (f Folder) MarshalText() ([]byte, error) { return enumText(f, folderNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (f *Folder) UnmarshalText(b []byte) error { return enumParse(f, b, folderNames) }

// Filter selects messages in a listing, as the portal's mailbox view does.
// The zero value, FilterAll, selects every message.
type Filter uint8

// The filters.
const (
	// FilterAll selects every message.
	FilterAll Filter = iota
	// FilterInbox selects new messages (folder new).
	FilterInbox
	// FilterUrgent selects urgent messages, new or old.
	FilterUrgent
	// FilterOld selects heard or saved messages (folder old).
	FilterOld
)

var filterNames = []string{"all", "inbox", "urgent", "old"}

// String returns "all", "inbox", "urgent" or "old".
func (f Filter) String() string { return enumString(f, filterNames) }

// MarshalText implements encoding.TextMarshaler.
func (f Filter) MarshalText() ([]byte, error) { return enumText(f, filterNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (f *Filter) UnmarshalText(b []byte) error { return enumParse(f, b, filterNames) }

// Order is the order messages are listed and played in. The zero value,
// OldestFirst, is the usual telephone default.
type Order uint8

// The play orders.
const (
	// OldestFirst lists the message received first, first.
	OldestFirst Order = iota
	// NewestFirst lists the message received last, first.
	NewestFirst
)

var orderNames = []string{"oldest-first", "newest-first"}

// String returns "oldest-first" or "newest-first".
func (o Order) String() string { return enumString(o, orderNames) }

// MarshalText implements encoding.TextMarshaler.
func (o Order) MarshalText() ([]byte, error) { return enumText(o, orderNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Order) UnmarshalText(b []byte) error { return enumParse(o, b, orderNames) }

// Playback says what the telephone menu plays for each message (the
// CommPortal "Voicemail Playback" option). The zero value,
// PlayDetailsAndMessage, plays the envelope (number, sender, time) and then
// the message.
type Playback uint8

// The playback choices.
const (
	// PlayDetailsAndMessage plays the details, then the message.
	PlayDetailsAndMessage Playback = iota
	// PlayMessageOnly plays the message alone; 5 still plays the details.
	PlayMessageOnly
	// PlayDetailsOnly plays the details alone; 1 plays the message.
	PlayDetailsOnly
)

var playbackNames = []string{"details-and-message", "message-only", "details-only"}

// String returns the text form, e.g. "message-only".
func (p Playback) String() string { return enumString(p, playbackNames) }

// MarshalText implements encoding.TextMarshaler.
func (p Playback) MarshalText() ([]byte, error) { return enumText(p, playbackNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Playback) UnmarshalText(b []byte) error { return enumParse(p, b, playbackNames) }

// EmailMode is how a new message is announced by email (FortiVoice's
// notification options). The zero value, EmailNone, sends nothing.
type EmailMode uint8

// The email notification modes.
const (
	// EmailNone sends no email.
	EmailNone EmailMode = iota
	// EmailSimple sends a notice without the audio.
	EmailSimple
	// EmailWithAudio sends a notice with the message attached as WAV.
	EmailWithAudio
)

var emailNames = []string{"none", "simple", "with-audio"}

// String returns "none", "simple" or "with-audio".
func (e EmailMode) String() string { return enumString(e, emailNames) }

// MarshalText implements encoding.TextMarshaler.
func (e EmailMode) MarshalText() ([]byte, error) { return enumText(e, emailNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *EmailMode) UnmarshalText(b []byte) error { return enumParse(e, b, emailNames) }

// AutoForward is the CommPortal "Voicemail Auto-Forwarding" choice: send
// every new message to an email address, and keep it or delete it. The
// zero value, ForwardOff, forwards nothing.
type AutoForward uint8

// The auto-forward choices.
const (
	// ForwardOff does not forward.
	ForwardOff AutoForward = iota
	// ForwardKeep forwards and keeps the message in the mailbox.
	ForwardKeep
	// ForwardDelete forwards and deletes the message once the Notifier
	// reports the forward succeeded.
	ForwardDelete
)

var forwardNames = []string{"off", "keep", "delete"}

// String returns "off", "keep" or "delete".
func (a AutoForward) String() string { return enumString(a, forwardNames) }

// MarshalText implements encoding.TextMarshaler.
func (a AutoForward) MarshalText() ([]byte, error) { return enumText(a, forwardNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *AutoForward) UnmarshalText(b []byte) error { return enumParse(a, b, forwardNames) }

// Reason is why a call reached voicemail; it picks the greeting. The zero
// value is ReasonUnknown, treated as ReasonNoAnswer.
type Reason uint8

// The reasons.
const (
	ReasonUnknown Reason = iota
	// ReasonBusy: the user was on another call or rejected it as busy.
	ReasonBusy
	// ReasonNoAnswer: the phones rang out.
	ReasonNoAnswer
	// ReasonUnavailable: no phone registered, or call handling sent the
	// call straight to voicemail.
	ReasonUnavailable
	// ReasonDND: the user has do-not-disturb on.
	ReasonDND
)

var reasonNames = []string{"", "busy", "no-answer", "unavailable", "dnd"}

// String returns "busy", "no-answer", "unavailable" or "dnd".
func (r Reason) String() string { return enumString(r, reasonNames) }

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) { return enumText(r, reasonNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Reason) UnmarshalText(b []byte) error { return enumParse(r, b, reasonNames) }
