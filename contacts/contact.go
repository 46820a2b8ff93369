package contacts

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/telekit/telekit/phonenumber"
)

// PhoneType names one of a contact's five telephone numbers. The zero value
// is PhoneUnknown, which names none.
type PhoneType int

// Phone types, in the order the portal lists them.
const (
	PhoneUnknown PhoneType = iota
	PhoneHome
	PhoneWork
	PhoneMobile
	PhoneFax
	PhoneOther
)

// phoneTypes lists the valid phone types in display order.
var phoneTypes = [...]PhoneType{PhoneHome, PhoneWork, PhoneMobile, PhoneFax, PhoneOther}

// String returns "home", "work", "mobile", "fax", "other" or "unknown".
func (t PhoneType) String() string {
	switch t {
	case PhoneHome:
		return "home"
	case PhoneWork:
		return "work"
	case PhoneMobile:
		return "mobile"
	case PhoneFax:
		return "fax"
	case PhoneOther:
		return "other"
	}
	return "unknown"
}

// ParsePhoneType reads the name String returns, in any letter case. It
// returns PhoneUnknown for anything else.
func ParsePhoneType(s string) PhoneType {
	for _, t := range phoneTypes {
		if strings.EqualFold(strings.TrimSpace(s), t.String()) {
			return t
		}
	}
	return PhoneUnknown
}

// Phones holds a contact's telephone numbers as the user wrote them ("(555)
// 123-4567", "+33 6 12 34 56 78"); an empty string is no number. They are
// parsed with a phonenumber.Plan only when matching.
type Phones struct {
	Home, Work, Mobile, Fax, Other string
}

// Get returns the number of type t, or "" for PhoneUnknown.
func (p Phones) Get(t PhoneType) string {
	switch t {
	case PhoneHome:
		return p.Home
	case PhoneWork:
		return p.Work
	case PhoneMobile:
		return p.Mobile
	case PhoneFax:
		return p.Fax
	case PhoneOther:
		return p.Other
	}
	return ""
}

// Set sets the number of type t; it does nothing for PhoneUnknown.
func (p *Phones) Set(t PhoneType, number string) {
	switch t {
	case PhoneHome:
		p.Home = number
	case PhoneWork:
		p.Work = number
	case PhoneMobile:
		p.Mobile = number
	case PhoneFax:
		p.Fax = number
	case PhoneOther:
		p.Other = number
	}
}

// Address is a postal address. Every field is free text.
type Address struct {
	Street, City, Region, PostalCode, Country string
}

// IsZero reports whether every field of a is empty.
func (a Address) IsZero() bool { return a == Address{} }

// SpeedDial binds a keypad slot to one of the contact's numbers.
type SpeedDial struct {
	// Slot is the keypad number the user presses, 0 to MaxSpeedDialSlot.
	Slot int
	// Phone is which of the contact's numbers the slot dials.
	Phone PhoneType
}

// MaxSpeedDialSlot is the highest speed-dial slot (two keypad digits).
const MaxSpeedDialSlot = 99

// MaxFieldLen is the most bytes of any one text field of a Contact, and
// MaxDescriptionLen of its Description.
const (
	MaxFieldLen       = 256
	MaxDescriptionLen = 4096
)

// Contact is one personal or business contact.
//
// A Contact is a plain value; the package never keeps a pointer to one a
// caller passed in.
type Contact struct {
	// ID is the store's identifier, empty until the contact is stored.
	ID string
	// Revision is the store's change counter for this contact: the store
	// increments it on every write, and an import plan refuses to apply
	// when a contact changed after the preview.
	Revision int
	// Owner is the user a personal contact belongs to; empty for a
	// business contact, which the administrator manages and all users read.
	Owner string

	FirstName, LastName, Nickname string
	// DisplayName is the name shown on calls; when empty, Name builds one.
	DisplayName  string
	JobTitle     string
	Organization string

	// Phones are the contact's numbers and Main says which one is the
	// main number (required: a contact without one is not imported).
	Phones Phones
	Main   PhoneType

	// Emails are the two e-mail addresses, either may be empty.
	Emails [2]string
	// SMS is the address text messages go to (a number or an e-mail
	// gateway address).
	SMS string

	HomeAddress, WorkAddress Address
	Description              string
	Favorite                 bool
	// SpeedDial lists the keypad slots bound to this contact's numbers.
	SpeedDial []SpeedDial
}

// Name returns the name to show for c: DisplayName, else first and last
// name, else nickname, organization or main number.
func (c Contact) Name() string {
	if c.DisplayName != "" {
		return c.DisplayName
	}
	if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	if c.Nickname != "" {
		return c.Nickname
	}
	if c.Organization != "" {
		return c.Organization
	}
	return c.Phones.Get(c.Main)
}

// MainNumber returns the main number as written, or "".
func (c Contact) MainNumber() string { return c.Phones.Get(c.Main) }

