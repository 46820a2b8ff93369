package contacts

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readVCardFile(t testing.TB, name string, opts ReadOptions) *File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !IsVCard(b) {
		t.Fatalf("IsVCard(%s) = false", name)
	}
	f, err := ReadVCard(bytes.NewReader(b), opts)
	if err != nil {
		t.Fatalf("ReadVCard(%s): %v", name, err)
	}
	return f
}

func TestReadVCard(t *testing.T) {
	tests := []struct {
		file  string
		lines []int
		want  []Contact
	}{
		{"icloud.vcf", []int{1, 22, 34, 43}, []Contact{
			{
				FirstName: "Jane", LastName: "Doe", Organization: "Acme Corp", JobTitle: "Buyer",
				Phones: Phones{Mobile: "+1 (555) 987-6543", Work: "(555) 123-4567", Other: "(555) 123-0000"}, Main: PhoneMobile,
				Emails:      [2]string{"jane.doe@example.com", "jane@home.example"},
				WorkAddress: Address{Street: "1 Main St\nSuite 200", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "United States"},
				Description: `Met at the trade show, "VIP"; call after 10`,
			},
			{
				FirstName: "François", LastName: "Lefèvre", Organization: "Société Générale d'Électricité",
				Phones: Phones{Home: "01 23 45 67 89", Mobile: "06 12 34 56 78", Fax: "01 23 45 67 00"}, Main: PhoneHome,
				HomeAddress: Address{Street: "12 rue de la Paix", City: "Paris", PostalCode: "75002", Country: "France"},
			},
			{DisplayName: "Acme Reception", Organization: "Acme Corp", Phones: Phones{Work: "+1 555 123 0001"}, Main: PhoneWork},
			{FirstName: "No", LastName: "Number", Emails: [2]string{"nonumber@example.com"}},
		}},
		{"google.vcf", []int{1, 17}, []Contact{
			{
				FirstName: "Kenji", LastName: "Tanaka", Nickname: "Ken", Organization: "Example KK", JobTitle: "Engineer",
				Phones: Phones{Home: "+81 3-1234-5678", Mobile: "+81 90-1234-5678", Other: "+81 3-9999-0000"}, Main: PhoneMobile,
				Emails:      [2]string{"ken@example.jp", "kenji@example.jp"},
				HomeAddress: Address{Street: "1-2-3 Shibuya", City: "Shibuya-ku", Region: "Tokyo", PostalCode: "150-0002", Country: "Japan"},
			},
			{FirstName: "Zoë", LastName: "Müller", Phones: Phones{Fax: "555-222-3333"}, Main: PhoneFax, Description: "fax only"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readVCardFile(t, tt.file, ReadOptions{})
			if f.Dialect != DialectVCard || f.Encoding != UTF8 {
				t.Errorf("dialect, encoding = %v, %v", f.Dialect, f.Encoding)
			}
			var lines []int
			for _, r := range f.Rows {
				if r.Err != nil {
					t.Errorf("row %d: %v", r.Number, r.Err)
				}
				lines = append(lines, r.Line)
			}
			if diff := cmp.Diff(tt.lines, lines); diff != "" {
				t.Errorf("lines mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, rowContacts(f)); diff != "" {
				t.Errorf("contacts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadVCardBrokenCard(t *testing.T) {
	in := "junk before\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nTEL:101\r\n" + // no END
		"BEGIN:VCARD\r\nVERSION:3.0\r\nN:B;Bea;;;\r\nFN:Bea B\r\nTEL;TYPE=CELL:5551234\r\nEND:VCARD\r\n"
	f, err := ReadVCard(strings.NewReader(in), ReadOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(f.Rows))
	}
	if f.Rows[0].Err == nil || f.Rows[0].Line != 2 {
		t.Errorf("row 1 = line %d, err %v; want line 2 with an error", f.Rows[0].Line, f.Rows[0].Err)
	}
	want := Contact{Owner: "alice", FirstName: "Bea", LastName: "B", Phones: Phones{Mobile: "5551234"}, Main: PhoneMobile}
	if diff := cmp.Diff(want, f.Rows[1].Contact); diff != "" || f.Rows[1].Line != 6 {
		t.Errorf("row 2 line %d mismatch (-want +got):\n%s", f.Rows[1].Line, diff)
	}
	if _, err := ReadVCard(strings.NewReader("Name,Phone\n"), ReadOptions{}); err == nil {
		t.Error("a CSV file read as vCard without error")
	}
}

var roundTripContacts = []Contact{
	{
		FirstName: "Jane", LastName: "Doe; Jr.", Nickname: "JD, the buyer", Organization: "Acme; Corp", JobTitle: "Buyer",
		Phones: Phones{Mobile: "+1 555 987 6543", Work: "(555) 123-4567", Home: "555-000-1111", Fax: "555-222-3333", Other: "102"}, Main: PhoneWork,
		Emails: [2]string{"jane@example.com", "jd@example.org"}, SMS: "+15559876543",
		HomeAddress: Address{"12 rue de la Paix\nBâtiment B", "Paris", "IDF", "75002", "France"},
		WorkAddress: Address{Street: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"},
		Description: "line one\nline two; with, punctuation — and a long text that makes the NOTE line fold over seventy-five bytes: ééééééééééééééééé",
		Favorite:    true, SpeedDial: []SpeedDial{{2, PhoneMobile}, {5, PhoneHome}},
	},
	{DisplayName: "Reception", Phones: Phones{Other: "100"}, Main: PhoneOther},
	{FirstName: "Zoë", LastName: "Müller", DisplayName: "Dr. Zoë Müller", Phones: Phones{Fax: "555-222-3333"}, Main: PhoneFax},
}

func TestVCardRoundTrip(t *testing.T) {
	for _, version := range []string{VCard3, VCard4} {
		t.Run(version, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ExportVCard(&buf, roundTripContacts, version); err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(buf.String(), "\r\n") {
				if len(l) > 75 {
					t.Errorf("line %d is %d bytes: %q", i+1, len(l), l)
				}
			}
			if !strings.Contains(buf.String(), "VERSION:"+version+"\r\n") {
				t.Errorf("no VERSION:%s in\n%s", version, buf.String())
			}
			f, err := ReadVCard(&buf, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(roundTripContacts, rowContacts(f)); diff != "" {
				t.Errorf("round trip mismatch (-exported +imported):\n%s", diff)
			}
		})
	}
	if err := ExportVCard(&bytes.Buffer{}, nil, "2.1"); err == nil {
		t.Error("version 2.1 accepted")
	}
}

// TestVCardImportPreview shows that vCard rows go through the same
// Preview and Commit as CSV rows.
func TestVCardImportPreview(t *testing.T) {
	store, existing := seeded(t)
	f := readVCardFile(t, "icloud.vcf", ReadOptions{Owner: "alice"})
	p, err := Preview(existing, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range p.Details {
		got = append(got, d.Name+": "+d.Action.String()+" "+d.Reason)
	}
	want := []string{
		"Jane Doe: update matches Jane Doe by number; updated",
		"François Lefèvre: add new contact",
		"Acme Reception: add new contact",
		"No Number: ignore no main number",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("details mismatch (-want +got):\n%s", diff)
	}
	if err := Commit(t.Context(), store, p); err != nil {
		t.Fatal(err)
	}
	after, _ := store.List(t.Context(), "alice")
	if len(after) != 4 {
		t.Errorf("%d contacts after commit, want 4", len(after))
	}
}
