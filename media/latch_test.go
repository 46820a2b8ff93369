package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLatch(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	sdp := netip.MustParseAddrPort("192.168.1.10:4000")
	nat := netip.MustParseAddrPort("203.0.113.5:30000")
	evil := netip.MustParseAddrPort("198.51.100.66:9999")
	type pkt struct {
		src netip.AddrPort
		seq uint16
		at  time.Duration
	}
	tests := []struct {
		name       string
		cfg        LatchConfig
		pkts       []pkt
		want       []bool
		wantRemote netip.AddrPort
	}{
		{
			name:       "SDP address latches at once",
			pkts:       []pkt{{sdp, 10, 0}, {evil, 1, 0}, {evil, 2, 0}, {evil, 3, 0}, {evil, 4, 0}, {evil, 5, 0}},
			want:       []bool{true, false, false, false, false, false},
			wantRemote: sdp,
		},
		{
			name:       "NATed phone learned after four consecutive packets",
			pkts:       []pkt{{nat, 100, 0}, {nat, 101, 0}, {nat, 102, 0}, {nat, 103, 0}, {nat, 104, 0}},
			want:       []bool{false, false, false, true, true},
			wantRemote: nat,
		},
		{
			name:       "gap in sequence restarts learning",
			pkts:       []pkt{{nat, 100, 0}, {nat, 101, 0}, {nat, 105, 0}, {nat, 106, 0}, {nat, 107, 0}, {nat, 108, 0}},
			want:       []bool{false, false, false, false, false, true},
			wantRemote: nat,
		},
		{
			name: "stranger cannot steal a latched stream",
			pkts: []pkt{{nat, 1, 0}, {nat, 2, 0}, {nat, 3, 0}, {nat, 4, 0},
				{evil, 5, time.Second}, {evil, 6, time.Second}, {evil, 7, time.Second}, {evil, 8, time.Second}, {evil, 9, time.Second}, {nat, 5, time.Second}},
			want:       []bool{false, false, false, true, false, false, false, false, false, true},
			wantRemote: nat,
		},
		{
			name:       "interleaved sources never reach the count",
			pkts:       []pkt{{nat, 1, 0}, {evil, 1, 0}, {nat, 2, 0}, {evil, 2, 0}, {nat, 3, 0}, {evil, 3, 0}, {nat, 4, 0}, {evil, 4, 0}},
			want:       []bool{false, false, false, false, false, false, false, false},
			wantRemote: sdp,
		},
		{
			name:       "no learning after the window",
			pkts:       []pkt{{nat, 1, 6 * time.Second}, {nat, 2, 6 * time.Second}, {nat, 3, 6 * time.Second}, {nat, 4, 6 * time.Second}, {sdp, 1, 7 * time.Second}},
			want:       []bool{false, false, false, false, true},
			wantRemote: sdp,
		},
		{
			name:       "off accepts only the SDP address",
			cfg:        LatchConfig{Off: true},
			pkts:       []pkt{{nat, 1, 0}, {nat, 2, 0}, {nat, 3, 0}, {nat, 4, 0}, {sdp, 9, 0}},
			want:       []bool{false, false, false, false, true},
			wantRemote: sdp,
		},
		{
			name:       "IPv4-mapped source equals plain IPv4",
			pkts:       []pkt{{netip.MustParseAddrPort("[::ffff:192.168.1.10]:4000"), 1, 0}},
			want:       []bool{true},
			wantRemote: sdp,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLatch(sdp, t0, tc.cfg)
			var got []bool
			for _, p := range tc.pkts {
				got = append(got, l.Accept(p.src, p.seq, t0.Add(p.at)))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("accepted (-want +got):\n%s", diff)
			}
			if l.Remote() != tc.wantRemote {
				t.Errorf("Remote() = %v, want %v", l.Remote(), tc.wantRemote)
			}
		})
	}
}

func TestLatchRelearnAfterNewSDP(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	a := netip.MustParseAddrPort("192.0.2.1:4000")
	b := netip.MustParseAddrPort("192.0.2.2:5000")
	l := NewLatch(a, t0, LatchConfig{})
	l.Accept(a, 1, t0)
	if l.Accept(b, 1, t0) {
		t.Fatal("packet from b accepted while latched to a")
	}
	l.Relearn(b, t0.Add(time.Minute))
	if !l.Accept(b, 2, t0.Add(time.Minute)) || l.Remote() != b {
		t.Errorf("after re-INVITE to b: remote %v, want %v", l.Remote(), b)
	}
}
