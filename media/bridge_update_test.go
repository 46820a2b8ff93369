package media

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pion/rtp"
)

// seen is what a phone saw of one packet from the bridge.
type seen struct {
	SSRC   uint32
	Seq    uint16
	TS     uint32
	PT     uint8
	Marker bool
}

func seenOf(p rtp.Packet) seen {
	return seen{SSRC: p.SSRC, Seq: p.SequenceNumber, TS: p.Timestamp, PT: p.PayloadType, Marker: p.Marker}
}

// phoneStream sends one RTP source's packets, 20 ms apart on the clock.
type phoneStream struct {
	p    *testPhone
	to   netip.AddrPort
	ssrc uint32
	seq  uint16
	ts   uint32
	pt   uint8
	clk  *fakeClock
}

// next sends the stream's next packet, with payload i.
func (s *phoneStream) next(i int) {
	if s.clk != nil {
		s.clk.Add(FrameDuration)
	}
	s.p.send(s.to, rtp.Packet{Header: rtp.Header{PayloadType: s.pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc},
		Payload: pcmuPayload(i)})
	s.seq++
	s.ts += FrameSamples
}

// wantContinuous checks that got is one stream: one SSRC, sequence numbers
// one apart, timestamps at least a frame apart, markers exactly at marks.
func wantContinuous(t *testing.T, got []seen, ssrc uint32, marks []int) {
	t.Helper()
	var m []int
	for i, p := range got {
		if p.SSRC != ssrc {
			t.Fatalf("packet %d: SSRC %#x, want %#x", i, p.SSRC, ssrc)
		}
		if p.Marker {
			m = append(m, i)
		}
		if i == 0 {
			continue
		}
		if p.Seq != got[i-1].Seq+1 {
			t.Fatalf("packet %d: seq %d after %d", i, p.Seq, got[i-1].Seq)
		}
		if step := p.TS - got[i-1].TS; step < FrameSamples || step > 10*SampleRate {
			t.Fatalf("packet %d: timestamp step %d", i, step)
		}
	}
	if diff := cmp.Diff(marks, m); diff != "" {
		t.Errorf("markers (-want +got):\n%s", diff)
	}
}

// TestBridgeUpdateMovesLeg is a re-INVITE from phone A that moves its
// media to another port and a new RTP source (a transfer, a new device):
// B sees one continuous stream, and B's media follows A to the new port.
func TestBridgeUpdateMovesLeg(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	r := startRig(t, BridgeLeg{Codec: CodecPCMU, SSRC: 0xA}, BridgeLeg{Codec: CodecPCMU, SSRC: 0xB}, BridgeConfig{Now: clk.Now})
	a1 := &phoneStream{p: r.pa, to: r.a, ssrc: 0x1111, seq: 100, ts: 5000, clk: clk}
	var got []seen
	for i := range 20 {
		a1.next(i)
		got = append(got, seenOf(r.pb.recv()))
	}
	pa2 := newTestPhone(t)
	if err := r.br.Update(BridgeA, BridgeMedia{Remote: pa2.addr(), Codec: CodecPCMU}); err != nil {
		t.Fatal(err)
	}
	// The old port's late packets are not the call's any more.
	a1.next(99)
	waitFor(t, "old address dropped", func() bool { return r.br.Stats().A.DroppedLatch == 1 })
	a2 := &phoneStream{p: pa2, to: r.a, ssrc: 0x2222, seq: 40000, ts: 77, clk: clk}
	for i := range 20 {
		a2.next(i)
		got = append(got, seenOf(r.pb.recv()))
	}
	wantContinuous(t, got, 0xB, []int{0, 20})

	// B's media reaches A's new address, in B's stream towards A.
	b := &phoneStream{p: r.pb, to: r.b, ssrc: 0x3333, seq: 1, clk: clk}
	b.next(1)
	if p := pa2.recv(); p.SSRC != 0xA {
		t.Fatalf("A's new port got SSRC %#x", p.SSRC)
	}
	st := r.br.Stats()
	if st.A.Relayed != 40 || st.A.Remote != pa2.addr() || !st.A.Latched || st.A.SSRC != 0x2222 {
		t.Errorf("stats A after the move: %+v", st.A)
	}
}

