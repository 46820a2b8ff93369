package schedule

import "time"

// Window is a weekly time window: on each day in Days, from Start up to
// (not including) End, wall-clock time in the schedule's zone.
//
// A window that crosses midnight says so with Overnight: "Fri 22:00 to Sat
// 02:00" is Days fri, Start 22:00, End 02:00, Overnight true, and its part
// after midnight belongs to Saturday. Without Overnight, End must be after
// Start. A window from 00:00 to 24:00 is "all day".
type Window struct {
	// Days are the days on which the window starts.
	Days DaySet `json:"days"`
	// Start is the first minute of the window, 00:00 to 23:59.
	Start TimeOfDay `json:"start"`
	// End is the minute the window ends (exclusive): up to 24:00 on the
	// same day, or, with Overnight, at or before Start on the next day.
	End TimeOfDay `json:"end"`
	// Overnight says the window ends on the day after it starts.
	Overnight bool `json:"overnight,omitempty"`
}

// AllDay returns a window covering the whole of each day in days.
func AllDay(days DaySet) Window { return Window{Days: days, Start: 0, End: EndOfDay} }

// String returns the window's text form, e.g. "mon-fri 09:00-17:00",
// "fri 22:00-02:00+1" or "sat,sun all-day".
func (w Window) String() string {
	return w.Days.String() + " " + w.times()
}

func (w Window) times() string {
	if w.Overnight {
		return w.Start.String() + "-" + w.End.String() + "+1"
	}
	return Span{w.Start, w.End}.String()
}

// daySpans calls f for each piece of w that falls on a weekday, the part
// after midnight of an overnight window falling on the next day.
func (w Window) daySpans(f func(d time.Weekday, s Span)) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if !w.Days.Has(d) {
			continue
		}
		if !w.Overnight {
			f(d, Span{w.Start, w.End})
			continue
		}
		f(d, Span{w.Start, EndOfDay})
		if w.End > 0 {
			f((d+1)%7, Span{0, w.End})
		}
	}
}
