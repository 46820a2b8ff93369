package fax

import (
	"strings"
	"testing"
)

// TestCodeTables checks the tables as written from T.4: every run length
// 0..63 and make-up 64..2560 has exactly one code per colour, the codes of
// a colour are prefix-free (so decoding is unambiguous), none starts like an
// EOL, and the lookup tables give back each code's run and length.
func TestCodeTables(t *testing.T) {
	tb := tables()
	for color, name := range []string{"white", "black"} {
		var all []runCode
		term := whiteTerminating[:]
		mk := whiteMakeUp[:]
		if color == black {
			term, mk = blackTerminating[:], blackMakeUp[:]
		}
		for i, rc := range term {
			if rc.run != i {
				t.Errorf("%s terminating entry %d is for run %d", name, i, rc.run)
			}
		}
		for i, rc := range append(mk[:len(mk):len(mk)], extendedMakeUp[:]...) {
			if rc.run != 64*(i+1) {
				t.Errorf("%s make-up entry %d is for run %d", name, i, rc.run)
			}
		}
		all = append(append(append(all, term...), mk...), extendedMakeUp[:]...)
		for i, a := range all {
			if strings.HasPrefix(a.bits, "00000000") {
				t.Errorf("%s code for %d looks like an EOL", name, a.run)
			}
			for j, b := range all {
				if i != j && strings.HasPrefix(b.bits, a.bits) {
					t.Errorf("%s code for %d (%s) is a prefix of the code for %d (%s)", name, a.run, a.bits, b.run, b.bits)
				}
			}
			c := parseBits(a.bits)
			// Whatever bits follow the code, the lookup finds it.
			for _, tail := range []uint32{0, 1<<runPeek - 1, 0x0a5a} {
				v := uint32(c.bits)<<(runPeek-uint(c.n)) | tail&(1<<(runPeek-uint(c.n))-1)
				e := tb.runs[color].lookup(v)
				if int(e>>8) != a.run || e&runLen != uint32(c.n) {
					t.Errorf("%s lookup of %s = run %d len %d, want %d len %d", name, a.bits, e>>8, e&runLen, a.run, c.n)
				}
			}
		}
		// 104 codes per colour: 64 terminating, 27 make-up, 13 extended.
		if len(all) != 104 {
			t.Errorf("%s has %d codes", name, len(all))
		}
	}
	for i, a := range modeCodes {
		for j, b := range modeCodes {
			if i != j && strings.HasPrefix(b.bits, a.bits) {
				t.Errorf("mode code %s is a prefix of %s", a.bits, b.bits)
			}
		}
	}
}
