package voicemail

import (
	"fmt"
	"slices"
	"time"
)

// Mailbox is a mailbox's settings: who it belongs to, its telephone-menu
// options, quotas, notification choices, greetings and PIN hash. The
// messages are not here; the Store indexes them separately.
type Mailbox struct {
	// ID is the mailbox number, usually the owner's extension. It names a
	// directory, so it is restricted (see ValidateMailboxID).
	ID string `json:"id"`
	// Name is the owner's name, for the portal and emails.
	Name string `json:"name,omitempty"`
	// Members are the extensions that may also read this mailbox: a shared
	// or group mailbox (shown with an Owner column in the portal).
	Members []string `json:"members,omitempty"`
	// PINHash is the PIN as the PINHasher hashed it; "" means no PIN set,
	// and telephone login then needs Options.SkipPIN from the own phone.
	PINHash string `json:"pin_hash,omitempty"`
	// Options are the telephone-menu options.
	Options Options `json:"options"`
	// Quota limits the mailbox.
	Quota Quota `json:"quota"`
	// Notify says how new messages are announced.
	Notify Notify `json:"notify"`
	// Greetings says which greeting plays when.
	Greetings Greetings `json:"greetings"`
}

// Visible reports whether extension ext may read the mailbox: it is the
// mailbox's own number or one of its Members.
func (m Mailbox) Visible(ext string) bool {
	return ext == m.ID || slices.Contains(m.Members, ext)
}

// Options are the mailbox settings for telephone access (CommPortal
// "Mailbox Settings", "Voicemail Playback", "Message Play Order").
type Options struct {
	// SkipPIN lets the owner in without a PIN when calling from their own
	// phone (*61, or *60 from the own phone).
	SkipPIN bool `json:"skip_pin,omitempty"`
	// FastLogin skips the mailbox-number prompt when calling *60 from the
	// own phone: the menu asks only for the PIN.
	FastLogin bool `json:"fast_login,omitempty"`
	// AutoPlay starts playing new messages right after login, without the
	// main menu.
	AutoPlay bool `json:"auto_play,omitempty"`
	// Playback is what is played for each message.
	Playback Playback `json:"playback"`
	// Order is the play order.
	Order Order `json:"order"`
	// Operator, when not "", lets a caller press 0 during the greeting to
	// be transferred to this number (FortiVoice "Voicemail handling").
	Operator string `json:"operator,omitempty"`
}

// Quota limits a mailbox. Zero fields take the defaults below.
type Quota struct {
	// MaxMessages is the most messages the mailbox holds (default 100); a
	// deposit into a full mailbox fails with ErrMailboxFull.
	MaxMessages int `json:"max_messages,omitempty"`
	// MaxLength is the longest message (default 3 minutes); recording
	// stops there.
	MaxLength time.Duration `json:"max_length,omitempty"`
	// MinLength is the shortest message kept (default 1 second); shorter
	// deposits fail with ErrTooShort and leave nothing.
	MinLength time.Duration `json:"min_length,omitempty"`
	// RetainDays deletes messages older than this many days when
	// Service.Purge runs; 0 keeps them forever.
	RetainDays int `json:"retain_days,omitempty"`
}

// Quota defaults.
const (
	DefaultMaxMessages = 100
	DefaultMaxLength   = 3 * time.Minute
	DefaultMinLength   = time.Second
)

// WithDefaults returns q with zero fields set to the defaults.
func (q Quota) WithDefaults() Quota {
	if q.MaxMessages <= 0 {
		q.MaxMessages = DefaultMaxMessages
	}
	if q.MaxLength <= 0 {
		q.MaxLength = DefaultMaxLength
	}
	if q.MinLength <= 0 {
		q.MinLength = DefaultMinLength
	}
	return q
}

// Notify is how new messages are announced. The Service passes it to the
// Notifier with every new message; the application sends the email.
type Notify struct {
	// Email is the email notification mode.
	Email EmailMode `json:"email"`
	// AutoForward forwards every message to Address as email, keeping it
	// or deleting it.
	AutoForward AutoForward `json:"auto_forward"`
	// Address is the email address(es) for notifications and forwards.
	Address string `json:"address,omitempty"`
}

// ValidateMailboxID reports whether id can be a mailbox ID: 1 to 64
// letters, digits, '-', '_' or '.', not starting with '.'. The error wraps
// ErrInvalidMailboxID.
func ValidateMailboxID(id string) error {
	if id == "" || len(id) > 64 || id[0] == '.' {
		return fmt.Errorf("%w: %q", ErrInvalidMailboxID, id)
	}
	for _, c := range []byte(id) {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_', c == '.':
		default:
			return fmt.Errorf("%w: %q", ErrInvalidMailboxID, id)
		}
	}
	return nil
}
