package phonenumber_test

import (
	"errors"
	"fmt"
	"testing"

	pn "github.com/telekit/telekit/phonenumber"
)

// FuzzParse parses every input under the test plans in both contexts and
// checks the round trips the package promises:
//   - an error is a *ParseError naming the input, with the zero Number;
//   - a parsed number has digits, and its E.164 form (when known) has at
//     most 15 digits and parses back, as received, to an International
//     number with the same country code and digits that matches it;
//   - Plan.Format parses back, in the same context, to a number that
//     matches it with the same Ext and Kind (an International number of
//     the plan's country, written nationally, comes back National);
//     an unknown number, read as received since its outside-line prefix
//     is not written, comes back with the same digits, possibly as an
//     extension;
//   - Number.String parses back to a number that matches it;
//   - Key is equal for the number and each of its round trips.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"(555) 123-4567", "+1 555-123-4567", "1-555-123-4567", "555.123.4567 ext. 12", "858-635-4357",
		"707 013 7030", "sip:+15551234567@trunk.example;user=phone", "tel:+1-555-123-4567;ext=12",
		"9 1 555 123 4567", "9 011 44 20 7946 0000", "917 555 1234", "911", "9 911", "*72803#",
		"+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033612345678", "06 12 34 56 78", "9 06 12 34 56 78",
		"33612345678", "0 00 44 20 7946 0000", "07911 123456", "+44 (0)20 7946 0000", "250", "9 101",
		"555\u00a0123\u20134567", "06 12 34 56 78 poste 204", "1-800-FLOWERS", "+0", "9+44 20 7946 0000",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	plans := []pn.Plan{nanp(), france(), franceZero(), uk(), {}}
	f.Fuzz(func(t *testing.T, in string, dialled bool) {
		as := pn.Received
		if dialled {
			as = pn.Dialled
		}
		for i, p := range plans {
			as := as
			n, err := pn.Parse(p, in, as)
			if err != nil {
				var pe *pn.ParseError
				if !errors.As(err, &pe) || pe.Input != in || pe.Reason == "" {
					t.Fatalf("plan %d: Parse(%q) error %v is not a *ParseError for the input", i, in, err)
				}
				if n != (pn.Number{}) {
					t.Fatalf("plan %d: Parse(%q) returned %s with an error", i, in, show(n))
				}
				continue
			}
			if n.Digits == "" || n.Key() == "" {
				t.Fatalf("plan %d: Parse(%q) = %s: no digits", i, in, show(n))
			}
			if e := n.E164(); e != "" {
				if len(e) > 1+pn.MaxDigits {
					t.Fatalf("plan %d: Parse(%q).E164() = %q: more than %d digits", i, in, e, pn.MaxDigits)
				}
				m, err := pn.Parse(p, e, pn.Received)
				if err != nil || m.Kind != pn.International || m.CountryCode != n.CountryCode || m.Digits != n.Digits || !pn.Match(n, m) {
					t.Fatalf("plan %d: Parse(%q) = %s; its E.164 %q parses to %s, %v", i, in, show(n), e, show(m), err)
				}
				if m.Key() != n.Key() || n.Key() != e {
					t.Fatalf("plan %d: Parse(%q): Key %q, E.164 %q, round trip key %q", i, in, n.Key(), e, m.Key())
				}
			}
			s := p.Format(n)
			if n.Kind == pn.KindUnknown {
				// Written without the outside-line prefix it was dialled
				// with, so read back as received.
				as = pn.Received
			}
			m, err := pn.Parse(p, s, as)
			if err != nil {
				t.Fatalf("plan %d: Parse(%q) = %s; Format %q does not parse: %v", i, in, show(n), s, err)
			}
			switch {
			case n.Kind == pn.KindUnknown:
				if m.Digits != n.Digits || m.Ext != n.Ext || (m.Kind != pn.KindUnknown && m.Kind != pn.Extension) {
					t.Fatalf("plan %d: Parse(%q) = %s; Format %q parses to %s", i, in, show(n), s, show(m))
				}
			case n.Kind == pn.International && s != n.String(): // written nationally
				if m.Kind != pn.National || !pn.Match(n, m) || m.Ext != n.Ext || m.Key() != n.Key() {
					t.Fatalf("plan %d: Parse(%q) = %s; Format %q parses to %s", i, in, show(n), s, show(m))
				}
			default:
				if m != n {
					t.Fatalf("plan %d: Parse(%q) = %s; Format %q parses to %s", i, in, show(n), s, show(m))
				}
			}
			s = n.String()
			m, err = pn.Parse(p, s, pn.Received)
			if n.Kind == pn.KindUnknown {
				continue // its outside-line prefix is not written
			}
			if err != nil || !pn.Match(n, m) || m.Ext != n.Ext {
				t.Fatalf("plan %d: Parse(%q) = %s; String %q parses to %s, %v", i, in, show(n), s, show(m), err)
			}
		}
	})
}

// show writes every field of n, which %v would hide behind n.String.
func show(n pn.Number) string {
	return fmt.Sprintf("%v{cc %q digits %q ext %q}", n.Kind, n.CountryCode, n.Digits, n.Ext)
}
