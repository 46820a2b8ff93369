package schedule

import (
	"cmp"
	"slices"
	"time"
)

// Compiled is a validated [Schedule] prepared for fast questions: per-day
// window lists and holiday tables are computed once, so [Compiled.ActiveAt]
// does not allocate. A Compiled is immutable and safe for concurrent use.
type Compiled struct {
	src  Schedule
	loc  *time.Location
	week [7][]span // by time.Weekday, sorted, merged, in minutes

	dated []datedHoliday // shortest first, so the first match wins

	hasYearly bool
	yearly    [13 * 32]int16 // month*32+day → index into yearlyHours, -1 none
	yearlyHrs [][]span

	lastDated int64 // day number of the last dated holiday day
}

type span struct{ start, end int32 } // minutes of the day, [start, end)

type datedHoliday struct {
	from, to int64 // day numbers, inclusive
	hours    []span
}

// Compile validates s (see [Schedule.Validate]) and prepares it.
func (s Schedule) Compile() (*Compiled, error) {
	loc, err := s.check()
	if err != nil {
		return nil, err
	}
	c := &Compiled{src: s.clone(), loc: loc, lastDated: -1 << 62}
	var week [7][]span
	for _, w := range s.Windows {
		w.daySpans(func(d time.Weekday, sp Span) { week[d] = append(week[d], span{int32(sp.Start), int32(sp.End)}) })
	}
	for d := range week {
		c.week[d] = merge(week[d])
	}

	type ranked struct {
		length int64
		order  int
		h      Holiday
	}
	var dated, yearly []ranked
	for i, h := range s.Holidays {
		r := ranked{h.length(), i, h}
		if h.From.Yearly() {
			yearly = append(yearly, r)
		} else {
			dated = append(dated, r)
		}
	}
	byLength := func(a, b ranked) int { return cmp.Or(cmp.Compare(a.length, b.length), cmp.Compare(a.order, b.order)) }
	slices.SortStableFunc(dated, byLength)
	slices.SortStableFunc(yearly, byLength)
	for _, r := range dated {
		dh := datedHoliday{r.h.From.dayNumber(), r.h.last().dayNumber(), hoursSpans(r.h.Hours)}
		c.dated = append(c.dated, dh)
		c.lastDated = max(c.lastDated, dh.to)
	}
	for i := range c.yearly {
		c.yearly[i] = -1
	}
	for _, r := range yearly {
		c.hasYearly = true
		idx := int16(len(c.yearlyHrs))
		c.yearlyHrs = append(c.yearlyHrs, hoursSpans(r.h.Hours))
		for _, ord := range r.h.yearlyDays() {
			t := time.Date(2000, 1, 1+ord, 0, 0, 0, 0, time.UTC)
			k := int(t.Month())*32 + t.Day()
			if c.yearly[k] < 0 { // a shorter holiday already took the day
				c.yearly[k] = idx
			}
		}
	}
	return c, nil
}

func hoursSpans(hs []Span) []span {
	out := make([]span, 0, len(hs))
	for _, h := range hs {
		out = append(out, span{int32(h.Start), int32(h.End)})
	}
	return merge(out)
}

