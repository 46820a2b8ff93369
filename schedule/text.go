package schedule

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns the schedule's text form, which [Parse] reads back to the
// same Schedule: clauses separated by "; ", in the order name, zone,
// windows, holidays. For example:
//
//	name=Office hours; tz=Europe/Paris; mon-fri 09:00-17:00; fri 22:00-02:00+1; holiday 12-25 closed "Christmas"; holiday 2026-12-24..2026-12-31 10:00-12:00
func (s Schedule) String() string {
	var parts []string
	if s.Name != "" {
		parts = append(parts, "name="+nameText(s.Name))
	}
	if s.Zone != "" {
		parts = append(parts, "tz="+s.Zone)
	}
	for _, w := range s.Windows {
		parts = append(parts, w.String())
	}
	for _, h := range s.Holidays {
		parts = append(parts, h.String())
	}
	return strings.Join(parts, "; ")
}

// nameText writes a schedule name bare when Parse would read it back
// unchanged, quoted otherwise.
func nameText(n string) string {
	if n != strings.TrimSpace(n) || strings.ContainsAny(n, `;"`) || !utf8.ValidString(n) {
		return quote(n)
	}
	for _, r := range n {
		if !unicode.IsPrint(r) {
			return quote(n)
		}
	}
	return n
}

func quote(s string) string { return strconv.Quote(s) }

// Parse reads a schedule's text form: clauses separated by ';', each one of
//
//	name=TEXT                  the schedule's name (TEXT may be "quoted")
//	tz=ZONE                    the IANA time zone, e.g. tz=America/New_York
//	DAYS TIMES                 weekly windows, e.g. mon-fri 09:00-12:00,13:00-17:00
//	holiday DATES [HOURS] ["NAME"]
//
// DAYS is a comma-separated list of days and ranges (mon-fri,sun; fri-mon
// wraps), or daily, weekdays, weekend. TIMES is a comma-separated list of
// HH:MM-HH:MM spans; HH:MM-HH:MM+1 ends the next day; all-day is
// 00:00-24:00. Each span becomes one [Window]. DATES is a date (2026-12-25,
// or 12-25 for every year) or an inclusive range (2026-12-24..2026-12-31).
// HOURS is closed (the default) or a list of spans like TIMES without +1.
// Keywords and day names are case-insensitive; empty clauses are ignored.
//
// Parse checks only the syntax; it does not load the zone or look for
// overlaps. Call [Schedule.Validate] or [Schedule.Compile] for that. Errors
// are *[SyntaxError].
func Parse(text string) (Schedule, error) {
	var s Schedule
	clauses, err := splitClauses(text)
	if err != nil {
		return Schedule{}, err
	}
	seenName, seenZone := false, false
	for i, raw := range clauses {
		c := strings.TrimSpace(raw)
		if c == "" {
			continue
		}
		fail := func(reason string) error { return &SyntaxError{Clause: i + 1, Text: c, Reason: reason} }
		lower := strings.ToLower(c)
		first := strings.Fields(c)[0]
		switch {
		case strings.HasPrefix(lower, "name="):
			if seenName {
				return Schedule{}, fail("the name is given twice")
			}
			seenName = true
			v := strings.TrimSpace(c[len("name="):])
			if strings.HasPrefix(v, `"`) {
				u, err := strconv.Unquote(v)
				if err != nil {
					return Schedule{}, fail("bad quoted name")
				}
				v = u
			} else if strings.Contains(v, `"`) {
				return Schedule{}, fail(`a name with '"' must be quoted`)
			}
			if v == "" {
				return Schedule{}, fail("empty name")
			}
			s.Name = v
		case strings.HasPrefix(lower, "tz="):
			if seenZone {
				return Schedule{}, fail("the time zone is given twice")
			}
			seenZone = true
			v := strings.TrimSpace(c[len("tz="):])
			if v == "" || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || r == ';' || !unicode.IsPrint(r) }) {
				return Schedule{}, fail("want a time zone name such as Europe/Paris")
			}
			s.Zone = v
		case strings.EqualFold(first, "holiday"):
			h, reason := parseHoliday(c[len(first):])
			if reason != "" {
				return Schedule{}, fail(reason)
			}
			s.Holidays = append(s.Holidays, h)
		default:
			ws, reason := parseWindows(c)
			if reason != "" {
				return Schedule{}, fail(reason)
			}
			s.Windows = append(s.Windows, ws...)
		}
	}
	return s, nil
}

