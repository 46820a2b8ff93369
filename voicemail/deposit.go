package voicemail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/telekit/telekit/media"
)

// File layout in the FS, one directory per mailbox:
//
//	101/18f3a2c4b00-3e9a1c0f7d2b.wav   a message (µ-law WAV + metadata chunk)
//	101/greeting-busy.wav              a greeting (µ-law WAV)
//	101/.tmp-…                         a recording in progress
const (
	tmpPrefix      = ".tmp-"
	greetingPrefix = "greeting-"
	wavExt         = ".wav"
)

var storedFormat = media.WAVFormat{Encoding: media.WAVULaw, Rate: media.SampleRate, Channels: 1}

// DepositMeta describes a message being left.
type DepositMeta struct {
	// CallerNumber and CallerName are the caller as presented.
	CallerNumber, CallerName string
	// Received is when the caller started; required.
	Received time.Time
	// Urgent marks the message urgent from the start (the deposit menu
	// can also set it with Deposit.SetUrgent).
	Urgent bool
}

// Deposit is a recording in progress: a message being left (Begin), or a
// greeting or comment being recorded (BeginRecording). Write the audio
// with WriteSamples or WriteULaw, then Commit (a message) or hand it to
// SaveGreeting or Forward, or Abort. Until then nothing of it is visible;
// a crash leaves only a temporary file that Recover deletes.
//
// A Deposit is not safe for concurrent use.
type Deposit struct {
	s       *Service
	mb      Mailbox
	msg     Message // ID, caller, received, urgent; message deposits only
	scratch bool
	f       File
	w       *media.WAVWriter
	n, max  int64 // samples written, allowed
	closed  bool  // the file is closed: no more writes
	settled bool  // renamed into place or discarded: Abort does nothing
	buf     []int16
}

var _ media.SampleWriter = (*Deposit)(nil)

