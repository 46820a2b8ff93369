package media

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// testPhone is a plain UDP socket standing for a phone on 127.0.0.1.
type testPhone struct {
	t    testing.TB
	conn *net.UDPConn
	buf  []byte
}

func newTestPhone(t testing.TB) *testPhone {
	return &testPhone{t: t, conn: listenUDP(t), buf: make([]byte, 1500)}
}

func (p *testPhone) addr() netip.AddrPort { return addrOf(p.conn) }

func (p *testPhone) sendRaw(to netip.AddrPort, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Fatal(err)
	}
}

func (p *testPhone) send(to netip.AddrPort, pkt rtp.Packet) {
	p.t.Helper()
	pkt.Version = 2
	b, err := pkt.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	p.sendRaw(to, b)
}

// recvRaw returns the next datagram, failing the test after a deadline.
func (p *testPhone) recvRaw() []byte {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := p.conn.ReadFromUDPAddrPort(p.buf)
	if err != nil {
		p.t.Fatalf("phone %v: %v", p.addr(), err)
	}
	return p.buf[:n]
}

func (p *testPhone) recv() rtp.Packet {
	p.t.Helper()
	var pkt rtp.Packet
	if err := pkt.Unmarshal(p.recvRaw()); err != nil {
		p.t.Fatal(err)
	}
	pkt.Payload = append([]byte(nil), pkt.Payload...)
	return pkt
}

// bridgeRig is a bridge between two test phones.
type bridgeRig struct {
	pa, pb *testPhone
	a, b   netip.AddrPort // the bridge's sockets for legs A and B
	br     *Bridge
}

func startRig(t *testing.T, la, lb BridgeLeg, cfg BridgeConfig) *bridgeRig {
	t.Helper()
	r := &bridgeRig{pa: newTestPhone(t), pb: newTestPhone(t)}
	if la.Conn == nil {
		la.Conn = listenUDP(t)
	}
	if lb.Conn == nil {
		lb.Conn = listenUDP(t)
	}
	if !la.Remote.IsValid() {
		la.Remote = r.pa.addr()
	}
	if !lb.Remote.IsValid() {
		lb.Remote = r.pb.addr()
	}
	r.a, r.b = addrOf(la.Conn), addrOf(lb.Conn)
	br, err := StartBridge(context.Background(), la, lb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { br.Close() })
	r.br = br
	return r
}

func pcmuPayload(i int) []byte {
	p := make([]byte, FrameSamples)
	for j := range p {
		p[j] = byte(i*7 + j)
	}
	return p
}

// srcPacket is one packet phone A sends.
type srcPacket struct {
	ssrc uint32
	seq  uint16
	ts   uint32
}

