package calllog

import (
	"strings"
	"time"
)

// Paging limits for [Filter].
const (
	// DefaultLimit is the page size when Filter.Limit is 0.
	DefaultLimit = 50
	// MaxLimit is the largest page, and the most records one export holds.
	MaxLimit = 20000
	// MaxSearchLen is the longest search text, in bytes.
	MaxSearchLen = 100
)

// Filter selects one owner's records. Zero fields do not filter. Results
// are ordered newest first (by Start, then by ID descending).
type Filter struct {
	// Owner is the extension whose call history this is. Required: a
	// Filter without an owner is refused, so no query lists every call.
	Owner string
	// View selects missed, received or placed calls (default all).
	View View
	// Direction, if not DirectionUnknown, selects only that direction.
	Direction Direction
	// Disposition, if not DispositionUnknown, selects only that one.
	Disposition Disposition
	// Since and Until bound Start: Since <= Start < Until. Zero is open.
	Since, Until time.Time
	// Search selects records whose From, FromName, To or ToName contains
	// it, ignoring ASCII letter case. Characters such as % and _ match
	// themselves.
	Search string
	// Limit is the page size (0 means DefaultLimit, at most MaxLimit);
	// Offset skips that many matching records.
	Limit, Offset int
}

// Validate checks f: an owner, known enums, a non-negative page within
// MaxLimit, and a bounded search text. Errors wrap [ErrInvalid].
func (f Filter) Validate() error {
	if f.Owner == "" {
		return invalidf("Filter.Owner is required")
	}
	if f.View < ViewAll || f.View > ViewPlaced {
		return invalidf("Filter.View %d is unknown", int(f.View))
	}
	if f.Direction < DirectionUnknown || f.Direction > Outgoing {
		return invalidf("Filter.Direction %d is unknown", int(f.Direction))
	}
	if f.Disposition < DispositionUnknown || f.Disposition > Cancelled {
		return invalidf("Filter.Disposition %d is unknown", int(f.Disposition))
	}
	if f.Limit < 0 || f.Limit > MaxLimit || f.Offset < 0 {
		return invalidf("Filter.Limit must be 0 to %d and Offset not negative", MaxLimit)
	}
	if len(f.Search) > MaxSearchLen {
		return invalidf("Filter.Search is longer than %d bytes", MaxSearchLen)
	}
	return nil
}

// PageSize returns the effective Limit: DefaultLimit when Limit is 0.
func (f Filter) PageSize() int {
	if f.Limit == 0 {
		return DefaultLimit
	}
	return f.Limit
}

// Match reports whether r passes every condition of f except paging.
// It is the reference semantics that every [Store] implements.
func (f Filter) Match(r Record) bool {
	role := r.RoleOf(f.Owner)
	if role == RoleUnknown {
		return false
	}
	switch f.View {
	case ViewPlaced:
		if role != Caller {
			return false
		}
	case ViewReceived:
		if role != Callee || !r.Disposition.received() {
			return false
		}
	case ViewMissed:
		if role != Callee || r.Disposition.received() {
			return false
		}
	}
	if f.Direction != DirectionUnknown && r.Direction != f.Direction {
		return false
	}
	if f.Disposition != DispositionUnknown && r.Disposition != f.Disposition {
		return false
	}
	if !f.Since.IsZero() && r.Start.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !r.Start.Before(f.Until) {
		return false
	}
	if f.Search != "" {
		q := asciiLower(f.Search)
		found := false
		for _, s := range [...]string{r.From, r.FromName, r.To, r.ToName} {
			if strings.Contains(asciiLower(s), q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// asciiLower lower-cases only ASCII letters, as SQL LIKE does in SQLite,
// so every Store searches the same way.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// Newer reports whether a sorts before b in a call history: later Start
// first, then larger ID.
func Newer(a, b Record) bool {
	if !a.Start.Equal(b.Start) {
		return a.Start.After(b.Start)
	}
	return a.ID > b.ID
}
