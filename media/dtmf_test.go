package media

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDTMFPayloadMarshal(t *testing.T) {
	tests := []struct {
		p    DTMFPayload
		wire []byte
	}{
		{DTMFPayload{Event: DTMF5, Volume: 10, Duration: 800}, []byte{0x05, 0x0a, 0x03, 0x20}},
		{DTMFPayload{Event: DTMFPound, End: true, Volume: 63, Duration: 0xffff}, []byte{0x0b, 0xbf, 0xff, 0xff}},
		{DTMFPayload{Event: DTMFFlash, End: true}, []byte{0x10, 0x80, 0, 0}},
	}
	for _, tt := range tests {
		got, err := tt.p.Marshal()
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", tt.p, err)
		}
		if diff := cmp.Diff(tt.wire, got); diff != "" {
			t.Errorf("Marshal(%+v) (-want +got):\n%s", tt.p, diff)
		}
		var back DTMFPayload
		if err := back.Unmarshal(tt.wire); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.p, back); diff != "" {
			t.Errorf("Unmarshal(%x) (-want +got):\n%s", tt.wire, diff)
		}
	}
	// The reserved R bit is ignored.
	var p DTMFPayload
	if err := p.Unmarshal([]byte{1, 0x40 | 7, 0, 160}); err != nil || p != (DTMFPayload{Event: DTMF1, Volume: 7, Duration: 160}) {
		t.Errorf("R bit set: got %+v, %v", p, err)
	}
}

func TestDTMFPayloadErrors(t *testing.T) {
	var p DTMFPayload
	for _, b := range [][]byte{nil, {1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8}} {
		if err := p.Unmarshal(b); !errors.Is(err, ErrDTMFPayload) {
			t.Errorf("Unmarshal(%x) = %v, want ErrDTMFPayload", b, err)
		}
	}
	if _, err := (DTMFPayload{Volume: 64}).Marshal(); !errors.Is(err, ErrDTMFPayload) {
		t.Errorf("volume 64: %v, want ErrDTMFPayload", err)
	}
	if _, err := (DTMFPayload{}).MarshalTo(make([]byte, 3)); !errors.Is(err, ErrDTMFPayload) {
		t.Errorf("short buffer: %v, want ErrDTMFPayload", err)
	}
}

func TestDTMFEventNames(t *testing.T) {
	var got string
	for ev := DTMF0; ev <= DTMFD; ev++ {
		got += ev.String()
		if back, ok := DTMFEventForDigit(ev.Digit()); !ok || back != ev {
			t.Errorf("DTMFEventForDigit(%q) = %v, %v", ev.Digit(), back, ok)
		}
	}
	if got != "0123456789*#ABCD" {
		t.Errorf("names %q", got)
	}
	if DTMFFlash.String() != "flash" || DTMFEvent(99).String() != "DTMFEvent(99)" || DTMFFlash.Digit() != 0 {
		t.Errorf("flash/unknown names wrong")
	}
	if ev, ok := DTMFEventForDigit('d'); !ok || ev != DTMFD {
		t.Errorf("lower-case d: %v %v", ev, ok)
	}
	if _, ok := DTMFEventForDigit('x'); ok {
		t.Errorf("x accepted")
	}
}

// dspSent is a DTMF packet as the tests read it.
type dspSent struct {
	AtMS   int
	TS     uint32
	Marker bool
	P      DTMFPayload
}

var dspT0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func dspAt(ms int) time.Time { return dspT0.Add(time.Duration(ms) * time.Millisecond) }

// dspRunSender drives s every 10 ms from 0 to untilMS, stopping the event
// at stopMS when positive, and returns what it sent.
func dspRunSender(t *testing.T, s *DTMFSender, untilMS, stopMS int) []dspSent {
	t.Helper()
	var out []dspSent
	for ms := 0; ms <= untilMS; ms += 10 {
		if stopMS > 0 && ms == stopMS {
			s.Stop(dspAt(ms))
		}
		for {
			pkt, ok := s.Next(dspAt(ms))
			if !ok {
				break
			}
			var p DTMFPayload
			if err := p.Unmarshal(pkt.Payload[:]); err != nil {
				t.Fatal(err)
			}
			out = append(out, dspSent{ms, pkt.Timestamp, pkt.Marker, p})
		}
	}
	return out
}

