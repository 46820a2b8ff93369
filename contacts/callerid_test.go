package contacts

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/phonenumber"
)

func TestCallerID(t *testing.T) {
	x := NewCallerID(nanp)
	put := func(c Contact) {
		t.Helper()
		if !x.Put(c) {
			t.Fatalf("Put(%s) = false", c.ID)
		}
	}
	put(Contact{ID: "b1", DisplayName: "Acme Sales", Phones: Phones{Work: "(555) 123-4567"}, Main: PhoneWork})
	put(Contact{ID: "p1", Owner: "alice", DisplayName: "Jane Doe", Phones: Phones{Mobile: "+1 555 987 6543", Work: "555.123.4567"}, Main: PhoneMobile})
	put(Contact{ID: "p2", Owner: "bob", DisplayName: "Bob's Mum", Phones: Phones{Home: "555-000-1111"}, Main: PhoneHome})
	put(Contact{ID: "b2", DisplayName: "Reception", Phones: Phones{Other: "102"}, Main: PhoneOther})
	put(Contact{ID: "b3", DisplayName: "Paris office", Phones: Phones{Work: "+33 1 23 45 67 89"}, Main: PhoneWork})
	if x.Put(Contact{DisplayName: "no id"}) {
		t.Error("Put without ID = true")
	}

	tests := []struct {
		owner, number string
		want          CallerMatch
		ok            bool
	}{
		{"alice", "+15559876543", CallerMatch{ID: "p1", Owner: "alice", Name: "Jane Doe", Phone: PhoneMobile}, true},
		{"alice", "sip:+15551234567@trunk.example;user=phone", CallerMatch{ID: "p1", Owner: "alice", Name: "Jane Doe", Phone: PhoneWork}, true},
		{"carol", "1 (555) 123-4567", CallerMatch{ID: "b1", Name: "Acme Sales", Phone: PhoneWork}, true},
		{"", "5551234567", CallerMatch{ID: "b1", Name: "Acme Sales", Phone: PhoneWork}, true},
		{"alice", "555-000-1111", CallerMatch{}, false}, // bob's personal contact
		{"bob", "+1 555 000 1111", CallerMatch{ID: "p2", Owner: "bob", Name: "Bob's Mum", Phone: PhoneHome}, true},
		{"alice", "102", CallerMatch{ID: "b2", Name: "Reception", Phone: PhoneOther}, true},
		{"alice", "123456789", CallerMatch{ID: "b3", Name: "Paris office", Phone: PhoneWork, Suffix: true}, true}, // no country: suffix
		{"alice", "+15550000000", CallerMatch{}, false},
		{"alice", "anonymous", CallerMatch{}, false},
	}
	for _, tt := range tests {
		got, ok := x.Lookup(tt.owner, tt.number)
		if ok != tt.ok {
			t.Errorf("Lookup(%q, %q) ok = %v, want %v", tt.owner, tt.number, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q, %q) mismatch (-want +got):\n%s", tt.owner, tt.number, diff)
		}
	}

	// Incremental updates: an edit moves the number, a delete removes it.
	put(Contact{ID: "p1", Owner: "alice", DisplayName: "Jane Smith", Phones: Phones{Mobile: "+1 555 987 0000"}, Main: PhoneMobile})
	if m, _ := x.Lookup("alice", "+15551234567"); m.ID != "b1" {
		t.Errorf("after edit, old work number finds %+v, want b1", m)
	}
	if m, _ := x.Lookup("alice", "5559870000"); m.Name != "Jane Smith" {
		t.Errorf("after edit, new number finds %+v", m)
	}
	if _, ok := x.Lookup("alice", "+15559876543"); ok {
		t.Error("after edit, the old mobile still matches")
	}
	x.Delete("b1")
	x.Delete("nope")
	if _, ok := x.Lookup("carol", "5551234567"); ok {
		t.Error("deleted contact still found")
	}
	if x.Len() != 4 {
		t.Errorf("Len = %d, want 4", x.Len())
	}
}

func TestCallerIDLookupAllocs(t *testing.T) {
	x := NewCallerID(nanp)
	x.Put(Contact{ID: "1", DisplayName: "A", Phones: Phones{Mobile: "(555) 987-6543"}, Main: PhoneMobile})
	for _, in := range []string{"+15559876543", "sip:+15559876543@trunk;user=phone", "5559876543", "+15550000000"} {
		if n := testing.AllocsPerRun(100, func() { x.Lookup("alice", in) }); n != 0 {
			t.Errorf("Lookup(%q) allocates %v times", in, n)
		}
	}
}

// callerIndex100k indexes 100,000 contacts with a mobile and a work number
// each, half personal (10 owners), half business.
func callerIndex100k(tb testing.TB) *CallerID {
	x := NewCallerID(nanp)
	for i := range 100_000 {
		owner := ""
		if i%2 == 0 {
			owner = fmt.Sprintf("1%02d", i%20)
		}
		x.Put(Contact{ID: fmt.Sprint(i), Owner: owner, FirstName: fmt.Sprint("F", i), LastName: "L",
			Phones: Phones{Mobile: fmt.Sprintf("+1 555 %07d", i), Work: fmt.Sprintf("(666) %03d-%04d", i/10000, i%10000)}, Main: PhoneMobile})
	}
	if x.Len() != 100_000 {
		tb.Fatalf("Len = %d", x.Len())
	}
	return x
}

// BenchmarkCallerIDLookup100k is the lookup an incoming call makes, among
// 100,000 contacts (200,000 numbers), for caller IDs as trunks send them.
func BenchmarkCallerIDLookup100k(b *testing.B) {
	x := callerIndex100k(b)
	for _, bc := range []struct{ name, number string }{
		{"e164", "+15550012345"},
		{"sip-uri", "sip:+16660012345@trunk.example;user=phone"},
		{"national", "6660012345"},
		{"miss", "+15559999999"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x.Lookup("100", bc.number)
			}
		})
	}
	b.Run("suffix", func(b *testing.B) {
		// A contact saved without country code under a plan without
		// one, called from a caller ID that has it.
		y := NewCallerID(phonenumber.Plan{})
		for i := range 100_000 {
			y.Put(Contact{ID: fmt.Sprint(i), DisplayName: "x", Phones: Phones{Mobile: fmt.Sprintf("6 12 %02d %02d %02d", i/10000, i/100%100, i%100)}, Main: PhoneMobile})
		}
		if m, ok := y.Lookup("", "+33612012345"); !ok || !m.Suffix {
			b.Fatalf("suffix lookup: %+v %v", m, ok)
		}
		b.ReportAllocs()
		for b.Loop() {
			y.Lookup("", "+33612012345")
		}
	})
}
