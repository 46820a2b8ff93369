package media

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pion/rtcp"
)

// lossyProxy relays datagrams between two sessions: what arrives on
// side[i] is sent out of side[1-i] to peer[1-i]. It drops the RTP packets
// whose index n (counted per direction) has drop[i](n), and holds RTCP
// for delay, so that both sides see loss and a round trip of at least
// 2×delay.
type lossyProxy struct {
	side  [2]*net.UDPConn
	peer  [2]netip.AddrPort
	drop  [2]func(n int) bool
	delay time.Duration
	wg    sync.WaitGroup
}

func (p *lossyProxy) run(t *testing.T) {
	for i := range 2 {
		p.wg.Go(func() {
			buf := make([]byte, 1500)
			n := 0
			for {
				k, _, err := p.side[i].ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				b := append([]byte(nil), buf[:k]...)
				out, dst := p.side[1-i], p.peer[1-i]
				if isRTCP(b) {
					time.AfterFunc(p.delay, func() { out.WriteToUDPAddrPort(b, dst) })
					continue
				}
				if p.drop[i](n) {
					n++
					continue
				}
				n++
				out.WriteToUDPAddrPort(b, dst)
			}
		})
	}
	t.Cleanup(func() {
		p.side[0].Close()
		p.side[1].Close()
		p.wg.Wait()
	})
}

// drain reads s until it is closed, as a call's receive loop would.
func drain(t *testing.T, s *Session) {
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			if _, err := s.ReadRTP(buf); err != nil {
				return
			}
		}
	})
	t.Cleanup(func() { s.Close(); wg.Wait() })
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRTCPReportsLossAndRTT(t *testing.T) {
	ca, cb := listenUDP(t), listenUDP(t)
	p := &lossyProxy{
		side:  [2]*net.UDPConn{listenUDP(t), listenUDP(t)},
		peer:  [2]netip.AddrPort{addrOf(ca), addrOf(cb)},
		drop:  [2]func(int) bool{func(n int) bool { return n%10 == 5 }, func(n int) bool { return n%5 == 2 }},
		delay: 20 * time.Millisecond,
	}
	p.run(t)
	cfg := SessionConfig{Codec: CodecPCMA, RTCPMux: true, RTCPInterval: 50 * time.Millisecond}
	cfg.Remote = addrOf(p.side[0])
	a := newSession(t, ca, cfg)
	cfg.Remote = addrOf(p.side[1])
	b := newSession(t, cb, cfg)
	drain(t, a)
	drain(t, b)

	payload := make([]byte, FrameSamples)
	for i := range 200 {
		must(t, a.WriteAudio(payload))
		if i < 100 {
			must(t, b.WriteAudio(payload))
		}
		if i%20 == 0 {
			time.Sleep(time.Millisecond) // let the proxy keep up with the burst
		}
	}
	// A's 200 packets lose 20 (index 5, 15, … 195); B's 100 lose 20
	// (index 2, 7, … 97). Each side must see its own loss in the other's
	// report, and a round trip through the proxy's 2×20 ms.
	waitFor(t, "both sides' reports", func() bool {
		sa, sb := a.Stats(), b.Stats()
		return sa.Peer.Lost == 20 && sb.Peer.Lost == 20 && sa.RTT > 0 && sb.RTT > 0 &&
			sa.PacketsReceived == 80 && sb.PacketsReceived == 180
	})
	type view struct{ Sent, Received, LostHere, LostThere uint64 }
	got := []view{}
	for _, s := range []*Session{a, b} {
		st := s.Stats()
		got = append(got, view{st.PacketsSent, st.PacketsReceived, uint64(st.Lost), uint64(st.Peer.Lost)})
		if st.RTT < 30*time.Millisecond || st.RTT > 5*time.Second {
			t.Errorf("RTT %v, want at least the proxy's 40 ms", st.RTT)
		}
		if st.Dropped != 0 || st.Invalid != 0 {
			t.Errorf("dropped %d invalid %d", st.Dropped, st.Invalid)
		}
	}
	want := []view{{200, 80, 20, 20}, {100, 180, 20, 20}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("views (-want +got):\n%s", diff)
	}
}

func TestRTCPSeparatePortAndBye(t *testing.T) {
	ca, cb, ra, rb := listenUDP(t), listenUDP(t), listenUDP(t), listenUDP(t)
	a := newSession(t, ca, SessionConfig{Codec: CodecPCMU, Remote: addrOf(cb), RTCPConn: ra, RemoteRTCP: addrOf(rb), RTCPInterval: 50 * time.Millisecond})
	b := newSession(t, cb, SessionConfig{Codec: CodecPCMU, Remote: addrOf(ca), RTCPConn: rb, RemoteRTCP: addrOf(ra), RTCPInterval: 50 * time.Millisecond})
	drain(t, b)
	payload := make([]byte, FrameSamples)
	for range 10 {
		must(t, a.WriteAudio(payload))
	}
	waitFor(t, "b's report of a's stream", func() bool {
		st := a.Stats()
		return !st.Peer.At.IsZero() && b.Stats().PacketsReceived == 10
	})
	if st := a.Stats(); st.Peer.Lost != 0 || st.Peer.FractionLost != 0 {
		t.Errorf("peer report %+v, want no loss", st.Peer)
	}
	must(t, a.Close())
	waitFor(t, "b to see a's BYE", func() bool { return b.Stats().PeerBye })
}

