package voicemail

import (
	"errors"
	"fmt"
	"time"
)

// Errors callers decide on with errors.Is.
var (
	// ErrNoMailbox: there is no mailbox with that ID.
	ErrNoMailbox = errors.New("voicemail: no such mailbox")
	// ErrNoMessage: there is no message with that ID in the mailbox.
	ErrNoMessage = errors.New("voicemail: no such message")
	// ErrExists: a message with that ID is already indexed.
	ErrExists = errors.New("voicemail: message already exists")
	// ErrMailboxFull: the mailbox holds its maximum number of messages.
	ErrMailboxFull = errors.New("voicemail: mailbox is full")
	// ErrTooShort: the recording is shorter than the mailbox's minimum
	// message length (an empty hang-up); nothing was kept.
	ErrTooShort = errors.New("voicemail: message too short, nothing kept")
	// ErrMaxLength: the recording reached the maximum message length; the
	// samples past it were not written. Stop recording and Commit.
	ErrMaxLength = errors.New("voicemail: maximum message length reached")
	// ErrClosed: the deposit was already committed or aborted.
	ErrClosed = errors.New("voicemail: deposit already finished")
	// ErrWrongPIN: the PIN does not match (or the mailbox has no PIN).
	ErrWrongPIN = errors.New("voicemail: wrong PIN")
	// ErrInvalidMailboxID: a mailbox ID that cannot name a directory.
	ErrInvalidMailboxID = errors.New("voicemail: invalid mailbox ID")
	// ErrNoGreeting: that greeting was never recorded.
	ErrNoGreeting = errors.New("voicemail: greeting not recorded")
)

// LockedError is returned by Service.Login while the mailbox is locked
// after too many wrong PINs. errors.Is(err, ErrLocked) is true.
type LockedError struct {
	// Until is when the lock ends.
	Until time.Time
}

// ErrLocked matches any *LockedError with errors.Is.
var ErrLocked = errors.New("voicemail: mailbox locked after too many wrong PINs")

// Error implements error.
func (e *LockedError) Error() string {
	return fmt.Sprintf("%v until %s", ErrLocked, e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// PINError says why a new PIN was refused by the PIN policy. The reason is
// for a person and never contains the PIN.
type PINError struct {
	Reason string
}

// Error implements error.
func (e *PINError) Error() string { return "voicemail: PIN not allowed: " + e.Reason }
