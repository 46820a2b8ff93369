package main

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// rtpPacket is a PCMA packet of 30 ms as the bridge relays it.
func rtpPacket(t testing.TB, seq uint16, ts uint32) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: seq, Timestamp: ts, SSRC: 0x1234},
		Payload: make([]byte, 240)}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEchoNote(t *testing.T) {
	src := netip.MustParseAddrPort("127.0.0.1:40000")
	t0 := time.Unix(1000, 0)
	type pkt struct {
		seq uint16
		ts  uint32
		at  time.Duration // arrival after t0
	}
	tests := []struct {
		name string
		pkts []pkt
		want echoStream
	}{
		{
			name: "in order, on time: no loss, no jitter",
			pkts: []pkt{{10, 0, 0}, {11, 240, 30 * time.Millisecond}, {12, 480, 60 * time.Millisecond}},
			want: echoStream{Packets: 3, firstSeq: 10, maxSeq: 12, started: true},
		},
		{
			name: "a gap of two",
			pkts: []pkt{{10, 0, 0}, {13, 720, 90 * time.Millisecond}},
			want: echoStream{Packets: 2, firstSeq: 10, maxSeq: 13, started: true},
		},
		{
			name: "sequence wraps",
			pkts: []pkt{{65534, 0, 0}, {65535, 240, 30 * time.Millisecond}, {0, 480, 60 * time.Millisecond}, {1, 720, 90 * time.Millisecond}},
			want: echoStream{Packets: 4, firstSeq: 65534, maxSeq: 65537, started: true},
		},
		{
			name: "late packet does not lower the highest",
			pkts: []pkt{{10, 0, 0}, {12, 480, 60 * time.Millisecond}, {11, 240, 61 * time.Millisecond}},
			want: echoStream{Packets: 3, firstSeq: 10, maxSeq: 12, started: true, Jitter: 248.0 / 16},
		},
		{
			name: "one packet 16 ms late: jitter 128 units / 16",
			pkts: []pkt{{10, 0, 0}, {11, 240, 46 * time.Millisecond}},
			want: echoStream{Packets: 2, firstSeq: 10, maxSeq: 11, started: true, Jitter: 128.0 / 16},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &rtpEcho{streams: map[streamKey]*echoStream{}}
			for _, p := range tt.pkts {
				if !e.note(rtpPacket(t, p.seq, p.ts), src, t0.Add(p.at)) {
					t.Fatalf("RTP seq %d not echoed", p.seq)
				}
			}
			got := *e.streams[streamKey{src, 0x1234}]
			got.transit = 0
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(echoStream{}), cmpopts.EquateApprox(0, 1e-6)); diff != "" {
				t.Errorf("stream mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEchoNoteRTCPAndJunk(t *testing.T) {
	src := netip.MustParseAddrPort("127.0.0.1:40000")
	e := &rtpEcho{streams: map[streamKey]*echoStream{}}
	rr, err := (&rtcp.ReceiverReport{SSRC: 7, Reports: []rtcp.ReceptionReport{{SSRC: 9, TotalLost: 3, Jitter: 80}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if e.note(rr, src, time.Now()) {
		t.Error("an RTCP receiver report was to be echoed")
	}
	for _, junk := range [][]byte{nil, {0x80}, {0x80, 201, 0, 9}, []byte("SIP/2.0 200 OK")} {
		if e.note(junk, src, time.Now()) {
			t.Errorf("junk %q was to be echoed", junk)
		}
	}
	s := e.streams[streamKey{src, 7}]
	if s.Reports != 1 || s.LastRR.TotalLost != 3 || s.LastRR.Jitter != 80 || s.Packets != 0 {
		t.Errorf("after one RR and junk: %+v", s)
	}
	m := summarizeEchoes([]*rtpEcho{e})
	want := mediaSummary{Reported: 1, BridgeLost: 3, BridgeJitMed: 10, BridgeJitMax: 10, BadDatagrams: 4}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
}

// TestEchoPortReused: a second call from the same bridge port, with its
// own SSRC, is a stream of its own, so no loss is invented between them.
func TestEchoPortReused(t *testing.T) {
	src := netip.MustParseAddrPort("127.0.0.1:40000")
	e := &rtpEcho{streams: map[streamKey]*echoStream{}}
	second := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: 30000, SSRC: 0x9999}}
	b, _ := second.Marshal()
	e.note(rtpPacket(t, 1, 0), src, time.Unix(1, 0))
	e.note(b, src, time.Unix(2, 0))
	m := summarizeEchoes([]*rtpEcho{e})
	if m.Streams != 2 || m.Expected != 2 || m.Received != 2 {
		t.Errorf("two calls on one port: %+v", m)
	}
}

// TestEchoLoopback: packets sent to a real echo come back, and the
// summary counts the loss a sequence gap shows.
func TestEchoLoopback(t *testing.T) {
	e, err := listenEcho(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(e.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	for _, seq := range []uint16{1, 2, 3, 5} { // 4 is lost
		sent := rtpPacket(t, seq, uint32(seq)*240)
		if _, err := c.Write(sent); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("seq %d not echoed: %v", seq, err)
		}
		if !cmp.Equal(sent, buf[:n]) {
			t.Fatalf("seq %d echoed changed", seq)
		}
	}
	m := summarizeEchoes([]*rtpEcho{e})
	if m.Streams != 1 || m.Received != 4 || m.Expected != 5 || m.LossPct() != 20 || m.PerCall != 4 {
		t.Errorf("summary: %+v, loss %.1f%%", m, m.LossPct())
	}
}

// FuzzEchoNote: whatever arrives, the echo neither panics nor counts
// more packets received than datagrams, and a started stream expects at
// least one packet.
func FuzzEchoNote(f *testing.F) {
	f.Add(rtpPacket(f, 1, 240))
	rr, _ := (&rtcp.ReceiverReport{SSRC: 7, Reports: []rtcp.ReceptionReport{{SSRC: 9}}}).Marshal()
	f.Add(rr)
	f.Add([]byte{0x80, 200, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		src := netip.MustParseAddrPort("127.0.0.1:40000")
		e := &rtpEcho{streams: map[streamKey]*echoStream{}}
		e.note(rtpPacket(t, 65535, 0), src, time.Unix(1, 0))
		e.note(pkt, src, time.Unix(2, 0))
		s := e.streams[streamKey{src, 0x1234}]
		if s.Packets > 2 || s.Expected() < 1 {
			t.Errorf("stream after one datagram: %+v", s)
		}
	})
}
