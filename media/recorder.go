package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// PacketReader is a source of received RTP packets, in the order they
// should be played out. A *Session is one (arrival order); a jitter buffer
// that reorders packets and conceals loss can be another, placed between
// the session and a Recorder.
//
// ReadRTP follows Session.ReadRTP's rules: the packet may use buf, and
// is valid until the next call. SetReadDeadline wakes a blocked ReadRTP
// with os.ErrDeadlineExceeded.
type PacketReader interface {
	ReadRTP(buf []byte) (Packet, error)
	SetReadDeadline(t time.Time) error
}

var _ PacketReader = (*Session)(nil)

// maxGap is the largest timestamp jump a Recorder fills with silence;
// a bigger jump is taken as the peer restarting its clock.
const maxGap = 10 * SampleRate

// RecorderConfig configures a Recorder. The zero value records until the
// context is done.
type RecorderConfig struct {
	// Source is where packets come from; nil means the session itself, in
	// arrival order. This is where a jitter buffer slots in.
	Source PacketReader
	// MaxDuration stops recording once this much audio (silence for lost
	// packets included) has been written, or this much time has passed,
	// whichever comes first; zero means no limit.
	MaxDuration time.Duration
	// OnEvent is called with each telephone-event (RFC 4733) packet, from
	// the recording goroutine; the packet's Payload is only valid during
	// the call. Nil ignores them.
	OnEvent func(p Packet)
}

// Recorder writes the audio a Session receives, decoded to 8 kHz linear,
// to a SampleWriter. Packets are taken in the order the source gives them;
// a packet whose timestamp is behind what was already written (late or
// duplicate) is dropped, and a timestamp gap (lost packets, silence
// suppression) up to 10 seconds is filled with silence, so the recording
// keeps the call's timing. It does not allocate per packet.
//
// Not safe for concurrent use; it is the only reader of its source while
// Record runs.
type Recorder struct {
	s       *Session
	src     PacketReader
	w       SampleWriter
	cfg     RecorderConfig
	buf     [1500]byte
	pcm     [1500]int16
	silence [FrameSamples]int16
}

// NewRecorder returns a Recorder of the audio received by s into w.
func NewRecorder(s *Session, w SampleWriter, cfg RecorderConfig) *Recorder {
	src := cfg.Source
	if src == nil {
		src = s
	}
	return &Recorder{s: s, src: src, w: w, cfg: cfg}
}

// Record records until ctx is done (it returns ctx.Err()), MaxDuration is
// reached or the session is closed (it returns nil), or the source or the
// writer fails (a wrapped error). It returns the number of samples written.
func (r *Recorder) Record(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var deadline time.Time
	var limit int64 = -1
	if r.cfg.MaxDuration > 0 {
		deadline = time.Now().Add(r.cfg.MaxDuration)
		limit = int64(r.cfg.MaxDuration * SampleRate / time.Second)
		if err := r.src.SetReadDeadline(deadline); err != nil {
			return 0, fmt.Errorf("media: record: %w", err)
		}
	}
	// Wake a blocked ReadRTP when ctx is done; on return, wait for the
	// wake-up if it already began, then clear the deadline.
	var fired sync.WaitGroup
	fired.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer fired.Done()
		r.src.SetReadDeadline(time.Unix(1, 0))
	})
	defer func() {
		if !stop() {
			fired.Wait()
		}
		r.src.SetReadDeadline(time.Time{})
	}()

	var (
		written int64
		next    uint32 // timestamp of the next sample expected
		ssrc    uint32
		started bool
	)
	for limit < 0 || written < limit {
		p, err := r.src.ReadRTP(r.buf[:])
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return written, ctx.Err()
			case errors.Is(err, net.ErrClosed):
				return written, nil
			case errors.Is(err, os.ErrDeadlineExceeded) && !deadline.IsZero() && !time.Now().Before(deadline):
				return written, nil
			}
			return written, fmt.Errorf("media: record: %w", err)
		}
		pt := p.Header.PayloadType
		if pt == r.s.EventPayloadType() {
			if r.cfg.OnEvent != nil {
				r.cfg.OnEvent(p)
			}
			continue
		}
		codec := r.s.Codec()
		if pt != r.s.PayloadType() {
			if codec = CodecForPayloadType(pt); codec == CodecUnknown {
				continue // comfort noise, video, anything we cannot decode
			}
		}
		ts := p.Header.Timestamp
		if started && p.Header.SSRC == ssrc {
			d := int32(ts - next)
			if d < 0 {
				continue // late or duplicate: arrival order, no reordering
			}
			if d > 0 && d <= maxGap {
				n, err := r.writeSilence(int64(d), limit-written, limit >= 0)
				written += n
				if err != nil {
					return written, err
				}
			}
		}
		started, ssrc, next = true, p.Header.SSRC, ts+uint32(len(p.Payload))
		m, _ := codec.Decode(r.pcm[:], p.Payload)
		if limit >= 0 {
			m = int(min(int64(m), limit-written))
		}
		n, err := r.w.WriteSamples(r.pcm[:m])
		written += int64(n)
		if err != nil {
			return written, fmt.Errorf("media: record: %w", err)
		}
	}
	return written, nil
}

// writeSilence writes n samples of silence, at most room when limited.
func (r *Recorder) writeSilence(n, room int64, limited bool) (int64, error) {
	if limited {
		n = min(n, room)
	}
	var done int64
	for done < n {
		k := min(n-done, int64(len(r.silence)))
		m, err := r.w.WriteSamples(r.silence[:k])
		done += int64(m)
		if err != nil {
			return done, fmt.Errorf("media: record: %w", err)
		}
	}
	return done, nil
}
