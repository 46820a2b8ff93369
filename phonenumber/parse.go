package phonenumber

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Context says where a string to parse comes from, since the same digits
// mean different things: a dialled "9 0612345678" carries the outside-line
// prefix, a received caller ID never does. The zero value is
// ContextUnknown, which [Parse] refuses.
type Context int

// Contexts of a number.
const (
	ContextUnknown Context = iota
	// Dialled is a string a user dialled or typed as a destination: it may
	// start with one of the plan's outside-line prefixes.
	Dialled
	// Received is a number from outside the user's fingers: caller ID, a
	// contact's number, a DID from a trunk. Outside-line prefixes are not
	// looked for.
	Received
)

// String returns "dialled", "received" or "unknown".
func (c Context) String() string {
	switch c {
	case Dialled:
		return "dialled"
	case Received:
		return "received"
	case ContextUnknown:
		return "unknown"
	}
	return fmt.Sprintf("Context(%d)", int(c))
}

// Limits of what Parse accepts.
const (
	// MaxDigits is the most digits of an E.164 number, country code
	// included.
	MaxDigits = 15
	// MaxInputLen is the most bytes of the number part of an input (after
	// any URI scheme, host and parameters are removed).
	MaxInputLen = 64
	// maxRawDigits bounds the digits and '+' of an input before prefixes
	// are removed: outside, international prefix and 15 digits.
	maxRawDigits = 2*MaxPrefixLen + MaxDigits + 1
	// MaxExtLen is the most digits of an extension after a number.
	MaxExtLen = 8
)

// ParseError says why a string is not a number. Callers get it as a
// *ParseError via errors.As.
type ParseError struct {
	// Input is the string given to Parse.
	Input string
	// Reason says what is wrong, e.g. "contains letters".
	Reason string
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("phonenumber: %q: %s", e.Input, e.Reason)
}

// Parse reads input as a number under plan p, dialled by a user or
// received (see [Context]), and says what it is.
//
// Accepted forms: digits with visual separators (spaces, including
// no-break and thin spaces, '-' and Unicode dashes, '.', '/', '(' and
// ')'); a leading '+', and a trunk prefix written "(0)" after it ("+44
// (0)20 7946 0000"), which is dropped; "tel:" URIs and "sip:"/"sips:" URIs with a user
// part ("sip:+15551234567@host;user=phone"), whose parameters are ignored
// except ";ext="; service codes starting with '*' or '#' (digits, '*' and
// '#' only, returned as [Service]). An extension after the number ("ext.
// 12", "ext 12", "extension 12", "x12", "poste 12") is kept in
// [Number.Ext]. Any other letter is refused: vanity numbers
// ("1-800-FLOWERS") are not translated, since a letter in caller ID or an
// imported contact is far more often a mistake than a keypad word.
//
// The digits are then classified, first rule that applies:
//
//  1. A leading '+': International; the country code is split off by the
//     E.164 assignments.
//  2. An emergency number of the plan: Emergency. When dialled, also after
//     an outside-line prefix ("9 911").
//  3. An extension of the plan: Extension (extensions win over trunks).
//  4. Dialled only: after an outside-line prefix (the longest that
//     matches), the rest is classified by rules 5 to 9; if that gives
//     KindUnknown but the whole string is a national or international
//     number, the whole string wins ("917 555 1234" dialled without its 9).
//  5. An international prefix and more: International.
//  6. The trunk prefix then a national-length number: National.
//  7. A national-length number not starting with the trunk prefix:
//     National.
//  8. The plan's country code then a national-length number (caller ID
//     sent without '+'): International.
//  9. Anything else: KindUnknown, the digits kept.
//
// Errors are *[ParseError]: an empty input, no digits, letters, a
// misplaced '+', '*' or '#', more than [MaxDigits] digits in the number
// (more than [MaxInputLen] bytes in the input), an unknown context.
//
// Parse allocates nothing when the number's digits stand together in
// input (caller ID as "+15551234567" or "sip:+15551234567@host"), and
// once otherwise. It is safe for concurrent use.
func Parse(p Plan, input string, as Context) (Number, error) {
	if as != Dialled && as != Received {
		return Number{}, &ParseError{Input: input, Reason: "unknown context " + as.String()}
	}
	s, extParam, reason := unwrapURI(strings.TrimSpace(input))
	if reason != "" {
		return Number{}, &ParseError{Input: input, Reason: reason}
	}
	if s == "" {
		return Number{}, &ParseError{Input: input, Reason: "empty"}
	}
	if len(s) > MaxInputLen {
		return Number{}, &ParseError{Input: input, Reason: fmt.Sprintf("longer than %d characters", MaxInputLen)}
	}
	if s[0] == '*' || s[0] == '#' {
		return parseService(input, s)
	}
	var sc scanner
	d, ext, reason := sc.scan(s)
	if reason == "" && extParam != "" {
		if ext != "" {
			reason = "two extensions"
		} else {
			ext, reason = sc.scanExt(extParam)
		}
	}
	if reason != "" {
		return Number{}, &ParseError{Input: input, Reason: reason}
	}
	n, reason := p.classify(d, as)
	if reason != "" {
		return Number{}, &ParseError{Input: input, Reason: reason}
	}
	n.Ext = ext
	return n, nil
}

