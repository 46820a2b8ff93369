package schedule

import (
	"fmt"
	"strconv"
	"time"
)

// Date is a calendar date in the schedule's zone. A Date with Year 0 means
// that month and day in every year (its text form is "MM-DD"); otherwise
// the text form is "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// Yearly reports whether d recurs every year (Year is 0).
func (d Date) Yearly() bool { return d.Year == 0 }

// valid reports whether d names a real day. A yearly date is checked
// against a leap year, so 02-29 is valid (it occurs in leap years only).
func (d Date) valid() bool {
	if d.Year < 0 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	y := d.Year
	if y == 0 {
		y = 2000
	}
	return d.Day <= daysIn(y, d.Month)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayNumber returns the days since 1970-01-01 of a dated (non-yearly) Date.
func (d Date) dayNumber() int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// String returns "YYYY-MM-DD", or "MM-DD" for a yearly date.
func (d Date) String() string {
	if d.Year == 0 {
		return fmt.Sprintf("%02d-%02d", int(d.Month), d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) {
	if !d.valid() {
		return nil, fmt.Errorf("schedule: invalid date %d-%d-%d", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, reading "YYYY-MM-DD"
// or "MM-DD" (every year).
func (d *Date) UnmarshalText(b []byte) error {
	v, err := parseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func parseDate(s string) (Date, error) {
	bad := &SyntaxError{Text: s, Reason: "want a date as YYYY-MM-DD, or MM-DD for every year"}
	var d Date
	rest := s
	if len(s) == 10 {
		if s[4] != '-' || !digits(s[:4]) {
			return Date{}, bad
		}
		d.Year, _ = strconv.Atoi(s[:4])
		if d.Year == 0 {
			return Date{}, &SyntaxError{Text: s, Reason: "year 0000 is not a date; write MM-DD for every year"}
		}
		rest = s[5:]
	}
	if len(rest) != 5 || rest[2] != '-' || !digits(rest[:2]) || !digits(rest[3:]) {
		return Date{}, bad
	}
	m, _ := strconv.Atoi(rest[:2])
	d.Month = time.Month(m)
	d.Day, _ = strconv.Atoi(rest[3:])
	if !d.valid() {
		return Date{}, &SyntaxError{Text: s, Reason: "no such day"}
	}
	return d, nil
}
