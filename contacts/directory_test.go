package contacts

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testDirectory() *Directory {
	d := NewDirectory(nanp,
		[]Extension{{Number: "101", Name: "Alice Martin", Email: "alice@pbx.example", Location: "Sales, 2nd floor"}, {Number: "102", Name: "Reception"}},
		[]Contact{{DisplayName: "Société Générale", Phones: Phones{Work: "+33 1 23 45 67 89"}, Main: PhoneWork},
			{FirstName: "Zoë", LastName: "Müller", Organization: "Straße AG", Phones: Phones{Mobile: "(555) 123-4567"}, Main: PhoneMobile}})
	return d.WithPersonal([]Contact{{FirstName: "Jane", LastName: "Doe", Nickname: "JD", Phones: Phones{Mobile: "+1 555 987 6543"}, Main: PhoneMobile,
		HomeAddress: Address{City: "Zürich"}}})
}

func TestDirectorySearch(t *testing.T) {
	d := testDirectory()
	type hit struct {
		Who   string
		Field string
		Text  string // the highlighted span
	}
	tests := []struct {
		query string
		want  [][]hit
	}{
		{"zoe", [][]hit{{{"business Zoë Müller", "FirstName", "Zoë"}}}},
		{"MULLER", [][]hit{{{"business Zoë Müller", "LastName", "Müller"}}}},
		{"strasse", [][]hit{{{"business Zoë Müller", "Organization", "Straße"}}}},
		{"generale", [][]hit{{{"business Société Générale", "DisplayName", "Générale"}}}},
		{"zurich", [][]hit{{{"personal Jane Doe", "HomeAddress.City", "Zürich"}}}},
		{"ali sales", [][]hit{{{"extension Alice Martin", "Name", "Ali"}, {"extension Alice Martin", "Location", "Sales"}}}},
		{"101", [][]hit{{{"extension Alice Martin", "Number", "101"}}}},
		{"555 123", [][]hit{{{"business Zoë Müller", "Phones.Mobile", "555) 123"}}}},
		{"+1 555 123 4567", [][]hit{{{"business Zoë Müller", "Phones.Mobile", "555) 123-4567"}}}},
		{"5559876543", [][]hit{{{"personal Jane Doe", "Phones.Mobile", "1 555 987 6543"}}}},
		{"+33 123", [][]hit{{{"business Société Générale", "Phones.Work", "33 1 23"}}}},
		// "a" starts a word in Alice, mid-word in the others: Alice first.
		{"e", nil},
		{"nobody", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got [][]hit
		for _, r := range d.Search(tt.query, 0) {
			who := r.Entry.Source.String() + " " + r.Entry.Contact.Name()
			if r.Entry.Source == SourceExtension {
				who = "extension " + r.Entry.Extension.Name
			}
			var hs []hit
			for _, m := range r.Matches {
				hs = append(hs, hit{who, m.Field, m.Value[m.Start:m.End]})
			}
			got = append(got, hs)
		}
		if tt.query == "e" {
			if len(got) != 5 || got[0][0].Who != "personal Jane Doe" {
				t.Errorf("Search(e): %v", got)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Search(%q) mismatch (-want +got):\n%s", tt.query, diff)
		}
	}
	if n := len(d.Search("a", 2)); n != 2 {
		t.Errorf("limit 2 gave %d results", n)
	}
	if got := d.Search("a", 0); got[0].Entry.Extension.Name != "Alice Martin" && got[0].Entry.Source != SourcePersonal {
		t.Errorf("word-start match not first: %+v", got[0])
	}
}

func BenchmarkDirectorySearch10000(b *testing.B) {
	var exts []Extension
	for i := range 1000 {
		exts = append(exts, Extension{Number: fmt.Sprint(1000 + i), Name: fmt.Sprintf("Employee %d Lefèvre", i), Location: "HQ"})
	}
	var biz []Contact
	for i := range 9000 {
		biz = append(biz, Contact{FirstName: fmt.Sprintf("Zoë%d", i), LastName: "Müller", Organization: "Acme",
			Phones: Phones{Mobile: fmt.Sprintf("+1 555 %03d %04d", i/1000, i), Work: fmt.Sprintf("(556) 100-%04d", i)}, Main: PhoneMobile,
			Emails: [2]string{fmt.Sprintf("z%d@example.com", i)}, HomeAddress: Address{City: "Zürich"}})
	}
	d := NewDirectory(nanp, exts, biz)
	for _, q := range []string{"zoe42 muller", "lefevre", "556 100-12", "nobody"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.Search(q, 20)
			}
		})
	}
}
