package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

var rtpHeaderOpts = cmp.Options{cmp.AllowUnexported(rtp.Extension{}), cmpopts.EquateEmpty()}

// FuzzRTPPacket checks the receive parser: it never panics; what it
// accepts, pion parses the same way; and marshalling what it parsed with
// pion and parsing again gives the same header and payload.
func FuzzRTPPacket(f *testing.F) {
	seed := func(p rtp.Packet) {
		b, err := p.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: 1, Timestamp: 160, SSRC: 7}, Payload: make([]byte, FrameSamples)})
	seed(rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PayloadType: 101, CSRC: []uint32{1, 2, 3}}, Payload: []byte{5, 0x80, 0, 160}, PaddingSize: 4})
	one := rtp.Header{Version: 2, PayloadType: 8}
	one.SetExtension(1, []byte{0xAA})
	one.SetExtension(3, []byte{1, 2, 3})
	seed(rtp.Packet{Header: one, Payload: []byte{1}})
	two := rtp.Header{Version: 2, Extension: true, ExtensionProfile: rtp.ExtensionProfileTwoByte}
	two.SetExtension(200, []byte{})
	seed(rtp.Packet{Header: two})
	f.Add([]byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 1, 9, 9, 9, 9})
	f.Add([]byte{0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 5})
	f.Add([]byte{0x80, 200, 0, 1, 0, 0, 0, 1})

	f.Fuzz(func(t *testing.T, b []byte) {
		var h rtp.Header
		payload, err := parseRTP(&h, b)
		if err != nil {
			return
		}
		if h.Version != 2 || len(payload) > len(b)-12 {
			t.Fatalf("accepted version %d, payload %d of %d bytes", h.Version, len(payload), len(b))
		}
		var ref rtp.Packet
		if err := ref.Unmarshal(b); err != nil {
			t.Fatalf("we accept what pion rejects: %v", err)
		}
		if diff := cmp.Diff(ref.Header, h, rtpHeaderOpts); diff != "" {
			t.Fatalf("header differs from pion's (-pion +ours):\n%s", diff)
		}
		if diff := cmp.Diff(ref.Payload, payload, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("payload differs from pion's:\n%s", diff)
		}

		b2, err := (&rtp.Packet{Header: h, Payload: payload, PaddingSize: h.PaddingSize}).Marshal()
		if err != nil {
			t.Fatalf("marshal what we parsed: %v", err)
		}
		var h2 rtp.Header
		payload2, err := parseRTP(&h2, b2)
		if err != nil {
			t.Fatalf("re-parse %x: %v", b2, err)
		}
		if diff := cmp.Diff(h, h2, rtpHeaderOpts); diff != "" {
			t.Fatalf("header after round trip (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(payload, payload2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("payload after round trip:\n%s", diff)
		}
	})
}

// FuzzRTCP feeds compound RTCP packets to the session's handling: no
// panic, and for the packet types the session reads (SR, RR, SDES, BYE),
// pion's marshal of what it parsed parses back the same.
func FuzzRTCP(f *testing.F) {
	s := newSession(f, listenUDP(f), SessionConfig{Codec: CodecPCMU, RTCPMux: true, SSRC: 0xabc, Remote: netip.MustParseAddrPort("127.0.0.1:9")})
	for _, pkts := range [][]rtcp.Packet{
		{&rtcp.SenderReport{SSRC: 1, NTPTime: 1 << 40, Reports: []rtcp.ReceptionReport{{SSRC: 0xabc, TotalLost: 0xFFFFFF, LastSenderReport: 5, Delay: 9}}}},
		{&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 0xabc, FractionLost: 1}}},
			&rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 1, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "a@b"}}}}},
			&rtcp.Goodbye{Sources: []uint32{1}, Reason: "bye"}},
	} {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x80, 200, 0, 0, 0, 0, 0, 0})
	now := time.Unix(1e9, 0)
	src := netip.MustParseAddrPort("127.0.0.1:9")

	f.Fuzz(func(t *testing.T, b []byte) {
		s.rtcp.receive(b, src, now) // must not panic
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.SenderReport, *rtcp.ReceiverReport, *rtcp.SourceDescription, *rtcp.Goodbye:
			default:
				return // other types are pion's business, not ours
			}
		}
		b2, err := rtcp.Marshal(pkts)
		if err != nil {
			return // pion parses some packets it will not write (over-long reason, …)
		}
		pkts2, err := rtcp.Unmarshal(b2)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if diff := cmp.Diff(pkts, pkts2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		if st := s.Stats(); st.Peer.Lost < -0x800000 || st.Peer.Lost > 0x7FFFFF {
			t.Fatalf("peer lost %d out of 24-bit range", st.Peer.Lost)
		}
	})
}