func TestRTCPDefaultPortPlusOne(t *testing.T) {
	// Find a port whose successor is free; another process may take it in
	// between, so try a few.
	for range 20 {
		c := listenUDP(t)
		s, err := NewSession(c, SessionConfig{Codec: CodecPCMU})
		if err != nil {
			continue
		}
		defer s.Close()
		got := unmap(s.rtcp.conn.LocalAddr().(*net.UDPAddr).AddrPort())
		want := netip.AddrPortFrom(addrOf(c).Addr(), addrOf(c).Port()+1)
		if got != want {
			t.Errorf("rtcp socket on %v, want %v", got, want)
		}
		return
	}
	t.Fatal("no port with a free successor in 20 tries")
}

func TestRTCPIgnoresStrangers(t *testing.T) {
	a, _ := sessionPair(t)
	drain(t, a)
	stranger := listenUDP(t)
	// A receiver report claiming 100% loss of a's stream, from a stranger.
	b, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 5, Reports: []rtcp.ReceptionReport{{SSRC: a.SSRC(), FractionLost: 255, TotalLost: 1000}}}})
	must(t, err)
	stranger.WriteToUDPAddrPort(b, a.LocalAddr())
	stranger.WriteToUDPAddrPort([]byte{0x80, 200, 0, 0, 0, 0, 0, 0}, a.LocalAddr()) // truncated SR
	waitFor(t, "the stranger's packets to be counted", func() bool {
		st := a.Stats()
		return st.Dropped+st.Invalid == 2
	})
	if st := a.Stats(); !st.Peer.At.IsZero() {
		t.Errorf("stranger's report taken: %+v", st.Peer)
	}
}

func TestRTCPHandle(t *testing.T) {
	s := newSession(t, listenUDP(t), SessionConfig{Codec: CodecPCMU, RTCPMux: true, SSRC: 0xabc})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sentSR := MiddleNTP(NTPTime(now.Add(-300 * time.Millisecond)))
	s.rtcp.handle([]rtcp.Packet{
		&rtcp.SenderReport{SSRC: 9, NTPTime: 0x1234_5678_9abc_def0, Reports: []rtcp.ReceptionReport{
			{SSRC: 0xabc, FractionLost: 64, TotalLost: 0xFFFFFE, Jitter: 80, LastSenderReport: sentSR, Delay: 65536 / 10},
			{SSRC: 0xdef, FractionLost: 255, TotalLost: 99},
		}},
		&rtcp.Goodbye{Sources: []uint32{9}, Reason: "done"},
	}, netip.MustParseAddrPort("127.0.0.1:4000"), now)
	st := s.Stats()
	want := PeerReport{At: now, FractionLost: 64, Lost: -2, Jitter: 10 * time.Millisecond}
	if diff := cmp.Diff(want, st.Peer); diff != "" {
		t.Errorf("peer report (-want +got):\n%s", diff)
	}
	if d := st.RTT - 200*time.Millisecond; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("RTT %v, want 300 ms − 100 ms DLSR = 200 ms", st.RTT)
	}
	if !st.PeerBye {
		t.Error("BYE not seen")
	}
	wantSR := PeerSenderReport{At: now, SSRC: 9, NTPTime: 0x1234_5678_9abc_def0}
	if diff := cmp.Diff(wantSR, st.PeerSender); diff != "" {
		t.Errorf("peer sender report (-want +got):\n%s", diff)
	}
	if s.rtcp.lastSR != 0x5678_9abc || s.rtcp.srSSRC != 9 {
		t.Errorf("LSR %08x from %x", s.rtcp.lastSR, s.rtcp.srSSRC)
	}
}

func TestRTCPBuildSenderReport(t *testing.T) {
	peer := listenUDP(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := newSession(t, listenUDP(t), SessionConfig{Codec: CodecPCMU, RTCPMux: true, SSRC: 7, Remote: addrOf(peer), Clock: func() time.Time { return now }, CNAME: "x@y"})
	ts := s.Timestamp()
	for range 3 {
		must(t, s.WriteAudio(make([]byte, FrameSamples)))
	}
	b, dst, err := s.rtcp.build(now.Add(100*time.Millisecond), true)
	must(t, err)
	if dst != addrOf(peer) {
		t.Errorf("report to %v", dst)
	}
	pkts, err := rtcp.Unmarshal(b)
	must(t, err)
	want := []rtcp.Packet{
		&rtcp.SenderReport{SSRC: 7, NTPTime: NTPTime(now.Add(100 * time.Millisecond)), RTPTime: ts + 320 + 800, PacketCount: 3, OctetCount: 480},
		&rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 7, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "x@y"}}}}},
		&rtcp.Goodbye{Sources: []uint32{7}},
	}
	if diff := cmp.Diff(want, pkts); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	// Two reports later without sending, it is a receiver report.
	for range 2 {
		b, _, err = s.rtcp.build(now, false)
		must(t, err)
	}
	pkts, err = rtcp.Unmarshal(b)
	must(t, err)
	if _, ok := pkts[0].(*rtcp.ReceiverReport); !ok {
		t.Errorf("idle session sent %T, want *rtcp.ReceiverReport", pkts[0])
	}
	if _, _, err := newSessionNoRemote(t).rtcp.build(now, false); !errors.Is(err, ErrNoRemote) {
		t.Errorf("no remote: %v", err)
	}
}

func newSessionNoRemote(t *testing.T) *Session {
	return newSession(t, listenUDP(t), SessionConfig{Codec: CodecPCMU, RTCPMux: true})
}