// Begin starts a deposit into mailbox. It fails with ErrNoMailbox, or
// ErrMailboxFull when the mailbox holds Quota.MaxMessages messages (play
// "mailbox full" and hang up). The quota is checked here, not at Commit,
// so a message a caller has recorded is never refused; concurrent
// deposits can exceed it by the number in flight.
func (s *Service) Begin(ctx context.Context, mailbox string, meta DepositMeta) (*Deposit, error) {
	if meta.Received.IsZero() {
		return nil, errors.New("voicemail: DepositMeta.Received is required")
	}
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	q := mb.Quota.WithDefaults()
	c, err := s.store.CountMessages(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	if c.New+c.Old >= q.MaxMessages {
		return nil, fmt.Errorf("%w (%d messages)", ErrMailboxFull, c.New+c.Old)
	}
	d, err := s.begin(mb, q.MaxLength)
	if err != nil {
		return nil, err
	}
	d.msg = Message{ID: newID(meta.Received), Mailbox: mailbox, CallerNumber: meta.CallerNumber,
		CallerName: meta.CallerName, Received: meta.Received.UTC(), Folder: FolderNew, Urgent: meta.Urgent}
	return d, nil
}

// BeginRecording starts a recording for a greeting or a forwarding
// comment in mailbox, at most maxLen long (0 means the Service's maximum
// greeting length). It has no quota.
func (s *Service) BeginRecording(ctx context.Context, mailbox string, maxLen time.Duration) (*Deposit, error) {
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	if maxLen <= 0 {
		maxLen = s.maxGreet
	}
	d, err := s.begin(mb, maxLen)
	if err != nil {
		return nil, err
	}
	d.scratch = true
	return d, nil
}

func (s *Service) begin(mb Mailbox, maxLen time.Duration) (*Deposit, error) {
	if err := s.fs.MkdirAll(mb.ID); err != nil {
		return nil, fmt.Errorf("voicemail: mailbox directory: %w", err)
	}
	f, err := s.fs.CreateTemp(mb.ID, tmpPrefix+"*"+wavExt)
	if err != nil {
		return nil, fmt.Errorf("voicemail: create recording: %w", err)
	}
	w, err := media.NewWAVWriter(f, storedFormat)
	if err != nil {
		f.Close()
		_ = s.fs.Remove(f.Name())
		return nil, fmt.Errorf("voicemail: create recording: %w", err)
	}
	return &Deposit{s: s, mb: mb, f: f, w: w, max: int64(maxLen / (time.Second / media.SampleRate))}, nil
}

// WriteSamples implements media.SampleWriter: it appends 8 kHz 16-bit
// samples. At the maximum length it writes what fits and returns
// ErrMaxLength; stop recording then.
func (d *Deposit) WriteSamples(src []int16) (int, error) {
	if d.closed {
		return 0, ErrClosed
	}
	var err error
	if room := d.max - d.n; int64(len(src)) > room {
		src, err = src[:room], ErrMaxLength
	}
	n, werr := d.w.WriteSamples(src)
	d.n += int64(n)
	if werr != nil {
		return n, werr
	}
	return n, err
}

// WriteULaw appends G.711 µ-law bytes (one per sample), as an RTP PCMU
// payload carries them, and returns how many it wrote.
func (d *Deposit) WriteULaw(src []byte) (int, error) {
	if cap(d.buf) < len(src) {
		d.buf = make([]int16, len(src))
	}
	b := d.buf[:len(src)]
	media.DecodeULaw(b, src)
	return d.WriteSamples(b)
}

// Duration is how much audio has been written.
func (d *Deposit) Duration() time.Duration {
	return time.Duration(d.n) * time.Second / media.SampleRate
}

// SetUrgent marks the message being left urgent (or not).
func (d *Deposit) SetUrgent(urgent bool) { d.msg.Urgent = urgent }

// Urgent reports whether the message being left is marked urgent.
func (d *Deposit) Urgent() bool { return d.msg.Urgent }

// Audio is the path of the recording so far, for Service.OpenAudio (the
// deposit menu's "listen to it"). It is valid until Commit or Abort.
func (d *Deposit) Audio() string { return d.f.Name() }

// Commit makes the message durable, indexes it and announces it, in that
// order: the audio and its metadata are written and synced to a temporary
// file, renamed to the message's name and the directory synced; then the
// Store indexes it; then the Notifier hears of it. When Commit returns
// nil the message survives any crash. An error after the rename (the
// index failed) still leaves the message on disk for Recover to index.
//
// A recording shorter than Quota.MinLength is aborted: Commit returns
// ErrTooShort and nothing is left behind.
func (d *Deposit) Commit(ctx context.Context) (Message, error) {
	if d.closed {
		return Message{}, ErrClosed
	}
	if d.scratch {
		return Message{}, errors.New("voicemail: Commit of a greeting or comment recording")
	}
	if d.Duration() < d.mb.Quota.WithDefaults().MinLength {
		if err := d.Abort(); err != nil {
			return Message{}, errors.Join(ErrTooShort, err)
		}
		return Message{}, ErrTooShort
	}
	m := d.msg
	m.Duration = d.Duration().Truncate(time.Millisecond)
	m.Audio = path.Join(m.Mailbox, m.ID+wavExt)
	meta := metaOf(m)
	if err := d.finish(&meta); err != nil {
		return Message{}, err
	}
	if err := d.s.place(d.f.Name(), m.Audio); err != nil {
		return Message{}, err
	}
	d.settled = true
	if err := d.s.store.AddMessage(ctx, m); err != nil {
		return Message{}, fmt.Errorf("voicemail: index message %s (kept on disk for Recover): %w", m.ID, err)
	}
	d.s.arrived(ctx, d.mb, m)
	return m, nil
}

// finish closes the WAV, appends the metadata (when meta is not nil) and
// syncs and closes the file. On failure the temporary file is removed.
func (d *Deposit) finish(meta *fileMeta) error {
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	err := d.w.Close()
	if err == nil && meta != nil {
		err = appendMeta(d.f, *meta)
	}
	if err == nil {
		err = d.f.Sync()
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = d.s.fs.Remove(d.f.Name())
		return fmt.Errorf("voicemail: write recording: %w", err)
	}
	return nil
}

// place renames a finished, synced temporary file into place and syncs
// its directory.
func (s *Service) place(tmp, final string) error {
	if err := s.fs.Rename(tmp, final); err != nil {
		_ = s.fs.Remove(tmp)
		return fmt.Errorf("voicemail: rename recording into place: %w", err)
	}
	if err := s.fs.SyncDir(path.Dir(final)); err != nil {
		return fmt.Errorf("voicemail: sync %s: %w", path.Dir(final), err)
	}
	return nil
}

// Abort discards the recording; nothing is left behind. Aborting a
// committed deposit, or aborting twice, does nothing.
func (d *Deposit) Abort() error {
	if d.settled {
		return nil
	}
	var err error
	if !d.closed {
		d.closed = true
		err = d.f.Close()
	}
	if rerr := d.s.fs.Remove(d.f.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	d.settled = true // nothing left to discard
	return err
}

// copySamples copies all of r to w.
func copySamples(w media.SampleWriter, r media.SampleReader) error {
	buf := make([]int16, 1024)
	for {
		n, err := r.ReadSamples(buf)
		if n > 0 {
			if _, werr := w.WriteSamples(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Forward copies message id of mailbox from into mailbox to, as a new
// message received at now, with the comment recording (from
// BeginRecording in either mailbox; nil for none) played before it. The
// copy is written as durably as a deposit, then indexed and announced to
// the target's Notifier; the comment recording is consumed. Forwarding
// ignores the target's quota: the owner chose to send it.
func (s *Service) Forward(ctx context.Context, from, id, to string, comment *Deposit, now time.Time) (Message, error) {
	if comment != nil {
		defer comment.Abort()
	}
	src, err := s.store.GetMessage(ctx, from, id)
	if err != nil {
		return Message{}, err
	}
	mb, err := s.store.GetMailbox(ctx, to)
	if err != nil {
		return Message{}, err
	}
	d, err := s.begin(mb, 24*time.Hour)
	if err != nil {
		return Message{}, err
	}
	defer d.Abort()
	if comment != nil {
		if err := comment.finish(nil); err != nil {
			return Message{}, err
		}
		if err := s.copyAudio(ctx, d, comment.f.Name()); err != nil {
			return Message{}, err
		}
	}
	if err := s.copyAudio(ctx, d, src.Audio); err != nil {
		return Message{}, err
	}
	m := Message{ID: newID(now), Mailbox: to, CallerNumber: src.CallerNumber, CallerName: src.CallerName,
		Received: now.UTC(), Duration: d.Duration().Truncate(time.Millisecond), Folder: FolderNew,
		Urgent: src.Urgent, ForwardedFrom: from}
	m.Audio = path.Join(to, m.ID+wavExt)
	meta := metaOf(m)
	if err := d.finish(&meta); err != nil {
		return Message{}, err
	}
	if err := s.place(d.f.Name(), m.Audio); err != nil {
		return Message{}, err
	}
	d.settled = true
	if err := s.store.AddMessage(ctx, m); err != nil {
		return Message{}, fmt.Errorf("voicemail: index forwarded message %s (kept on disk for Recover): %w", m.ID, err)
	}
	s.arrived(ctx, mb, m)
	return m, nil
}

func (s *Service) copyAudio(ctx context.Context, w media.SampleWriter, ref string) error {
	a, err := s.OpenAudio(ctx, ref)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := copySamples(w, a); err != nil {
		return fmt.Errorf("voicemail: copy %s: %w", ref, err)
	}
	return nil
}
