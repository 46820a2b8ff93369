package voicemail

import (
	"context"
	"time"
)

// Store keeps mailbox settings, the message index and PIN lockout state.
// It does not hold audio: that lives in files (see FS). MemStore is the
// in-memory implementation; package store implements it over SQLite.
//
// Implementations must be safe for concurrent use, and a write that
// returned nil must survive a crash of the process (and, for a durable
// store, of the machine).
type Store interface {
	// PutMailbox creates or replaces a mailbox's settings.
	PutMailbox(ctx context.Context, m Mailbox) error
	// GetMailbox returns a mailbox's settings, or ErrNoMailbox.
	GetMailbox(ctx context.Context, id string) (Mailbox, error)
	// DeleteMailbox deletes a mailbox, its index rows and its PIN state,
	// or returns ErrNoMailbox.
	DeleteMailbox(ctx context.Context, id string) error
	// MailboxIDs returns every mailbox ID, sorted.
	MailboxIDs(ctx context.Context) ([]string, error)

	// AddMessage indexes a message. It returns ErrNoMailbox when
	// m.Mailbox does not exist and ErrExists when the ID is taken.
	AddMessage(ctx context.Context, m Message) error
	// GetMessage returns one message, or ErrNoMessage.
	GetMessage(ctx context.Context, mailbox, id string) (Message, error)
	// ListMessages returns the messages of a mailbox that q selects, in
	// q's order (see Less) and page; an unknown mailbox lists nothing.
	ListMessages(ctx context.Context, mailbox string, q Query) (Page, error)
	// SetMessageFlags files a message in folder f and sets its urgent
	// flag, or returns ErrNoMessage.
	SetMessageFlags(ctx context.Context, mailbox, id string, f Folder, urgent bool) error
	// DeleteMessages removes the index rows of ids (those that exist) and
	// returns how many it removed.
	DeleteMessages(ctx context.Context, mailbox string, ids []string) (int, error)
	// CountMessages returns the mailbox's counts.
	CountMessages(ctx context.Context, mailbox string) (Counts, error)

	// GetPINState returns the wrong-PIN state; a mailbox never locked has
	// the zero PINState.
	GetPINState(ctx context.Context, mailbox string) (PINState, error)
	// PutPINState stores the wrong-PIN state.
	PutPINState(ctx context.Context, mailbox string, s PINState) error
}

// PINState is a mailbox's wrong-PIN record, kept in the Store so that a
// lock survives a restart.
type PINState struct {
	// Failures counts wrong PINs since the last success or lock.
	Failures int `json:"failures"`
	// Lockouts counts locks since the last successful login; each lock
	// lasts twice as long as the one before.
	Lockouts int `json:"lockouts"`
	// LockedUntil is when the current lock ends; zero when not locked.
	LockedUntil time.Time `json:"locked_until,omitzero"`
}
