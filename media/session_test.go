package media

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pion/rtp"
)

// listenUDP binds a socket on 127.0.0.1 port 0, closed at cleanup.
func listenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort {
	return unmap(c.LocalAddr().(*net.UDPAddr).AddrPort())
}

// newSession starts a session on conn, closed at cleanup.
func newSession(t testing.TB, conn *net.UDPConn, cfg SessionConfig) *Session {
	t.Helper()
	if cfg.Codec == CodecUnknown {
		cfg.Codec = CodecPCMU
	}
	s, err := NewSession(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sessionPair returns two sessions on loopback, each with the other's
// address as its SDP remote, with rtcp-mux and a short RTCP interval.
func sessionPair(t testing.TB) (a, b *Session) {
	ca, cb := listenUDP(t), listenUDP(t)
	cfg := SessionConfig{RTCPMux: true, RTCPInterval: 50 * time.Millisecond}
	cfg.Remote = addrOf(cb)
	a = newSession(t, ca, cfg)
	cfg.Remote = addrOf(ca)
	b = newSession(t, cb, cfg)
	return a, b
}

// tone returns a reader of a 1 kHz tone of n samples, then io.EOF.
func tone(n int) SampleReader {
	i := 0
	return SampleReaderFunc(func(dst []int16) (int, error) {
		k := 0
		for ; k < len(dst) && i < n; k, i = k+1, i+1 {
			dst[k] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/SampleRate))
		}
		if i == n {
			return k, io.EOF
		}
		return k, nil
	})
}

// readN reads n packets from s, copying them, with an overall deadline.
func readN(t *testing.T, s *Session, n int) []rtp.Packet {
	t.Helper()
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer s.SetReadDeadline(time.Time{})
	buf := make([]byte, 1500)
	var got []rtp.Packet
	for len(got) < n {
		p, err := s.ReadRTP(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(got), err)
		}
		h := p.Header
		h.CSRC, h.Extensions = nil, nil
		got = append(got, rtp.Packet{Header: h, Payload: append([]byte(nil), p.Payload...)})
	}
	return got
}

// checkStream checks what a receiver sees of a stream sent by sender:
// consecutive sequence numbers, timestamps 160 apart, the marker on the
// first packet only, one SSRC.
func checkStream(t *testing.T, got []rtp.Packet, sender *Session) {
	t.Helper()
	for i, p := range got {
		h := p.Header
		if h.SSRC != sender.SSRC() || h.PayloadType != 0 || h.Version != 2 {
			t.Fatalf("packet %d: ssrc %08x pt %d v %d, want ssrc %08x pt 0 v 2", i, h.SSRC, h.PayloadType, h.Version, sender.SSRC())
		}
		if h.Marker != (i == 0) {
			t.Errorf("packet %d: marker %v", i, h.Marker)
		}
		if len(p.Payload) != FrameSamples {
			t.Errorf("packet %d: %d payload bytes", i, len(p.Payload))
		}
		if i == 0 {
			continue
		}
		prev := got[i-1].Header
		if h.SequenceNumber != prev.SequenceNumber+1 || h.Timestamp != prev.Timestamp+FrameSamples {
			t.Errorf("packet %d: seq %d ts %d after seq %d ts %d", i, h.SequenceNumber, h.Timestamp, prev.SequenceNumber, prev.Timestamp)
		}
	}
}

