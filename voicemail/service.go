package voicemail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/telekit/telekit/media"
)

// Config configures a Service. FS and Store are required; every other
// zero field has a working default.
type Config struct {
	// FS holds the audio; OSFS{Dir: dataDir + "/voicemail"} in a server.
	FS FS
	// Store holds the settings and the message index.
	Store Store
	// Notifier is told about new messages and count changes; nil means
	// nobody is.
	Notifier Notifier
	// Logger receives recovery and notification-failure events; nil
	// means none.
	Logger *slog.Logger
	// CheckPIN is the PIN policy: it returns an error saying why pin is
	// not allowed for mailbox, or nil. nil means DefaultCheckPIN. A server
	// with package account passes account.ValidatePIN, which has this
	// signature.
	CheckPIN func(mailbox, pin string) error
	// PINHasher hashes and verifies PINs; nil means Argon2PINHasher{}.
	PINHasher PINHasher
	// Lockout is the wrong-PIN lockout policy.
	Lockout Lockout
	// MaxUploadBytes is the largest greeting upload (default 10 MB).
	MaxUploadBytes int64
	// MaxGreetingLength is the longest greeting (default 3 minutes).
	MaxGreetingLength time.Duration
}

// Service is a voicemail system: mailboxes, their messages and greetings,
// PINs and notifications, over an FS for audio and a Store for the index.
// Safe for concurrent use.
type Service struct {
	fs       FS
	store    Store
	notifier Notifier
	log      *slog.Logger
	checkPIN func(mailbox, pin string) error
	hasher   PINHasher
	lockout  Lockout
	maxUp    int64
	maxGreet time.Duration

	seed  maphash.Seed
	locks [64]sync.Mutex // per-mailbox settings updates, striped
}

