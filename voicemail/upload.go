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

// Greeting is the greeting to play to a caller, from Service.GreetingFor.
type Greeting struct {
	// Kind is the greeting chosen (see Greetings.For).
	Kind GreetingKind
	// Audio is the recording to play (for Service.OpenAudio); "" for
	// GreetingStandard, which the menu speaks from prompts.
	Audio string
	// Name is the recorded name, "" when none; the standard greeting
	// plays it instead of the mailbox number.
	Name string
}

func greetingPath(mailbox string, k GreetingKind) string {
	return path.Join(mailbox, greetingPrefix+k.String()+wavExt)
}

// GreetingAudio returns the audio path of greeting k of mailbox (for
// OpenAudio), or ErrNoGreeting when it was never recorded.
func (s *Service) GreetingAudio(ctx context.Context, mailbox string, k GreetingKind) (string, error) {
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return "", err
	}
	if !k.recordable() || !mb.Greetings.Has(k) {
		return "", ErrNoGreeting
	}
	return greetingPath(mailbox, k), nil
}

// GreetingFor returns the greeting for a call to mailbox that came for
// reason at time now, by the precedence of Greetings.For.
func (s *Service) GreetingFor(ctx context.Context, mailbox string, reason Reason, now time.Time) (Greeting, error) {
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return Greeting{}, err
	}
	return greetingOf(mb, reason, now), nil
}

func greetingOf(mb Mailbox, reason Reason, now time.Time) Greeting {
	g := Greeting{Kind: mb.Greetings.For(reason, now)}
	if g.Kind != GreetingStandard {
		g.Audio = greetingPath(mb.ID, g.Kind)
	}
	if mb.Greetings.Has(GreetingName) {
		g.Name = greetingPath(mb.ID, GreetingName)
	}
	return g
}

// SaveGreeting makes a recording from BeginRecording the mailbox's
// greeting k (any kind but GreetingStandard), durably, replacing the old
// one. The recording is consumed.
func (s *Service) SaveGreeting(ctx context.Context, mailbox string, k GreetingKind, rec *Deposit) error {
	defer rec.Abort()
	if !k.recordable() {
		return fmt.Errorf("voicemail: greeting %v cannot be recorded", k)
	}
	if rec.mb.ID != mailbox || !rec.scratch {
		return errors.New("voicemail: SaveGreeting needs a BeginRecording of the same mailbox")
	}
	if err := rec.finish(nil); err != nil {
		return err
	}
	return s.installGreeting(ctx, mailbox, k, rec)
}

func (s *Service) installGreeting(ctx context.Context, mailbox string, k GreetingKind, rec *Deposit) error {
	mu := s.lock(mailbox)
	mu.Lock()
	defer mu.Unlock()
	if err := s.place(rec.f.Name(), greetingPath(mailbox, k)); err != nil {
		return err
	}
	rec.settled = true
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return err
	}
	mb.Greetings = mb.Greetings.with(k, true)
	return s.store.PutMailbox(ctx, mb)
}

// DeleteGreeting erases recording k (the telephone menu's "erase your
// temporary greeting"); the greeting rules then fall through to the next.
// Erasing the temporary greeting also clears Greetings.TemporaryUntil.
// Erasing a greeting that was never recorded returns ErrNoGreeting.
func (s *Service) DeleteGreeting(ctx context.Context, mailbox string, k GreetingKind) error {
	mu := s.lock(mailbox)
	mu.Lock()
	defer mu.Unlock()
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return err
	}
	if !mb.Greetings.Has(k) {
		return ErrNoGreeting
	}
	mb.Greetings = mb.Greetings.with(k, false)
	if k == GreetingTemporary {
		mb.Greetings.TemporaryUntil = time.Time{}
	}
	if err := s.store.PutMailbox(ctx, mb); err != nil {
		return err
	}
	if err := s.fs.Remove(greetingPath(mailbox, k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("voicemail: remove greeting file", "mailbox", mailbox, "greeting", k, "err", err)
	}
	return nil
}

