package schedule

import (
	"fmt"
	"strconv"
	"strings"
)

// TimeOfDay is a wall-clock time of day in whole minutes after midnight,
// from 0 (00:00) to [EndOfDay] (24:00, valid only as the end of a span).
// Its text form is "HH:MM".
type TimeOfDay int

// EndOfDay is 24:00, the end of a window or span that runs to midnight.
const EndOfDay TimeOfDay = 24 * 60

// At returns the time of day h:m. It does not check its arguments; a
// [Schedule] holding an out-of-range value fails [Schedule.Validate].
func At(h, m int) TimeOfDay { return TimeOfDay(h*60 + m) }

// Hour returns the hour, 0–24.
func (t TimeOfDay) Hour() int { return int(t) / 60 }

// Minute returns the minute within the hour, 0–59.
func (t TimeOfDay) Minute() int { return int(t) % 60 }

func (t TimeOfDay) valid() bool { return t >= 0 && t <= EndOfDay }

// String returns t as "HH:MM", e.g. "09:05" or "24:00".
func (t TimeOfDay) String() string {
	if !t.valid() {
		return fmt.Sprintf("TimeOfDay(%d)", int(t))
	}
	return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
}

// MarshalText implements encoding.TextMarshaler ("HH:MM").
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.valid() {
		return nil, fmt.Errorf("schedule: time of day %d minutes is out of range", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, reading "H:MM" or
// "HH:MM" (00:00 to 24:00).
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := parseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

func parseTimeOfDay(s string) (TimeOfDay, error) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !digits(hs) || !digits(ms) {
		return 0, &SyntaxError{Text: s, Reason: "want a time of day as HH:MM"}
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, &SyntaxError{Text: s, Reason: "time of day out of range (00:00 to 24:00)"}
	}
	return At(h, m), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Span is a part of one day, from Start up to but not including End, both
// wall-clock times in the schedule's zone. It is how a [Holiday] gives its
// own opening hours.
type Span struct {
	// Start is the first minute of the span, 00:00 to 23:59.
	Start TimeOfDay `json:"start"`
	// End is the minute the span ends (exclusive), after Start, up to 24:00.
	End TimeOfDay `json:"end"`
}

// String returns s as "HH:MM-HH:MM", or "all-day" for 00:00-24:00.
func (s Span) String() string {
	if s.Start == 0 && s.End == EndOfDay {
		return "all-day"
	}
	return s.Start.String() + "-" + s.End.String()
}