// New returns a Service. Call Recover once at start-up, before taking
// calls, to finish what a crash interrupted.
func New(cfg Config) (*Service, error) {
	if cfg.FS == nil || cfg.Store == nil {
		return nil, errors.New("voicemail: Config.FS and Config.Store are required")
	}
	s := &Service{fs: cfg.FS, store: cfg.Store, notifier: cfg.Notifier, log: cfg.Logger,
		checkPIN: cfg.CheckPIN, hasher: cfg.PINHasher, lockout: cfg.Lockout.withDefaults(),
		maxUp: cfg.MaxUploadBytes, maxGreet: cfg.MaxGreetingLength, seed: maphash.MakeSeed()}
	if s.notifier == nil {
		s.notifier = NotifierFuncs{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.checkPIN == nil {
		s.checkPIN = DefaultCheckPIN
	}
	if s.hasher == nil {
		s.hasher = Argon2PINHasher{}
	}
	if s.maxUp <= 0 {
		s.maxUp = media.DefaultMaxAudioBytes
	}
	if s.maxGreet <= 0 {
		s.maxGreet = 3 * time.Minute
	}
	return s, nil
}

func (s *Service) lock(mailbox string) *sync.Mutex {
	return &s.locks[maphash.String(s.seed, mailbox)%uint64(len(s.locks))]
}

// newID returns a new message ID: the received time in milliseconds and
// random bits, hex, so IDs sort roughly by time and never collide.
func newID(received time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(received.UnixMilli(), 16) + "-" + hex.EncodeToString(b[:])
}

// CreateMailbox stores the settings of a new or existing mailbox and
// creates its directory. It keeps nothing else: m.PINHash is stored as
// given (use SetPIN to set a PIN).
func (s *Service) CreateMailbox(ctx context.Context, m Mailbox) error {
	if err := ValidateMailboxID(m.ID); err != nil {
		return err
	}
	if err := s.fs.MkdirAll(m.ID); err != nil {
		return fmt.Errorf("voicemail: create mailbox directory: %w", err)
	}
	return s.store.PutMailbox(ctx, m)
}

// Mailbox returns a mailbox's settings, or ErrNoMailbox.
func (s *Service) Mailbox(ctx context.Context, id string) (Mailbox, error) {
	return s.store.GetMailbox(ctx, id)
}

// UpdateMailbox applies f to a mailbox's settings and stores the result,
// serialised with the Service's own updates (greetings, PIN). f must not
// change the ID or Greetings.Recorded. Greetings that fail
// Greetings.Validate are refused, and nothing is stored.
func (s *Service) UpdateMailbox(ctx context.Context, id string, f func(*Mailbox)) error {
	mu := s.lock(id)
	mu.Lock()
	defer mu.Unlock()
	m, err := s.store.GetMailbox(ctx, id)
	if err != nil {
		return err
	}
	rec := m.Greetings.Recorded
	f(&m)
	m.ID, m.Greetings.Recorded = id, rec
	if err := m.Greetings.Validate(); err != nil {
		return err
	}
	return s.store.PutMailbox(ctx, m)
}

// VisibleMailboxes returns the mailboxes extension ext may read: its own
// (when it exists) first, then the shared and group mailboxes that list
// it among their Members, by ID. It reads every mailbox's settings, so
// it costs one Store read per mailbox.
func (s *Service) VisibleMailboxes(ctx context.Context, ext string) ([]Mailbox, error) {
	ids, err := s.store.MailboxIDs(ctx)
	if err != nil {
		return nil, err
	}
	var own, shared []Mailbox
	for _, id := range ids {
		m, err := s.store.GetMailbox(ctx, id)
		if errors.Is(err, ErrNoMailbox) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		switch {
		case m.ID == ext:
			own = append(own, m)
		case m.Visible(ext):
			shared = append(shared, m)
		}
	}
	return append(own, shared...), nil
}

// List lists a mailbox.
func (s *Service) List(ctx context.Context, mailbox string, q Query) (Page, error) {
	return s.store.ListMessages(ctx, mailbox, q)
}

// Message returns one message, or ErrNoMessage.
func (s *Service) Message(ctx context.Context, mailbox, id string) (Message, error) {
	return s.store.GetMessage(ctx, mailbox, id)
}

// Counts returns a mailbox's counts for message-waiting indication.
func (s *Service) Counts(ctx context.Context, mailbox string) (Counts, error) {
	return s.store.CountMessages(ctx, mailbox)
}

// MarkHeard moves a message to the old folder (as listening does).
func (s *Service) MarkHeard(ctx context.Context, mailbox, id string) error {
	return s.setFlags(ctx, mailbox, id, func(m *Message) { m.Folder = FolderOld })
}

// MarkNew moves a message back to the new folder.
func (s *Service) MarkNew(ctx context.Context, mailbox, id string) error {
	return s.setFlags(ctx, mailbox, id, func(m *Message) { m.Folder = FolderNew })
}

// SetUrgent sets or clears a message's urgent flag.
func (s *Service) SetUrgent(ctx context.Context, mailbox, id string, urgent bool) error {
	return s.setFlags(ctx, mailbox, id, func(m *Message) { m.Urgent = urgent })
}

func (s *Service) setFlags(ctx context.Context, mailbox, id string, f func(*Message)) error {
	m, err := s.store.GetMessage(ctx, mailbox, id)
	if err != nil {
		return err
	}
	old := m
	f(&m)
	if m.Folder == old.Folder && m.Urgent == old.Urgent {
		return nil
	}
	if err := s.store.SetMessageFlags(ctx, mailbox, id, m.Folder, m.Urgent); err != nil {
		return err
	}
	s.countsChanged(ctx, mailbox)
	return nil
}

// Delete deletes messages: their files first (made durable), then their
// index rows, so a crash in between leaves rows that Recover drops, never
// a deleted message that comes back. It returns how many it deleted.
func (s *Service) Delete(ctx context.Context, mailbox string, ids ...string) (int, error) {
	var gone []string
	for _, id := range ids {
		m, err := s.store.GetMessage(ctx, mailbox, id)
		if errors.Is(err, ErrNoMessage) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if err := s.fs.Remove(m.Audio); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("voicemail: delete %s: %w", m.Audio, err)
		}
		gone = append(gone, id)
	}
	if len(gone) == 0 {
		return 0, nil
	}
	if err := s.fs.SyncDir(mailbox); err != nil {
		return 0, fmt.Errorf("voicemail: delete: sync %s: %w", mailbox, err)
	}
	n, err := s.store.DeleteMessages(ctx, mailbox, gone)
	if err != nil {
		return n, err
	}
	s.countsChanged(ctx, mailbox)
	return n, nil
}

// DeleteAll deletes every message of a mailbox (the portal's "Delete
// All") and returns how many.
func (s *Service) DeleteAll(ctx context.Context, mailbox string) (int, error) {
	p, err := s.store.ListMessages(ctx, mailbox, Query{})
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(p.Messages))
	for i, m := range p.Messages {
		ids[i] = m.ID
	}
	return s.Delete(ctx, mailbox, ids...)
}

