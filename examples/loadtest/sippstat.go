package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// sippStats is the cumulative summary of one sipp run, from the last row
// of its -trace_stat CSV.
type sippStats struct {
	Created         int           // TotalCallCreated: scenarios started
	Successful      int           // SuccessfulCall(C)
	Failed          int           // FailedCall(C)
	Retransmissions int           // Retransmissions(C): sipp resent a request unanswered for 500 ms
	OutOfCall       int           // OutOfCallMsgs(C): requests sipp could not map to a call
	Elapsed         time.Duration // ElapsedTime(C), whole seconds
}

// parseSippStats reads a sipp -trace_stat file (semicolon-separated, one
// header row, then one row per -fd period, the last being the final
// cumulative figures) and returns the last row's totals.
func parseSippStats(r io.Reader) (sippStats, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	var header, last []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		cols := strings.Split(strings.TrimSuffix(line, ";"), ";")
		if header == nil {
			header = cols
			continue
		}
		if len(cols) != len(header) {
			return sippStats{}, fmt.Errorf("sipp stats: row with %d columns, header has %d", len(cols), len(header))
		}
		last = cols
	}
	if err := sc.Err(); err != nil {
		return sippStats{}, fmt.Errorf("sipp stats: %w", err)
	}
	if header == nil || last == nil {
		return sippStats{}, fmt.Errorf("sipp stats: no data rows")
	}
	col := make(map[string]string, len(header))
	for i, h := range header {
		col[h] = last[i]
	}
	var s sippStats
	for _, f := range []struct {
		name string
		dst  *int
	}{
		{"TotalCallCreated", &s.Created},
		{"SuccessfulCall(C)", &s.Successful},
		{"FailedCall(C)", &s.Failed},
		{"Retransmissions(C)", &s.Retransmissions},
		{"OutOfCallMsgs(C)", &s.OutOfCall},
	} {
		v, ok := col[f.name]
		if !ok {
			return sippStats{}, fmt.Errorf("sipp stats: no column %s", f.name)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return sippStats{}, fmt.Errorf("sipp stats: %s = %q: not a count", f.name, v)
		}
		*f.dst = n
	}
	el, err := parseHMS(col["ElapsedTime(C)"])
	if err != nil {
		return sippStats{}, fmt.Errorf("sipp stats: ElapsedTime(C): %w", err)
	}
	s.Elapsed = el
	return s, nil
}

// parseHMS parses sipp's HH:MM:SS durations.
func parseHMS(v string) (time.Duration, error) {
	p := strings.Split(v, ":")
	if len(p) != 3 {
		return 0, fmt.Errorf("%q: want HH:MM:SS", v)
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		n, err := strconv.Atoi(p[i])
		if err != nil || n < 0 || (i > 0 && n > 59) {
			return 0, fmt.Errorf("%q: want HH:MM:SS", v)
		}
		d += time.Duration(n) * unit
	}
	return d, nil
}
