package media

import (
	"context"
	"fmt"
	"io"
	"time"
)

// PlayerConfig configures a Player. The zero value plays in real time.
type PlayerConfig struct {
	// Clock returns the current time; nil means time.Now. The schedule is
	// computed from the time Play starts, so a time with a monotonic
	// reading (as time.Now gives) keeps it immune to wall-clock steps.
	Clock func() time.Time
	// Wait blocks until the clock reaches until, or ctx is done (then it
	// returns ctx.Err()). Nil means a real timer. Tests set it to run
	// without sleeping and to observe the schedule.
	Wait func(ctx context.Context, until time.Time) error
	// MaxLate is how far behind schedule the player may fall (a stalled
	// machine) before it gives up catching up with a burst and starts a
	// new schedule from now; zero means 5 frames (100 ms).
	MaxLate time.Duration
}

// Player plays 8 kHz audio into a Session, one FrameDuration packet at a
// time, paced against a fixed schedule: frame n goes out at start + n×20
// ms, so the time spent reading and encoding does not accumulate as drift.
// It encodes with the session's codec into buffers it reuses, so playing
// does not allocate per frame.
//
// A Player may play many sources one after the other; it is not safe for
// concurrent use.
type Player struct {
	s       *Session
	cfg     PlayerConfig
	timer   *time.Timer
	samples [FrameSamples]int16
	payload [FrameSamples]byte
}

// NewPlayer returns a Player that sends into s.
func NewPlayer(s *Session, cfg PlayerConfig) *Player {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxLate <= 0 {
		cfg.MaxLate = 5 * FrameDuration
	}
	p := &Player{s: s, cfg: cfg}
	if cfg.Wait == nil {
		p.timer = time.NewTimer(time.Hour)
		p.timer.Stop()
		p.cfg.Wait = p.sleep
	}
	return p
}

// Play sends the audio of r until it ends, then returns nil; the last
// partial frame is padded with silence. The first packet is marked as the
// start of a talkspurt. Play returns once the last frame's own 20 ms have
// passed, not as soon as it is sent, so that the next Play keeps the pace
// (no two frames at once at the seam) and a hang-up right after it (an
// RTCP BYE, which some receivers act on before a packet that arrived just
// ahead of it) does not cut the tail. Play returns ctx.Err() when ctx is
// done, and a wrapped error when r or the session fails.
func (p *Player) Play(ctx context.Context, r SampleReader) error {
	p.s.MarkTalkspurt()
	start := p.cfg.Clock()
	// end waits until the slots of the frames sent so far have passed.
	end := func(frames int) error {
		if frames == 0 {
			return nil
		}
		return p.cfg.Wait(ctx, start.Add(time.Duration(frames)*FrameDuration))
	}
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		got, rerr := readFrame(r, p.samples[:])
		if got == 0 && rerr == io.EOF {
			return end(n)
		}
		if rerr != nil && rerr != io.EOF {
			return fmt.Errorf("media: play: %w", rerr)
		}
		clear(p.samples[got:])
		if n > 0 {
			due := start.Add(time.Duration(n) * FrameDuration)
			if late := p.cfg.Clock().Sub(due); late > p.cfg.MaxLate {
				start = start.Add(late) // re-anchor instead of bursting
				due = due.Add(late)
			}
			if err := p.cfg.Wait(ctx, due); err != nil {
				return err
			}
		}
		m, err := p.s.Codec().Encode(p.payload[:], p.samples[:])
		if err != nil {
			return fmt.Errorf("media: play: %w", err)
		}
		if err := p.s.WriteAudio(p.payload[:m]); err != nil {
			return fmt.Errorf("media: play: %w", err)
		}
		if rerr == io.EOF {
			return end(n + 1)
		}
	}
}

// sleep is the default Wait: one reused timer, no allocation per frame.
func (p *Player) sleep(ctx context.Context, until time.Time) error {
	d := until.Sub(p.cfg.Clock())
	if d <= 0 {
		return ctx.Err()
	}
	p.timer.Reset(d)
	select {
	case <-ctx.Done():
		p.timer.Stop()
		return ctx.Err()
	case <-p.timer.C:
		return nil
	}
}

// readFrame fills dst from r as io.ReadFull would, returning io.EOF with
// the count when the stream ends inside the frame.
func readFrame(r SampleReader, dst []int16) (int, error) {
	n, empty := 0, 0
	for n < len(dst) {
		m, err := r.ReadSamples(dst[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m == 0 {
			if empty++; empty > 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}