// Purge applies every mailbox's retention (Quota.RetainDays): it deletes
// messages received more than that many days before now, and returns how
// many it deleted.
func (s *Service) Purge(ctx context.Context, now time.Time) (int, error) {
	ids, err := s.store.MailboxIDs(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		mb, err := s.store.GetMailbox(ctx, id)
		if err != nil {
			return total, err
		}
		if mb.Quota.RetainDays <= 0 {
			continue
		}
		cut := now.AddDate(0, 0, -mb.Quota.RetainDays)
		p, err := s.store.ListMessages(ctx, id, Query{})
		if err != nil {
			return total, err
		}
		var old []string
		for _, m := range p.Messages {
			if m.Received.Before(cut) {
				old = append(old, m.ID)
			}
		}
		n, err := s.Delete(ctx, id, old...)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// OpenAudio opens a message's or greeting's audio (a Message.Audio or
// Greeting.Audio path) for playing, as 8 kHz 16-bit samples. Close it
// when done.
func (s *Service) OpenAudio(ctx context.Context, ref string) (*Audio, error) {
	f, err := s.fs.Open(ref)
	if err != nil {
		return nil, fmt.Errorf("voicemail: open audio: %w", err)
	}
	r, err := media.NewWAVReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("voicemail: open audio %s: %w", ref, err)
	}
	return &Audio{r: r, f: f}, nil
}

// Audio is an open recording. It is a media.SampleReader; not safe for
// concurrent use.
type Audio struct {
	r *media.WAVReader
	f File
}

var _ media.SampleReader = (*Audio)(nil)

// ReadSamples implements media.SampleReader.
func (a *Audio) ReadSamples(dst []int16) (int, error) { return a.r.ReadSamples(dst) }

// Duration is the audio's length as its header says (0 while a recording
// is still being written).
func (a *Audio) Duration() time.Duration {
	n, ok := a.r.Frames()
	if !ok {
		return 0
	}
	return time.Duration(n) * time.Second / media.SampleRate
}

// Close closes the file.
func (a *Audio) Close() error { return a.f.Close() }

func (s *Service) countsChanged(ctx context.Context, mailbox string) {
	c, err := s.store.CountMessages(ctx, mailbox)
	if err != nil {
		s.log.Error("voicemail: counts for MWI", "mailbox", mailbox, "err", err)
		return
	}
	s.notifier.CountsChanged(ctx, mailbox, c)
}

// arrived announces a new, indexed message and applies auto-forward with
// deletion.
func (s *Service) arrived(ctx context.Context, mb Mailbox, m Message) {
	s.countsChanged(ctx, mb.ID)
	err := s.notifier.MessageArrived(ctx, Arrival{Message: m, MailboxName: mb.Name, Notify: mb.Notify})
	if err != nil {
		s.log.Warn("voicemail: notification failed; message kept", "mailbox", mb.ID, "message", m.ID, "err", err)
		return
	}
	if mb.Notify.AutoForward == ForwardDelete {
		if _, err := s.Delete(ctx, mb.ID, m.ID); err != nil {
			s.log.Error("voicemail: delete after auto-forward", "mailbox", mb.ID, "message", m.ID, "err", err)
		}
	}
}