func TestBridgeRelay(t *testing.T) {
	// stream returns n packets of one source, 20 ms apart.
	stream := func(ssrc uint32, seq0 uint16, ts0 uint32, n int) []srcPacket {
		var s []srcPacket
		for i := range n {
			s = append(s, srcPacket{ssrc: ssrc, seq: seq0 + uint16(i), ts: ts0 + uint32(i)*FrameSamples})
		}
		return s
	}
	tests := []struct {
		name        string
		codecB      Codec
		pkts        []srcPacket
		wantPT      uint8
		wantMarkers []int // indexes of packets B sees with the marker bit
		convert     func(dst, src []byte) int
	}{
		{
			name:        "PCMU to PCMU untouched",
			codecB:      CodecPCMU,
			pkts:        stream(0x1111, 65500, 4000000000, 200), // seq and ts wrap
			wantPT:      0,
			wantMarkers: []int{0},
		},
		{
			name:        "PCMU to PCMA transcoded",
			codecB:      CodecPCMA,
			pkts:        stream(0x1111, 1, 0, 200),
			wantPT:      8,
			wantMarkers: []int{0},
			convert:     ULawToALaw,
		},
		{
			name:        "SSRC change mid-stream (transfer)",
			codecB:      CodecPCMU,
			pkts:        append(stream(0x1111, 1000, 5000, 100), stream(0x2222, 50000, 123456789, 100)...),
			wantPT:      0,
			wantMarkers: []int{0, 100},
		},
		{
			name:        "sequence jump with the same SSRC",
			codecB:      CodecPCMU,
			pkts:        append(stream(0x1111, 10, 0, 100), stream(0x1111, 30000, 999999, 100)...),
			wantPT:      0,
			wantMarkers: []int{0, 100},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: tt.codecB, SSRC: 0xB0B}, BridgeConfig{})
			var got []rtp.Packet
			for i, sp := range tt.pkts {
				r.pa.send(r.a, rtp.Packet{
					Header:  rtp.Header{PayloadType: 0, SequenceNumber: sp.seq, Timestamp: sp.ts, SSRC: sp.ssrc},
					Payload: pcmuPayload(i),
				})
				got = append(got, r.pb.recv()) // lockstep: no loss in socket buffers
			}
			var markers []int
			for i, p := range got {
				want := pcmuPayload(i)
				if tt.convert != nil {
					tt.convert(want, want)
				}
				if diff := cmp.Diff(want, p.Payload); diff != "" {
					t.Fatalf("packet %d payload (-want +got):\n%s", i, diff)
				}
				if p.PayloadType != tt.wantPT || p.SSRC != 0xB0B {
					t.Fatalf("packet %d: PT %d SSRC %#x, want PT %d SSRC 0xb0b", i, p.PayloadType, p.SSRC, tt.wantPT)
				}
				if p.SequenceNumber != got[0].SequenceNumber+uint16(i) {
					t.Fatalf("packet %d: seq %d, want %d", i, p.SequenceNumber, got[0].SequenceNumber+uint16(i))
				}
				if p.Timestamp != got[0].Timestamp+uint32(i)*FrameSamples {
					t.Fatalf("packet %d: ts %d, want %d", i, p.Timestamp, got[0].Timestamp+uint32(i)*FrameSamples)
				}
				if p.Marker {
					markers = append(markers, i)
				}
			}
			if diff := cmp.Diff(tt.wantMarkers, markers); diff != "" {
				t.Errorf("marker bits (-want +got):\n%s", diff)
			}
			st := r.br.Stats()
			if st.A.Relayed != uint64(len(tt.pkts)) || st.A.DroppedInvalid != 0 || st.A.DroppedLatch != 0 {
				t.Errorf("stats A = %+v", st.A)
			}
		})
	}
}

func TestBridgeBothDirections(t *testing.T) {
	r := startRig(t, BridgeLeg{Codec: CodecPCMA, SSRC: 0xA}, BridgeLeg{Codec: CodecPCMU, SSRC: 0xB}, BridgeConfig{})
	for i := range 10 {
		r.pb.send(r.b, rtp.Packet{Header: rtp.Header{PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 7}, Payload: pcmuPayload(i)})
		got := r.pa.recv()
		want := pcmuPayload(i)
		ULawToALaw(want, want)
		if got.PayloadType != 8 || got.SSRC != 0xA || !cmp.Equal(want, got.Payload) {
			t.Fatalf("A got PT %d SSRC %#x payload ok %v", got.PayloadType, got.SSRC, cmp.Equal(want, got.Payload))
		}
		r.pa.send(r.a, rtp.Packet{Header: rtp.Header{PayloadType: 8, SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 9}, Payload: want})
		back := r.pb.recv()
		wantU := make([]byte, len(want))
		ALawToULaw(wantU, want)
		if back.PayloadType != 0 || back.SSRC != 0xB || !cmp.Equal(wantU, back.Payload) {
			t.Fatalf("B got PT %d SSRC %#x", back.PayloadType, back.SSRC)
		}
	}
}

