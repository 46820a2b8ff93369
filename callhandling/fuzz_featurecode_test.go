package callhandling

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// automatonAccepts runs d's automaton, the one NewCodeTable analyses, over s.
func automatonAccepts(d CodeDef, s string) bool {
	a := newAutomaton(d)
	st := 0
	for i := 0; i < len(s) && st >= 0; i++ {
		st = a.step(st, s[i])
	}
	return st >= 0 && a.accepts(st)
}

// matchAccepts runs the matcher Parse uses over s.
func matchAccepts(d CodeDef, s string) bool {
	if !strings.HasPrefix(s, d.Code) {
		return false
	}
	_, ok := d.match(s[len(d.Code):])
	return ok
}

// FuzzParse checks that Parse never panics, that every intent it returns
// formats back to a string that parses to the same intent, that exactly
// one default code accepts what parses (and none what does not), and that
// the analysed automata agree with the parser.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"*71803#", "*071#", "*720", "*7201#", "*75", "*11123", "*55*03010730", "**410#", "803", "*", "*72#", "*7205", "#", ""} {
		f.Add(s)
	}
	tab, err := NewCodeTable(DefaultCodes())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, dialled string) {
		in, err := tab.Parse(dialled)
		_ = tab.MayContinue(dialled)
		n := 0
		for _, d := range tab.defs {
			m, a := matchAccepts(d, dialled), automatonAccepts(d, dialled)
			if m != a {
				t.Fatalf("%q under %s: parser says %v, automaton says %v", dialled, d.Code, m, a)
			}
			if m {
				n++
			}
		}
		if err != nil {
			var ce *CodeError
			if !errors.Is(err, ErrNotFeatureCode) && !errors.As(err, &ce) {
				t.Fatalf("Parse(%q): untyped error %v", dialled, err)
			}
			if n != 0 {
				t.Fatalf("Parse(%q) failed (%v) but %d codes accept it", dialled, err, n)
			}
			return
		}
		if n != 1 {
			t.Fatalf("Parse(%q) = %+v but %d codes accept it", dialled, in, n)
		}
		s, err := tab.Format(in)
		if err != nil {
			t.Fatalf("Format(%+v) from %q: %v", in, dialled, err)
		}
		back, err := tab.Parse(s)
		if err != nil {
			t.Fatalf("Parse(Format(Parse(%q))) = Parse(%q): %v", dialled, s, err)
		}
		if diff := cmp.Diff(in, back); diff != "" {
			t.Fatalf("round trip %q -> %q mismatch (-first +second):\n%s", dialled, s, diff)
		}
	})
}

// defsFromBytes builds up to four small definitions from b, over a small
// alphabet so that codes often share prefixes.
func defsFromBytes(b []byte) []CodeDef {
	const chars = "0127*"
	var defs []CodeDef
	for len(b) >= 4 && len(defs) < 4 {
		code := "*"
		for i := 0; i <= int(b[0]%3); i++ {
			code += string(chars[(int(b[0])/3+i*int(b[1]))%len(chars)])
		}
		d := CodeDef{Code: code, Action: Action(1 + len(defs)), Arg: ArgKind(b[2] % 4)}
		if d.Arg != ArgNone {
			d.Min = int(b[3] % 4)
			if d.Min > 0 {
				d.Max = d.Min + int(b[3]/4%4)
			}
			d.Optional = b[3]&0x80 != 0
		}
		defs = append(defs, d)
		b = b[4:]
	}
	return defs
}

// FuzzCodeTable checks the ambiguity analysis against brute force: when
// NewCodeTable accepts a table, no dialled string is accepted by two of
// its codes; when it refuses one as ambiguous, its witness is accepted by
// both codes it names.
func FuzzCodeTable(f *testing.F) {
	f.Add([]byte{4, 1, 0, 0, 2, 1, 2, 0}, "*720#")
	f.Add([]byte{1, 0, 1, 0, 5, 1, 0, 0}, "*72")
	f.Add([]byte{3, 2, 3, 0x81, 7, 3, 2, 2}, "*0123#")
	f.Fuzz(func(t *testing.T, spec []byte, dialled string) {
		defs := defsFromBytes(spec)
		tab, err := NewCodeTable(defs)
		var ae *AmbiguityError
		switch {
		case err == nil:
			var hits []string
			for _, d := range tab.defs {
				if matchAccepts(d, dialled) {
					hits = append(hits, d.Code)
				}
			}
			if len(hits) > 1 {
				t.Fatalf("table %+v accepted, but %q is read by %v", defs, dialled, hits)
			}
			if _, perr := tab.Parse(dialled); (perr == nil) != (len(hits) == 1) {
				t.Fatalf("Parse(%q) error %v, but %d codes accept it", dialled, perr, len(hits))
			}
			// Random strings rarely hit a code; also try each code followed
			// by every prefix of the digits in dialled, with and without '#'.
			var digits []byte
			for i := 0; i < len(dialled); i++ {
				if c := dialled[i]; c >= '0' && c <= '9' || c == '*' {
					digits = append(digits, c)
				}
			}
			for _, d := range tab.defs {
				for k := 0; k <= len(digits); k++ {
					for _, s := range []string{d.Code + string(digits[:k]), d.Code + string(digits[:k]) + "#"} {
						n := 0
						for _, e := range tab.defs {
							if matchAccepts(e, s) {
								n++
							}
						}
						if n > 1 {
							t.Fatalf("table %+v accepted, but %q is read by %d codes", defs, s, n)
						}
					}
				}
			}
		case errors.As(err, &ae):
			if !matchAccepts(ae.A, ae.Dialled) || !matchAccepts(ae.B, ae.Dialled) {
				t.Fatalf("witness %q of %v is not accepted by both codes", ae.Dialled, err)
			}
		}
	})
}
