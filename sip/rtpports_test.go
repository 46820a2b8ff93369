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
