package media

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeSchedule is a PlayerConfig whose clock only moves when the player
// waits (to the deadline) or when the test says work took time.
type fakeSchedule struct {
	now   time.Time
	work  time.Duration // added to the clock on every reading
	waits []time.Duration
	start time.Time
	onN   func(n int) error
}

func (f *fakeSchedule) config() PlayerConfig {
	return PlayerConfig{
		Clock: func() time.Time {
			f.now = f.now.Add(f.work)
			if f.start.IsZero() {
				f.start = f.now // Play's first reading starts the schedule
			}
			return f.now
		},
		Wait: func(ctx context.Context, until time.Time) error {
			f.waits = append(f.waits, until.Sub(f.start))
			if f.onN != nil {
				if err := f.onN(len(f.waits)); err != nil {
					return err
				}
			}
			if until.After(f.now) {
				f.now = until
			}
			return nil
		},
	}
}

func TestPlayerScheduleDoesNotDrift(t *testing.T) {
	a, b := sessionPair(t)
	// Every clock reading costs 3 ms of "work": a player that slept 20 ms
	// after working would drift; ours must keep start + n×20 ms.
	f := &fakeSchedule{now: time.Unix(1000, 0), work: 3 * time.Millisecond}
	n := 3*FrameSamples + FrameSamples/2
	must(t, NewPlayer(a, f.config()).Play(context.Background(), tone(n)))
	// Frames 1–3 at their slots, then the end of frame 3's slot: Play
	// returns when the audio has had its time, so the next Play keeps pace.
	want := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond, 80 * time.Millisecond}
	if diff := cmp.Diff(want, f.waits); diff != "" {
		t.Errorf("deadlines after start (-want +got):\n%s", diff)
	}
	got := readN(t, b, 4)
	checkStream(t, got, a)
	last := make([]int16, FrameSamples)
	DecodeULaw(last, got[3].Payload)
	if diff := cmp.Diff(make([]int16, FrameSamples/2), last[FrameSamples/2:]); diff != "" {
		t.Errorf("last frame not padded with silence:\n%s", diff)
	}
	if a.Stats().PacketsSent != 4 {
		t.Errorf("sent %d packets", a.Stats().PacketsSent)
	}
}

func TestPlayerBackToBackKeepsPace(t *testing.T) {
	a, b := sessionPair(t)
	f := &fakeSchedule{now: time.Unix(1000, 0)}
	p := NewPlayer(a, f.config())
	// Two prompts of two frames each: frames at 0, 20 | 40, 60 ms. Were
	// Play to return as soon as its last frame was sent (at 20 ms), the
	// second prompt's first frame would go at once with it, and every
	// seam would put the stream one frame further ahead of real time.
	must(t, p.Play(context.Background(), tone(2*FrameSamples)))
	must(t, p.Play(context.Background(), tone(2*FrameSamples)))
	ms := time.Millisecond
	want := []time.Duration{20 * ms, 40 * ms, 60 * ms, 80 * ms}
	if diff := cmp.Diff(want, f.waits); diff != "" {
		t.Errorf("deadlines after the first start (-want +got):\n%s", diff)
	}
	readN(t, b, 4)
}

func TestPlayerReanchorsWhenFarBehind(t *testing.T) {
	a, _ := sessionPair(t)
	f := &fakeSchedule{now: time.Unix(1000, 0)}
	f.onN = func(n int) error {
		if n == 2 {
			f.now = f.now.Add(time.Second) // the machine stalled
		}
		return nil
	}
	must(t, NewPlayer(a, f.config()).Play(context.Background(), tone(5*FrameSamples)))
	ms := time.Millisecond
	// The wait for frame 2 (due at 40 ms) ended at 1020 ms. Frame 3, due at
	// 60 ms, goes at once and the schedule continues from there, instead
	// of a burst of 50 catch-up frames.
	want := []time.Duration{20 * ms, 40 * ms, 1020 * ms, 1040 * ms, 1060 * ms}
	if diff := cmp.Diff(want, f.waits); diff != "" {
		t.Errorf("deadlines (-want +got):\n%s", diff)
	}
}

func TestPlayerStopsOnCancel(t *testing.T) {
	a, b := sessionPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeSchedule{now: time.Unix(1000, 0)}
	f.onN = func(n int) error {
		if n == 3 {
			cancel()
			return ctx.Err()
		}
		return nil
	}
	err := NewPlayer(a, f.config()).Play(ctx, tone(50*FrameSamples))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Play: %v, want context.Canceled", err)
	}
	readN(t, b, 3)
	if st := a.Stats(); st.PacketsSent != 3 {
		t.Errorf("sent %d packets after cancel at the 4th, want 3", st.PacketsSent)
	}
}

func TestPlayerRealTime(t *testing.T) {
	a, b := sessionPair(t)
	start := time.Now()
	must(t, NewPlayer(a, PlayerConfig{}).Play(context.Background(), tone(5*FrameSamples)))
	// Play waits out the slots of all 5 frames: at least 100 ms, however
	// slow the machine; no upper bound, which a loaded machine could break.
	if el := time.Since(start); el < 5*FrameDuration {
		t.Errorf("5 frames played in %v, faster than real time", el)
	}
	checkStream(t, readN(t, b, 5), a)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewPlayer(a, PlayerConfig{}).Play(ctx, tone(5*FrameSamples)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Play: %v", err)
	}
}

func TestPlayerReaderErrors(t *testing.T) {
	a, _ := sessionPair(t)
	boom := errors.New("boom")
	p := NewPlayer(a, PlayerConfig{Wait: func(context.Context, time.Time) error { return nil }})
	if err := p.Play(context.Background(), SampleReaderFunc(func([]int16) (int, error) { return 0, boom })); !errors.Is(err, boom) {
		t.Errorf("failing reader: %v", err)
	}
	if err := p.Play(context.Background(), SampleReaderFunc(func([]int16) (int, error) { return 0, nil })); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("stuck reader: %v", err)
	}
	if err := p.Play(context.Background(), SampleReaderFunc(func([]int16) (int, error) { return 0, io.EOF })); err != nil {
		t.Errorf("empty reader: %v", err)
	}
}

func TestPlayerAllocs(t *testing.T) {
	a, _ := sessionPair(t)
	p := NewPlayer(a, PlayerConfig{Wait: func(context.Context, time.Time) error { return nil }})
	left := 0
	r := SampleReaderFunc(func(dst []int16) (int, error) {
		n := min(left, len(dst))
		left -= n
		if left == 0 {
			return n, io.EOF
		}
		return n, nil
	})
	ctx := context.Background()
	if n := testing.AllocsPerRun(50, func() {
		left = 10 * FrameSamples
		p.Play(ctx, r)
	}); n != 0 {
		t.Errorf("Play allocates %v times per 10 frames", n)
	}
}