func TestSessionExchangeTone(t *testing.T) {
	a, b := sessionPair(t)
	const frames = 50 // 1 s
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*Session{a, b} {
		wg.Go(func() {
			errs[i] = NewPlayer(s, PlayerConfig{}).Play(context.Background(), tone(frames*FrameSamples))
		})
	}
	var gotA, gotB []rtp.Packet
	wg.Go(func() { gotB = readN(t, b, frames) })
	gotA = readN(t, a, frames)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	checkStream(t, gotB, a)
	checkStream(t, gotA, b)

	// The audio is the tone, through µ-law.
	want := make([]int16, frames*FrameSamples)
	tone(len(want)).ReadSamples(want)
	enc := make([]byte, len(want))
	EncodeULaw(enc, want)
	DecodeULaw(want, enc)
	var dec []int16
	for _, p := range gotB {
		d := make([]int16, len(p.Payload))
		DecodeULaw(d, p.Payload)
		dec = append(dec, d...)
	}
	if diff := cmp.Diff(want, dec); diff != "" {
		t.Errorf("decoded audio (-want +got):\n%s", diff)
	}
	st := b.Stats()
	if st.PacketsReceived != frames || st.OctetsReceived != frames*FrameSamples || st.PacketsSent != frames || st.Lost != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestSessionWriteRTPSharesSequence(t *testing.T) {
	a, b := sessionPair(t)
	payload := make([]byte, FrameSamples)
	ts0 := a.Timestamp()
	must(t, a.WriteAudio(payload))
	must(t, a.WriteRTP(101, ts0+160, true, []byte{1, 0, 0, 160}))
	must(t, a.WriteRTP(101, ts0+160, false, []byte{1, 0, 1, 64}))
	must(t, a.WriteAudio(payload))
	a.MarkTalkspurt()
	must(t, a.WriteAudio(payload))
	a.SkipSamples(800)
	must(t, a.WriteAudio(payload))
	got := readN(t, b, 6)
	type hdr struct {
		Seq    uint16
		TS     uint32
		PT     uint8
		Marker bool
	}
	var gotH []hdr
	for _, p := range got {
		gotH = append(gotH, hdr{p.Header.SequenceNumber - got[0].Header.SequenceNumber, p.Header.Timestamp - ts0, p.Header.PayloadType, p.Header.Marker})
	}
	want := []hdr{
		{0, 0, 0, true},
		{1, 160, 101, true},
		{2, 160, 101, false},
		{3, 160, 0, false},
		{4, 320, 0, true},
		{5, 480 + 800, 0, true},
	}
	if diff := cmp.Diff(want, gotH); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rawRTP marshals an RTP packet with pion.
func rawRTP(t testing.TB, seq uint16, ts uint32, ssrc uint32, pt uint8, payload []byte) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// expectRTP reads one datagram on c within a deadline and parses it.
func expectRTP(t *testing.T, c *net.UDPConn) (rtp.Packet, netip.AddrPort) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if isRTCP(buf[:n]) {
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		return p, unmap(src)
	}
}

func TestSessionLatchesNATSource(t *testing.T) {
	sdp := listenUDP(t)  // the address the peer's SDP names (its private side)
	real := listenUDP(t) // where its packets really come from (the NAT's outside)
	c := listenUDP(t)
	s := newSession(t, c, SessionConfig{Remote: addrOf(sdp), NoRTCP: true})
	payload := make([]byte, FrameSamples)

	// Before latching, we send to the SDP address.
	must(t, s.WriteAudio(payload))
	if _, src := expectRTP(t, sdp); src != addrOf(c) {
		t.Fatalf("packet from %v", src)
	}
	for i := range 4 {
		if _, err := real.WriteToUDPAddrPort(rawRTP(t, uint16(100+i), uint32(160*i), 7, 0, payload), addrOf(c)); err != nil {
			t.Fatal(err)
		}
	}
	got := readN(t, s, 1)
	if got[0].Header.SequenceNumber != 103 {
		t.Errorf("first accepted packet seq %d, want 103 (the 4th)", got[0].Header.SequenceNumber)
	}
	st := s.Stats()
	if !st.Latched || st.Remote != addrOf(real) || st.Dropped != 3 {
		t.Errorf("after 4 packets: latched %v remote %v dropped %d; want true %v 3", st.Latched, st.Remote, st.Dropped, addrOf(real))
	}
	// Replies go to the real source.
	must(t, s.WriteAudio(payload))
	p, _ := expectRTP(t, real)
	if p.SSRC != s.SSRC() {
		t.Errorf("reply ssrc %08x", p.SSRC)
	}
}

func TestSessionResistsRTPBleed(t *testing.T) {
	peer, stranger, c := listenUDP(t), listenUDP(t), listenUDP(t)
	s := newSession(t, c, SessionConfig{Remote: addrOf(peer), NoRTCP: true})
	payload := make([]byte, FrameSamples)
	send := func(from *net.UDPConn, seq uint16, ssrc uint32) {
		t.Helper()
		if _, err := from.WriteToUDPAddrPort(rawRTP(t, seq, uint32(seq)*160, ssrc, 0, payload), addrOf(c)); err != nil {
			t.Fatal(err)
		}
	}
	send(peer, 1, 1)
	readN(t, s, 1) // latched on the SDP address
	for i := range 20 {
		send(stranger, uint16(500+i), 666) // a stranger sprays in sequence
	}
	send(peer, 2, 1)
	got := readN(t, s, 1)
	if got[0].Header.SSRC != 1 || got[0].Header.SequenceNumber != 2 {
		t.Fatalf("got ssrc %d seq %d, want the peer's seq 2", got[0].Header.SSRC, got[0].Header.SequenceNumber)
	}
	st := s.Stats()
	if st.Dropped != 20 || st.PacketsReceived != 2 || st.Remote != addrOf(peer) {
		t.Errorf("dropped %d received %d remote %v; want 20, 2, %v", st.Dropped, st.PacketsReceived, st.Remote, addrOf(peer))
	}
	// Replies go to the peer, none to the stranger: once the peer has our
	// packet, a packet to the stranger would already be queued on its
	// socket as well, since both are on loopback.
	must(t, s.WriteAudio(payload))
	expectRTP(t, peer)
	stranger.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if n, _, err := stranger.ReadFromUDPAddrPort(make([]byte, 1500)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("stranger received %d bytes (err %v)", n, err)
	}
}

func TestSessionDropsGarbage(t *testing.T) {
	peer, c := listenUDP(t), listenUDP(t)
	s := newSession(t, c, SessionConfig{Remote: addrOf(peer), NoRTCP: true})
	for _, b := range [][]byte{
		{},
		{0x80, 0},                               // short
		{0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, // version 1
		{0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, // 15 CSRCs missing
		{0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 5}, // padding longer than payload
	} {
		peer.WriteToUDPAddrPort(b, addrOf(c))
	}
	peer.WriteToUDPAddrPort(rawRTP(t, 9, 9, 9, 0, []byte{1, 2, 3}), addrOf(c))
	got := readN(t, s, 1)
	if diff := cmp.Diff([]byte{1, 2, 3}, got[0].Payload); diff != "" {
		t.Error(diff)
	}
	if st := s.Stats(); st.Invalid != 5 || st.PacketsReceived != 1 {
		t.Errorf("invalid %d received %d, want 5 and 1", st.Invalid, st.PacketsReceived)
	}
}

func TestParseRTPPadding(t *testing.T) {
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, CSRC: []uint32{1, 2}}, Payload: []byte{1, 2, 3}, PaddingSize: 5}).Marshal()
	must(t, err)
	var h rtp.Header
	p, err := parseRTP(&h, b)
	must(t, err)
	if diff := cmp.Diff([]byte{1, 2, 3}, p); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]uint32{1, 2}, h.CSRC); diff != "" {
		t.Error(diff)
	}
}

