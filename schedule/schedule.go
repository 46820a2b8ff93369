package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Schedule says when something is active: weekly windows in a time zone,
// with holidays that close it or give it other hours. It is a plain value
// to store, edit, print ([Schedule.String]) and send as JSON; [Schedule.Compile]
// turns a valid one into a [Compiled] that answers "active at t?" quickly.
//
// Semantics: every calendar date in Zone is either a holiday date (see
// [Holiday]: its hours alone decide, weekly windows are ignored that day)
// or a regular date (the weekly windows decide, including the after-midnight
// part of an overnight window that started the day before, even if that day
// was a holiday). Activity depends only on the wall-clock date and time in
// Zone, so across a daylight-saving change a window covers whatever wall
// times exist: on a spring-forward day a window 01:30–02:30 in Europe/London
// starts at 02:00 BST (01:00–01:59 never happen) and on a fall-back day a
// window that ends at 01:30 is active twice, once in each 01:00–01:30.
type Schedule struct {
	// Name is an optional label, e.g. "Office hours".
	Name string `json:"name,omitempty"`
	// Zone is the IANA time zone name the windows and holidays are in, e.g.
	// "Europe/Paris" or "UTC". "Local" is refused: a schedule must mean the
	// same on every machine.
	Zone string `json:"zone"`
	// Windows are the weekly windows. They must not overlap one another.
	Windows []Window `json:"windows,omitempty"`
	// Holidays override the windows on their dates.
	Holidays []Holiday `json:"holidays,omitempty"`
}

// Validate reports every problem with s, each a *[ValidationError], joined
// with [errors.Join]; nil means [Schedule.Compile] will succeed. It loads
// the zone with [time.LoadLocation], so it reads the system's time zone
// database (or the one embedded with time/tzdata).
func (s Schedule) Validate() error {
	_, err := s.check()
	return err
}

// check validates s and returns its loaded zone.
func (s Schedule) check() (*time.Location, error) {
	var errs []error
	loc, zerr := loadZone(s.Zone)
	if zerr != nil {
		errs = append(errs, zerr)
	}
	open := false
	validWindows := make([]bool, len(s.Windows))
	for i, w := range s.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		switch {
		case w.Days == 0:
			errs = append(errs, invalid(f, "no days; say which days the window is on"))
		case w.Days&^EveryDay != 0:
			errs = append(errs, invalid(f, "unknown day bits %#x", uint8(w.Days&^EveryDay)))
		case w.Start < 0 || w.Start >= EndOfDay:
			errs = append(errs, invalid(f, "start %s is not a time of day from 00:00 to 23:59", w.Start))
		case w.End < 0 || w.End > EndOfDay:
			errs = append(errs, invalid(f, "end %s is not a time of day from 00:00 to 24:00", w.End))
		case !w.Overnight && w.End <= w.Start:
			errs = append(errs, invalid(f, "end %s is not after start %s; to cross midnight write the end as %s+1", w.End, w.Start, w.End))
		case w.Overnight && w.End > w.Start:
			errs = append(errs, invalid(f, "an overnight window ends the next day by its start time; %s-%s+1 would last over 24 hours", w.Start, w.End))
		default:
			validWindows[i] = true
			open = true
		}
	}
	errs = append(errs, windowOverlaps(s.Windows, validWindows)...)

	validHolidays := make([]bool, len(s.Holidays))
	for i, h := range s.Holidays {
		herrs := checkHoliday(fmt.Sprintf("holidays[%d]", i), h)
		errs = append(errs, herrs...)
		validHolidays[i] = len(herrs) == 0
		if len(herrs) == 0 && !h.Closed() {
			open = true
		}
	}
	errs = append(errs, holidayConflicts(s.Holidays, validHolidays)...)
	if len(s.Windows) == 0 && len(s.Holidays) == 0 {
		errs = append(errs, invalid("windows", "the schedule is empty; add at least one window"))
	} else if !open && len(errs) == 0 {
		errs = append(errs, invalid("windows", "the schedule is never active; add at least one window"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return loc, nil
}

func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, invalid("zone", "missing; name an IANA time zone such as Europe/London or UTC")
	case "Local":
		return nil, invalid("zone", "Local depends on the machine; name an IANA time zone such as Europe/London or UTC")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalid("zone", "unknown time zone %q", name)
	}
	return loc, nil
}

