package contacts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readFile(t testing.TB, name string, opts ReadOptions) *File {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := ReadCSV(fh, opts)
	if err != nil {
		t.Fatalf("ReadCSV(%s): %v", name, err)
	}
	return f
}

func rowContacts(f *File) []Contact {
	var out []Contact
	for _, r := range f.Rows {
		out = append(out, r.Contact)
	}
	return out
}

var outlookWant = []Contact{
	{
		FirstName: "Jane", LastName: "Doe", Organization: "Acme Corp", JobTitle: "Buyer",
		WorkAddress: Address{Street: "1 Main St\nSuite 200", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "United States of America"},
		Phones:      Phones{Work: "(555) 123-4567", Mobile: "+1 555 987 6543"}, Main: PhoneMobile,
		Emails:      [2]string{"jane.doe@example.com"},
		Description: `Met at the trade show, "VIP", call after 10`,
	},
	{
		FirstName: "François", LastName: "Lefèvre", Organization: "Société Générale d'Électricité",
		Phones: Phones{Home: "01 23 45 67 89"}, Main: PhoneHome,
		HomeAddress: Address{Street: "12 rue de la Paix", City: "Paris", PostalCode: "75002", Country: "France"},
		Emails:      [2]string{"francois@example.fr"},
	},
	{FirstName: "Zoë", LastName: "Müller", Phones: Phones{Fax: "555-222-3333"}, Main: PhoneFax, Description: "fax only"},
	{FirstName: "No", LastName: "Number", Emails: [2]string{"nonumber@example.com"}},
}

