package sip

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/media"
)

// rtpSink records the RTP packets that reach a UDP socket.
type rtpSink struct {
	conn *net.UDPConn
	mu   sync.Mutex
	pkts []rtp.Header
	done chan struct{}
}

func newRTPSink(t *testing.T) *rtpSink {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &rtpSink{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 1500)
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			var h rtp.Header
			if _, err := h.Unmarshal(buf[:n]); err != nil || buf[1] >= 192 && buf[1] <= 223 {
				continue
			}
			s.mu.Lock()
			s.pkts = append(s.pkts, h)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { conn.Close(); <-s.done })
	return s
}

func (s *rtpSink) port() int { return s.conn.LocalAddr().(*net.UDPAddr).Port }

func (s *rtpSink) headers() []rtp.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rtp.Header(nil), s.pkts...)
}

// freeEvenPortPair returns an even port P on 127.0.0.1 with P and P+1
// free a moment ago, for a peer that sends RTP and RTCP from them.
func freeEvenPortPair(t *testing.T) int {
	t.Helper()
	for range 100 {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		if p%2 == 0 {
			if c2, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1}); err == nil {
				c2.Close()
				c.Close()
				return p
			}
		}
		c.Close()
	}
	t.Fatal("no free even port pair")
	return 0
}

// TestSippHoldKeepsStream: ffmpeg sends the caller's PCMU (RTP on an even
// port, RTCP sender reports on the port above, no rtcp-mux) through the
// PBX to a socket standing for the callee's phone, while sipp puts the
// call on hold and takes it off again with re-INVITEs. The callee's phone
// must see one stream throughout, with no restart: one SSRC, sequence
// numbers one apart, the marker bit only at the start. ffmpeg's RTCP,
// sent to the PBX's RTP port + 1, must show in the bridge's statistics.
func TestSippHoldKeepsStream(t *testing.T) {
	ffmpeg := interop.LookPath(t, "ffmpeg", "ffmpeg")
	sink := newRTPSink(t)
	ffPort := freeEvenPortPair(t)
	callee := startSippUA(t, "uas_hold.xml", "-key", "callee_rtp", fmt.Sprint(sink.port()))
	p := startPBX(t, Config{Router: ExtensionRouter(staticLocator{"201": {AOR: "201", Contact: fmt.Sprintf("sip:201@127.0.0.1:%d", callee.port),
		Source: netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", callee.port)), Transport: "udp"}}, nil, 0, nil)})
	callee.listening(t)
	caller := startSippUA(t, "call_hold.xml", p.addr.String(), "-s", "201", "-key", "ff_port", fmt.Sprint(ffPort))

	c := <-p.calls
	waitWithin(t, 10*time.Second, "the call answered", func() bool { _, ok := c.BridgeStats(); return ok })
	c.mu.Lock()
	pbxA := c.localA.Addr
	c.mu.Unlock()
	url := fmt.Sprintf("rtp://%s?localrtpport=%d&localrtcpport=%d", pbxA, ffPort, ffPort+1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ff := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-re",
		"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=8000:samples_per_frame=160", "-t", "8",
		"-acodec", "pcm_mulaw", "-ar", "8000", "-ac", "1", "-f", "rtp", url)
	var ffOut strings.Builder
	ff.Stdout, ff.Stderr = &ffOut, &ffOut
	if err := ff.Start(); err != nil {
		t.Fatalf("start ffmpeg: %v", err)
	}
	ffDone := make(chan error, 1)
	go func() { ffDone <- ff.Wait() }()
	defer func() { ff.Process.Kill(); <-ffDone }()
	// Keep the last statistics of the bridge until the call ends.
	var stats media.BridgeStats
	for {
		st, ok := c.BridgeStats()
		if !ok {
			break
		}
		stats = st
		time.Sleep(50 * time.Millisecond)
	}
	caller.wait(t)
	callee.wait(t)

	hs := sink.headers()
	// ffmpeg ran about 6 s of the call (2 s before the hold, 2 on hold,
	// 2 after): 300 packets at 50 per second, less start-up.
	if len(hs) < 150 {
		t.Fatalf("callee got %d RTP packets, want ~300\nffmpeg:\n%s", len(hs), ffOut.String())
	}
	for i, h := range hs {
		if h.SSRC != hs[0].SSRC {
			t.Fatalf("packet %d: SSRC %#x after %#x: the stream restarted", i, h.SSRC, hs[0].SSRC)
		}
		if i > 0 && h.SequenceNumber != hs[i-1].SequenceNumber+1 {
			t.Fatalf("packet %d: seq %d after %d: the stream restarted or lost packets", i, h.SequenceNumber, hs[i-1].SequenceNumber)
		}
		if i > 0 && h.Marker {
			t.Errorf("packet %d of %d has the marker bit", i, len(hs))
		}
	}
	// ffmpeg's sender reports arrived on the RTCP port of the caller's leg.
	a := stats.A
	if a.RTCPReceived == 0 || a.PeerSender.SSRC != a.SSRC || a.PeerSender.Packets == 0 {
		t.Errorf("bridge stats of the caller's leg: RTCP received %d, peer sender %+v, SSRC %#x; want ffmpeg's SR",
			a.RTCPReceived, a.PeerSender, a.SSRC)
	}
	t.Logf("callee got %d packets; caller leg: relayed %d, RTCP in %d, peer SR %+v", len(hs), a.Relayed, a.RTCPReceived, a.PeerSender)
}