func TestSessionCloseUnblocksRead(t *testing.T) {
	a, _ := sessionPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := a.ReadRTP(make([]byte, 1500))
		done <- err
	}()
	must(t, a.Close())
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadRTP after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadRTP still blocked after Close")
	}
	if err := a.WriteAudio([]byte{0}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("WriteAudio after Close: %v", err)
	}
	must(t, a.Close()) // idempotent
}

func TestNewSessionErrors(t *testing.T) {
	for name, cfg := range map[string]SessionConfig{
		"no codec": {},
		"pt clash": {Codec: CodecPCMU, PayloadType: 101},
		"pt range": {Codec: CodecPCMA, EventPayloadType: 200},
	} {
		t.Run(name, func(t *testing.T) {
			if s, err := NewSession(listenUDP(t), cfg); err == nil {
				s.Close()
				t.Error("no error")
			}
		})
	}
	if _, err := NewSession(nil, SessionConfig{Codec: CodecPCMU}); err == nil {
		t.Error("nil conn: no error")
	}
	s := newSession(t, listenUDP(t), SessionConfig{Codec: CodecPCMU, NoRTCP: true})
	if err := s.WriteAudio([]byte{1}); !errors.Is(err, ErrNoRemote) {
		t.Errorf("no remote: %v", err)
	}
	s.Relearn(netip.MustParseAddrPort("127.0.0.1:9"))
	if err := s.WriteAudio(make([]byte, 1500)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("big payload: %v", err)
	}
}

// steadySession returns a session receiving from peer (latched) with a
// packet source for allocation tests and benchmarks.
func steadySession(t testing.TB) (s *Session, peer *net.UDPConn, pkt []byte) {
	peer, c := listenUDP(t), listenUDP(t)
	s = newSession(t, c, SessionConfig{Remote: addrOf(peer), NoRTCP: true})
	return s, peer, rawRTP(t, 0, 0, 42, 0, make([]byte, FrameSamples))
}

func TestSessionWriteAudioAllocs(t *testing.T) {
	s, _, _ := steadySession(t)
	payload := make([]byte, FrameSamples)
	must(t, s.WriteAudio(payload))
	if n := testing.AllocsPerRun(200, func() { s.WriteAudio(payload) }); n != 0 {
		t.Errorf("WriteAudio allocates %v times per packet", n)
	}
}

func TestSessionReadRTPAllocs(t *testing.T) {
	s, peer, pkt := steadySession(t)
	dst := s.LocalAddr()
	buf := make([]byte, 1500)
	seq := uint16(0)
	step := func() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		peer.WriteToUDPAddrPort(pkt, dst)
		if _, err := s.ReadRTP(buf); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		step()
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("ReadRTP allocates %v times per packet", n)
	}
}

func BenchmarkSessionWriteAudio(b *testing.B) {
	s, _, _ := steadySession(b)
	payload := make([]byte, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.WriteAudio(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionReadRTP measures one packet sent by a raw socket and
// received by ReadRTP (parse, latch, statistics).
func BenchmarkSessionReadRTP(b *testing.B) {
	s, peer, pkt := steadySession(b)
	dst := s.LocalAddr()
	buf := make([]byte, 1500)
	seq := uint16(0)
	b.ReportAllocs()
	for b.Loop() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		peer.WriteToUDPAddrPort(pkt, dst)
		if _, err := s.ReadRTP(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRTP measures the header parse alone, the part of the
// receive path that does not depend on the kernel.
func BenchmarkParseRTP(b *testing.B) {
	pkt := rawRTP(b, 1, 2, 3, 0, make([]byte, FrameSamples))
	var h rtp.Header
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseRTP(&h, pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRTPPion is pion's own Packet.Unmarshal on the same packet,
// run beside BenchmarkParseRTP for the ratio.
func BenchmarkParseRTPPion(b *testing.B) {
	pkt := rawRTP(b, 1, 2, 3, 0, make([]byte, FrameSamples))
	var p rtp.Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Unmarshal(pkt); err != nil {
			b.Fatal(err)
		}
	}
}