// splitClauses splits at ';' outside double-quoted strings.
func splitClauses(text string) ([]string, error) {
	var out []string
	start := 0
	for i := 0; i < len(text); {
		switch text[i] {
		case ';':
			out = append(out, text[start:i])
			i++
			start = i
		case '"':
			q, err := strconv.QuotedPrefix(text[i:])
			if err != nil {
				return nil, &SyntaxError{Clause: len(out) + 1, Text: strings.TrimSpace(text[start:]), Reason: "unterminated or bad quoted string"}
			}
			i += len(q)
		default:
			i++
		}
	}
	return append(out, text[start:]), nil
}

func parseWindows(c string) ([]Window, string) {
	fields := strings.Fields(c)
	if len(fields) < 2 {
		return nil, "want days and times, e.g. mon-fri 09:00-17:00"
	}
	days, err := parseDaySet(fields[0])
	if err != nil {
		return nil, err.(*SyntaxError).Reason
	}
	var ws []Window
	for item := range strings.SplitSeq(strings.Join(fields[1:], ""), ",") {
		overnight := false
		if rest, ok := strings.CutSuffix(item, "+1"); ok {
			item, overnight = rest, true
		}
		sp, reason := parseSpan(item)
		if reason != "" {
			return nil, reason
		}
		if overnight && sp == (Span{0, EndOfDay}) && !strings.Contains(item, ":") {
			return nil, "all-day cannot end the next day"
		}
		ws = append(ws, Window{Days: days, Start: sp.Start, End: sp.End, Overnight: overnight})
	}
	return ws, ""
}

// parseSpan reads "HH:MM-HH:MM" or "all-day". It checks the syntax, not
// the order of the times.
func parseSpan(item string) (Span, string) {
	if strings.EqualFold(item, "all-day") {
		return Span{0, EndOfDay}, ""
	}
	a, b, ok := strings.Cut(item, "-")
	if !ok {
		return Span{}, "want times as HH:MM-HH:MM, HH:MM-HH:MM+1 or all-day, not " + quote(item)
	}
	start, err := parseTimeOfDay(a)
	if err != nil {
		return Span{}, err.(*SyntaxError).Reason + ", not " + quote(a)
	}
	end, err := parseTimeOfDay(b)
	if err != nil {
		return Span{}, err.(*SyntaxError).Reason + ", not " + quote(b)
	}
	return Span{start, end}, ""
}

func parseHoliday(rest string) (Holiday, string) {
	var h Holiday
	if i := strings.IndexByte(rest, '"'); i >= 0 {
		name, err := strconv.Unquote(strings.TrimSpace(rest[i:]))
		if err != nil {
			return Holiday{}, "the holiday's name must be one quoted string at the end"
		}
		if name == "" {
			return Holiday{}, "empty holiday name"
		}
		h.Name, rest = name, rest[:i]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return Holiday{}, "want a date, e.g. holiday 2026-12-25 or holiday 12-25 for every year"
	}
	a, b, isRange := strings.Cut(fields[0], "..")
	var err error
	if h.From, err = parseDate(a); err != nil {
		return Holiday{}, err.(*SyntaxError).Reason + ", not " + quote(a)
	}
	if isRange {
		if h.To, err = parseDate(b); err != nil {
			return Holiday{}, err.(*SyntaxError).Reason + ", not " + quote(b)
		}
		if h.To == h.From {
			h.To = Date{}
		}
	}
	if len(fields) == 1 || (len(fields) == 2 && strings.EqualFold(fields[1], "closed")) {
		return h, ""
	}
	for item := range strings.SplitSeq(strings.Join(fields[1:], ""), ",") {
		sp, reason := parseSpan(item)
		if reason != "" {
			return Holiday{}, reason
		}
		h.Hours = append(h.Hours, sp)
	}
	return h, ""
}
