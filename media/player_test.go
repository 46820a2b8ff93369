package media

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pion/rtp"
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
	// One continuous stream: no timestamp jump, no second marker.
	checkStream(t, readN(t, b, 4), a)
}

// rtpTiming is what a receiver's jitter buffer looks at: timestamp,
// marker, and when the packet came.
type rtpTiming struct {
	TS     uint32 // relative to the first packet
	Marker bool
}

func timings(got []rtp.Packet) []rtpTiming {
	out := make([]rtpTiming, len(got))
	for i, p := range got {
		out[i] = rtpTiming{p.Header.Timestamp - got[0].Header.Timestamp, p.Header.Marker}
	}
	return out
}

// TestPlayerPauseAdvancesTimestamps is the fix for prompts that a
// softphone heard garbled after a menu had waited silently for keys: the
// second Play's packets must carry timestamps that moved on by the
// pause, and the first of them the marker (RFC 3551 §4.1).
func TestPlayerPauseAdvancesTimestamps(t *testing.T) {
	a, b := sessionPair(t)
	f := &fakeSchedule{now: time.Unix(1000, 0)}
	p := NewPlayer(a, f.config())
	ctx := context.Background()
	must(t, p.Play(ctx, tone(2*FrameSamples)))
	f.now = f.now.Add(1234 * time.Millisecond) // the menu waits for a key
	must(t, p.Play(ctx, tone(2*FrameSamples)))
	// A third prompt right after the second: the stream just goes on.
	must(t, p.Play(ctx, tone(FrameSamples)))
	// A pause after RFC 4733 digits, which moved the audio clock already.
	f.now = f.now.Add(500 * time.Millisecond)
	must(t, a.WriteRTP(101, a.Timestamp(), true, []byte{1, 0x80, 0, 160}))
	a.SkipSamples(800) // the 100 ms the event took
	f.now = f.now.Add(500 * time.Millisecond)
	must(t, p.Play(ctx, tone(FrameSamples)))

	got := readN(t, b, 7)
	var audio []rtp.Packet
	for _, p := range got {
		if p.Header.PayloadType == 0 {
			audio = append(audio, p)
		}
	}
	pause := uint32(1234 * SampleRate / 1000)
	want := []rtpTiming{
		{0, true}, {160, false},
		{320 + pause, true}, {480 + pause, false},
		{640 + pause, false},
		{800 + pause + 8000, true}, // 1 s after the last slot ended
	}
	if diff := cmp.Diff(want, timings(audio)); diff != "" {
		t.Errorf("audio timestamps and markers (-want +got):\n%s", diff)
	}
}

// TestPlayerPauseTimestampsFollowArrival checks the same on the wire in
// real time, as a receiver computes its jitter (RFC 3550 §6.4.1): across
// a real pause, the difference between two packets' arrival times and
// their timestamps' stays small. With timestamps that did not move on,
// it is the whole pause.
func TestPlayerPauseTimestampsFollowArrival(t *testing.T) {
	a, b := sessionPair(t)
	p := NewPlayer(a, PlayerConfig{})
	ctx := context.Background()
	const pause = 700 * time.Millisecond
	type rx struct {
		ts      uint32
		marker  bool
		arrival time.Time
	}
	got := make(chan rx, 16)
	go func() {
		buf := make([]byte, 1500)
		b.SetReadDeadline(time.Now().Add(20 * time.Second))
		for range 6 {
			pk, err := b.ReadRTP(buf)
			if err != nil {
				close(got)
				return
			}
			got <- rx{pk.Header.Timestamp, pk.Header.Marker, pk.Arrival}
		}
		close(got)
	}()
	must(t, p.Play(ctx, tone(3*FrameSamples)))
	time.Sleep(pause)
	must(t, p.Play(ctx, tone(3*FrameSamples)))
	var pk []rx
	for r := range got {
		pk = append(pk, r)
	}
	if len(pk) != 6 {
		t.Fatalf("received %d packets, want 6", len(pk))
	}
	for i, r := range pk {
		if r.marker != (i == 0 || i == 3) {
			t.Errorf("packet %d: marker %v, want it on the first packet of each talkspurt only", i, r.marker)
		}
	}
	// The packet after the pause, against the one before it. A slow
	// machine delays arrivals, never timestamps, so only a difference of
	// about the pause itself (the bug) fails the test.
	dArrival := pk[3].arrival.Sub(pk[2].arrival)
	dTS := time.Duration(pk[3].ts-pk[2].ts) * time.Second / SampleRate
	if dTS < pause {
		t.Errorf("timestamps moved %v across a pause of %v (arrivals %v apart)", dTS, pause, dArrival)
	}
	if d := (dArrival - dTS).Abs(); d > pause/2 {
		t.Errorf("transit jumps by %v across the pause: arrivals %v apart, timestamps %v", d, dArrival, dTS)
	}
}

func TestPlayerReanchorsWhenFarBehind(t *testing.T) {
	a, b := sessionPair(t)
	f := &fakeSchedule{now: time.Unix(1000, 0)}
	f.onN = func(n int) error {
		if n == 2 {
			f.now = f.now.Add(time.Second) // the machine stalled
		}
		return nil
	}
	must(t, NewPlayer(a, f.config()).Play(context.Background(), tone(5*FrameSamples)))
	ms := time.Millisecond
	// The wait for frame 2 (due at 40 ms) ended at 1020 ms. Frame 2 goes
	// then and the schedule continues from there (frame 3 at 1040 ms),
	// instead of a burst of 50 catch-up frames.
	want := []time.Duration{20 * ms, 40 * ms, 1040 * ms, 1060 * ms, 1080 * ms}
	if diff := cmp.Diff(want, f.waits); diff != "" {
		t.Errorf("deadlines (-want +got):\n%s", diff)
	}
	// On the wire the stall is a pause: frame 2 carries a timestamp 980
	// ms later than it would have, and starts a talkspurt.
	wantTS := []rtpTiming{{0, true}, {160, false}, {320 + 7840, true}, {480 + 7840, false}, {640 + 7840, false}}
	if diff := cmp.Diff(wantTS, timings(readN(t, b, 5))); diff != "" {
		t.Errorf("timestamps and markers (-want +got):\n%s", diff)
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
