package prompt

import (
	"fmt"
	"time"
)

// English is American English: the rules for the default "en" set.
//
//   - Cardinals from 0 to 999,999,999, without "and" ("three hundred
//     forty-two", "one thousand five", "two million"), tens and units as two
//     prompts ("forty" "two").
//   - Ordinals from 1 to 31 (days of the month), one prompt each.
//   - Dates: "today", "yesterday", the weekday for the five days before
//     yesterday, else month and ordinal day ("March fifth"), with the year
//     as a cardinal when it is not now's year ("March fifth two thousand
//     twenty-four").
//   - Times on a 12-hour clock: "three forty-two P M", "three oh five A M",
//     "three P M" on the hour, "twelve P M" at noon and "twelve A M" at
//     midnight; DateTime joins date and time with "at".
//   - Plurals: one is PluralOne, everything else (zero included: "zero new
//     messages") PluralOther.
//
// The zero value is ready to use and safe for concurrent use.
type English struct{}

var _ Language = English{}

// Names of the vocabulary, indexed by value, so that saying a number does
// not format strings.
var (
	enDigits = [10]string{"digit-0", "digit-1", "digit-2", "digit-3", "digit-4", "digit-5", "digit-6", "digit-7", "digit-8", "digit-9"}
	enNums   = [20]string{"num-0", "num-1", "num-2", "num-3", "num-4", "num-5", "num-6", "num-7", "num-8", "num-9",
		"num-10", "num-11", "num-12", "num-13", "num-14", "num-15", "num-16", "num-17", "num-18", "num-19"}
	enTens = [10]string{"", "", "num-20", "num-30", "num-40", "num-50", "num-60", "num-70", "num-80", "num-90"}
	enOrds = [32]string{"", "ord-1", "ord-2", "ord-3", "ord-4", "ord-5", "ord-6", "ord-7", "ord-8", "ord-9", "ord-10",
		"ord-11", "ord-12", "ord-13", "ord-14", "ord-15", "ord-16", "ord-17", "ord-18", "ord-19", "ord-20",
		"ord-21", "ord-22", "ord-23", "ord-24", "ord-25", "ord-26", "ord-27", "ord-28", "ord-29", "ord-30", "ord-31"}
	enDays   = [7]string{"day-sunday", "day-monday", "day-tuesday", "day-wednesday", "day-thursday", "day-friday", "day-saturday"}
	enMonths = [13]string{"", "month-january", "month-february", "month-march", "month-april", "month-may", "month-june",
		"month-july", "month-august", "month-september", "month-october", "month-november", "month-december"}
)

// MaxCardinal is the largest number English.Cardinal says.
const MaxCardinal = 999_999_999

// Tag returns "en".
func (English) Tag() string { return "en" }

// Cardinal appends n in words; n must be from 0 to MaxCardinal.
func (English) Cardinal(dst []string, n int) ([]string, error) {
	if n < 0 || n > MaxCardinal {
		return dst, fmt.Errorf("prompt: number %d: %w in English (0 to %d)", n, ErrUnsayable, MaxCardinal)
	}
	if n == 0 {
		return append(dst, enNums[0]), nil
	}
	if m := n / 1_000_000; m > 0 {
		dst = append(enHundreds(dst, m), "num-million")
	}
	if k := n / 1000 % 1000; k > 0 {
		dst = append(enHundreds(dst, k), "num-thousand")
	}
	return enHundreds(dst, n%1000), nil
}

// enHundreds appends n, from 0 (nothing) to 999.
func enHundreds(dst []string, n int) []string {
	if h := n / 100; h > 0 {
		dst = append(dst, enNums[h], "num-hundred")
	}
	switch r := n % 100; {
	case r == 0:
	case r < 20:
		dst = append(dst, enNums[r])
	default:
		dst = append(dst, enTens[r/10])
		if r%10 != 0 {
			dst = append(dst, enNums[r%10])
		}
	}
	return dst
}

// Ordinal appends n as "first" … "thirty-first"; n must be from 1 to 31.
func (English) Ordinal(dst []string, n int) ([]string, error) {
	if n < 1 || n > 31 {
		return dst, fmt.Errorf("prompt: ordinal %d: %w in English (1 to 31)", n, ErrUnsayable)
	}
	return append(dst, enOrds[n]), nil
}

// Digits appends s digit by digit: "digit-0" … "digit-9", "star", "pound",
// and "plus" for a '+' before the first digit. Spaces, '-', '.', '(' and
// ')' are skipped; any other character is an error wrapping ErrUnsayable.
func (English) Digits(dst []string, s string) ([]string, error) {
	n := len(dst)
	seen := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			dst = append(dst, enDigits[c-'0'])
		case c == '*':
			dst = append(dst, "star")
		case c == '#':
			dst = append(dst, "pound")
		case c == '+' && !seen:
			dst = append(dst, "plus")
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
			continue
		default:
			return dst[:n], fmt.Errorf("prompt: digits %q: %w: %q at %d", s, ErrUnsayable, c, i)
		}
		seen = true
	}
	return dst, nil
}

// Date appends the day of t relative to now (see English).
func (e English) Date(dst []string, t, now time.Time) []string {
	switch days := daysBetween(t, now); {
	case days == 0:
		return append(dst, "today")
	case days == 1:
		return append(dst, "yesterday")
	case days >= 2 && days <= 6:
		return append(dst, enDays[t.Weekday()])
	}
	dst = append(dst, enMonths[t.Month()], enOrds[t.Day()])
	if t.Year() != now.Year() && t.Year() > 0 {
		dst, _ = e.Cardinal(dst, t.Year())
	}
	return dst
}

// Time appends the time of day of t (see English).
func (e English) Time(dst []string, t time.Time) []string {
	h, m := t.Hour(), t.Minute()
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	dst = append(dst, enNums[h12])
	switch {
	case m == 0:
	case m < 10:
		dst = append(dst, "oh", enNums[m])
	default:
		dst, _ = e.Cardinal(dst, m)
	}
	if h < 12 {
		return append(dst, "am")
	}
	return append(dst, "pm")
}

// DateTime appends the date, "at" and the time: "yesterday at three
// forty-two P M".
func (e English) DateTime(dst []string, t, now time.Time) []string {
	dst = e.Date(dst, t, now)
	dst = append(dst, "at")
	return e.Time(dst, t)
}

// Plural returns PluralOne for 1 and PluralOther for anything else.
func (English) Plural(n int) Plural {
	if n == 1 {
		return PluralOne
	}
	return PluralOther
}

// daysBetween is how many calendar days t's date is before now's, each
// read in its own time zone; negative when t is on a later day. It counts
// dates, not 24-hour periods, so it is right across DST changes.
func daysBetween(t, now time.Time) int {
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	a := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	b := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / (24 * time.Hour))
}
