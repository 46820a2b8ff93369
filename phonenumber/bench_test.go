package phonenumber_test

import (
	"testing"

	pn "github.com/telekit/telekit/phonenumber"
)

// Inputs as they reach the PBX on every call: caller ID from a trunk (no
// separators), a contact or typed number with separators, a dialled
// number with the outside-line prefix, an extension.
var benchInputs = []struct {
	name, in string
	as       pn.Context
	allocs   float64
}{
	{"E164", "+15551234567", pn.Received, 0},
	{"SIPURI", "sip:+15551234567@trunk.example;user=phone", pn.Received, 0},
	{"Extension", "101", pn.Dialled, 0},
	{"Dialled", "915551234567", pn.Dialled, 0},
	{"Separators", "(555) 123-4567", pn.Received, 1},
	{"Ext", "555.123.4567 ext. 12", pn.Received, 1},
}

func TestParseAllocs(t *testing.T) {
	p := nanp()
	for _, in := range benchInputs {
		got := testing.AllocsPerRun(100, func() {
			if _, err := pn.Parse(p, in.in, in.as); err != nil {
				t.Fatal(err)
			}
		})
		if got > in.allocs {
			t.Errorf("Parse(%q) allocates %v times, want at most %v", in.in, got, in.allocs)
		}
	}
	n := mustParse(t, p, "+15551234567", pn.Received)
	if got := testing.AllocsPerRun(100, func() { _ = n.Key() }); got > 1 {
		t.Errorf("Key allocates %v times, want at most 1", got)
	}
	if got := testing.AllocsPerRun(100, func() { _ = p.IsEmergency("9 911") }); got > 1 {
		t.Errorf("IsEmergency allocates %v times, want at most 1", got)
	}
}

func BenchmarkParse(b *testing.B) {
	p := nanp()
	for _, in := range benchInputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pn.Parse(p, in.in, in.as); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKey(b *testing.B) {
	p := nanp()
	n := mustParse(b, p, "+15551234567", pn.Received)
	b.Run("Key", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = n.Key()
		}
	})
	b.Run("AppendKey", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 32)
		for b.Loop() {
			buf = n.AppendKey(buf[:0])
		}
	})
}

// BenchmarkCallerIDLookup is the contacts path on an incoming call: parse
// the caller ID and find it among 100,000 contacts keyed by Key.
func BenchmarkCallerIDLookup(b *testing.B) {
	p := nanp()
	contacts := make(map[string]int, 100000)
	for i := range 100000 {
		n := pn.Number{Kind: pn.National, CountryCode: "1", Digits: "555" + string(rune('0'+i/10000%10)) + string(rune('0'+i/1000%10)) +
			string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)) + "00"}
		contacts[n.Key()] = i
	}
	b.ReportAllocs()
	buf := make([]byte, 0, 32)
	for b.Loop() {
		n, err := pn.Parse(p, "sip:+15551234500@trunk.example;user=phone", pn.Received)
		if err != nil {
			b.Fatal(err)
		}
		buf = n.AppendKey(buf[:0])
		if _, ok := contacts[string(buf)]; !ok {
			b.Fatal("not found")
		}
	}
}
