package phonenumber

import (
	"fmt"
	"strings"
)

// Plan is a numbering plan: how people at one PBX write and dial numbers.
// The application builds one (from its configuration) and passes it to
// [Parse]; there is no default plan. A Plan is a plain value, read and
// never changed by this package, so one Plan may be used by any number of
// goroutines at once as long as nobody modifies it. Call [Plan.Validate]
// once after building it: Parse does not check the plan again.
//
// The zero Plan knows no country: numbers with a leading '+' or an
// international prefix are still understood, everything else that is not
// an extension or an emergency number parses as [KindUnknown].
type Plan struct {
	// CountryCode is the country calling code of the PBX's country,
	// digits without '+': "1" (NANP), "44", "33". Empty when unknown; then
	// national numbers have no E.164 form.
	CountryCode string
	// TrunkPrefix is the national trunk prefix dialled before a national
	// number: "0" in most of Europe, "1" in NANP; empty for none.
	TrunkPrefix string
	// InternationalPrefixes are the international access prefixes, e.g.
	// {"011"} (NANP) or {"00"}. The first is used by [Plan.National] to
	// write foreign numbers.
	InternationalPrefixes []string
	// OutsidePrefixes are the PBX's outside-line prefixes a user dials
	// before an external number, e.g. {"9"} or {"0"}. They are only
	// recognised in numbers parsed as [Dialled].
	OutsidePrefixes []string
	// NationalLengths is how many digits a national significant number
	// (the number without trunk prefix or country code) has: {10, 10} in
	// NANP, {9, 9} in France, {9, 10} in the UK. It is required when
	// TrunkPrefix is set. When set, digits of such a length with no
	// prefix at all are national numbers too ("(555) 123-4567"), and so
	// are the country code followed by such a number without '+'
	// ("33612345678", as some providers send caller ID).
	NationalLengths Lengths
	// ExtensionLengths is how many digits an extension may have, e.g.
	// {2, 6}. Zero means extensions are recognised by ExtensionRanges
	// only.
	ExtensionLengths Lengths
	// ExtensionRanges lists extension number blocks, e.g. {"100", "199"}.
	// Digits are an extension when their length is within
	// ExtensionLengths or they fall in one of these ranges.
	ExtensionRanges []Range
	// Emergency lists the emergency numbers, e.g. {"911"} or
	// {"112", "999"}. They are recognised before anything else (before
	// extensions), also after an outside-line prefix ("9 911"), so they
	// are never mistaken for an extension.
	Emergency []string
	// Grouping is how [Plan.Format] groups the national form of a number
	// of the plan's country (trunk prefix included): group sizes from the
	// left, the digits left over forming the last group. {2, 2, 2, 2} writes
	// "06 12 34 56 78", {1, 3, 3} writes "1 555 123 4567". Nil writes the
	// trunk prefix, then the national number in groups of three whose
	// last group takes a lone final digit ("0 612 345 678").
	Grouping []int
}

// Lengths is an inclusive range of digit counts. The zero value is the
// empty range: no length is within it.
type Lengths struct {
	// Min and Max are the fewest and the most digits, inclusive.
	Min, Max int
}

// Contains reports whether n digits are within l.
func (l Lengths) Contains(n int) bool { return l.Max > 0 && n >= l.Min && n <= l.Max }

// Range is an inclusive block of extension numbers of one length, such as
// {"200", "299"}.
type Range struct {
	// First and Last are the lowest and highest extension in the block,
	// digits of the same length.
	First, Last string
}

// Contains reports whether the digits d are an extension of r.
func (r Range) Contains(d string) bool {
	return len(d) == len(r.First) && d >= r.First && d <= r.Last
}