func TestBridgeDTMF(t *testing.T) {
	event := []byte{5, 0x0A, 0x01, 0x40} // digit 5, volume 10, duration 320
	tests := []struct {
		name          string
		eventA        uint8
		eventB        uint8
		wantPT        uint8
		wantForwarded bool
	}{
		{"mapped 101 to 96", 101, 96, 96, true},
		{"same PT", 101, 101, 101, true},
		{"B has no telephone-event", 101, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRig(t, BridgeLeg{Codec: CodecPCMU, EventPT: tt.eventA}, BridgeLeg{Codec: CodecPCMA, EventPT: tt.eventB}, BridgeConfig{})
			r.pa.send(r.a, rtp.Packet{Header: rtp.Header{PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 5}, Payload: pcmuPayload(0)})
			r.pb.recv()
			r.pa.send(r.a, rtp.Packet{Header: rtp.Header{PayloadType: tt.eventA, SequenceNumber: 2, Timestamp: 320, SSRC: 5, Marker: true}, Payload: event})
			r.pa.send(r.a, rtp.Packet{Header: rtp.Header{PayloadType: 0, SequenceNumber: 3, Timestamp: 640, SSRC: 5}, Payload: pcmuPayload(1)})
			got := r.pb.recv()
			if tt.wantForwarded {
				if got.PayloadType != tt.wantPT || !got.Marker || !cmp.Equal(event, got.Payload) {
					t.Fatalf("event relayed as PT %d marker %v payload %x", got.PayloadType, got.Marker, got.Payload)
				}
				got = r.pb.recv()
			}
			if got.PayloadType != 8 {
				t.Fatalf("audio after the event: PT %d, want 8", got.PayloadType)
			}
			wantDropped := uint64(0)
			if !tt.wantForwarded {
				wantDropped = 1
			}
			if d := r.br.Stats().A.DroppedInvalid; d != wantDropped {
				t.Errorf("DroppedInvalid = %d, want %d", d, wantDropped)
			}
		})
	}
}

func TestBridgeLatchNAT(t *testing.T) {
	// Leg A's SDP names a private address; the phone's packets come from
	// its NAT's public address (here, its real socket).
	sdp := netip.MustParseAddrPort("127.0.0.1:9") // discard port, nothing listens
	r := startRig(t, BridgeLeg{Codec: CodecPCMU, Remote: sdp}, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{})
	for i := range 6 {
		r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(100 + i), Timestamp: uint32(i) * 160, SSRC: 3}, Payload: pcmuPayload(i)})
	}
	// The first three are dropped while learning; the fourth latches.
	for i := 3; i < 6; i++ {
		if got := r.pb.recv(); !cmp.Equal(pcmuPayload(i), got.Payload) {
			t.Fatalf("B got payload of another packet than %d", i)
		}
	}
	// B's media now reaches the phone's real address, not the SDP one.
	r.pb.send(r.b, rtp.Packet{Header: rtp.Header{SequenceNumber: 1, SSRC: 4}, Payload: pcmuPayload(9)})
	if got := r.pa.recv(); !cmp.Equal(pcmuPayload(9), got.Payload) {
		t.Fatal("A did not receive B's packet")
	}
	st := r.br.Stats().A
	if !st.Latched || st.Remote != r.pa.addr() || st.DroppedLatch != 3 {
		t.Errorf("stats A: latched %v remote %v dropped %d; want true %v 3", st.Latched, st.Remote, st.DroppedLatch, r.pa.addr())
	}
}

func TestBridgeStrangerCannotInject(t *testing.T) {
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{})
	r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: 1, SSRC: 3}, Payload: pcmuPayload(1)})
	r.pb.recv() // latched on the SDP address
	stranger := newTestPhone(t)
	for i := range 10 {
		stranger.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(2 + i), SSRC: 666}, Payload: pcmuPayload(100)})
	}
	waitFor(t, "stranger's packets dropped", func() bool { return r.br.Stats().A.DroppedLatch == 10 })
	r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: 2, SSRC: 3}, Payload: pcmuPayload(2)})
	if got := r.pb.recv(); !cmp.Equal(pcmuPayload(2), got.Payload) {
		t.Fatal("B received the stranger's media")
	}
	// And nothing of the stranger reaches A through B's side either.
	if st := r.br.Stats().A; st.Remote != r.pa.addr() {
		t.Errorf("latch moved to %v", st.Remote)
	}
}

func TestBridgeDropsMalformed(t *testing.T) {
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{})
	for _, b := range [][]byte{
		{0x80, 0},        // short
		make([]byte, 20), // version 0
		{0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0},   // 15 CSRCs announced, none there
		{0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF},   // padding longer than the packet
		{0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2}, // payload type not negotiated
	} {
		r.pa.sendRaw(r.a, b)
	}
	waitFor(t, "malformed packets dropped", func() bool { return r.br.Stats().A.DroppedInvalid == 5 })
	// Header extension and CSRCs are skipped: the payload is still converted.
	ext := rtp.Packet{Header: rtp.Header{SequenceNumber: 1, SSRC: 3, CSRC: []uint32{1, 2}}, Payload: pcmuPayload(1)}
	ext.SetExtension(1, []byte{0xAA, 0xBB, 0xCC})
	r.pa.send(r.a, ext)
	if got := r.pb.recv(); !cmp.Equal(pcmuPayload(1), got.Payload) || len(got.CSRC) != 2 {
		t.Fatalf("packet with CSRCs and extension: payload %x", got.Payload)
	}
}

