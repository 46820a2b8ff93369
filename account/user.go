package account

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// User is an extension: the number phones register with and callers dial,
// and the person behind it. It carries no secrets; those are set through
// the [Store]'s SetSIPSecret, SetPortalPassword and SetPIN.
type User struct {
	// Extension is the extension number, 2 to 8 digits, e.g. "101". It is
	// also the SIP digest username and the portal login name.
	Extension string
	// Name is the display name shown to callees and in the portal.
	Name string
	// Email is where voicemail and fax notifications go; empty for none.
	Email string
	// Access is what the user may administer in the portal.
	Access AccessLevel
	// Privileges are what the user's calls may do.
	Privileges Privileges
	// Created is when the user was created; Updated when it or one of its
	// secrets last changed. Both are set by the caller (the Store keeps
	// Created on update and sets Updated from the now it is given).
	Created, Updated time.Time
}

// Privileges are the named permissions of a user's calls and services.
// The zero value allows only internal calls with no voicemail.
type Privileges struct {
	// External allows calls to numbers outside the PBX, through a trunk.
	External bool
	// International allows calls to international numbers; it only has
	// effect together with External.
	International bool
	// Voicemail gives the user a voicemail box.
	Voicemail bool
}

// AccessLevel is what a user may administer. The zero value is
// AccessUnknown, which a [Store] refuses.
type AccessLevel int

// Access levels.
const (
	AccessUnknown AccessLevel = iota
	// AccessUser manages only the user's own settings and data.
	AccessUser
	// AccessAdmin also manages other users, trunks and system settings.
	AccessAdmin
)

// String returns "user", "admin" or "unknown".
func (a AccessLevel) String() string {
	switch a {
	case AccessUser:
		return "user"
	case AccessAdmin:
		return "admin"
	}
	return "unknown"
}

// ParseAccessLevel parses the output of [AccessLevel.String] ("user" or
// "admin", any case).
func ParseAccessLevel(s string) (AccessLevel, error) {
	switch strings.ToLower(s) {
	case "user":
		return AccessUser, nil
	case "admin":
		return AccessAdmin, nil
	}
	return AccessUnknown, invalid("Access", "%q is not an access level (want user or admin)", s)
}

// MarshalText implements encoding.TextMarshaler ("user", "admin").
func (a AccessLevel) MarshalText() ([]byte, error) {
	if a != AccessUser && a != AccessAdmin {
		return nil, fmt.Errorf("account: cannot marshal access level %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *AccessLevel) UnmarshalText(b []byte) error {
	v, err := ParseAccessLevel(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Limits on user fields, in bytes.
const (
	MaxNameLen  = 100
	MaxEmailLen = 254
)

// ValidateExtension reports whether ext is a valid extension number: 2 to 8
// ASCII digits. The error is a *[ValidationError].
func ValidateExtension(ext string) error {
	if len(ext) < 2 || len(ext) > 8 {
		return invalid("Extension", "%q must be 2 to 8 digits", ext)
	}
	if !allDigits(ext) {
		return invalid("Extension", "%q must contain only digits 0-9", ext)
	}
	return nil
}

// Validate checks every field of u and returns the first problem as a
// *[ValidationError].
func (u User) Validate() error {
	if err := ValidateExtension(u.Extension); err != nil {
		return err
	}
	if err := validateName("Name", u.Name); err != nil {
		return err
	}
	if u.Email != "" {
		if len(u.Email) > MaxEmailLen {
			return invalid("Email", "longer than %d bytes", MaxEmailLen)
		}
		a, err := mail.ParseAddress(u.Email)
		if err != nil || a.Address != u.Email {
			return invalid("Email", "%q is not a plain e-mail address like alice@example.com", u.Email)
		}
	}
	if u.Access != AccessUser && u.Access != AccessAdmin {
		return invalid("Access", "must be user or admin")
	}
	if u.Created.IsZero() {
		return invalid("Created", "must be set")
	}
	return nil
}

func validateName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return invalid(field, "must not be empty")
	}
	if len(s) > MaxNameLen {
		return invalid(field, "longer than %d bytes", MaxNameLen)
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