// Upload errors: an *UploadError wraps one of these, and the media error
// that explains it.
var (
	// ErrNotAudio: the upload is neither WAV nor MP3 (or has no audio).
	ErrNotAudio = errors.New("voicemail: upload is not a WAV or MP3 file")
	// ErrUnsupportedAudio: a WAV or MP3 variant that cannot be decoded
	// (compressed WAV, MPEG-2.5 or other MP3 go-mp3 misreads).
	ErrUnsupportedAudio = errors.New("voicemail: audio format not supported")
	// ErrBrokenAudio: the file is truncated or its headers are wrong.
	ErrBrokenAudio = errors.New("voicemail: audio file is truncated or damaged")
	// ErrUploadTooLarge: more bytes than Config.MaxUploadBytes.
	ErrUploadTooLarge = errors.New("voicemail: upload too large")
	// ErrGreetingTooLong: longer than Config.MaxGreetingLength.
	ErrGreetingTooLong = errors.New("voicemail: greeting too long")
)

// UploadError is why an uploaded greeting was refused. errors.Is matches
// its Kind (ErrNotAudio, ErrUnsupportedAudio, ErrBrokenAudio,
// ErrUploadTooLarge, ErrGreetingTooLong) and the media error beneath.
type UploadError struct {
	Kind error
	// Detail says what is wrong for a person, e.g. media's "MPEG-2.5 at
	// 8000 Hz is not supported by the MP3 decoder; re-export …".
	Detail string
	Err    error
}

// Error implements error.
func (e *UploadError) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Detail
}

// Unwrap returns the kind and the cause.
func (e *UploadError) Unwrap() []error { return []error{e.Kind, e.Err} }

func uploadError(err error) error {
	kind := ErrBrokenAudio
	switch {
	case errors.Is(err, media.ErrAudioTooLarge):
		kind = ErrUploadTooLarge
	case errors.Is(err, media.ErrAudioUnknown):
		kind = ErrNotAudio
	case errors.Is(err, media.ErrAudioUnsupported):
		kind = ErrUnsupportedAudio
	}
	return &UploadError{Kind: kind, Detail: err.Error(), Err: err}
}

// SetGreetingFromUpload validates an uploaded greeting by its content (WAV
// PCM, µ-law or A-law, or MP3; at most Config.MaxUploadBytes and
// Config.MaxGreetingLength), converts it to 8 kHz mono µ-law and makes it
// the mailbox's greeting k, durably. A refused upload returns an
// *UploadError and changes nothing.
func (s *Service) SetGreetingFromUpload(ctx context.Context, mailbox string, k GreetingKind, r io.Reader) error {
	if !k.recordable() {
		return fmt.Errorf("voicemail: greeting %v cannot be uploaded", k)
	}
	rec, err := s.BeginRecording(ctx, mailbox, s.maxGreet)
	if err != nil {
		return err
	}
	defer rec.Abort()
	if err := s.convertUpload(rec, r); err != nil {
		return err
	}
	if err := rec.finish(nil); err != nil {
		return err
	}
	return s.installGreeting(ctx, mailbox, k, rec)
}

// convertUpload decodes r into rec, mapping every failure to an
// *UploadError.
func (s *Service) convertUpload(rec *Deposit, r io.Reader) error {
	src, _, err := media.DecodeAudio(r, media.DecodeOptions{MaxBytes: s.maxUp})
	if err != nil {
		return uploadError(err)
	}
	buf := make([]int16, 4096)
	for {
		n, rerr := src.ReadSamples(buf)
		if n > 0 {
			if _, werr := rec.WriteSamples(buf[:n]); werr != nil {
				if errors.Is(werr, ErrMaxLength) {
					return &UploadError{Kind: ErrGreetingTooLong,
						Detail: fmt.Sprintf("longer than %v", s.maxGreet), Err: werr}
				}
				return werr
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return uploadError(rerr)
		}
	}
	if rec.n == 0 {
		return &UploadError{Kind: ErrNotAudio, Detail: "the file holds no audio", Err: media.ErrAudioMalformed}
	}
	return nil
}