// windowOverlaps reports each pair of valid windows that share a minute on
// some day, naming the first such day (Monday first).
func windowOverlaps(ws []Window, valid []bool) []error {
	type piece struct {
		w int
		s Span
	}
	var perDay [7][]piece
	for i, w := range ws {
		if valid[i] {
			w.daySpans(func(d time.Weekday, s Span) { perDay[d] = append(perDay[d], piece{i, s}) })
		}
	}
	reported := map[[2]int]bool{}
	var errs []error
	for _, d := range weekOrder {
		ps := perDay[d]
		for a := 0; a < len(ps); a++ {
			for b := a + 1; b < len(ps); b++ {
				pa, pb := ps[a], ps[b]
				if pa.w == pb.w || pa.s.Start >= pb.s.End || pb.s.Start >= pa.s.End {
					continue
				}
				key := [2]int{min(pa.w, pb.w), max(pa.w, pb.w)}
				if reported[key] {
					continue
				}
				reported[key] = true
				errs = append(errs, invalid(fmt.Sprintf("windows[%d]", key[1]),
					"%q overlaps windows[%d] %q on %s", ws[key[1]], key[0], ws[key[0]], d))
			}
		}
	}
	return errs
}

func checkHoliday(f string, h Holiday) []error {
	var errs []error
	if !h.From.valid() {
		errs = append(errs, invalid(f+".from", "%s is not a date", h.From))
	}
	if !h.To.IsZero() {
		switch {
		case !h.To.valid():
			errs = append(errs, invalid(f+".to", "%s is not a date", h.To))
		case h.To.Yearly() != h.From.Yearly():
			errs = append(errs, invalid(f+".to", "%s and %s must both be yearly (MM-DD) or both dated (YYYY-MM-DD)", h.From, h.To))
		case h.From.valid() && !h.From.Yearly() && h.To.dayNumber() < h.From.dayNumber():
			errs = append(errs, invalid(f+".to", "the range ends (%s) before it starts (%s)", h.To, h.From))
		}
	}
	for j, s := range h.Hours {
		hf := fmt.Sprintf("%s.hours[%d]", f, j)
		switch {
		case s.Start < 0 || s.Start >= EndOfDay:
			errs = append(errs, invalid(hf, "start %s is not a time of day from 00:00 to 23:59", s.Start))
		case s.End <= s.Start || s.End > EndOfDay:
			errs = append(errs, invalid(hf, "end %s is not after start %s (holiday hours cannot cross midnight)", s.End, s.Start))
		default:
			for k, o := range h.Hours[:j] {
				if s.Start < o.End && o.Start < s.End {
					errs = append(errs, invalid(hf, "%s overlaps hours[%d] %s", s, k, o))
				}
			}
		}
	}
	if strings.ContainsAny(h.Name, "\n\r") {
		errs = append(errs, invalid(f+".name", "a name is one line"))
	}
	return errs
}

// holidayConflicts reports overlapping holidays that no precedence rule
// orders: same kind, same number of days, different hours.
func holidayConflicts(hs []Holiday, valid []bool) []error {
	var errs []error
	for i := range hs {
		for j := range i {
			a, b := hs[i], hs[j]
			if !valid[i] || !valid[j] || a.From.Yearly() != b.From.Yearly() ||
				a.length() != b.length() || slices.Equal(a.Hours, b.Hours) || !a.overlaps(b) {
				continue
			}
			errs = append(errs, invalid(fmt.Sprintf("holidays[%d]", i),
				"%q overlaps holidays[%d] %q for as many days with other hours; say which applies", a, j, b))
		}
	}
	return errs
}
