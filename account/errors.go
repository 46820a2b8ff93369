package account

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned by a [Store] when the user, trunk or credential
// asked for does not exist.
var ErrNotFound = errors.New("account: not found")

// ErrExists is returned by a [Store] when creating a user or trunk whose key
// (extension number or trunk name) is already taken.
var ErrExists = errors.New("account: already exists")

// ErrBadCredentials is returned by [Authenticate] and [VerifyPIN] for a wrong
// password or PIN and, identically, for an unknown user, so a caller cannot
// tell which extensions exist.
var ErrBadCredentials = errors.New("account: wrong extension or password")

// ValidationError says which field of a user, trunk or credential is invalid
// and why. Callers get it as a *ValidationError via [errors.As].
type ValidationError struct {
	// Field is the name of the offending field, e.g. "Extension" or "Host".
	Field string
	// Reason says what is wrong, in words a user can act on.
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("account: invalid %s: %s", e.Field, e.Reason)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