// ValidationError says which field of a [Plan] is invalid and why. Callers
// get it as a *ValidationError via errors.As.
type ValidationError struct {
	// Field is the name of the offending Plan field, e.g. "TrunkPrefix".
	Field string
	// Reason says what is wrong, in words an administrator can act on.
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("phonenumber: invalid plan %s: %s", e.Field, e.Reason)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// MaxPrefixLen is the most digits a trunk, international or outside-line
// prefix may have.
const MaxPrefixLen = 4

// Validate checks every field of p and returns the first problem as a
// *[ValidationError]. Besides the form of each field it refuses plans in
// which a number of the plan's country could be read back as an
// extension: every extension must be shorter than the shortest national
// number, so that what [Plan.Format] writes parses to the same number.
func (p Plan) Validate() error {
	if p.CountryCode != "" {
		if len(p.CountryCode) > 3 || !allDigits(p.CountryCode) || p.CountryCode[0] == '0' ||
			countryCodeLen(p.CountryCode) != len(p.CountryCode) {
			return invalid("CountryCode", "%q is not a country calling code", p.CountryCode)
		}
	}
	if err := validPrefix("TrunkPrefix", p.TrunkPrefix); err != nil {
		return err
	}
	for _, ip := range p.InternationalPrefixes {
		if ip == "" {
			return invalid("InternationalPrefixes", "a prefix must not be empty")
		}
		if err := validPrefix("InternationalPrefixes", ip); err != nil {
			return err
		}
	}
	for _, op := range p.OutsidePrefixes {
		if op == "" {
			return invalid("OutsidePrefixes", "a prefix must not be empty")
		}
		if err := validPrefix("OutsidePrefixes", op); err != nil {
			return err
		}
	}
	nl := p.NationalLengths
	if nl != (Lengths{}) && (nl.Min < 1 || nl.Max < nl.Min || nl.Max+len(p.CountryCode) > MaxDigits) {
		return invalid("NationalLengths", "%d to %d digits: want 1 ≤ Min ≤ Max and Max plus the country code at most %d", nl.Min, nl.Max, MaxDigits)
	}
	if p.TrunkPrefix != "" && nl == (Lengths{}) {
		return invalid("NationalLengths", "must be set when TrunkPrefix is")
	}
	el := p.ExtensionLengths
	if el != (Lengths{}) && (el.Min < 1 || el.Max < el.Min || el.Max > MaxDigits) {
		return invalid("ExtensionLengths", "%d to %d digits: want 1 ≤ Min ≤ Max ≤ %d", el.Min, el.Max, MaxDigits)
	}
	longest := el.Max
	for _, r := range p.ExtensionRanges {
		if r.First == "" || len(r.First) != len(r.Last) || !allDigits(r.First) || !allDigits(r.Last) || r.First > r.Last {
			return invalid("ExtensionRanges", "%s–%s: want two numbers of the same length, the first not above the last", r.First, r.Last)
		}
		longest = max(longest, len(r.First))
	}
	if nl.Min > 0 && longest >= nl.Min {
		return invalid("ExtensionLengths", "extensions of %d digits are as long as national numbers (%d digits)", longest, nl.Min)
	}
	for _, e := range p.Emergency {
		if e == "" || len(e) > 6 || !allDigits(e) {
			return invalid("Emergency", "%q must be 1 to 6 digits", e)
		}
		if len(e) >= nl.Min && nl.Min > 0 {
			return invalid("Emergency", "%q is as long as national numbers (%d digits)", e, nl.Min)
		}
	}
	for _, g := range p.Grouping {
		if g < 1 {
			return invalid("Grouping", "group sizes must be at least 1")
		}
	}
	return nil
}

func validPrefix(field, s string) error {
	if len(s) > MaxPrefixLen || !allDigits(s) {
		return invalid(field, "%q must be 0 to %d digits", s, MaxPrefixLen)
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

// IsEmergency reports whether dialled, as a user dialled it (outside-line
// prefix, separators and all), calls one of the plan's emergency numbers.
// It allocates nothing for inputs without separators.
func (p Plan) IsEmergency(dialled string) bool {
	n, err := Parse(p, dialled, Dialled)
	return err == nil && n.Kind == Emergency
}

// isEmergency reports whether the digits d are an emergency number.
func (p Plan) isEmergency(d string) bool {
	for _, e := range p.Emergency {
		if d == e {
			return true
		}
	}
	return false
}

// isExtension reports whether the digits d are an extension.
func (p Plan) isExtension(d string) bool {
	if d == "" || !allDigits(d) {
		return false
	}
	if p.ExtensionLengths.Contains(len(d)) {
		return true
	}
	for _, r := range p.ExtensionRanges {
		if r.Contains(d) {
			return true
		}
	}
	return false
}

// domestic reports whether n is a number of the plan's country that reads
// back as National when written in national form: a National number, or
// an International one with the plan's country code, a national length
// and no trunk prefix at its start ("+33 6 12 34 56 78" but not "+33 0"),
// which the national form would misrepresent.
func (p Plan) domestic(n Number) bool {
	switch n.Kind {
	case National:
		return true
	case International:
		return p.CountryCode != "" && n.CountryCode == p.CountryCode &&
			p.NationalLengths.Contains(len(n.Digits)) &&
			(p.TrunkPrefix == "" || !strings.HasPrefix(n.Digits, p.TrunkPrefix))
	}
	return false
}

// National returns n as dialled from within the plan's country, without
// any outside-line prefix: a number of the plan's country as trunk prefix
// and national number ("0612345678"; an international writing of one
// that has no valid national form stays international), a foreign number as the first
// international prefix, country code and number ("0015551234567"; its
// E.164 form when the plan has no international prefix), anything else as
// its digits. The extension after a number (Number.Ext) is left out. The
// zero Number gives "".
func (p Plan) National(n Number) string {
	switch {
	case p.domestic(n):
		return p.TrunkPrefix + n.Digits
	case n.Kind == International:
		if len(p.InternationalPrefixes) == 0 {
			return n.E164()
		}
		return p.InternationalPrefixes[0] + n.CountryCode + n.Digits
	}
	return n.Digits
}

// Format returns n written for people who use the plan: a number of the
// plan's country in its national form grouped by [Plan.Grouping]
// ("06 12 34 56 78"), anything else as [Number.String] writes it. An
// extension after the number follows as " ext. 12". Parsing the result
// under p, in the context the number was parsed in, gives n again, except
// that a [KindUnknown] number dialled after an outside-line prefix may
// read back as an extension (see [Parse]).
func (p Plan) Format(n Number) string {
	if !p.domestic(n) {
		return n.String()
	}
	var b strings.Builder
	b.Grow(len(p.TrunkPrefix) + 2*len(n.Digits) + len(n.Ext) + 6)
	if p.Grouping == nil {
		if p.TrunkPrefix != "" {
			b.WriteString(p.TrunkPrefix)
			b.WriteByte(' ')
		}
		writeGroups3(&b, n.Digits)
	} else {
		s := p.TrunkPrefix + n.Digits
		for _, g := range p.Grouping {
			if len(s) <= g {
				break
			}
			b.WriteString(s[:g])
			b.WriteByte(' ')
			s = s[g:]
		}
		b.WriteString(s)
	}
	writeExt(&b, n.Ext)
	return b.String()
}