func TestBridgeRTCP(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		mux  bool
	}{
		{"rtcp-mux", true},
		{"RTCP port", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{now: t0}
			la := BridgeLeg{Codec: CodecPCMU, SSRC: 0xA, RTCPMux: tt.mux}
			var rtcpPhone *testPhone
			if !tt.mux {
				la.RTCP = listenUDP(t)
				rtcpPhone = newTestPhone(t)
				la.RTCPRemote = rtcpPhone.addr()
			}
			r := startRig(t, la, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{RTCPInterval: time.Second, Now: clk.Now})
			if rtcpPhone == nil {
				rtcpPhone = r.pa
			}
			var sr uint64
			if tt.mux {
				sr = NTPTime(t0)
				b, err := (&rtcp.SenderReport{SSRC: 0x5EED, NTPTime: sr}).Marshal()
				if err != nil {
					t.Fatal(err)
				}
				r.pa.sendRaw(r.a, b)
			}
			for seq := uint16(1); seq <= 10; seq++ {
				if seq == 5 {
					continue // lost
				}
				r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x5EED}, Payload: pcmuPayload(int(seq))})
				r.pb.recv()
			}
			clk.Add(1500 * time.Millisecond)
			r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: 11, Timestamp: 11 * 160, SSRC: 0x5EED}, Payload: pcmuPayload(11)})
			r.pb.recv()

			pkts, err := rtcp.Unmarshal(rtcpPhone.recvRaw())
			if err != nil {
				t.Fatal(err)
			}
			want := []rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0xA, Reports: []rtcp.ReceptionReport{{
				SSRC:               0x5EED,
				FractionLost:       256 / 10, // 1 of the 10 expected after probation
				TotalLost:          1,
				LastSequenceNumber: 11,
			}}}}
			if tt.mux {
				rr := want[0].(*rtcp.ReceiverReport)
				rr.Reports[0].LastSenderReport = MiddleNTP(sr)
				rr.Reports[0].Delay = 1500 * 65536 / 1000
			}
			if len(pkts) != 2 {
				t.Fatalf("compound report of %d packets, want RR and SDES", len(pkts))
			}
			if sdes, ok := pkts[1].(*rtcp.SourceDescription); !ok || len(sdes.Chunks) != 1 || sdes.Chunks[0].Source != 0xA {
				t.Errorf("second packet %v, want SDES of SSRC 0xa", pkts[1])
			}
			if diff := cmp.Diff(want, pkts[:1], cmpopts.IgnoreFields(rtcp.ReceptionReport{}, "Jitter"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("receiver report (-want +got):\n%s", diff)
			}
			// The bridge counts the report after sending it: wait for
			// the count rather than racing the phone's receive.
			waitFor(t, "RTCPSent == 1", func() bool { return r.br.Stats().A.RTCPSent == 1 })
			st := r.br.Stats().A
			wantRecv := uint64(0)
			if tt.mux {
				wantRecv = 1
			}
			if st.RTCPSent != 1 || st.RTCPReceived != wantRecv || st.Received.Lost != 1 {
				t.Errorf("stats A = %+v", st)
			}
		})
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestBridgeCloseStopsGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: CodecPCMU}, BridgeConfig{})
	r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: 1, SSRC: 3}, Payload: pcmuPayload(1)})
	r.pb.recv()
	start := time.Now()
	if err := r.br.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Close took %v", el)
	}
	waitFor(t, "goroutines back to baseline", func() bool { return runtime.NumGoroutine() <= base })
	if err := r.br.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestBridgeContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	la, lb := listenUDP(t), listenUDP(t)
	br, err := StartBridge(ctx, BridgeLeg{Conn: la, Codec: CodecPCMU}, BridgeLeg{Conn: lb, Codec: CodecPCMA}, BridgeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-br.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("bridge still running after cancel")
	}
	if err := br.Close(); !errors.Is(err, context.Canceled) {
		t.Errorf("Close after cancel = %v, want context.Canceled", err)
	}
	// The socket is the caller's again, without the bridge's deadline.
	p := newTestPhone(t)
	p.sendRaw(addrOf(la), []byte("hello"))
	done := make(chan error, 1)
	go func() {
		_, _, err := la.ReadFromUDPAddrPort(make([]byte, 10))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("read after the bridge stopped: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("read after the bridge stopped did not return")
	}
}

