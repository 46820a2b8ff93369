package media

import (
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// TestBridgeRTCPExchange plays phone A's RTCP side, with rtcp-mux and on a
// separate RTCP port: A's sender report reaches BridgeStats; the bridge,
// sending A media, reports to A with an SR that echoes A's; A's receiver
// report about the bridge's stream gives BridgeStats the loss and jitter
// A measured and the round-trip time.
func TestBridgeRTCPExchange(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, mux := range []bool{true, false} {
		name := "separate RTCP port"
		if mux {
			name = "rtcp-mux"
		}
		t.Run(name, func(t *testing.T) {
			clk := &fakeClock{now: t0}
			la := BridgeLeg{Codec: CodecPCMU, SSRC: 0xA, RTCPMux: mux}
			if !mux {
				la.RTCP = listenUDP(t)
			}
			r := startRig(t, la, BridgeLeg{Codec: CodecPCMU, SSRC: 0xB}, BridgeConfig{RTCPInterval: time.Second, Now: clk.Now})
			// Where A's RTCP goes and comes from.
			aRTCP, bridgeRTCP := r.pa, r.a
			if !mux {
				aRTCP, bridgeRTCP = newTestPhone(t), addrOf(la.RTCP)
			}
			marshal := func(p rtcp.Packet) []byte {
				t.Helper()
				b, err := rtcp.Marshal([]rtcp.Packet{p, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
					Source: 0x5EED, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "phone-a"}}}}}})
				if err != nil {
					t.Fatal(err)
				}
				return b
			}

			// 1. A's sender report.
			srA := &rtcp.SenderReport{SSRC: 0x5EED, NTPTime: NTPTime(t0), RTPTime: 1234, PacketCount: 10, OctetCount: 1600}
			aRTCP.sendRaw(bridgeRTCP, marshal(srA))
			waitFor(t, "A's SR received", func() bool { return r.br.Stats().A.RTCPReceived == 1 })
			wantSender := PeerSenderReport{At: t0, SSRC: 0x5EED, NTPTime: NTPTime(t0), RTPTime: 1234, Packets: 10, Octets: 1600}
			if diff := cmp.Diff(wantSender, r.br.Stats().A.PeerSender); diff != "" {
				t.Errorf("PeerSender (-want +got):\n%s", diff)
			}

			// A stranger's report (another address) changes nothing.
			stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
			if err != nil {
				t.Fatal(err)
			}
			defer stranger.Close()
			if _, err := stranger.WriteToUDPAddrPort(marshal(&rtcp.SenderReport{SSRC: 666, NTPTime: 1}), bridgeRTCP); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "stranger's RTCP dropped", func() bool { return r.br.Stats().A.DroppedLatch == 1 })

			// 2. Media both ways, then the interval passes: the report to
			// A is an SR, since the bridge sends A media.
			for i := range 5 {
				r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 0x5EED}, Payload: pcmuPayload(i)})
				r.pb.recv()
				r.pb.send(r.b, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 0xB0B}, Payload: pcmuPayload(i)})
				r.pa.recv()
			}
			clk.Add(1500 * time.Millisecond)
			t1 := clk.Now()
			r.pb.send(r.b, rtp.Packet{Header: rtp.Header{SequenceNumber: 5, Timestamp: 5 * 160, SSRC: 0xB0B}, Payload: pcmuPayload(5)})
			r.pa.recv()
			pkts, err := rtcp.Unmarshal(aRTCP.recvRaw())
			if err != nil {
				t.Fatal(err)
			}
			sr, ok := pkts[0].(*rtcp.SenderReport)
			if !ok {
				t.Fatalf("report to A is %T, want a sender report", pkts[0])
			}
			wantSR := &rtcp.SenderReport{SSRC: 0xA, NTPTime: NTPTime(t1), PacketCount: 6, OctetCount: 6 * 160,
				Reports: []rtcp.ReceptionReport{{SSRC: 0x5EED, LastSequenceNumber: 4, LastSenderReport: MiddleNTP(srA.NTPTime), Delay: 1500 * 65536 / 1000}}}
			if diff := cmp.Diff(wantSR, sr, cmpopts.IgnoreFields(rtcp.SenderReport{}, "RTPTime"),
				cmpopts.IgnoreFields(rtcp.ReceptionReport{}, "Jitter"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("sender report to A (-want +got):\n%s", diff)
			}
			if _, ok := pkts[len(pkts)-1].(*rtcp.SourceDescription); !ok {
				t.Errorf("report without SDES: %v", pkts)
			}

			// 3. A's receiver report about the bridge's stream, 0.6 s later
			// with 0.5 s of delay since our SR: RTT 100 ms.
			clk.Add(600 * time.Millisecond)
			rrA := &rtcp.ReceiverReport{SSRC: 0x5EED, Reports: []rtcp.ReceptionReport{{
				SSRC: 0xA, FractionLost: 64, TotalLost: 3, LastSequenceNumber: 99, Jitter: 80,
				LastSenderReport: MiddleNTP(sr.NTPTime), Delay: 65536 / 2,
			}}}
			aRTCP.sendRaw(bridgeRTCP, marshal(rrA))
			waitFor(t, "A's RR received", func() bool { return r.br.Stats().A.RTCPReceived == 2 })
			st := r.br.Stats().A
			wantPeer := PeerReport{At: clk.Now(), FractionLost: 64, Lost: 3, Jitter: 10 * time.Millisecond}
			if diff := cmp.Diff(wantPeer, st.Peer); diff != "" {
				t.Errorf("Peer (-want +got):\n%s", diff)
			}
			if d := st.RTT - 100*time.Millisecond; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("RTT %v, want 100ms", st.RTT)
			}
			if st.RTCPSent != 1 {
				t.Errorf("RTCPSent %d, want 1", st.RTCPSent)
			}
		})
	}
}

// TestBridgeRTCPSenderOnly: a leg that receives media from the bridge but
// sends none (a held party, a one-way announcement) still gets sender
// reports, driven by the media sent to it.
func TestBridgeRTCPSenderOnly(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	rtcpB := newTestPhone(t)
	lb := BridgeLeg{Codec: CodecPCMA, SSRC: 0xB, RTCP: listenUDP(t), RTCPRemote: rtcpB.addr()}
	r := startRig(t, BridgeLeg{Codec: CodecPCMU}, lb, BridgeConfig{RTCPInterval: time.Second, Now: clk.Now})
	for i := range 60 {
		clk.Add(FrameDuration)
		r.pa.send(r.a, rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 1}, Payload: pcmuPayload(i)})
		r.pb.recv()
	}
	pkts, err := rtcp.Unmarshal(rtcpB.recvRaw())
	if err != nil {
		t.Fatal(err)
	}
	sr, ok := pkts[0].(*rtcp.SenderReport)
	if !ok || sr.SSRC != 0xB || len(sr.Reports) != 0 || sr.PacketCount < 50 || sr.OctetCount != sr.PacketCount*160 {
		t.Fatalf("report to B: %v", pkts[0])
	}
}