// ValidationError says which field of a Contact is invalid and why. Callers
// get it as a *ValidationError via errors.As.
type ValidationError struct {
	// Field is the Contact field, e.g. "Main", "Phones.Mobile", "Emails[1]".
	Field string
	// Reason is what is wrong, in words a user can act on ("no main number").
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("contacts: invalid %s: %s", e.Field, e.Reason)
}

// Validate checks c and returns the first problem as a *ValidationError:
// a main number is required, every number must be a telephone number (no
// letters, at most 15 digits), e-mail addresses need one '@' with text
// either side, speed-dial slots are 0 to MaxSpeedDialSlot, unique, and dial
// a number the contact has, and text fields are valid UTF-8 within
// MaxFieldLen bytes (MaxDescriptionLen for Description).
func (c Contact) Validate() error {
	// A fixed array with constant field names: Validate runs for every
	// imported row and must not allocate when the contact is valid.
	h, w := c.HomeAddress, c.WorkAddress
	texts := [...]struct{ field, v string }{
		{"Owner", c.Owner}, {"FirstName", c.FirstName}, {"LastName", c.LastName},
		{"Nickname", c.Nickname}, {"DisplayName", c.DisplayName}, {"JobTitle", c.JobTitle},
		{"Organization", c.Organization}, {"SMS", c.SMS},
		{"Emails[0]", c.Emails[0]}, {"Emails[1]", c.Emails[1]},
		{"HomeAddress.Street", h.Street}, {"HomeAddress.City", h.City}, {"HomeAddress.Region", h.Region},
		{"HomeAddress.PostalCode", h.PostalCode}, {"HomeAddress.Country", h.Country},
		{"WorkAddress.Street", w.Street}, {"WorkAddress.City", w.City}, {"WorkAddress.Region", w.Region},
		{"WorkAddress.PostalCode", w.PostalCode}, {"WorkAddress.Country", w.Country},
	}
	for _, t := range texts {
		if err := checkText(t.field, t.v, MaxFieldLen); err != nil {
			return err
		}
	}
	if err := checkText("Description", c.Description, MaxDescriptionLen); err != nil {
		return err
	}
	if c.Main == PhoneUnknown || c.Phones.Get(c.Main) == "" {
		return &ValidationError{Field: "Main", Reason: "no main number"}
	}
	for _, t := range phoneTypes {
		s := c.Phones.Get(t)
		if s == "" {
			continue
		}
		field := phoneField[t]
		if len(s) > MaxFieldLen {
			return &ValidationError{Field: field, Reason: "too long"}
		}
		// The zero plan knows no country, so this checks the form only:
		// digits, separators, '+', an extension; no letters.
		if _, err := phonenumber.Parse(phonenumber.Plan{}, s, phonenumber.Received); err != nil {
			var pe *phonenumber.ParseError
			if errors.As(err, &pe) {
				return &ValidationError{Field: field, Reason: fmt.Sprintf("%q is not a telephone number: %s", s, pe.Reason)}
			}
			return &ValidationError{Field: field, Reason: err.Error()}
		}
	}
	for i, e := range c.Emails {
		if e == "" {
			continue
		}
		at := strings.IndexByte(e, '@')
		if at <= 0 || at == len(e)-1 || strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t\r\n,;") {
			return &ValidationError{Field: fmt.Sprintf("Emails[%d]", i), Reason: fmt.Sprintf("%q is not an e-mail address", e)}
		}
	}
	var seen [MaxSpeedDialSlot + 1]bool
	for _, sd := range c.SpeedDial {
		if sd.Slot < 0 || sd.Slot > MaxSpeedDialSlot {
			return &ValidationError{Field: "SpeedDial", Reason: fmt.Sprintf("slot %d is not 0 to %d", sd.Slot, MaxSpeedDialSlot)}
		}
		if seen[sd.Slot] {
			return &ValidationError{Field: "SpeedDial", Reason: fmt.Sprintf("slot %d is used twice", sd.Slot)}
		}
		seen[sd.Slot] = true
		if c.Phones.Get(sd.Phone) == "" {
			return &ValidationError{Field: "SpeedDial", Reason: fmt.Sprintf("slot %d dials the %s number, which is empty", sd.Slot, sd.Phone)}
		}
	}
	return nil
}

// phoneField is the ValidationError field of each phone type's number.
var phoneField = [...]string{PhoneHome: "Phones.Home", PhoneWork: "Phones.Work", PhoneMobile: "Phones.Mobile",
	PhoneFax: "Phones.Fax", PhoneOther: "Phones.Other"}

func phoneFieldName(t PhoneType) string {
	s := t.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

func checkText(field, v string, max int) error {
	if len(v) > max {
		return &ValidationError{Field: field, Reason: fmt.Sprintf("longer than %d bytes", max)}
	}
	if !utf8.ValidString(v) {
		return &ValidationError{Field: field, Reason: "not valid UTF-8"}
	}
	return nil
}