// merge sorts spans and joins those that touch or overlap.
func merge(ss []span) []span {
	slices.SortFunc(ss, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var out []span
	for _, s := range ss {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (s Schedule) clone() Schedule {
	s.Windows = slices.Clone(s.Windows)
	s.Holidays = slices.Clone(s.Holidays)
	for i := range s.Holidays {
		s.Holidays[i].Hours = slices.Clone(s.Holidays[i].Hours)
	}
	return s
}

// Schedule returns a copy of the schedule c was compiled from.
func (c *Compiled) Schedule() Schedule { return c.src.clone() }

// Location returns the schedule's time zone.
func (c *Compiled) Location() *time.Location { return c.loc }

const secondsPerDay = 86400

// local returns t as seconds since 1970-01-01 00:00 wall-clock time in the
// schedule's zone, and the zone's offset from UTC in seconds.
func (c *Compiled) local(unix int64) (local int64, offset int64) {
	_, off := time.Unix(unix, 0).In(c.loc).Zone()
	return unix + int64(off), int64(off)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// spansFor returns the active spans of the date with day number day.
func (c *Compiled) spansFor(day int64) []span {
	for i := range c.dated {
		if h := &c.dated[i]; day >= h.from && day <= h.to {
			return h.hours
		}
	}
	if c.hasYearly {
		_, m, d := time.Unix(day*secondsPerDay, 0).UTC().Date()
		if i := c.yearly[int(m)*32+d]; i >= 0 {
			return c.yearlyHrs[i]
		}
	}
	return c.week[floorMod7(day+4)] // 1970-01-01 was a Thursday
}

func floorMod7(x int64) int64 { return ((x % 7) + 7) % 7 }

func activeIn(spans []span, minute int32) bool {
	for _, s := range spans {
		if minute < s.start {
			return false
		}
		if minute < s.end {
			return true
		}
	}
	return false
}

func (c *Compiled) activeLocal(local int64) bool {
	day := floorDiv(local, secondsPerDay)
	return activeIn(c.spansFor(day), int32((local-day*secondsPerDay)/60))
}

// ActiveAt reports whether the schedule is active at instant t, judged by
// t's wall-clock date and time in the schedule's zone (whatever t's own
// Location). Holidays override the weekly windows. Windows are half-open:
// a 09:00–17:00 window is active at 16:59:59 and not at 17:00:00. It does
// not allocate.
func (c *Compiled) ActiveAt(t time.Time) bool {
	local, _ := c.local(t.Unix())
	return c.activeLocal(local)
}

// horizonDays is how far NextChange looks past the last dated holiday before
// deciding the state never changes: long enough for a yearly 02-29 holiday
// to come round across a century year (2096 to 2104).
const horizonDays = 9 * 366

// NextChange returns the first instant after t at which [Compiled.ActiveAt]
// gives a different answer than at t, in the schedule's zone. Changes fall
// on whole wall-clock minutes, or on a zone transition when the clock jumps
// into or out of a window (e.g. 01:00 UTC on a Europe/London spring-forward
// day for a window 01:30–02:30). The second result is false when the state
// never changes (a schedule active around the clock with no holidays, say);
// finding that out scans about nine years of days, which costs a few hundred
// microseconds (BenchmarkNextChangeNever); the cost grows with the number
// of days to the change, and a change within the week takes well under a
// microsecond. It does not allocate.
func (c *Compiled) NextChange(t time.Time) (time.Time, bool) {
	// Work on whole seconds: every change falls on a whole second, and the
	// first one after floor(t) is the first one after t.
	p := t.Unix()
	local, off := c.local(p)
	cur := c.activeLocal(local)
	limitDay := max(floorDiv(local, secondsPerDay), c.lastDated) + horizonDays
	for {
		lt := time.Unix(p, 0).In(c.loc)
		_, segEnd := lt.ZoneBounds()
		limitLocal := limitDay * secondsPerDay
		if !segEnd.IsZero() {
			limitLocal = min(limitLocal, segEnd.Unix()+off)
		}
		if b, ok := c.nextBoundary(local, cur, limitLocal); ok {
			return time.Unix(b-off, 0).In(c.loc), true
		}
		if segEnd.IsZero() || segEnd.Unix()+off >= limitDay*secondsPerDay {
			return time.Time{}, false
		}
		// The clock jumps at the zone transition; look again from there.
		p = segEnd.Unix()
		local, off = c.local(p)
		if c.activeLocal(local) != cur {
			return segEnd.In(c.loc), true
		}
	}
}

// nextBoundary returns the first wall-clock second after local, and before
// limit, at which the state differs from cur, assuming the clock runs
// without jumps.
func (c *Compiled) nextBoundary(local int64, cur bool, limit int64) (int64, bool) {
	day := floorDiv(local, secondsPerDay)
	from := local - day*secondsPerDay // boundaries must be after this second of day
	for {
		base := day * secondsPerDay
		for _, s := range c.spansFor(day) {
			if !cur && int64(s.start)*60 > from {
				return checkLimit(base+int64(s.start)*60, limit)
			}
			if cur && s.end < int32(EndOfDay) && int64(s.end)*60 > from {
				return checkLimit(base+int64(s.end)*60, limit)
			}
		}
		day++
		base += secondsPerDay
		if base >= limit {
			return 0, false
		}
		if activeIn(c.spansFor(day), 0) != cur {
			return base, true
		}
		from = 0
	}
}

func checkLimit(b, limit int64) (int64, bool) {
	if b >= limit {
		return 0, false
	}
	return b, true
}

// Interval is a stretch of time during which a schedule is active, from
// Start up to (not including) End.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Windows lists the intervals during which the schedule is active between
// from and to, clipped to them, in order, in the schedule's zone: what a
// portal shows as "this week". It returns nil when to is not after from.
func (c *Compiled) Windows(from, to time.Time) []Interval {
	if !to.After(from) {
		return nil
	}
	var out []Interval
	t := from
	active := c.ActiveAt(t)
	for t.Before(to) {
		next, ok := c.NextChange(t)
		if !ok || next.After(to) {
			next = to
		}
		if active {
			out = append(out, Interval{t.In(c.loc), next.In(c.loc)})
		}
		t, active = next, !active
	}
	return out
}