func TestDTMFSender(t *testing.T) {
	pk := func(ms int, marker, end bool, dur uint16) dspSent {
		return dspSent{ms, 1000, marker, DTMFPayload{Event: DTMF7, End: end, Volume: 10, Duration: dur}}
	}
	tests := []struct {
		name     string
		interval time.Duration
		duration time.Duration
		stopMS   int
		want     []dspSent
	}{
		{"200ms at 50ms", 0, 200 * time.Millisecond, 0, []dspSent{
			pk(0, true, false, 0), pk(50, false, false, 400), pk(100, false, false, 800), pk(150, false, false, 1200),
			pk(200, false, true, 1600), pk(250, false, true, 1600), pk(300, false, true, 1600),
		}},
		{"120ms ends between updates", 0, 120 * time.Millisecond, 0, []dspSent{
			pk(0, true, false, 0), pk(50, false, false, 400), pk(100, false, false, 800),
			pk(120, false, true, 960), pk(170, false, true, 960), pk(220, false, true, 960),
		}},
		{"until Stop at 130ms", 0, 0, 130, []dspSent{
			pk(0, true, false, 0), pk(50, false, false, 400), pk(100, false, false, 800),
			pk(130, false, true, 1040), pk(180, false, true, 1040), pk(230, false, true, 1040),
		}},
		{"20ms interval", 20 * time.Millisecond, 60 * time.Millisecond, 0, []dspSent{
			pk(0, true, false, 0), pk(20, false, false, 160), pk(40, false, false, 320),
			pk(60, false, true, 480), pk(80, false, true, 480), pk(100, false, true, 480),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewDTMFSender(DTMFSenderConfig{Interval: tt.interval})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(DTMF7, tt.duration, 1000, dspAt(0)); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(DTMF8, time.Second, 1000, dspAt(0)); !errors.Is(err, ErrDTMFBusy) {
				t.Errorf("second Start: %v, want ErrDTMFBusy", err)
			}
			got := dspRunSender(t, s, 1000, tt.stopMS)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packets (-want +got):\n%s", diff)
			}
			if s.Busy() {
				t.Errorf("still busy after the end packets")
			}
		})
	}
}

// TestDTMFSenderLongEvent sends a 9 s event, past the 65535-sample limit of
// one timestamp, and checks the segments of RFC 4733 section 2.5.1.3, then
// feeds them to a receiver, which reports one 9 s press.
func TestDTMFSenderLongEvent(t *testing.T) {
	s, _ := NewDTMFSender(DTMFSenderConfig{})
	const ts0 = 0xFFFF0000 // the second segment's timestamp wraps
	if err := s.Start(DTMFStar, 9*time.Second, ts0, dspAt(0)); err != nil {
		t.Fatal(err)
	}
	pkts := dspRunSender(t, s, 10000, 0)
	var segFinal, ends, markers int
	var last uint16
	for i, p := range pkts {
		if p.Marker {
			markers++
		}
		switch {
		case p.TS == ts0:
			if p.P.Duration < last {
				t.Errorf("packet %d: duration went down to %d", i, p.P.Duration)
			}
			last = p.P.Duration
			if p.P.End {
				t.Errorf("packet %d: E bit in the first segment", i)
			}
			if p.P.Duration == 0xFFFF {
				segFinal++
			}
		case p.TS == ts0+0xFFFF:
			if p.P.End {
				ends++
				if p.P.Duration != 72000-0xFFFF {
					t.Errorf("end duration %d, want %d", p.P.Duration, 72000-0xFFFF)
				}
			}
		default:
			t.Errorf("packet %d: timestamp %d", i, p.TS)
		}
	}
	if segFinal != 3 || ends != 3 || markers != 1 {
		t.Errorf("segment-final copies %d, end copies %d, markers %d; want 3, 3, 1", segFinal, ends, markers)
	}
	var got []DTMFReport
	r, _ := NewDTMFReceiver(func(rep DTMFReport) { got = append(got, rep) }, DTMFReceiverConfig{})
	for _, p := range pkts {
		b, _ := p.P.Marshal()
		if err := r.Receive(p.TS, p.Marker, b, dspAt(p.AtMS)); err != nil {
			t.Fatal(err)
		}
	}
	want := []DTMFReport{
		{Event: DTMFStar, Timestamp: ts0, Volume: 10},
		{Event: DTMFStar, End: true, Timestamp: ts0, Duration: 9 * time.Second, Volume: 10},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("receiver reports (-want +got):\n%s", diff)
	}
}