// TestBridgeUpdateCodec changes B's codec PCMU → PCMA mid-call: from the
// next packet on, B gets A-law with payload type 8, in the same stream.
func TestBridgeUpdateCodec(t *testing.T) {
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: CodecPCMU, SSRC: 0xB, EventPT: 101}, BridgeConfig{})
	a := &phoneStream{p: r.pa, to: r.a, ssrc: 0x1111, seq: 1}
	var got []seen
	for i := range 30 {
		if i == 10 {
			if err := r.br.Update(BridgeB, BridgeMedia{Remote: r.pb.addr(), Codec: CodecPCMA, EventPT: 101}); err != nil {
				t.Fatal(err)
			}
		}
		if i == 20 { // and back: transcoding off
			if err := r.br.Update(BridgeB, BridgeMedia{Remote: r.pb.addr(), Codec: CodecPCMU, EventPT: 101}); err != nil {
				t.Fatal(err)
			}
		}
		a.next(i)
		p := r.pb.recv()
		want, wantPT := pcmuPayload(i), uint8(0)
		if i >= 10 && i < 20 {
			ULawToALaw(want, want)
			wantPT = 8
		}
		if p.PayloadType != wantPT || !cmp.Equal(want, p.Payload) {
			t.Fatalf("packet %d: PT %d, payload as expected %v; want PT %d", i, p.PayloadType, cmp.Equal(want, p.Payload), wantPT)
		}
		got = append(got, seenOf(p))
	}
	for i := range got {
		got[i].PT = 0
	}
	wantContinuous(t, got, 0xB, []int{0, 10, 20})
}

// TestBridgeUpdateHold puts the call on hold from A (sendonly; B answers
// recvonly) and takes it off again: music from A reaches B throughout, B's
// media does not reach A while held, and when it resumes A's stream from
// the bridge continues with the next sequence number and a timestamp that
// advanced by the time the hold lasted.
func TestBridgeUpdateHold(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	r := startRig(t, BridgeLeg{Codec: CodecPCMU, SSRC: 0xA}, BridgeLeg{Codec: CodecPCMU, SSRC: 0xB}, BridgeConfig{Now: clk.Now})
	a := &phoneStream{p: r.pa, to: r.a, ssrc: 0x1111, seq: 1}
	b := &phoneStream{p: r.pb, to: r.b, ssrc: 0x2222, seq: 500, ts: 1000, clk: clk}
	var toA []seen
	for i := range 10 {
		b.next(i)
		toA = append(toA, seenOf(r.pa.recv()))
	}
	hold := func(da, db Direction) {
		t.Helper()
		if err := r.br.Update(BridgeA, BridgeMedia{Remote: r.pa.addr(), Codec: CodecPCMU, Direction: da}); err != nil {
			t.Fatal(err)
		}
		if err := r.br.Update(BridgeB, BridgeMedia{Remote: r.pb.addr(), Codec: CodecPCMU, Direction: db}); err != nil {
			t.Fatal(err)
		}
	}
	hold(DirectionSendOnly, DirectionRecvOnly)
	for i := range 50 { // one second on hold; B's phone keeps sending
		b.next(i)
		a.next(i)
		if p := r.pb.recv(); p.SSRC != 0xB { // music on hold reaches B
			t.Fatalf("B got SSRC %#x", p.SSRC)
		}
	}
	waitFor(t, "B's packets held", func() bool { return r.br.Stats().B.Held == 50 })
	hold(DirectionSendRecv, DirectionSendRecv)
	for i := range 10 {
		b.next(i)
		toA = append(toA, seenOf(r.pa.recv()))
	}
	wantContinuous(t, toA, 0xA, []int{0, 10})
	// The stream towards A paused for the hold: its timestamp moved on by
	// the second without packets, not by one frame.
	if step := toA[10].TS - toA[9].TS; step != 51*FrameSamples {
		t.Errorf("timestamp step over the hold %d, want %d", step, 51*FrameSamples)
	}
	st := r.br.Stats().B
	if st.Relayed != 20 || st.Held != 50 || st.Received.ExtHighestSeq&0xFFFF != 569 || st.Received.Lost != 0 {
		t.Errorf("stats B: relayed %d held %d highest seq %d lost %d; want 20 50 569 0",
			st.Relayed, st.Held, st.Received.ExtHighestSeq, st.Received.Lost)
	}
}

