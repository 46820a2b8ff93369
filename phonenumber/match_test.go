package phonenumber_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pn "github.com/telekit/telekit/phonenumber"
)

type written struct {
	in string
	as pn.Context
}

func mustParse(t testing.TB, p pn.Plan, in string, as pn.Context) pn.Number {
	t.Helper()
	n, err := pn.Parse(p, in, as)
	if err != nil {
		t.Fatalf("Parse(%q, %v): %v", in, as, err)
	}
	return n
}

// TestMatch parses groups of writings: every writing matches every other
// of its group, with the same Key, and none of another group.
func TestMatch(t *testing.T) {
	tests := []struct {
		plan   pn.Plan
		groups [][]written
	}{
		{france(), [][]written{
			{{"+33 6 12 34 56 78", R}, {"0033612345678", R}, {"06 12 34 56 78", R}, {"9 06 12 34 56 78", D},
				{"33612345678", R}, {"sip:+33612345678@trunk.example;user=phone", R}, {"+33 (0)6 12 34 56 78", R},
				{"06 12 34 56 78 poste 12", R}, {"612345678", D}},
			{{"+33 6 12 34 56 79", R}, {"06 12 34 56 79", R}},
			{{"+44 6 12 34 56 78", R}},
			{{"204", D}, {"204", R}, {"sip:204@pbx.example", R}},
			{{"112", D}, {"9 112", D}, {"112", R}},
			{{"9 3631", D}},
			{{"*74", D}},
		}},
		{nanp(), [][]written{
			{{"(555) 123-4567", R}, {"+1 555-123-4567", R}, {"1-555-123-4567", R}, {"555.123.4567 ext. 12", R},
				{"9 1 555 123 4567", D}, {"9 555 123 4567", D}, {"tel:+1-555-123-4567", R}, {"0111 555 123 4567", D}},
			{{"555 1234", R}, {"9 555 1234", D}},
			{{"101", D}, {"101", R}},
			{{"911", D}, {"9 911", D}},
		}},
		{uk(), [][]written{
			{{"9 101", D}}, // external short number …
			{{"250", D}},   // … and an extension
			{{"999", D}, {"9999", D}},
			{{"07911 123456", R}, {"+44 7911 123456", R}, {"9 07911 123456", D}, {"0044 7911 123456", R}},
		}},
	}
	for _, tt := range tests {
		var all [][]pn.Number
		for _, g := range tt.groups {
			var ns []pn.Number
			for _, w := range g {
				ns = append(ns, mustParse(t, tt.plan, w.in, w.as))
			}
			all = append(all, ns)
		}
		for gi, g := range all {
			for gj, h := range all {
				for i, a := range g {
					for j, b := range h {
						want := gi == gj
						if got := pn.Match(a, b); got != want {
							t.Errorf("Match(%q, %q) = %v, want %v (%+v, %+v)", tt.groups[gi][i].in, tt.groups[gj][j].in, got, want, a, b)
						}
						if want && a.Key() != b.Key() {
							t.Errorf("Key(%q) = %q, Key(%q) = %q: matching numbers need equal keys", tt.groups[gi][i].in, a.Key(), tt.groups[gj][j].in, b.Key())
						}
					}
				}
			}
		}
	}
	if pn.Match(pn.Number{}, pn.Number{}) {
		t.Error("the zero Number matches itself")
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		plan pn.Plan
		in   string
		as   pn.Context
		key  string
	}{
		{france(), "06 12 34 56 78", R, "+33612345678"},
		{france(), "+33 6 12 34 56 78", R, "+33612345678"},
		{france(), "9 06 12 34 56 78", D, "+33612345678"},
		{nanp(), "555.123.4567 ext. 12", R, "+15551234567"},
		{nanp(), "101", D, "101"},
		{nanp(), "9 911", D, "911"},
		{nanp(), "*72803#", D, "*72803#"},
		{nanp(), "9 555 1234", D, "5551234"},
		{pn.Plan{}, "06 12 34 56 78", R, "0612345678"},
	}
	for _, tt := range tests {
		n := mustParse(t, tt.plan, tt.in, tt.as)
		got := []string{n.Key(), string(n.AppendKey([]byte("x")))}
		want := []string{tt.key, "x" + tt.key}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: [Key AppendKey] mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	if k := (pn.Number{}).Key(); k != "" {
		t.Errorf("zero Number's Key = %q, want empty", k)
	}
}

func TestMatchSuffix(t *testing.T) {
	zero := pn.Plan{} // knows no country: numbers arrive without country information
	tests := []struct {
		a, b pn.Number
		want bool
	}{
		// A caller ID without country code against a contact's E.164 number.
		{mustParse(t, zero, "612345678", R), mustParse(t, france(), "+33 6 12 34 56 78", R), true},
		{mustParse(t, zero, "5551234567", R), mustParse(t, nanp(), "(555) 123-4567", R), true},
		{mustParse(t, zero, "33612345678", R), mustParse(t, france(), "06 12 34 56 78", R), true},
		// Seven digits is the least, and at most three digits may be missing.
		{mustParse(t, zero, "2345678", R), mustParse(t, zero, "5552345678", R), true},
		{mustParse(t, zero, "345678", R), mustParse(t, zero, "555345678", R), false},
		{mustParse(t, zero, "1234567", R), mustParse(t, nanp(), "+1 555 123 4567", R), false},
		// A national number still carrying its trunk prefix is a different string.
		{mustParse(t, zero, "0612345678", R), mustParse(t, france(), "+33 6 12 34 56 78", R), false},
		// Different last digits.
		{mustParse(t, zero, "612345679", R), mustParse(t, france(), "+33 6 12 34 56 78", R), false},
		// Two numbers whose countries are known match only exactly.
		{mustParse(t, france(), "+33 6 12 34 56 78", R), mustParse(t, france(), "+44 6 12 34 56 78", R), false},
		{mustParse(t, france(), "+33 6 12 34 56 78", R), mustParse(t, france(), "06 12 34 56 78", R), true},
		// Extensions and emergency numbers never match by suffix.
		{mustParse(t, nanp(), "1234", D), mustParse(t, zero, "5551234", R), false},
		{pn.Number{Kind: pn.Extension, Digits: "5551234"}, mustParse(t, zero, "5551234", R), false},
		{pn.Number{}, mustParse(t, zero, "5551234", R), false},
	}
	for _, tt := range tests {
		for _, ab := range [][2]pn.Number{{tt.a, tt.b}, {tt.b, tt.a}} {
			if got := pn.MatchSuffix(ab[0], ab[1]); got != tt.want {
				t.Errorf("MatchSuffix(%+v, %+v) = %v, want %v", ab[0], ab[1], got, tt.want)
			}
		}
	}
}

// TestMatchSuffixAgreesWithDIDRule checks MatchSuffix against a direct
// statement of the rule on digit strings, for every split of a number.
func TestMatchSuffixAgreesWithDIDRule(t *testing.T) {
	full := "33612345678"
	for i := 0; i <= len(full); i++ {
		short := pn.Number{Kind: pn.KindUnknown, Digits: full[i:]}
		long := pn.Number{Kind: pn.International, CountryCode: "33", Digits: "612345678"}
		want := len(full)-i >= pn.MinSuffixDigits && i <= 3
		if short.Digits == "" {
			want = false
		}
		if got := pn.MatchSuffix(short, long); got != want {
			t.Errorf("MatchSuffix(%q, +33612345678) = %v, want %v", short.Digits, got, want)
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	p := france()
	a := mustParse(t, p, "+33 6 12 34 56 78", R)
	b := mustParse(t, p, "06 12 34 56 78", R)
	c := pn.Number{Kind: pn.KindUnknown, Digits: "612345678"}
	buf := make([]byte, 0, 32)
	m := map[string]string{a.Key(): "Alice"}
	allocs := testing.AllocsPerRun(100, func() {
		if !pn.Match(a, b) || !pn.MatchSuffix(a, c) || m[string(b.AppendKey(buf[:0]))] != "Alice" {
			panic("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("Match, MatchSuffix and an AppendKey lookup allocate %v times, want 0", allocs)
	}
}
