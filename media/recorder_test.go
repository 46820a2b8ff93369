package media

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleSink is a SampleWriter that keeps what it is given.
type sampleSink struct {
	mu sync.Mutex
	s  []int16
}

func (w *sampleSink) WriteSamples(src []int16) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.s = append(w.s, src...)
	return len(src), nil
}

func (w *sampleSink) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.s)
}

// constFrame returns n µ-law bytes encoding v and the samples they decode to.
func constFrame(c Codec, v int16, n int) ([]byte, []int16) {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = v
	}
	b := make([]byte, n)
	c.Encode(b, pcm)
	c.Decode(pcm, b)
	return b, pcm
}

func TestRecorderFillsGapsAndSkipsEvents(t *testing.T) {
	peer, c := listenUDP(t), listenUDP(t)
	s := newSession(t, c, SessionConfig{Remote: addrOf(peer), NoRTCP: true})
	fa, pa := constFrame(CodecPCMU, 1000, FrameSamples)
	fb, pb := constFrame(CodecPCMU, -2000, FrameSamples)
	fd, pd := constFrame(CodecPCMU, 3000, FrameSamples)
	fg, pg := constFrame(CodecPCMA, -4000, FrameSamples/2)
	event := []byte{5, 0x80, 0, 160}
	for _, p := range [][]byte{
		rawRTP(t, 1, 1000, 7, 0, fa),
		rawRTP(t, 2, 1160, 7, 0, fb),
		// seq 3 (ts 1320) lost
		rawRTP(t, 4, 1480, 7, 0, fd),
		rawRTP(t, 5, 1640, 7, 101, event),
		rawRTP(t, 4, 1480, 7, 0, fd),  // duplicate: dropped
		rawRTP(t, 6, 1640, 7, 13, fd), // comfort noise: ignored
		rawRTP(t, 7, 1640, 7, 8, fg),  // A-law, static payload type
	} {
		peer.WriteToUDPAddrPort(p, s.LocalAddr())
	}
	var sink sampleSink
	var events [][]byte
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRecorder(s, &sink, RecorderConfig{OnEvent: func(p Packet) { events = append(events, append([]byte(nil), p.Payload...)) }})
	var n int64
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { n, err = r.Record(ctx) })
	want := append(append(append(append(append([]int16(nil), pa...), pb...), make([]int16, FrameSamples)...), pd...), pg...)
	waitFor(t, "the recording", func() bool { return sink.len() >= len(want) })
	cancel()
	wg.Wait()
	if !errors.Is(err, context.Canceled) || n != int64(len(want)) {
		t.Errorf("Record = %d, %v; want %d, context.Canceled", n, err, len(want))
	}
	if diff := cmp.Diff(want, sink.s); diff != "" {
		t.Errorf("recording (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]byte{event}, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// The session is usable again: the recorder cleared its deadline.
	peer.WriteToUDPAddrPort(rawRTP(t, 8, 2000, 7, 0, fa), s.LocalAddr())
	readN(t, s, 1)
}

func TestRecorderMaxDuration(t *testing.T) {
	peer, c := listenUDP(t), listenUDP(t)
	s := newSession(t, c, SessionConfig{Remote: addrOf(peer), NoRTCP: true})
	frame, _ := constFrame(CodecPCMU, 100, FrameSamples)
	for i := range 60 {
		peer.WriteToUDPAddrPort(rawRTP(t, uint16(i), uint32(i*FrameSamples), 1, 0, frame), s.LocalAddr())
	}
	var sink sampleSink
	// 1 s is 50 frames: the recording stops there though 60 were queued.
	n, err := NewRecorder(s, &sink, RecorderConfig{MaxDuration: time.Second}).Record(context.Background())
	if err != nil || n != SampleRate || sink.len() != SampleRate {
		t.Errorf("Record = %d, %v with %d samples; want %d, nil", n, err, sink.len(), SampleRate)
	}

	// A short limit counts in audio too: 30 ms is 240 samples.
	n, err = NewRecorder(s, &sink, RecorderConfig{MaxDuration: 30 * time.Millisecond}).Record(context.Background())
	if err != nil || n != 240 {
		t.Errorf("Record = %d, %v; want 240, nil", n, err)
	}
	readN(t, s, 8) // the rest of the queue

	// With nothing arriving, the wall clock ends it.
	n, err = NewRecorder(s, &sink, RecorderConfig{MaxDuration: 30 * time.Millisecond}).Record(context.Background())
	if err != nil || n != 0 {
		t.Errorf("idle Record = %d, %v; want 0, nil", n, err)
	}
}

func TestRecorderEndsWithSession(t *testing.T) {
	a, _ := sessionPair(t)
	var wg sync.WaitGroup
	var err error
	wg.Go(func() { _, err = NewRecorder(a, &sampleSink{}, RecorderConfig{}).Record(context.Background()) })
	a.Close()
	wg.Wait()
	if err != nil {
		t.Errorf("Record after Close: %v", err)
	}
	if _, err := NewRecorder(a, &sampleSink{}, RecorderConfig{}).Record(context.Background()); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("Record on a closed session: %v", err)
	}
}

func TestRecorderAllocsPerPacket(t *testing.T) {
	peer, c := listenUDP(t), listenUDP(t)
	s := newSession(t, c, SessionConfig{Remote: addrOf(peer), NoRTCP: true})
	pkt := rawRTP(t, 0, 0, 1, 0, make([]byte, FrameSamples))
	dst := s.LocalAddr()
	discard := SampleWriterFunc(func(src []int16) (int, error) { return len(src), nil })
	seq := uint16(0)
	record := func(frames int) func() {
		r := NewRecorder(s, discard, RecorderConfig{MaxDuration: time.Duration(frames) * FrameDuration})
		return func() {
			for range frames {
				seq++
				pkt[2], pkt[3] = byte(seq>>8), byte(seq)
				ts := uint32(seq) * FrameSamples
				pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
				peer.WriteToUDPAddrPort(pkt, dst)
			}
			if _, err := r.Record(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	one, many := testing.AllocsPerRun(20, record(1)), testing.AllocsPerRun(20, record(20))
	if many != one {
		t.Errorf("Record allocates %v times for 1 packet, %v for 20: not constant per call", one, many)
	}
}