// unwrapURI returns the number part of a tel:, sip: or sips: URI and its
// ext parameter, or s unchanged when it is no URI.
func unwrapURI(s string) (num, ext, reason string) {
	var rest string
	switch {
	case hasPrefixFold(s, "tel:"):
		rest = s[4:]
	case hasPrefixFold(s, "sip:"):
		rest = s[4:]
	case hasPrefixFold(s, "sips:"):
		rest = s[5:]
	default:
		return s, "", ""
	}
	if s[0] == 's' || s[0] == 'S' {
		at := strings.LastIndexByte(rest, '@')
		if at < 0 {
			return "", "", "SIP URI without a user part"
		}
		rest = rest[:at]
		if i := strings.IndexByte(rest, ':'); i >= 0 { // user:password
			rest = rest[:i]
		}
	}
	num, params, _ := strings.Cut(rest, ";")
	for params != "" {
		var param string
		param, params, _ = strings.Cut(params, ";")
		if hasPrefixFold(param, "ext=") {
			ext = param[4:]
			if ext == "" {
				return "", "", "empty ext parameter"
			}
		}
	}
	return num, ext, ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseService returns s, which starts with '*' or '#', as a Service code.
func parseService(input, s string) (Number, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '*' && c != '#' {
			return Number{}, &ParseError{Input: input, Reason: "a service code may contain only digits, '*' and '#'"}
		}
	}
	return Number{Kind: Service, Digits: s}, nil
}

// scanner collects the digits of a number and of its extension. It lives
// on the caller's stack, so the digits are copied to the heap only when
// separators kept them apart in the input.
type scanner struct {
	num [maxRawDigits]byte
	ext [MaxExtLen]byte
}

// scan returns the digits (and any '+') of s, the number part, and the
// digits of the extension written after it.
func (sc *scanner) scan(s string) (digits, ext, reason string) {
	n, first, last := 0, -1, -1
	extAt := -1
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' || c == '+':
			if n == len(sc.num) {
				return "", "", fmt.Sprintf("more than %d digits", MaxDigits)
			}
			if n == 0 {
				first = i
			}
			sc.num[n] = c
			n++
			last = i
			i++
		case c == '(' && n > 0 && sc.num[0] == '+' && strings.HasPrefix(s[i:], "(0)"):
			// "+44 (0)20 7946 0000": the national trunk prefix written
			// in brackets inside an international number is not dialled.
			i += 3
		case isSeparator(c):
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !isWideSeparator(r) {
				return "", "", fmt.Sprintf("unexpected character %q", r)
			}
			i += size
		case isLetter(c):
			m := extMarker(s[i:])
			if m == 0 || n == 0 {
				return "", "", "contains letters"
			}
			extAt = i + m
			i = len(s)
		case c == '*' || c == '#':
			return "", "", fmt.Sprintf("%q may only start a service code", c)
		default:
			return "", "", fmt.Sprintf("unexpected character %q", c)
		}
	}
	if n == 0 {
		return "", "", "no digits"
	}
	if last-first+1 == n {
		digits = s[first : last+1]
	} else {
		digits = string(sc.num[:n])
	}
	if extAt >= 0 {
		ext, reason = sc.scanExt(s[extAt:])
	}
	return digits, ext, reason
}

// scanExt returns the digits of an extension written after the number.
func (sc *scanner) scanExt(s string) (ext, reason string) {
	n, first, last := 0, -1, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(sc.ext) {
				return "", fmt.Sprintf("extension longer than %d digits", MaxExtLen)
			}
			if n == 0 {
				first = i
			}
			sc.ext[n] = c
			n++
			last = i
		case isSeparator(c) || c == ':' || c == '.':
		default:
			return "", "the extension must be digits"
		}
	}
	if n == 0 {
		return "", "no digits after the extension marker"
	}
	if last-first+1 == n {
		return s[first : last+1], ""
	}
	return string(sc.ext[:n]), ""
}

