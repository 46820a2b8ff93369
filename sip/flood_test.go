package sip

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFloodLimiter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	attacker := netip.MustParseAddr("198.51.100.7")
	phone := netip.MustParseAddr("192.0.2.10")
	l := newFloodLimiter(10, 20, 4)

	count := func(src netip.Addr, n int, at time.Time) int {
		ok := 0
		for range n {
			if l.take(src, at) {
				ok++
			}
		}
		return ok
	}
	type result struct{ Burst, AfterHalfSecond, Phone int }
	got := result{
		Burst:           count(attacker, 1000, t0),                           // the burst, then nothing
		AfterHalfSecond: count(attacker, 1000, t0.Add(500*time.Millisecond)), // 10/s refills 5
		Phone:           count(phone, 3, t0.Add(500*time.Millisecond)),       // unaffected
	}
	if diff := cmp.Diff(result{20, 5, 3}, got); diff != "" {
		t.Errorf("tokens taken (-want +got):\n%s", diff)
	}
}

func TestFloodLimiterMemoryBound(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newFloodLimiter(10, 20, 100)
	// 10,000 spoofed sources in one instant: the map stays at its cap and
	// the newcomers share the overflow bucket (20 tokens).
	passed := 0
	for i := range 10000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if l.take(a, t0) {
			passed++
		}
	}
	if len(l.sources) != 100 || passed != 100+20 {
		t.Errorf("tracked %d sources, passed %d; want 100 and 120", len(l.sources), passed)
	}
	// Once they have been quiet for a refill, room is made again.
	if !l.take(netip.MustParseAddr("192.0.2.1"), t0.Add(3*time.Second)) || len(l.sources) != 1 {
		t.Errorf("after the sweep: %d sources tracked", len(l.sources))
	}
}

// TestParseGuardFloodAndExempt: datagrams past a source's budget are
// dropped before parsing, unless the source is exempt (a trunk provider).
func TestParseGuardFloodAndExempt(t *testing.T) {
	for _, exempt := range []bool{false, true} {
		g, err := NewParseGuard(ParseGuardConfig{MaxPerSource: 10, Exempt: func(netip.Addr) bool { return exempt }})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		pc := g.PacketConn(srv)
		cli, err := net.Dial("udp4", srv.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer cli.Close()
		const sent = 100
		for range sent {
			cli.Write([]byte("\r\n\r\n")) // keep-alives: passed through when within budget
		}
		buf := make([]byte, 2048)
		got := 0
		for {
			// All were sent before the first read: what is not there
			// within half a second was dropped.
			srv.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			if _, _, err := pc.ReadFrom(buf); err != nil {
				break
			}
			got++
		}
		st := g.Stats()
		switch {
		case exempt && (got != sent || st.Flooded != 0):
			t.Errorf("exempt source: %d of %d passed, %d flooded", got, sent, st.Flooded)
		case !exempt && (got > 20 || st.Flooded < sent-20):
			t.Errorf("limited source: %d of %d passed, %d flooded; want at most the burst of 20", got, sent, st.Flooded)
		}
	}
}
