package media

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pion/rtcp"
)

func TestRecvStats(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type pkt struct {
		seq uint16
		ts  uint32
		at  time.Duration
	}
	// steady 20 ms packets starting at seq, optionally skipping some.
	steady := func(first uint16, n int, skip map[int]bool, jitterAt map[int]time.Duration) []pkt {
		var ps []pkt
		for i := range n {
			if skip[i] {
				continue
			}
			ps = append(ps, pkt{first + uint16(i), uint32(i) * 160, time.Duration(i)*20*time.Millisecond + jitterAt[i]})
		}
		return ps
	}
	tests := []struct {
		name string
		pkts []pkt
		want RecvReport
	}{
		{"no loss", steady(1000, 50, nil, nil), RecvReport{Received: 49, ExtHighestSeq: 1049, Lost: 0}},
		{"ten lost of 100", steady(7, 100, map[int]bool{10: true, 20: true, 30: true, 40: true, 50: true, 60: true, 70: true, 80: true, 90: true, 95: true}, nil),
			RecvReport{Received: 89, ExtHighestSeq: 106, Lost: 10, FractionLost: 10 * 256 / 99}},
		{"wraps sequence", steady(65500, 100, nil, nil), RecvReport{Received: 99, ExtHighestSeq: 65536 + 63, Lost: 0}},
		{"jitter of one late packet", steady(1, 20, nil, map[int]time.Duration{10: 10 * time.Millisecond}),
			// The late packet makes J = 80/16 = 5, the next one 5+(80-5)/16 =
			// 9.69, and eight on-time packets decay it by (15/16)^8 to 5.79.
			RecvReport{Received: 19, ExtHighestSeq: 20, Lost: 0, Jitter: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s RecvStats
			for _, p := range tc.pkts {
				s.Update(p.seq, p.ts, t0.Add(p.at), 8000)
			}
			if diff := cmp.Diff(tc.want, s.Report()); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecvStatsFractionPerInterval(t *testing.T) {
	var s RecvStats
	t0 := time.Now()
	seq := uint16(1)
	for i := range 10 {
		s.Update(seq, uint32(i*160), t0, 8000)
		seq++
	}
	s.Report()
	// Next interval: seq 11, 13, 15, 17, 19 arrive, so 9 were expected
	// (11..19) and 4 lost: 4*256/9 = 113.
	for i := range 10 {
		if i%2 == 0 {
			s.Update(seq, 0, t0, 8000)
		}
		seq++
	}
	r := s.Report()
	if r.FractionLost != 113 || r.Lost != 4 {
		t.Errorf("FractionLost, Lost = %d, %d; want 113, 4", r.FractionLost, r.Lost)
	}
}

func TestReceptionReport(t *testing.T) {
	r := RecvReport{Received: 90, ExtHighestSeq: 70000, Lost: -2, FractionLost: 25, Jitter: 40}
	got := r.ReceptionReport(0xCAFE, 0x12345678, 1500*time.Millisecond)
	want := rtcp.ReceptionReport{SSRC: 0xCAFE, FractionLost: 25, TotalLost: 0xFFFFFE,
		LastSequenceNumber: 70000, Jitter: 40, LastSenderReport: 0x12345678, Delay: 98304}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report block (-want +got):\n%s", diff)
	}
	// An NTP timestamp of 1970-01-01 00:00:00.5 is 2208988800 s and half of 2^32.
	if got, want := NTPTime(time.Unix(0, 5e8)), uint64(2208988800)<<32|1<<31; got != want {
		t.Errorf("NTPTime = %#x, want %#x", got, want)
	}
}