func isSeparator(c byte) bool {
	switch c {
	case ' ', '\t', '-', '.', '/', '(', ')':
		return true
	}
	return false
}

// isWideSeparator reports whether r is a space or dash that word
// processors and contact exports put in numbers: no-break, thin and other
// fixed-width spaces, hyphens, dashes and the minus sign.
func isWideSeparator(r rune) bool {
	switch {
	case r == '\u00a0', r == '\u202f', r == '\u3000', r == '\u2212':
		return true
	case r >= '\u2000' && r <= '\u200b': // en quad … zero-width space
		return true
	case r >= '\u2010' && r <= '\u2015': // hyphen … horizontal bar
		return true
	}
	return false
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// extMarker returns the length of the extension marker that s starts with
// ("ext.", "extension", "x", "poste"), the marker's letters followed by no
// other letter, or 0.
func extMarker(s string) int {
	for _, m := range [...]string{"extension", "ext", "poste", "x"} {
		if hasPrefixFold(s, m) && (len(s) == len(m) || !isLetter(s[len(m)])) {
			return len(m)
		}
	}
	return 0
}

// classify says what the digits d (with any '+') are.
func (p Plan) classify(d string, as Context) (Number, string) {
	if d[0] == '+' {
		return p.international(d[1:])
	}
	if p.isEmergency(d) {
		return Number{Kind: Emergency, Digits: d}, ""
	}
	var op string
	if as == Dialled {
		for _, o := range p.OutsidePrefixes {
			if len(o) > len(op) && strings.HasPrefix(d, o) {
				op = o
			}
		}
		if op != "" && p.isEmergency(d[len(op):]) {
			return Number{Kind: Emergency, Digits: d[len(op):]}, ""
		}
	}
	if p.isExtension(d) {
		return Number{Kind: Extension, Digits: d}, ""
	}
	if op == "" {
		return p.external(d)
	}
	rest := d[len(op):]
	if rest == "" {
		return Number{}, "nothing after the outside-line prefix"
	}
	n, reason := p.external(rest)
	if reason == "" && n.Kind != KindUnknown {
		return n, ""
	}
	if whole, r := p.external(d); r == "" && whole.Kind != KindUnknown {
		return whole, ""
	}
	return n, reason
}

// external classifies digits that are not an extension or emergency
// number (rules 5 to 9 of Parse).
func (p Plan) external(d string) (Number, string) {
	if d[0] == '+' {
		return p.international(d[1:])
	}
	if strings.IndexByte(d, '+') >= 0 {
		return Number{}, "'+' in the middle of the number"
	}
	var ip string
	for _, o := range p.InternationalPrefixes {
		if len(o) > len(ip) && len(d) > len(o) && strings.HasPrefix(d, o) {
			ip = o
		}
	}
	if ip != "" {
		return p.international(d[len(ip):])
	}
	nl := p.NationalLengths
	if tp := p.TrunkPrefix; tp != "" && strings.HasPrefix(d, tp) && nl.Contains(len(d)-len(tp)) {
		return Number{Kind: National, CountryCode: p.CountryCode, Digits: d[len(tp):]}, ""
	}
	if nl.Contains(len(d)) && (p.TrunkPrefix == "" || !strings.HasPrefix(d, p.TrunkPrefix)) {
		return Number{Kind: National, CountryCode: p.CountryCode, Digits: d}, ""
	}
	if cc := p.CountryCode; cc != "" && strings.HasPrefix(d, cc) && nl.Contains(len(d)-len(cc)) {
		return Number{Kind: International, CountryCode: cc, Digits: d[len(cc):]}, ""
	}
	if len(d) > MaxDigits {
		return Number{}, fmt.Sprintf("more than %d digits", MaxDigits)
	}
	return Number{Kind: KindUnknown, Digits: d}, ""
}

// international splits e, the digits after '+' or an international
// prefix, into country code and national number.
func (p Plan) international(e string) (Number, string) {
	switch {
	case e == "":
		return Number{}, "no digits after '+' or the international prefix"
	case strings.IndexByte(e, '+') >= 0:
		return Number{}, "'+' in the middle of the number"
	case e[0] == '0':
		return Number{}, "a country code cannot start with 0"
	case len(e) > MaxDigits:
		return Number{}, fmt.Sprintf("more than %d digits", MaxDigits)
	}
	cc := countryCodeLen(e)
	if len(e) <= cc {
		return Number{}, "no number after the country code"
	}
	return Number{Kind: International, CountryCode: e[:cc], Digits: e[cc:]}, ""
}
