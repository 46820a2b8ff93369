package prompt

import (
	"errors"
	"time"
)

// ErrUnsayable is returned, wrapped, when a Language has no words for a
// value: a negative or too large number, an ordinal out of its range, a
// character that is not a digit.
var ErrUnsayable = errors.New("cannot be said")

// Plural is a plural category in the sense of Unicode CLDR: which form of a
// counted word a number takes. English has PluralOne and PluralOther;
// other languages use more.
type Plural uint8

const (
	// PluralUnknown is the zero Plural.
	PluralUnknown Plural = iota
	// PluralZero is the form for zero in languages that have one.
	PluralZero
	// PluralOne is the singular form: "one new message".
	PluralOne
	// PluralTwo is the dual form, in languages that have one.
	PluralTwo
	// PluralFew is the "few" form (Polish, Czech, …).
	PluralFew
	// PluralMany is the "many" form (Polish, Russian, …).
	PluralMany
	// PluralOther is the general plural form: "three new messages".
	PluralOther
)

// String returns the CLDR name of the category.
func (p Plural) String() string {
	switch p {
	case PluralZero:
		return "zero"
	case PluralOne:
		return "one"
	case PluralTwo:
		return "two"
	case PluralFew:
		return "few"
	case PluralMany:
		return "many"
	case PluralOther:
		return "other"
	}
	return "unknown"
}

// Language is the rules for saying values in one language, as sequences
// of prompt names that its sound directory holds. Each method appends the
// names to dst and returns the extended slice, as strconv's Append
// functions do; on error it returns dst unchanged.
//
// Implementations must be safe for concurrent use (English is a value with
// no state).
type Language interface {
	// Tag is the language's tag, the name of its sound directory ("en").
	Tag() string
	// Cardinal says n as a number: 342 → "three hundred forty-two".
	Cardinal(dst []string, n int) ([]string, error)
	// Ordinal says n as a position: 3 → "third".
	Ordinal(dst []string, n int) ([]string, error)
	// Digits says s one character at a time: digits, '*', '#' and a
	// leading '+'. Spaces, '-', '.', '(' and ')' are skipped.
	Digits(dst []string, s string) ([]string, error)
	// Date says the day of t relative to now ("today", "yesterday",
	// a weekday, a date). Both are already in the listener's time zone.
	Date(dst []string, t, now time.Time) []string
	// Time says the time of day of t, in t's time zone.
	Time(dst []string, t time.Time) []string
	// DateTime says when t was relative to now: the date, then the time.
	// Both are already in the listener's time zone.
	DateTime(dst []string, t, now time.Time) []string
	// Plural returns the plural category of n.
	Plural(n int) Plural
}
