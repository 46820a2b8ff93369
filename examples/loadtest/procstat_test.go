package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want procStat
	}{
		{
			name: "cat, from a real /proc/self/stat",
			line: "12253 (cat) R 12248 12248 6648 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 1 0 353173 3133440 417 18446744073709551615 94176383156224",
			want: procStat{PID: 12253, Comm: "cat", PPID: 12248, PGRP: 12248, UTime: 7, STime: 3},
		},
		{
			name: "a command name with spaces and parentheses",
			line: "42 (a (b) c) S 1 40 40 0 -1 0 0 0 0 0 1234 567 0 0 20 0 3 0",
			want: procStat{PID: 42, Comm: "a (b) c", PPID: 1, PGRP: 40, UTime: 1234, STime: 567},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("procStat mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseProcStatErrors(t *testing.T) {
	for _, line := range []string{
		"",
		"12 cat R 1 2",
		"12 (cat) R 1 2 3",
		"x (cat) R 1 2 3 0 -1 0 0 0 0 0 7 3 0 0",
		"12 (cat) R 1 2 3 0 -1 0 0 0 0 0 -7 3 0 0",
		") 12 (cat",
	} {
		if _, err := parseProcStat(line); err == nil {
			t.Errorf("parseProcStat(%q): no error", line)
		}
	}
}

func TestParsePss(t *testing.T) {
	const rollup = `5590dac63000-7ffc8df8d000 ---p 00000000 00:00 0                          [rollup]
Rss:                1620 kB
Pss:                 312 kB
Pss_Dirty:           116 kB
`
	got, err := parsePss([]byte(rollup))
	if err != nil {
		t.Fatal(err)
	}
	if got != 312*1024 {
		t.Errorf("parsePss = %d, want %d", got, 312*1024)
	}
	for _, bad := range []string{"Rss: 1 kB\n", "Pss: 12 MB\n", "Pss: x kB\n"} {
		if _, err := parsePss([]byte(bad)); err == nil {
			t.Errorf("parsePss(%q): no error", bad)
		}
	}
}

// TestGroupUsageSelf reads this test process's own group from /proc, so
// the parser is checked against what the running kernel writes.
func TestGroupUsageSelf(t *testing.T) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	self, err := parseProcStat(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := groupUsage(self.PGRP)
	if err != nil {
		t.Fatal(err)
	}
	if u.Procs < 1 || u.Pss <= 0 {
		t.Errorf("groupUsage(%d) = %+v: want at least this process, with memory", self.PGRP, u)
	}
}
