package contacts

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExportRoundTrip exports the address book of testdata/exports (with
// every field this package has filled in) as CSV and as vCard 3.0 and 4.0,
// reads each back and expects the same contacts.
func TestExportRoundTrip(t *testing.T) {
	book := addressBook()
	book[pJane].Favorite, book[pJane].SMS = true, "+15559876543"
	book[pJane].SpeedDial = []SpeedDial{{2, PhoneMobile}, {5, PhoneWork}}
	book[pAcme].DisplayName = "Acme — reception"
	book[pSean].HomeAddress = Address{"=1+1 \"quoted\", Street", "Cork", "", "T12", "Ireland"} // a formula-looking cell
	for _, format := range []string{"csv", VCard3, VCard4} {
		t.Run(format, func(t *testing.T) {
			got := roundTrip(t, format, book)
			if diff := cmp.Diff(book, got); diff != "" {
				t.Errorf("round trip mismatch (-exported +imported):\n%s", diff)
			}
		})
	}
}

func roundTrip(t *testing.T, format string, in []Contact) []Contact {
	t.Helper()
	var buf bytes.Buffer
	var f *File
	var err error
	if format == "csv" {
		if err := Export(&buf, in); err != nil {
			t.Fatal(err)
		}
		f, err = ReadCSV(&buf, ReadOptions{})
	} else {
		if err := ExportVCard(&buf, in, format); err != nil {
			t.Fatal(err)
		}
		f, err = ReadVCard(&buf, ReadOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []Contact
	for _, r := range f.Rows {
		if r.Err != nil {
			t.Fatalf("row %d: %v", r.Number, r.Err)
		}
		out = append(out, r.Contact)
	}
	return out
}

// TestRandomRoundTrip exports random valid contacts, text full of what
// breaks CSV and vCard writers (quotes, commas, semicolons, line breaks,
// accents, leading = + - @), and reads them back. The documented
// exceptions are applied to what was exported before comparing: a display name equal to what Name builds without it is not
// kept, a second e-mail without a first becomes the first (vCard), and a
// backslash is not used in vCard text (go-vcard cannot tell "x\\;" from
// an escaped semicolon).
func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, format := range []string{"csv", VCard3, VCard4} {
		t.Run(format, func(t *testing.T) {
			var in []Contact
			for len(in) < 300 {
				c := randomContact(r, format != "csv")
				if c.Validate() == nil {
					in = append(in, c)
				}
			}
			want := make([]Contact, len(in))
			for i, c := range in {
				want[i] = normalizeRoundTrip(c, format != "csv")
			}
			got := roundTrip(t, format, in)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip mismatch (-exported +imported):\n%s", diff)
			}
		})
	}
}

const randomAlphabet = "abcXYZ éüçŁż\"',;:=+-@\t\n./()&*€😀"

func randomText(r *rand.Rand, vcard bool) string {
	if r.IntN(3) == 0 {
		return ""
	}
	runes := []rune(randomAlphabet)
	if !vcard {
		runes = append(runes, '\\')
	}
	n := 1 + r.IntN(12)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	// Stored text has no surrounding space (ReadCSV and ReadVCard trim
	// it), so none is generated.
	return strings.TrimSpace(b.String())
}

func randomNumber(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return ""
	}
	forms := []string{"+1 555 %d", "(555) %d", "0%d", "+44 20 %d-1", "%d"}
	return strings.Replace(forms[r.IntN(len(forms))], "%d", string(rune('1'+r.IntN(9)))+"2345678"[:1+r.IntN(7)], 1)
}

func randomContact(r *rand.Rand, vcard bool) Contact {
	c := Contact{
		FirstName: randomText(r, vcard), LastName: randomText(r, vcard), Nickname: randomText(r, vcard),
		DisplayName: randomText(r, vcard), JobTitle: randomText(r, vcard), Organization: randomText(r, vcard),
		Phones:      Phones{Home: randomNumber(r), Work: randomNumber(r), Mobile: randomNumber(r), Fax: randomNumber(r), Other: randomNumber(r)},
		HomeAddress: Address{randomText(r, vcard), randomText(r, vcard), randomText(r, vcard), randomText(r, vcard), randomText(r, vcard)},
		WorkAddress: Address{Street: randomText(r, vcard), City: randomText(r, vcard)},
		Description: randomText(r, vcard), Favorite: r.IntN(2) == 0,
	}
	if r.IntN(2) == 0 {
		c.Emails[r.IntN(2)] = "a" + string(rune('a'+r.IntN(26))) + "@example.com"
	}
	if r.IntN(3) == 0 {
		c.SMS = "+1555" + string(rune('0'+r.IntN(10)))
	}
	for _, t := range phoneTypes {
		if c.Phones.Get(t) != "" {
			c.Main = t
			if r.IntN(2) == 0 {
				c.SpeedDial = []SpeedDial{{r.IntN(MaxSpeedDialSlot + 1), t}}
			}
			if r.IntN(2) == 0 {
				break
			}
		}
	}
	return c
}

func normalizeRoundTrip(c Contact, vcard bool) Contact {
	if vcard {
		d := c.DisplayName
		c.DisplayName = ""
		if d != c.Name() {
			c.DisplayName = d
		}
		return normalizeVCard(c)
	}
	if c.DisplayName == strings.TrimSpace(c.FirstName+" "+c.LastName) {
		c.DisplayName = ""
	}
	return c
}
