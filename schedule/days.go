package schedule

import (
	"encoding/json"
	"strings"
	"time"
)

// DaySet is a set of days of the week: bit d is set when [time.Weekday] d
// (Sunday = 0) is in the set.
type DaySet uint8

// Common day sets.
const (
	// Weekdays is Monday to Friday.
	Weekdays DaySet = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	// Weekend is Saturday and Sunday.
	Weekend DaySet = 1<<time.Saturday | 1<<time.Sunday
	// EveryDay is all seven days.
	EveryDay DaySet = Weekdays | Weekend
)

// Days returns the set holding the given days.
func Days(days ...time.Weekday) DaySet {
	var s DaySet
	for _, d := range days {
		s |= 1 << (d % 7)
	}
	return s
}

// Has reports whether d is in the set.
func (s DaySet) Has(d time.Weekday) bool { return d >= 0 && d < 7 && s&(1<<d) != 0 }

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// weekOrder lists the days Monday first, the order the text form uses.
var weekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// String returns the canonical text form: "daily" for every day, else runs
// from Monday to Sunday, three or more consecutive days as a range and the
// rest listed, e.g. "mon-fri", "sat,sun", "mon,wed-fri". The empty set is "".
func (s DaySet) String() string {
	if s&EveryDay == EveryDay {
		return "daily"
	}
	var b strings.Builder
	for i := 0; i < 7; {
		if !s.Has(weekOrder[i]) {
			i++
			continue
		}
		j := i
		for j+1 < 7 && s.Has(weekOrder[j+1]) {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		switch j - i {
		case 0:
			b.WriteString(dayNames[weekOrder[i]])
		case 1:
			b.WriteString(dayNames[weekOrder[i]] + "," + dayNames[weekOrder[j]])
		default:
			b.WriteString(dayNames[weekOrder[i]] + "-" + dayNames[weekOrder[j]])
		}
		i = j + 1
	}
	return b.String()
}

// parseDaySet reads a comma-separated list of day names and ranges
// ("mon-fri,sun"; ranges may wrap: "fri-mon"), or "daily", "weekdays",
// "weekend". Names are three-letter or full English, in any case.
func parseDaySet(text string) (DaySet, error) {
	switch strings.ToLower(text) {
	case "daily":
		return EveryDay, nil
	case "weekdays":
		return Weekdays, nil
	case "weekend":
		return Weekend, nil
	}
	var s DaySet
	for item := range strings.SplitSeq(text, ",") {
		a, b, isRange := strings.Cut(item, "-")
		da, ok := parseDay(a)
		if !ok {
			return 0, &SyntaxError{Text: text, Reason: "want days such as mon-fri, sat,sun or daily; unknown day " + quote(a)}
		}
		if !isRange {
			s |= 1 << da
			continue
		}
		db, ok := parseDay(b)
		if !ok {
			return 0, &SyntaxError{Text: text, Reason: "want days such as mon-fri, sat,sun or daily; unknown day " + quote(b)}
		}
		for d := da; ; d = (d + 1) % 7 {
			s |= 1 << d
			if d == db {
				break
			}
		}
	}
	return s, nil
}

func parseDay(s string) (time.Weekday, bool) {
	s = strings.ToLower(s)
	for d, n := range dayNames {
		if s == n || s == strings.ToLower(time.Weekday(d).String()) {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

// MarshalJSON encodes the set as an array of three-letter day names,
// Monday first: ["mon","tue"].
func (s DaySet) MarshalJSON() ([]byte, error) {
	names := make([]string, 0, 7)
	for _, d := range weekOrder {
		if s.Has(d) {
			names = append(names, dayNames[d])
		}
	}
	return json.Marshal(names)
}

// UnmarshalJSON decodes an array of day names (three-letter or full, any
// case).
func (s *DaySet) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	var v DaySet
	for _, n := range names {
		d, ok := parseDay(n)
		if !ok {
			return &SyntaxError{Text: n, Reason: "unknown day of the week"}
		}
		v |= 1 << d
	}
	*s = v
	return nil
}