// TestBridgeUpdateRelatch checks that a re-INVITE re-learns a leg's
// address only as the Latch rules allow.
func TestBridgeUpdateRelatch(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// newSDP is the address in the re-INVITE: "same", "new" (the
		// phone's new socket) or "private" (a NATed address nobody sends
		// from; the phone sends from its new socket).
		newSDP string
		// wait is how long after the update the phone starts sending.
		wait time.Duration
		// wantDropped is how many of the new socket's 6 packets the latch
		// drops before relaying starts; 6 means none get through.
		wantDropped uint64
	}{
		{"same address keeps the NAT latch", "same", 0, 0},
		{"new SDP address latches at once", "new", 0, 0},
		{"NAT source learned after 4 in a row", "private", 0, 3},
		{"NAT source too late after the window", "private", 6 * time.Second, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{now: t0}
			// A's first SDP names a private address: its real socket is
			// learned (NAT), as in TestBridgeLatchNAT.
			private := netip.MustParseAddrPort("127.0.0.1:9")
			r := startRig(t, BridgeLeg{Codec: CodecPCMU, Remote: private}, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{Now: clk.Now})
			a := &phoneStream{p: r.pa, to: r.a, ssrc: 1, seq: 1}
			for i := range 4 {
				a.next(i)
			}
			r.pb.recv()
			if st := r.br.Stats().A; !st.Latched || st.Remote != r.pa.addr() {
				t.Fatalf("no NAT latch before the update: %+v", st)
			}
			src := r.pa
			sdp := private
			switch tt.newSDP {
			case "new":
				src = newTestPhone(t)
				sdp = src.addr()
			case "private":
				src = newTestPhone(t)
				sdp = netip.MustParseAddrPort("127.0.0.1:7")
			}
			if err := r.br.Update(BridgeA, BridgeMedia{Remote: sdp, Codec: CodecPCMU}); err != nil {
				t.Fatal(err)
			}
			clk.Add(tt.wait)
			dropped0 := r.br.Stats().A.DroppedLatch
			s := &phoneStream{p: src, to: r.a, ssrc: 2, seq: 900}
			for i := range 6 {
				s.next(i)
			}
			for i := tt.wantDropped; i < 6; i++ {
				r.pb.recv()
			}
			waitFor(t, "packets counted", func() bool {
				st := r.br.Stats().A
				return st.DroppedLatch-dropped0 == tt.wantDropped && st.Relayed == 1+6-tt.wantDropped
			})
			st := r.br.Stats().A
			wantRemote := src.addr()
			if tt.wantDropped == 6 {
				wantRemote = sdp
			}
			if st.Remote != wantRemote {
				t.Errorf("remote %v, want %v", st.Remote, wantRemote)
			}
		})
	}
}

func TestBridgeUpdateErrors(t *testing.T) {
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{})
	tests := []struct {
		name string
		side BridgeSide
		m    BridgeMedia
	}{
		{"no side", BridgeSideUnknown, BridgeMedia{Codec: CodecPCMU}},
		{"no codec", BridgeA, BridgeMedia{}},
		{"bad event PT", BridgeB, BridgeMedia{Codec: CodecPCMA, EventPT: 13}},
		{"bad direction", BridgeB, BridgeMedia{Codec: CodecPCMA, Direction: 9}},
	}
	for _, tt := range tests {
		if err := r.br.Update(tt.side, tt.m); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// Nothing changed: A's PCMU still reaches B as PCMU.
	r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: 1, SSRC: 3}, Payload: pcmuPayload(1)})
	if p := r.pb.recv(); p.PayloadType != 0 || p.Marker != true {
		t.Errorf("after refused updates: PT %d marker %v", p.PayloadType, p.Marker)
	}
}

// TestBridgeUpdateConcurrent updates both legs while packets flow both
// ways; run with -race. Every packet the phones get is one of the bridge's
// streams.
func TestBridgeUpdateConcurrent(t *testing.T) {
	// RTCP every millisecond, so reports race the updates too.
	r := startRig(t, BridgeLeg{Codec: CodecPCMU, SSRC: 0xA, RTCP: listenUDP(t)}, BridgeLeg{Codec: CodecPCMU, SSRC: 0xB, RTCPMux: true},
		BridgeConfig{RTCPInterval: time.Millisecond})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		codecs := []Codec{CodecPCMA, CodecPCMU}
		dirs := []Direction{DirectionSendRecv, DirectionSendOnly, DirectionInactive, DirectionRecvOnly}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r.br.Update(BridgeB, BridgeMedia{Remote: r.pb.addr(), Codec: codecs[i%2], Direction: dirs[i%4]})
			r.br.Update(BridgeA, BridgeMedia{Remote: r.pa.addr(), Codec: codecs[(i+1)%2]})
			r.br.Stats()
		}
	})
	for i := range 200 {
		r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 1}, Payload: pcmuPayload(i)})
		r.pb.send(r.b, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 2}, Payload: pcmuPayload(i)})
		if i%20 == 19 { // in batches, so no socket buffer overflows
			n := uint64(i + 1)
			waitFor(t, "packets handled", func() bool {
				st := r.br.Stats()
				return st.A.Relayed+st.A.Held == n && st.B.Relayed+st.B.Held == n
			})
		}
	}
	close(stop)
	wg.Wait()
}

// TestBridgeHoldAllocs checks the held path allocates nothing either.
func TestBridgeHoldAllocs(t *testing.T) {
	d, src := newTestDir(CodecPCMU, CodecPCMA)
	d.out.cfg.Direction = DirectionSendOnly
	d.configure()
	tmpl, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: make([]byte, 160)}).Marshal()
	pkt := make([]byte, len(tmpl))
	var seq uint16
	now := time.Now()
	allocs := testing.AllocsPerRun(1000, func() {
		copy(pkt, tmpl)
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if n, _ := d.process(pkt, src, now); n != 0 {
			t.Fatal("held packet relayed")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per held packet, want 0", allocs)
	}
}
