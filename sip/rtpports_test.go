package sip

import (
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestListenRTPPairs checks that each call leg gets RTP on an even port
// and RTCP on the port above it, within the configured range.
func TestListenRTPPairs(t *testing.T) {
	tests := []struct {
		name     string
		min, max int
		want     [][2]int
	}{
		{"even bounds", 41900, 41905, [][2]int{{41900, 41901}, {41902, 41903}, {41904, 41905}}},
		{"odd bounds: RTCP may not pass the top", 41901, 41906, [][2]int{{41902, 41903}, {41904, 41905}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &B2BUA{rtpIP: netip.MustParseAddr("127.0.0.1"), pmin: tt.min, pmax: tt.max, nextPort: tt.min}
			var got [][2]int
			for {
				rtp, rtcp, err := b.listenRTP()
				if err != nil {
					break
				}
				defer rtp.Close()
				defer rtcp.Close()
				got = append(got, [2]int{udpPortOf(rtp), udpPortOf(rtcp)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("port pairs (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("system ports", func(t *testing.T) {
		b := &B2BUA{rtpIP: netip.MustParseAddr("127.0.0.1")}
		for range 10 {
			rtp, rtcp, err := b.listenRTP()
			if err != nil {
				t.Fatal(err)
			}
			if p := udpPortOf(rtp); p%2 != 0 || udpPortOf(rtcp) != p+1 {
				t.Errorf("RTP %d RTCP %d, want even and the next", p, udpPortOf(rtcp))
			}
			rtp.Close()
			rtcp.Close()
		}
	})
}

func udpPortOf(c *net.UDPConn) int { return c.LocalAddr().(*net.UDPAddr).Port }

// TestListenRTPSkipsHeld: the ports calls hold are skipped without a
// bind, and a pair given back with closeRTP serves the next call.
func TestListenRTPSkipsHeld(t *testing.T) {
	b := &B2BUA{rtpIP: netip.MustParseAddr("127.0.0.1"), pmin: 41920, pmax: 41925, nextPort: 41920}
	take := func() int {
		rtp, rtcp, err := b.listenRTP()
		if err != nil {
			return 0
		}
		t.Cleanup(func() { b.closeRTP(rtp, rtcp) })
		return udpPortOf(rtp)
	}
	var got []int
	a, rtcpA, err := b.listenRTP()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, udpPortOf(a), take(), take(), take()) // the range is full: 0
	b.closeRTP(a, rtcpA)
	got = append(got, take()) // the pair given back
	if diff := cmp.Diff([]int{41920, 41922, 41924, 0, 41920}, got); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}

	// A port marked held is never bound, even when it is free.
	f := &B2BUA{rtpIP: netip.MustParseAddr("127.0.0.1"), pmin: 41940, pmax: 41943, nextPort: 41940,
		held: map[int]struct{}{41940: {}}}
	rtp, rtcp, err := f.listenRTP()
	if err != nil {
		t.Fatal(err)
	}
	defer f.closeRTP(rtp, rtcp)
	if p := udpPortOf(rtp); p != 41942 {
		t.Errorf("got port %d, want 41942 (41940 is held)", p)
	}
}

// BenchmarkListenRTPNearlyFull: a call's port search in a range of 200
// pairs of which 199 are held. "probing" forgets which ports are held
// before each search, as the search did before it tracked them: every
// held pair costs a failing bind(2).
func BenchmarkListenRTPNearlyFull(b *testing.B) {
	for _, probing := range []bool{false, true} {
		name := map[bool]string{false: "tracked", true: "probing"}[probing]
		b.Run(name, func(b *testing.B) {
			br := &B2BUA{rtpIP: netip.MustParseAddr("127.0.0.1"), pmin: 42000, pmax: 42399, nextPort: 42000}
			for range 199 {
				rtp, rtcp, err := br.listenRTP()
				if err != nil {
					b.Skip("range not free:", err)
				}
				defer br.closeRTP(rtp, rtcp)
			}
			held := br.held
			b.ReportAllocs()
			for b.Loop() {
				if probing {
					br.held = nil
				}
				rtp, rtcp, err := br.listenRTP()
				if err != nil {
					b.Fatal(err)
				}
				br.closeRTP(rtp, rtcp)
				br.held = held
			}
		})
	}
}