func TestStartBridgeErrors(t *testing.T) {
	c := listenUDP(t)
	tests := []struct {
		name string
		a, b BridgeLeg
	}{
		{"no socket", BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Conn: c, Codec: CodecPCMU}},
		{"no codec", BridgeLeg{Conn: c}, BridgeLeg{Conn: c, Codec: CodecPCMU}},
		{"bad event PT", BridgeLeg{Conn: c, Codec: CodecPCMU}, BridgeLeg{Conn: c, Codec: CodecPCMU, EventPT: 8}},
	}
	for _, tt := range tests {
		if _, err := StartBridge(context.Background(), tt.a, tt.b, BridgeConfig{}); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// waitFor polls cond until it holds or a deadline passes.

// newTestDir returns one direction of a bridge, without goroutines, for
// tests of the per-packet path.
func newTestDir(codecA, codecB Codec) (*bridgeDir, netip.AddrPort) {
	src := netip.MustParseAddrPort("192.0.2.1:4000")
	a := &bridgeLeg{cfg: BridgeLeg{Remote: src, Codec: codecA, SSRC: 0xA, EventPT: 101}}
	b := &bridgeLeg{cfg: BridgeLeg{Remote: netip.MustParseAddrPort("192.0.2.2:4000"), Codec: codecB, SSRC: 0xB, EventPT: 96}}
	cfg := BridgeConfig{Now: time.Now, Logger: slog.New(slog.DiscardHandler), RTCPInterval: time.Second}
	now := time.Now()
	newBridgeDir(b, a, cfg, now) // publishes b's remote
	return newBridgeDir(a, b, cfg, now), src
}

func TestBridgeProcessAllocs(t *testing.T) {
	for _, codecB := range []Codec{CodecPCMU, CodecPCMA} {
		d, src := newTestDir(CodecPCMU, codecB)
		tmpl, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: make([]byte, 160)}).Marshal()
		pkt := make([]byte, len(tmpl))
		var seq uint16
		now := time.Now()
		allocs := testing.AllocsPerRun(1000, func() {
			copy(pkt, tmpl)
			seq++
			pkt[2], pkt[3] = byte(seq>>8), byte(seq)
			if n, _ := d.process(pkt, src, now); n != len(pkt) {
				t.Fatal("packet not relayed")
			}
		})
		if allocs != 0 {
			t.Errorf("B %v: %v allocations per packet, want 0", codecB, allocs)
		}
	}
}

// TestBridgeRelayAllocs relays packets through real sockets and counts the
// whole process's allocations.
func TestBridgeRelayAllocs(t *testing.T) {
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, BridgeLeg{Codec: CodecPCMA}, BridgeConfig{})
	pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: pcmuPayload(0)}).Marshal()
	relay := func(seq uint16) {
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		r.pa.sendRaw(r.a, pkt)
		r.pb.recvRaw()
	}
	for i := range 100 { // warm up: latch, first log line, runtime structures
		relay(uint16(i))
	}
	const n = 2000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		relay(uint16(100 + i))
	}
	runtime.ReadMemStats(&after)
	if m := after.Mallocs - before.Mallocs; m > n/20 {
		t.Errorf("%d allocations for %d relayed packets", m, n)
	}
}