func TestReadCSVDialects(t *testing.T) {
	tests := []struct {
		file     string
		opts     ReadOptions
		encoding Encoding
		dialect  Dialect
		want     []Contact
	}{
		{"outlook_windows1252.csv", ReadOptions{}, Windows1252, DialectOutlook, outlookWant},
		{"outlook_utf16le.csv", ReadOptions{}, UTF16LE, DialectOutlook, outlookWant},
		{"outlookcom.csv", ReadOptions{}, UTF8BOM, DialectOutlookCom, []Contact{
			{
				FirstName: "Ana", LastName: "García", Nickname: "Anita", Organization: "Telefónica", JobTitle: "Ingeniera",
				Phones: Phones{Work: "+34 91 123 45 67", Mobile: "+34 612 34 56 78"}, Main: PhoneMobile,
				Emails: [2]string{"ana@example.es", "ana.garcia@work.example"},
			},
			{FirstName: "Bob", LastName: "Smith", Phones: Phones{Other: "555.444.1212 ext. 12"}, Main: PhoneOther, Description: "line one\nline two, with comma"},
		}},
		{"google.csv", ReadOptions{Owner: "alice"}, UTF8, DialectGoogle, []Contact{
			{
				Owner: "alice", FirstName: "Jane", LastName: "Doe", Organization: "Acme Corp", JobTitle: "Buyer",
				Phones: Phones{Mobile: "+1 555-987-6543", Work: "(555) 123-4567", Other: "(555) 123-0000"}, Main: PhoneMobile,
				Emails:      [2]string{"jane.doe@example.com"},
				WorkAddress: Address{Street: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"},
			},
			{
				Owner: "alice", FirstName: "Kenji", LastName: "Tanaka", Nickname: "Ken",
				Phones: Phones{Home: "+81 3-1234-5678", Work: "+81 90-1234-5678"}, Main: PhoneWork,
				Emails: [2]string{"ken@example.jp", "kenji@example.jp"},
			},
		}},
		{"google_legacy.csv", ReadOptions{}, UTF8, DialectGoogleLegacy, []Contact{{
			FirstName: "Jane", LastName: "Doe", Organization: "Acme Corp", JobTitle: "Buyer", // "Name" repeats them
			Phones: Phones{Mobile: "+1 555-987-6543", Fax: "555-222-3333"}, Main: PhoneMobile,
			Emails:      [2]string{"jane.doe@example.com"},
			HomeAddress: Address{Street: "9 Elm St", City: "Springfield", Region: "IL", PostalCode: "62702", Country: "US"},
		}}},
		{"fortivoice.csv", ReadOptions{}, UTF8, DialectFortiVoice, []Contact{
			{DisplayName: "Jane Doe", Phones: Phones{Work: "5551234567", Mobile: "5559876543"}, Main: PhoneWork, Emails: [2]string{"jane.doe@example.com"}, Description: "Acme buyer"},
			{DisplayName: "Jane D. (mobile)", Phones: Phones{Mobile: "5559876543"}, Main: PhoneMobile},
			{DisplayName: "Nobody", Phones: Phones{Home: "5550001111"}},
			{DisplayName: "Letters", Phones: Phones{Work: "555-CALL-NOW"}, Main: PhoneWork},
			{DisplayName: "Reception", Phones: Phones{Work: "102"}, Main: PhoneWork},
		}},
		{"noheader.csv", ReadOptions{Mapping: Mapping{0: FieldMainNumber, 1: FieldDisplayName, 2: FieldEmail1}}, UTF8, DialectManual, []Contact{
			{DisplayName: "Jane Doe", Phones: Phones{Work: "5551234567"}, Main: PhoneWork, Emails: [2]string{"jane@example.com"}},
			{DisplayName: "Smith, John", Phones: Phones{Work: "5550002222"}, Main: PhoneWork, Emails: [2]string{"john@example.com"}},
		}},
		{"fortivoice.csv", ReadOptions{SkipFirstLine: true, Mapping: Mapping{1: FieldDisplayName, 2: FieldMobilePhone}}, UTF8, DialectManual, []Contact{
			{DisplayName: "Jane Doe", Phones: Phones{Mobile: "5559876543"}, Main: PhoneMobile},
			{DisplayName: "Jane D. (mobile)", Phones: Phones{Mobile: "5559876543"}, Main: PhoneMobile},
			{DisplayName: "Nobody"}, {DisplayName: "Letters"}, {DisplayName: "Reception"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readFile(t, tt.file, tt.opts)
			if f.Encoding != tt.encoding || f.Dialect != tt.dialect {
				t.Errorf("encoding, dialect = %v, %v; want %v, %v", f.Encoding, f.Dialect, tt.encoding, tt.dialect)
			}
			for _, r := range f.Rows {
				if r.Err != nil {
					t.Errorf("row %d: %v", r.Number, r.Err)
				}
			}
			if diff := cmp.Diff(tt.want, rowContacts(f)); diff != "" {
				t.Errorf("contacts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadCSVRagged(t *testing.T) {
	f := readFile(t, "ragged.csv", ReadOptions{})
	type got struct {
		Number, Line int
		Name         string
		Err          string
	}
	var rows []got
	for _, r := range f.Rows {
		g := got{Number: r.Number, Line: r.Line, Name: r.Contact.Name()}
		if r.Err != nil {
			g.Err = r.Err.Error()
		}
		rows = append(rows, g)
	}
	want := []got{
		{1, 2, "Jane Doe", ""},
		{2, 3, "", "import contacts: line 3: has 2 fields, the header has 3"},
		{3, 4, "", "import contacts: line 4: has 4 fields, the header has 3"},
		{4, 5, "Carl", ""},
	}
	if f.Dialect != DialectGeneric {
		t.Errorf("dialect = %v, want generic", f.Dialect)
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opts     ReadOptions
		line     int
		is       error
	}{
		{"empty", "", ReadOptions{}, 1, nil},
		{"unknown header", "foo,bar\n1,2\n", ReadOptions{}, 0, ErrUnknownHeader},
		{"bad quote", "Name,Phone\n\"a\"x\"\n\"unterminated,1\n", ReadOptions{}, 2, nil},
		{"too big", "Name,Phone\n" + strings.Repeat("a,1\n", 100), ReadOptions{MaxBytes: 100}, 0, nil},
		{"too many rows", "Name,Phone\n" + strings.Repeat("a,1\n", 5), ReadOptions{MaxRows: 3}, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.in), tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil {
				if !errors.Is(err, tt.is) {
					t.Errorf("err = %v, want %v", err, tt.is)
				}
				return
			}
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *ImportError", err)
			}
			if tt.line != 0 && ie.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", ie.Line, tt.line, err)
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
		enc  Encoding
	}{
		{[]byte("Zoë"), "Zoë", UTF8},
		{[]byte("\xEF\xBB\xBFZoë"), "Zoë", UTF8BOM},
		{[]byte{0xFF, 0xFE, 'Z', 0, 'o', 0, 0xEB, 0}, "Zoë", UTF16LE},
		{[]byte{0xFE, 0xFF, 0, 'Z', 0, 'o', 0, 0xEB}, "Zoë", UTF16BE},
		{[]byte("Zo\xEB \x80"), "Zoë €", Windows1252},
		{[]byte{0xFF, 0xFE, 'Z', 0, 'x'}, "Z\uFFFD", UTF16LE},
	}
	for _, tt := range tests {
		got, enc := DecodeText(tt.in)
		if got != tt.want || enc != tt.enc {
			t.Errorf("DecodeText(%q) = %q, %v; want %q, %v", tt.in, got, enc, tt.want, tt.enc)
		}
	}
}
