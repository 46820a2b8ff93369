package schedule

import (
	"slices"
	"strings"
	"time"
)

// Holiday is a date or an inclusive range of dates on which the weekly
// windows do not apply: the schedule is closed all day, or, when Hours is
// set, active only during those hours. Dates with Year 0 recur every year
// (e.g. From 12-25 is Christmas Day in every year); a yearly range may wrap
// the year end (12-31..01-01).
//
// When holidays overlap, a dated holiday beats a yearly one, and among the
// same kind the one covering fewer days wins (so "2026-12-31 09:00-12:00"
// opens one morning inside "2026-12-24..2026-12-31 closed").
type Holiday struct {
	// Name is an optional label, e.g. "Christmas Day".
	Name string `json:"name,omitempty"`
	// From is the first day of the holiday.
	From Date `json:"from"`
	// To is the last day (inclusive); the zero Date means the same as From.
	To Date `json:"to,omitzero"`
	// Hours are the spans during which the schedule is active on each day
	// of the holiday; none means closed all day.
	Hours []Span `json:"hours,omitempty"`
}

// Closed reports whether the schedule is closed all day on the holiday.
func (h Holiday) Closed() bool { return len(h.Hours) == 0 }

// last returns the last day of the holiday.
func (h Holiday) last() Date {
	if h.To.IsZero() {
		return h.From
	}
	return h.To
}

// String returns the holiday's text form, e.g. `holiday 12-25 closed
// "Christmas Day"` or "holiday 2026-12-24..2026-12-31 09:00-12:00".
func (h Holiday) String() string {
	var b strings.Builder
	b.WriteString("holiday ")
	b.WriteString(h.From.String())
	if !h.To.IsZero() && h.To != h.From {
		b.WriteString("..")
		b.WriteString(h.To.String())
	}
	if h.Closed() {
		b.WriteString(" closed")
	} else {
		b.WriteByte(' ')
		for i, s := range h.Hours {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s.String())
		}
	}
	if h.Name != "" {
		b.WriteByte(' ')
		b.WriteString(quote(h.Name))
	}
	return b.String()
}

// leapOrdinal returns the 0-based position of month/day in a leap year
// (02-29 is 59, 12-31 is 365).
func leapOrdinal(m time.Month, d int) int {
	return time.Date(2000, m, d, 0, 0, 0, 0, time.UTC).YearDay() - 1
}

// yearlyDays returns the leap-year ordinals a yearly holiday covers, from
// its first day, wrapping the year end.
func (h Holiday) yearlyDays() []int {
	a := leapOrdinal(h.From.Month, h.From.Day)
	l := h.last()
	b := leapOrdinal(l.Month, l.Day)
	var out []int
	for i := a; ; i = (i + 1) % 366 {
		out = append(out, i)
		if i == b {
			return out
		}
	}
}

// length returns the number of days the holiday covers (a yearly range
// counted on a leap year).
func (h Holiday) length() int64 {
	if h.From.Yearly() {
		return int64(len(h.yearlyDays()))
	}
	return h.last().dayNumber() - h.From.dayNumber() + 1
}

// overlaps reports whether two valid holidays of the same kind share a day.
func (h Holiday) overlaps(o Holiday) bool {
	if h.From.Yearly() {
		mine := h.yearlyDays()
		for _, d := range o.yearlyDays() {
			if slices.Contains(mine, d) {
				return true
			}
		}
		return false
	}
	return h.From.dayNumber() <= o.last().dayNumber() && o.From.dayNumber() <= h.last().dayNumber()
}