func TestDTMFSenderDoesNotAllocate(t *testing.T) {
	s, _ := NewDTMFSender(DTMFSenderConfig{})
	ms := 0
	a := testing.AllocsPerRun(1000, func() {
		if !s.Busy() {
			s.Start(DTMF1, 100*time.Millisecond, uint32(ms*8), dspAt(ms))
		}
		s.Next(dspAt(ms))
		ms += 10
	})
	if a != 0 {
		t.Errorf("sender allocates %v times per call", a)
	}
}

// dspRecv is one input of a receiver test: a packet, or a Tick when tick.
type dspRecv struct {
	atMS   int
	tick   bool
	ts     uint32
	marker bool
	ev     DTMFEvent
	end    bool
	dur    uint16
}

func TestDTMFReceiver(t *testing.T) {
	p := func(at int, ts uint32, marker bool, ev DTMFEvent, end bool, dur uint16) dspRecv {
		return dspRecv{atMS: at, ts: ts, marker: marker, ev: ev, end: end, dur: dur}
	}
	tick := func(at int) dspRecv { return dspRecv{atMS: at, tick: true} }
	down := func(ev DTMFEvent, ts uint32, dur time.Duration) DTMFReport {
		return DTMFReport{Event: ev, Timestamp: ts, Duration: dur, Volume: 10}
	}
	up := func(ev DTMFEvent, ts uint32, dur time.Duration) DTMFReport {
		return DTMFReport{Event: ev, End: true, Timestamp: ts, Duration: dur, Volume: 10}
	}
	ms := time.Millisecond
	tests := []struct {
		name string
		in   []dspRecv
		want []DTMFReport
	}{
		{"clean event with three end copies", []dspRecv{
			p(0, 100, true, DTMF3, false, 0), p(50, 100, false, DTMF3, false, 400),
			p(100, 100, false, DTMF3, true, 800), p(150, 100, false, DTMF3, true, 800), p(200, 100, false, DTMF3, true, 800),
			tick(1000),
		}, []DTMFReport{down(DTMF3, 100, 0), up(DTMF3, 100, 100*ms)}},
		{"retransmitted and reordered updates", []dspRecv{
			p(0, 100, true, DTMF3, false, 0), p(1, 100, true, DTMF3, false, 0),
			p(60, 100, false, DTMF3, false, 800), p(61, 100, false, DTMF3, false, 400),
			p(100, 100, false, DTMF3, true, 960), p(101, 100, false, DTMF3, false, 880),
			p(150, 100, false, DTMF3, true, 960),
		}, []DTMFReport{down(DTMF3, 100, 0), up(DTMF3, 100, 120*ms)}},
		{"start packets lost", []dspRecv{
			p(100, 100, false, DTMF9, false, 800), p(150, 100, false, DTMF9, true, 1200),
		}, []DTMFReport{down(DTMF9, 100, 100*ms), up(DTMF9, 100, 150*ms)}},
		{"only an end copy arrives", []dspRecv{
			p(200, 100, false, DTMFA, true, 1600), p(250, 100, false, DTMFA, true, 1600),
		}, []DTMFReport{down(DTMFA, 100, 200*ms), up(DTMFA, 100, 200*ms)}},
		{"end packets lost: timeout", []dspRecv{
			p(0, 100, true, DTMF1, false, 0), p(50, 100, false, DTMF1, false, 400),
			tick(150), tick(201), p(250, 100, false, DTMF1, true, 800),
		}, []DTMFReport{down(DTMF1, 100, 0), up(DTMF1, 100, 50*ms)}},
		{"end packets lost: next key ends it", []dspRecv{
			p(0, 100, true, DTMF1, false, 0), p(50, 100, false, DTMF1, false, 400),
			p(120, 1060, true, DTMF2, false, 0), p(170, 1060, false, DTMF2, true, 400),
		}, []DTMFReport{down(DTMF1, 100, 0), up(DTMF1, 100, 50*ms), down(DTMF2, 1060, 0), up(DTMF2, 1060, 50*ms)}},
		{"same key twice, told apart by timestamp", []dspRecv{
			p(0, 100, true, DTMF5, false, 0), p(40, 100, false, DTMF5, true, 320), p(41, 100, false, DTMF5, true, 320),
			p(90, 820, true, DTMF5, false, 0), p(91, 100, false, DTMF5, true, 320), p(130, 820, false, DTMF5, true, 320),
			p(170, 820, false, DTMF5, true, 320),
		}, []DTMFReport{down(DTMF5, 100, 0), up(DTMF5, 100, 40*ms), down(DTMF5, 820, 0), up(DTMF5, 820, 40*ms)}},
		{"late packet of the previous key", []dspRecv{
			p(0, 5000, true, DTMF2, false, 0), p(1, 4000, false, DTMF1, true, 800),
		}, []DTMFReport{down(DTMF2, 5000, 0)}},
		{"timestamp wrap", []dspRecv{
			p(0, 0xFFFFFF00, true, DTMF1, true, 320), p(100, 0x100, true, DTMF2, true, 320),
		}, []DTMFReport{
			down(DTMF1, 0xFFFFFF00, 40*ms), up(DTMF1, 0xFFFFFF00, 40*ms), down(DTMF2, 0x100, 40*ms), up(DTMF2, 0x100, 40*ms),
		}},
		{"flash and unknown events", []dspRecv{
			p(0, 100, true, DTMFFlash, true, 4000), p(10, 200, true, 40, false, 0),
		}, []DTMFReport{down(DTMFFlash, 100, 500*ms), up(DTMFFlash, 100, 500*ms)}},
		{"new segment of a long key", []dspRecv{
			p(0, 10, true, DTMF0, false, 65000), p(70, 10, false, DTMF0, false, 0xFFFF),
			p(120, 10+0xFFFF, false, DTMF0, false, 400), p(170, 10+0xFFFF, false, DTMF0, true, 465),
		}, []DTMFReport{down(DTMF0, 10, 8125*ms), up(DTMF0, 10, 8250*ms)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []DTMFReport
			r, err := NewDTMFReceiver(func(rep DTMFReport) { got = append(got, rep) }, DTMFReceiverConfig{})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range tt.in {
				if in.tick {
					r.Tick(dspAt(in.atMS))
					continue
				}
				b, _ := DTMFPayload{Event: in.ev, End: in.end, Volume: 10, Duration: in.dur}.Marshal()
				if err := r.Receive(in.ts, in.marker, b, dspAt(in.atMS)); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDTMFReceiverErrors(t *testing.T) {
	if _, err := NewDTMFReceiver(nil, DTMFReceiverConfig{}); err == nil {
		t.Error("nil report accepted")
	}
	r, _ := NewDTMFReceiver(func(DTMFReport) { t.Error("report on a bad packet") }, DTMFReceiverConfig{})
	if err := r.Receive(1, true, []byte{1, 2}, dspT0); !errors.Is(err, ErrDTMFPayload) {
		t.Errorf("short payload: %v", err)
	}
}

func TestDTMFReceiverDoesNotAllocate(t *testing.T) {
	r, _ := NewDTMFReceiver(func(DTMFReport) {}, DTMFReceiverConfig{})
	b := []byte{1, 10, 0, 0}
	ts, ms := uint32(0), 0
	a := testing.AllocsPerRun(1000, func() {
		b[1] ^= 0x80 // alternate start and end: a report each call
		ts += 800
		ms += 100
		r.Receive(ts, true, b, dspAt(ms))
	})
	if a != 0 {
		t.Errorf("receiver allocates %v times per packet", a)
	}
}
