package sip

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGuardBackoff(t *testing.T) {
	g, err := NewGuard(GuardConfig{PairLimit: 3, BanTime: time.Minute, MaxBanTime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("203.0.113.9")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var got []time.Duration
	for range 5 {
		for range 3 {
			g.Failure(src, "101", "scanner", now)
		}
		until, banned := g.Banned(src, "101", now)
		if !banned {
			t.Fatal("not banned after the limit")
		}
		got = append(got, until.Sub(now))
		now = until // the ban just ended
		if _, banned := g.Banned(src, "101", now); banned {
			t.Fatal("still banned at the end of the ban")
		}
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ban lengths mismatch (-want +got):\n%s", diff)
	}
	// Quiet for MaxBanTime: forgiven, back to the first length.
	now = now.Add(5 * time.Minute)
	for range 3 {
		g.Failure(src, "101", "scanner", now)
	}
	if until, _ := g.Banned(src, "101", now); until.Sub(now) != time.Minute {
		t.Errorf("after a quiet period ban is %v, want 1m", until.Sub(now))
	}
}

func TestGuardScopes(t *testing.T) {
	attacker := netip.MustParseAddr("203.0.113.9")
	victim := netip.MustParseAddr("198.51.100.7")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	type check struct {
		Src    netip.Addr
		Ext    string
		Banned bool
	}
	tests := []struct {
		name   string
		fail   func(g *Guard)
		checks []check
	}{
		{"pair limit bans only the pair", func(g *Guard) {
			for range 3 {
				g.Failure(attacker, "101", "", now)
			}
		}, []check{
			{attacker, "101", true},
			{attacker, "102", false},
			{attacker, "", false},
			{victim, "101", false}, // the victim's phone is never locked out
		}},
		{"below the limit nothing", func(g *Guard) {
			for range 2 {
				g.Failure(attacker, "101", "", now)
			}
		}, []check{{attacker, "101", false}}},
		{"failures across extensions ban the source", func(g *Guard) {
			for i := range 10 {
				g.Failure(attacker, fmt.Sprint(200+i), "", now)
			}
		}, []check{
			{attacker, "101", true},
			{attacker, "", true},
			{victim, "101", false},
			{victim, "200", false},
		}},
		{"window restarts the count", func(g *Guard) {
			g.Failure(attacker, "101", "", now.Add(-2*time.Minute))
			g.Failure(attacker, "101", "", now.Add(-2*time.Minute))
			g.Failure(attacker, "101", "", now)
		}, []check{{attacker, "101", false}}},
		{"success clears the pair", func(g *Guard) {
			g.Failure(attacker, "101", "", now)
			g.Failure(attacker, "101", "", now)
			g.Success(attacker, "101", now)
			g.Failure(attacker, "101", "", now)
		}, []check{{attacker, "101", false}}},
		{"ipv6 counted per /64", func(g *Guard) {
			for i := range 3 {
				g.Failure(netip.MustParseAddr(fmt.Sprintf("2001:db8:1:2::%x", i+1)), "101", "", now)
			}
		}, []check{
			{netip.MustParseAddr("2001:db8:1:2::ffff"), "101", true},
			{netip.MustParseAddr("2001:db8:1:3::1"), "101", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGuard(GuardConfig{PairLimit: 3, SourceLimit: 10, Window: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			tt.fail(g)
			var got []check
			for _, c := range tt.checks {
				_, b := g.Banned(c.Src, c.Ext, now)
				got = append(got, check{c.Src, c.Ext, b})
			}
			if diff := cmp.Diff(tt.checks, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("bans mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGuardMemoryBounded(t *testing.T) {
	g, err := NewGuard(GuardConfig{PairLimit: 3, MaxEntries: 100})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	attacker := netip.MustParseAddr("203.0.113.9")
	for range 3 {
		g.Failure(attacker, "101", "", now)
	}
	// A flood from 10,000 spoofed sources.
	for i := range 10000 {
		src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		g.Failure(src, "101", "", now)
	}
	pairs, sources := g.Len()
	if pairs > 100 || sources > 100 {
		t.Errorf("tracking %d pairs and %d sources, cap 100", pairs, sources)
	}
	if _, banned := g.Banned(attacker, "101", now); !banned {
		t.Error("the flood of unbanned sources evicted a ban")
	}
}

func TestGuardLogsSecurityEvents(t *testing.T) {
	var buf bytes.Buffer
	g, err := NewGuard(GuardConfig{PairLimit: 1, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	src := netip.MustParseAddr("203.0.113.9")
	g.Failure(src, "101", "friendly-scanner", now)
	g.Banned(src, "101", now.Add(time.Hour))
	out := buf.String()
	for _, want := range []string{`msg="sip ban" source=203.0.113.9 extension=101 scope=pair user_agent=friendly-scanner`, `msg="sip unban" source=203.0.113.9 extension=101`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
