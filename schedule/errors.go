package schedule

import "fmt"

// ValidationError says which part of a [Schedule] is invalid and why.
// [Schedule.Validate] returns one, or several joined with [errors.Join];
// callers get the first with [errors.As].
type ValidationError struct {
	// Field names the offending part, e.g. "zone", "windows[2]" or
	// "holidays[0].to".
	Field string
	// Reason says what is wrong, in words a user can act on.
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("schedule: invalid %s: %s", e.Field, e.Reason)
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// SyntaxError reports text that [Parse] (or a text or JSON unmarshaller of
// this package) cannot read.
type SyntaxError struct {
	// Clause is the 1-based number of the ';'-separated clause, or 0 when
	// the error is not in a schedule's text form (e.g. one JSON field).
	Clause int
	// Text is the offending text, as written.
	Text string
	// Reason says what was expected.
	Reason string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	if e.Clause == 0 {
		return fmt.Sprintf("schedule: %q: %s", e.Text, e.Reason)
	}
	return fmt.Sprintf("schedule: clause %d %q: %s", e.Clause, e.Text, e.Reason)
}
