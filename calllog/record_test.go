package calllog_test

import (
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/calllog"
)

func TestDuration(t *testing.T) {
	s := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		answer, end time.Time
		want        time.Duration
	}{
		{s.Add(5 * time.Second), s.Add(65 * time.Second), time.Minute},
		{time.Time{}, s.Add(65 * time.Second), 0},
		{s.Add(5 * time.Second), time.Time{}, 0},
	} {
		r := calllog.Record{Start: s, Answer: tc.answer, End: tc.end}
		if got := r.Duration(); got != tc.want {
			t.Errorf("Duration(answer %v, end %v) = %v, want %v", tc.answer, tc.end, got, tc.want)
		}
	}
}

func TestEnumsText(t *testing.T) {
	for d := calllog.Answered; d <= calllog.Cancelled; d++ {
		b, err := d.MarshalText()
		var back calllog.Disposition
		if err != nil || back.UnmarshalText(b) != nil || back != d {
			t.Errorf("disposition %v does not round-trip: %q, %v", d, b, err)
		}
	}
	if calllog.NoAnswer.String() != "No Answer" || calllog.DispositionUnknown.String() != "Unknown" {
		t.Error("disposition display names changed")
	}
	for d := calllog.Internal; d <= calllog.Outgoing; d++ {
		b, _ := d.MarshalText()
		var back calllog.Direction
		if back.UnmarshalText(b) != nil || back != d {
			t.Errorf("direction %v does not round-trip", d)
		}
	}
	if _, err := calllog.DirectionUnknown.MarshalText(); err == nil {
		t.Error("unknown direction marshals")
	}
}

func TestNewID(t *testing.T) {
	s := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a, b := calllog.NewID(s), calllog.NewID(s)
	if a == b || !strings.HasPrefix(a, "1772442000.") || len(a) != len("1772442000.")+16 {
		t.Errorf("NewID = %q, %q", a, b)
	}
}
