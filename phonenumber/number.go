package phonenumber

import (
	"fmt"
	"strings"
)

// Kind is what a parsed number is, relative to the plan it was parsed
// under. The zero value is KindUnknown.
type Kind int

// Kinds of numbers.
const (
	// KindUnknown is digits the plan cannot place: a short code dialled
	// out ("9 3232"), a caller ID without country information that fits
	// no national length. The zero Number has this kind and no digits.
	KindUnknown Kind = iota
	// Extension is a number of the PBX itself, per the plan's extension
	// lengths and ranges.
	Extension
	// National is a number of the plan's country written or dialled
	// without country code ("06 12 34 56 78", "(555) 123-4567").
	National
	// International is a number written with its country code ("+33 6 12
	// 34 56 78", "0033 6 12 34 56 78", "011 44 20 7946 0000"), which may
	// be of the plan's own country.
	International
	// Emergency is one of the plan's emergency numbers.
	Emergency
	// Service is a feature or service code: a string starting with '*'
	// or '#' ("*72803#"), which is not a telephone number.
	Service
)

var kindNames = [...]string{
	KindUnknown:   "unknown",
	Extension:     "extension",
	National:      "national",
	International: "international",
	Emergency:     "emergency",
	Service:       "service",
}

// String returns the kind's name in lower case, e.g. "national".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Number is a parsed telephone number, extension, emergency number or
// service code. It is a small comparable value: == compares the form as
// well as the number (a National and an International writing of the
// same number differ); use [Match] to ask whether two numbers reach the
// same line, and [Number.Key] to index numbers.
//
// Number has deliberately no Equal method: go-cmp would call it and hide
// differences of form in tests.
type Number struct {
	// Kind is what the number is.
	Kind Kind
	// CountryCode is the country calling code, digits without '+' ("33"),
	// for International numbers and for National ones when the plan
	// knows its country; empty otherwise.
	CountryCode string
	// Digits is the number itself, digits only: the national significant
	// number (no trunk prefix, no country code) for National and
	// International numbers, the extension for Extension, the number as
	// dialled without outside-line prefix for Emergency and KindUnknown,
	// and the code with its '*' and '#' for Service. Empty only in the
	// zero Number.
	Digits string
	// Ext is the extension written after a number, digits only: "12" for
	// "555.123.4567 ext. 12" or "tel:+15551234567;ext=12". It is kept for
	// display and for dialling after the call connects; it takes no part
	// in matching or in the Key, since caller ID never carries it.
	Ext string
}

// IsZero reports whether n is the zero Number, which no successful
// [Parse] returns.
func (n Number) IsZero() bool { return n == Number{} }

// E164 returns the number in E.164 form, '+' then country code and
// national number with nothing between ("+33612345678"), when its country
// is known; otherwise (extensions, emergency and service numbers, numbers
// whose country the plan does not know) it returns "".
func (n Number) E164() string {
	if n.CountryCode == "" || n.Digits == "" {
		return ""
	}
	return "+" + n.CountryCode + n.Digits
}

// Key returns a canonical string for n, for use as a map or SQL index key
// (caller-ID lookup): the E.164 form when the country is known, otherwise
// the digits (for a Service code, with its '*' and '#'). Numbers that
// [Match] have the same Key, whatever their Kind or Ext. The reverse
// holds within one plan with one exception: an extension and an external
// short number dialled after an outside-line prefix ("101" and "9 101")
// share the key "101"; callers that keep both in one index should also
// compare [Number.Kind] or use Match. The zero Number's key is "".
//
// Key allocates at most once (for the E.164 form), never otherwise;
// [Number.AppendKey] does not allocate.
func (n Number) Key() string {
	if n.CountryCode == "" {
		return n.Digits
	}
	return n.E164()
}

// AppendKey appends n's [Number.Key] to dst and returns the extended
// buffer. A lookup such as m[string(n.AppendKey(buf[:0]))] costs no
// allocation.
func (n Number) AppendKey(dst []byte) []byte {
	if n.CountryCode != "" && n.Digits != "" {
		dst = append(dst, '+')
		dst = append(dst, n.CountryCode...)
	}
	return append(dst, n.Digits...)
}

// String returns n for display without a plan: a number whose country is
// known as '+', country code and national number in groups of three (the
// last group taking a lone final digit: "+1 555 123 4567", "+33 612 345
// 678"), anything else as its digits, then " ext. " and the extension if
// there is one. [Plan.Format] writes numbers of the plan's country the
// way people there do. Parsing the result as received gives a number
// that [Match]es n (equal to it when n was International, Emergency or
// Service), except for digits whose meaning came from an outside-line
// prefix: a [KindUnknown] "9 101" is written "101", an extension.
func (n Number) String() string {
	if n.CountryCode == "" && n.Ext == "" {
		return n.Digits
	}
	var b strings.Builder
	b.Grow(2*len(n.Digits) + len(n.CountryCode) + len(n.Ext) + 8)
	if n.CountryCode != "" {
		b.WriteByte('+')
		b.WriteString(n.CountryCode)
		b.WriteByte(' ')
		writeGroups3(&b, n.Digits)
	} else {
		b.WriteString(n.Digits)
	}
	writeExt(&b, n.Ext)
	return b.String()
}

// writeGroups3 writes d in groups of three separated by spaces; a single
// digit left at the end joins the last group.
func writeGroups3(b *strings.Builder, d string) {
	for len(d) > 4 {
		b.WriteString(d[:3])
		b.WriteByte(' ')
		d = d[3:]
	}
	b.WriteString(d)
}

func writeExt(b *strings.Builder, ext string) {
	if ext != "" {
		b.WriteString(" ext. ")
		b.WriteString(ext)
	}
}
