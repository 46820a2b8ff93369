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
	// new schedule from now, skipping the lost time in the RTP
	// timestamps; zero means 5 frames (100 ms).
	MaxLate time.Duration
}

// Player plays 8 kHz audio into a Session, one FrameDuration packet at a
// time, paced against a fixed schedule: frame n goes out at start + n×20
// ms, so the time spent reading and encoding does not accumulate as drift.
// It encodes with the session's codec into buffers it reuses, so playing
// does not allocate per frame.
//
// Between two Plays the session sends nothing (a menu waiting for keys).
// The RTP timestamps still follow the clock across such a pause, as RFC
// 3550 §5.1 wants: the next Play advances the session's audio clock by
// the time that passed since the last frame's slot ended, and marks its
// first packet as the start of a talkspurt (RFC 3551 §4.1). A receiver's
// jitter buffer can then tell a pause from network delay; were the
// timestamps to carry on from where they stopped, it would take the
// first packets after the pause for very late ones, and the start of the
// prompt would be lost or garbled. A Play that follows the last without
// a pause continues the stream: no gap, no marker.
//
// A Player may play many sources one after the other; it is not safe for
// concurrent use.
type Player struct {
	s     *Session
	cfg   PlayerConfig
	timer *time.Timer
	// end is when the slot of the last frame sent ended, and ts the
	// session's audio clock then; zero before the first Play.
	end     time.Time
	ts      uint32
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
// start of a talkspurt unless it follows the previous Play without a
// pause, and after a pause the timestamps jump by its length (see
// Player). Play returns once the last frame's own 20 ms have
// passed, not as soon as it is sent, so that the next Play keeps the pace
// (no two frames at once at the seam) and a hang-up right after it (an
// RTCP BYE, which some receivers act on before a packet that arrived just
// ahead of it) does not cut the tail. Play returns ctx.Err() when ctx is
// done, and a wrapped error when r or the session fails.
func (p *Player) Play(ctx context.Context, r SampleReader) error {
	start := p.resume()
	// end waits until the slots of the frames sent so far have passed.
	end := func(frames int) error {
		if frames == 0 {
			return nil
		}
		p.end, p.ts = start.Add(time.Duration(frames)*FrameDuration), p.s.Timestamp()
		return p.cfg.Wait(ctx, p.end)
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
			if err := p.cfg.Wait(ctx, due); err != nil {
				return err
			}
			if late := p.cfg.Clock().Sub(due); late > p.cfg.MaxLate {
				// A stall (an overloaded machine): rather than a burst
				// of catch-up frames, start a new schedule from now.
				// On the wire it is a pause: the timestamps skip it,
				// and a talkspurt begins.
				start = start.Add(late)
				p.s.SkipSamples(int(late * SampleRate / time.Second))
			}
		}
		m, err := p.s.Codec().Encode(p.payload[:], p.samples[:])
		if err != nil {
			return fmt.Errorf("media: play: %w", err)
		}
		if err := p.s.WriteAudio(p.payload[:m]); err != nil {
			return fmt.Errorf("media: play: %w", err)
		}
		p.end, p.ts = start.Add(time.Duration(n+1)*FrameDuration), p.s.Timestamp()
		if rerr == io.EOF {
			return end(n + 1)
		}
	}
}

// resume returns the time the first frame of a new Play is due. After a
// pause it moves the session's audio clock on by the pause and marks a
// talkspurt; right after the previous Play's last slot (within a frame)
// it continues the schedule seamlessly. Time the session's clock already
// moved on meanwhile (RFC 4733 digits sent between two Plays) counts
// towards the pause.
func (p *Player) resume() time.Time {
	now := p.cfg.Clock()
	if p.end.IsZero() {
		p.s.MarkTalkspurt()
		return now
	}
	gap := now.Sub(p.end)
	if gap < FrameDuration {
		// Back to back: keep the pace, even when this Play started a
		// little before the last slot ended (a cancelled Play).
		if p.s.Timestamp() == p.ts {
			return p.end
		}
		p.s.MarkTalkspurt() // something else was sent in between
		if now.Before(p.end) {
			return p.end
		}
		return now
	}
	want := p.ts + uint32(gap*SampleRate/time.Second)
	if d := int32(want - p.s.Timestamp()); d > 0 {
		p.s.SkipSamples(int(d))
	} else {
		p.s.MarkTalkspurt()
	}
	return now
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