// FuzzBridgeProcess feeds arbitrary datagrams to the per-packet path. What
// it relays must keep its length, CSRCs, extension and padding, carry our
// SSRC and the mapped payload type, and hold the input's payload converted
// µ-law → A-law (or untouched for events and comfort noise).
func FuzzBridgeProcess(f *testing.F) {
	plain, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1, SequenceNumber: 7}, Payload: pcmuPayload(1)}).Marshal()
	f.Add(plain)
	ext := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1, CSRC: []uint32{9}, PayloadType: 101}, Payload: []byte{1, 2, 3, 4}}
	ext.SetExtension(1, []byte{0xAA})
	b, _ := ext.Marshal()
	f.Add(b)
	padded, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PaddingSize: 4, PayloadType: 13}, Payload: []byte{0x40}}).Marshal()
	f.Add(padded)
	f.Fuzz(func(t *testing.T, in []byte) {
		d, src := newTestDir(CodecPCMU, CodecPCMA)
		pkt := append([]byte(nil), in...)
		n, _ := d.process(pkt, src, time.Now())
		if n == 0 {
			return
		}
		if n != len(in) {
			t.Fatalf("relayed %d bytes of %d", n, len(in))
		}
		h, end, ok := rtpHeader(pkt)
		if !ok || pkt[0] != in[0] {
			t.Fatal("relayed a header the bridge cannot parse")
		}
		if got := uint32(pkt[8])<<24 | uint32(pkt[9])<<16 | uint32(pkt[10])<<8 | uint32(pkt[11]); got != 0xB {
			t.Fatalf("SSRC %#x, want 0xb", got)
		}
		if !bytes.Equal(in[12:h], pkt[12:h]) || !bytes.Equal(in[end:], pkt[end:]) {
			t.Fatal("CSRCs, extension or padding changed")
		}
		wantPT, want := in[1]&0x7F, append([]byte(nil), in[h:end]...)
		switch wantPT {
		case 0:
			wantPT = 8
			ULawToALaw(want, want)
		case 101:
			wantPT = 96
		}
		if pkt[1]&0x7F != wantPT || !bytes.Equal(want, pkt[h:end]) {
			t.Fatalf("PT %d → %d, payload converted wrongly", in[1]&0x7F, pkt[1]&0x7F)
		}
	})
}

// benchPipe sends b.N RTP packets of 172 bytes from a phone to the relay at
// to, with at most 32 in flight, while another phone receives them; it
// reports the time per relayed packet.
func benchPipe(b *testing.B, from *testPhone, to netip.AddrPort, sink *testPhone) {
	pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: pcmuPayload(0)}).Marshal()
	tokens := make(chan struct{}, 32)
	for range cap(tokens) {
		tokens <- struct{}{}
	}
	done := make(chan error, 1)
	go func() {
		for range b.N {
			sink.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, _, err := sink.conn.ReadFromUDPAddrPort(sink.buf); err != nil {
				done <- err
				return
			}
			tokens <- struct{}{}
		}
		done <- nil
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		<-tokens
		pkt[2], pkt[3] = byte(i>>8), byte(i)
		if _, err := from.conn.WriteToUDPAddrPort(pkt, to); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// BenchmarkBridgeRelay relays PCMU to PCMU through a Bridge on loopback,
// in one process; compare with BenchmarkBareRelay, run beside it.
func BenchmarkBridgeRelay(b *testing.B) {
	for _, codecB := range []Codec{CodecPCMU, CodecPCMA} {
		b.Run(codecB.String(), func(b *testing.B) {
			pa, pb := newTestPhone(b), newTestPhone(b)
			la, lb := listenUDP(b), listenUDP(b)
			br, err := StartBridge(context.Background(),
				BridgeLeg{Conn: la, Remote: pa.addr(), Codec: CodecPCMU},
				BridgeLeg{Conn: lb, Remote: pb.addr(), Codec: codecB}, BridgeConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			benchPipe(b, pa, addrOf(la), pb)
		})
	}
}

// BenchmarkBareRelay is the baseline of BenchmarkBridgeRelay: read from one
// socket, write to another, nothing else.
func BenchmarkBareRelay(b *testing.B) {
	pa, pb := newTestPhone(b), newTestPhone(b)
	la, lb := listenUDP(b), listenUDP(b)
	dst := pb.addr()
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := la.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			lb.WriteToUDPAddrPort(buf[:n], dst)
		}
	})
	benchPipe(b, pa, addrOf(la), pb)
	la.Close()
	wg.Wait()
}

// BenchmarkBridgeProcess is the bridge's per-packet work without sockets:
// latch, statistics, header rewrite, transcoding.
func BenchmarkBridgeProcess(b *testing.B) {
	for _, codecB := range []Codec{CodecPCMU, CodecPCMA} {
		b.Run(codecB.String(), func(b *testing.B) {
			d, src := newTestDir(CodecPCMU, codecB)
			tmpl, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: pcmuPayload(0)}).Marshal()
			pkt := make([]byte, len(tmpl))
			now := time.Now()
			b.ReportAllocs()
			for i := range b.N {
				copy(pkt, tmpl)
				pkt[2], pkt[3] = byte(i>>8), byte(i)
				d.process(pkt, src, now)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
		})
	}
}
