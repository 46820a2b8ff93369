package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testdata/sipp_stat.csv is what sipp 3.6.1 wrote with -trace_stat -fd 1
// for 100 registrations against examples/pbx.
func TestParseSippStats(t *testing.T) {
	f, err := os.Open("testdata/sipp_stat.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseSippStats(f)
	if err != nil {
		t.Fatal(err)
	}
	want := sippStats{Created: 100, Successful: 100, Failed: 0, Retransmissions: 0, OutOfCall: 2, Elapsed: 2 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sippStats mismatch (-want +got):\n%s", diff)
	}
}

func TestParseSippStatsErrors(t *testing.T) {
	const header = "TotalCallCreated;SuccessfulCall(C);FailedCall(C);Retransmissions(C);OutOfCallMsgs(C);ElapsedTime(C);\n"
	for name, in := range map[string]string{
		"empty":          "",
		"header only":    header,
		"short row":      header + "1;2;3;\n",
		"missing column": "TotalCallCreated;SuccessfulCall(C);\n1;2;\n",
		"not a count":    header + "1;x;0;0;0;00:00:01;\n",
		"negative":       header + "1;-1;0;0;0;00:00:01;\n",
		"bad elapsed":    header + "1;1;0;0;0;00:00;\n",
		"bad minutes":    header + "1;1;0;0;0;00:75:00;\n",
	} {
		if _, err := parseSippStats(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	got, err := parseOptions([]string{"-rate", "50", "-cores", "1,0", "-runs", "5", "-kamailio", "pv"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	want := options{What: "register", Rate: 50, Duration: 20 * time.Second, Runs: 5, SippCore: 1, SrvCore: 0, Users: 1000, Kamailio: "pv",
		CallRates: []int{100, 200}, Hold: time.Second, Concurrent: 200, MediaHold: 7 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options mismatch (-want +got):\n%s", diff)
	}
	got, err = parseOptions([]string{"-what", "calls", "-call-rates", "50, 150", "-hold", "2s", "-pairs", "3"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	want = options{What: "calls", Rate: 200, Duration: 20 * time.Second, Runs: 3, SippCore: 0, SrvCore: 1, Users: 1000, Kamailio: "db",
		CallRates: []int{50, 150}, Hold: 2 * time.Second, Concurrent: 200, MediaHold: 7 * time.Second, Pairs: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls options mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range [][]string{
		{"-cores", "0"}, {"-cores", "1,1"}, {"-cores", "a,b"}, {"-what", "x"}, {"-rate", "0"},
		{"-kamailio", "mysql"}, {"-duration", "1h"}, {"extra"},
		{"-call-rates", ""}, {"-call-rates", "100,x"}, {"-call-rates", "0"}, {"-hold", "2m"},
		{"-media-hold", "0s"}, {"-concurrent", "0"}, {"-pairs", "-1"}, {"-pairs", "251"},
	} {
		if _, err := parseOptions(bad, &strings.Builder{}); err == nil {
			t.Errorf("parseOptions(%q): no error", bad)
		}
	}
}

func TestLoadUsersMatchKamailioScript(t *testing.T) {
	us := loadUsers(2)
	want := []loadUser{{"20000", "lt-20000-secret"}, {"20001", "lt-20001-secret"}}
	if diff := cmp.Diff(want, us); diff != "" {
		t.Errorf("loadUsers mismatch (-want +got):\n%s", diff)
	}
	// The WITH_PV script derives the same password from the user name.
	if !strings.Contains(kamailioConfig, `$var(pw) = "lt-" + $fU + "-secret";`) {
		t.Error("kamailio.cfg no longer derives the password as loadUsers does")
	}
}
