package contacts

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// addressBook is what every file in testdata/exports says, read perfectly:
// the same twelve invented people exported from each program (see
// testdata/genexports). Each format's golden test lists how the file, as
// that program writes it, falls short of it.
func addressBook() []Contact {
	return []Contact{
		{
			FirstName: "Jane", LastName: "Doe", Organization: "Acme Corp", JobTitle: "Buyer",
			Phones: Phones{Work: "(555) 123-4567", Mobile: "+1 555 987 6543"}, Main: PhoneMobile,
			Emails:      [2]string{"jane.doe@example.com", "jane@home.example"},
			WorkAddress: Address{"1 Main St\nSuite 200", "Springfield", "IL", "62701", "United States of America"},
			Description: "Met at the trade show, \"VIP\".\nCall after 10, not before.",
		},
		{
			FirstName: "François", LastName: "Lefèvre", Organization: "Société Générale d'Électricité",
			Phones: Phones{Home: "01 23 45 67 89", Mobile: "06 12 34 56 78"}, Main: PhoneHome,
			Emails:      [2]string{"francois@example.fr"},
			HomeAddress: Address{Street: "12 rue de la Paix", City: "Paris", PostalCode: "75002", Country: "France"},
		},
		{FirstName: "Zoë", LastName: "Müller", Organization: "Müller & Söhne GmbH", Phones: Phones{Fax: "+49 30 1234567"}, Main: PhoneFax, Description: "fax only"},
		{
			FirstName: "Kenji", LastName: "Tanaka", Nickname: "Ken", Organization: "Example KK", JobTitle: "Engineer",
			Phones: Phones{Home: "+81 3-1234-5678", Mobile: "+81 90-1234-5678"}, Main: PhoneMobile,
			Emails: [2]string{"ken@example.jp", "kenji@example.jp"},
		},
		{
			FirstName: "Ana", LastName: "García", Nickname: "Anita", Organization: "Telefónica", JobTitle: "Ingeniera",
			Phones: Phones{Work: "+34 91 123 45 67", Mobile: "+34 612 34 56 78"}, Main: PhoneMobile,
			Emails: [2]string{"ana@example.es"},
		},
		{Organization: "Acme Corp", Phones: Phones{Work: "+1 555 123 0001"}, Main: PhoneWork, Emails: [2]string{"reception@acme.example"}},
		{
			FirstName: "Seán", LastName: "O'Brien", Organization: "O'Brien & Sons, Ltd.", JobTitle: "Director, Sales",
			Phones: Phones{Mobile: "+353 87 123 4567", Other: "+353 1 555 0101"}, Main: PhoneMobile,
			Emails: [2]string{"sean@obrien.example"},
		},
		{FirstName: "Björn", LastName: "Ångström", Phones: Phones{Home: "+46 8 123 456 78"}, Main: PhoneHome, Description: "Ring före 18.\nPortkod: 1234; andra dörren"},
		{
			FirstName: "Chloé", LastName: "Dubois", Nickname: "Coco", Organization: `"Les Amis" SARL`,
			Phones: Phones{Work: "+33 1 44 55 66 77", Mobile: "+33 6 98 76 54 32"}, Main: PhoneMobile,
			Emails:      [2]string{"chloe@lesamis.example"},
			WorkAddress: Address{Street: "5 avenue Foch", City: "Lyon", PostalCode: "69006", Country: "France"},
		},
		{FirstName: "No", LastName: "Number", Emails: [2]string{"nonumber@example.com"}},
		{
			FirstName: "Mary-Kate", LastName: "Smith-Jones", Organization: "Globex", JobTitle: "CTO",
			Phones: Phones{Mobile: "(555) 010-2000", Home: "(555) 010-3000", Work: "(555) 010-4000", Other: "(555) 010-5000"}, Main: PhoneWork,
			Emails: [2]string{"mk@globex.example", "marykate@home.example"},
		},
		{FirstName: "Łukasz", LastName: "Żółć", Organization: "Żabka Sp. z o.o.", Phones: Phones{Mobile: "+48 601 234 567"}, Main: PhoneMobile, Emails: [2]string{"lukasz@example.pl"}},
	}
}

// Indexes into addressBook.
const (
	pJane = iota
	pFrancois
	pZoe
	pKenji
	pAna
	pAcme
	pSean
	pBjorn
	pChloe
	pNoNumber
	pMaryKate
	pLukasz
)

type edit func(c []Contact)

func noNicknames(c []Contact) {
	for i := range c {
		c[i].Nickname = ""
	}
}

func janeStarred(c []Contact) { c[pJane].Favorite = true }

// pagerAsOther: Björn's pager has no slot; programs that label it
// (Google, Apple, Android) give it as the other number.
func pagerAsOther(c []Contact) { c[pBjorn].Phones.Other = "+46 70 999 0000" }

// secondWorkAsOther: Mary-Kate's second work number takes the one "other"
// slot, and her real other number, coming later, is dropped.
func secondWorkAsOther(c []Contact) { c[pMaryKate].Phones.Other = "(555) 010-4001" }

func TestReadExports(t *testing.T) {
	tests := []struct {
		file     string
		encoding Encoding
		dialect  Dialect
		lines    []int // where each contact starts
		edits    []edit
	}{
		{"outlook_windows1252.csv", Windows1252, DialectOutlook, []int{2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16}, []edit{
			noNicknames, // Outlook desktop's CSV has no Nickname column
			func(c []Contact) { // Outlook writes "?" for what Windows-1252 lacks
				c[pLukasz].FirstName, c[pLukasz].LastName, c[pLukasz].Organization = "?ukasz", "?ó??", "?abka Sp. z o.o."
			},
		}},
		{"outlook_utf16le.csv", UTF16LE, DialectOutlook, []int{2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16}, []edit{noNicknames}},
		{"outlookcom.csv", UTF8BOM, DialectOutlookCom, []int{2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16}, nil},
		{"google.csv", UTF8BOM, DialectGoogle, []int{2, 8, 11, 12, 13, 14, 15, 16, 18, 21, 22, 23}, []edit{janeStarred, pagerAsOther, secondWorkAsOther}},
		{"google_legacy.csv", UTF16LE, DialectGoogleLegacy, []int{2, 8, 11, 12, 13, 14, 15, 16, 18, 21, 22, 23}, []edit{janeStarred, pagerAsOther, secondWorkAsOther}},
		{"google_outlook.csv", UTF8, DialectOutlook, []int{2, 8, 11, 12, 13, 14, 15, 16, 18, 21, 22, 23}, []edit{noNicknames}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readFile(t, filepath.Join("exports", tt.file), ReadOptions{})
			checkExport(t, f, tt.encoding, tt.dialect, tt.lines, tt.edits)
		})
	}
}

func TestReadVCardExports(t *testing.T) {
	tests := []struct {
		file  string
		lines []int
		edits []edit
	}{
		{"icloud.vcf", []int{1, 19, 31, 40, 54, 66, 76, 88, 97, 110, 117, 135}, []edit{pagerAsOther, secondWorkAsOther}},
		{"google.vcf", []int{1, 16, 27, 36, 49, 61, 70, 82, 91, 103, 110, 127}, []edit{janeStarred, pagerAsOther, secondWorkAsOther}},
		{"android21.vcf", []int{1, 15, 25, 33, 45, 56, 64, 74, 82, 93, 99, 114}, []edit{
			noNicknames, // Android puts it in X-ANDROID-CUSTOM
			pagerAsOther, secondWorkAsOther,
			func(c []Contact) {
				c[pFrancois].Main = PhoneMobile // PREF marks only the e-mail
				c[pMaryKate].Main = PhoneMobile
				c[pAcme].Phones = Phones{Other: "+1 555 123 0001"} // "X-Main" is a custom label
				c[pAcme].Main = PhoneOther
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readVCardFile(t, filepath.Join("exports", tt.file), ReadOptions{})
			checkExport(t, f, UTF8, DialectVCard, tt.lines, tt.edits)
		})
	}
}

func checkExport(t *testing.T, f *File, enc Encoding, d Dialect, lines []int, edits []edit) {
	t.Helper()
	if f.Encoding != enc || f.Dialect != d {
		t.Errorf("encoding, dialect = %v, %v; want %v, %v", f.Encoding, f.Dialect, enc, d)
	}
	want := addressBook()
	for _, e := range edits {
		e(want)
	}
	var gotLines []int
	for _, r := range f.Rows {
		if r.Err != nil {
			t.Errorf("row %d: %v", r.Number, r.Err)
		}
		gotLines = append(gotLines, r.Line)
	}
	if diff := cmp.Diff(lines, gotLines); diff != "" {
		t.Errorf("row lines mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, rowContacts(f)); diff != "" {
		t.Errorf("contacts mismatch (-want +got):\n%s", diff)
	}
	// The preview a user sees for the file on an empty address book:
	// everyone is new but the card without a number.
	p, err := Preview(nil, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{New: 11, Ignored: 1}); p.Counts != want {
		t.Errorf("preview counts = %+v, want %+v", p.Counts, want)
	}
}

// TestReadFortiVoiceExport reads a sheet with the six columns FortiVoice's
// import maps, as Excel saves it ("CSV UTF-8": BOM, CRLF): a contact
// without main number is not imported, as its manual says.
func TestReadFortiVoiceExport(t *testing.T) {
	f := readFile(t, filepath.Join("exports", "fortivoice.csv"), ReadOptions{})
	if f.Encoding != UTF8BOM || f.Dialect != DialectFortiVoice {
		t.Errorf("encoding, dialect = %v, %v", f.Encoding, f.Dialect)
	}
	want := []Contact{
		{DisplayName: "Jane Doe", Phones: Phones{Work: "(555) 123-4567", Mobile: "+1 555 987 6543"}, Main: PhoneWork,
			Emails: [2]string{"jane.doe@example.com"}, Description: "Met at the trade show, \"VIP\".\nCall after 10, not before."},
		{DisplayName: "François Lefèvre", Phones: Phones{Home: "01 23 45 67 89", Mobile: "06 12 34 56 78"}, Main: PhoneHome, Emails: [2]string{"francois@example.fr"}},
		{DisplayName: "Zoë Müller", Description: "fax only"}, // its only number is a fax: no column for it
		{DisplayName: "Kenji Tanaka", Phones: Phones{Home: "+81 3-1234-5678", Mobile: "+81 90-1234-5678"}, Main: PhoneMobile, Emails: [2]string{"ken@example.jp"}},
		{DisplayName: "Ana García", Phones: Phones{Work: "+34 91 123 45 67", Mobile: "+34 612 34 56 78"}, Main: PhoneWork, Emails: [2]string{"ana@example.es"}},
		{DisplayName: "Acme Corp", Phones: Phones{Work: "+1 555 123 0001"}, Main: PhoneWork, Emails: [2]string{"reception@acme.example"}},
		{DisplayName: "Seán O'Brien", Phones: Phones{Mobile: "+353 87 123 4567"}, Main: PhoneMobile, Emails: [2]string{"sean@obrien.example"}},
		{DisplayName: "Björn Ångström", Phones: Phones{Home: "+46 8 123 456 78"}, Main: PhoneHome, Description: "Ring före 18.\nPortkod: 1234; andra dörren"},
		{DisplayName: "Chloé Dubois", Phones: Phones{Work: "+33 1 44 55 66 77", Mobile: "+33 6 98 76 54 32"}, Main: PhoneWork, Emails: [2]string{"chloe@lesamis.example"}},
		{DisplayName: "No Number", Emails: [2]string{"nonumber@example.com"}},
		{DisplayName: "Mary-Kate Smith-Jones", Phones: Phones{Mobile: "(555) 010-2000", Home: "(555) 010-3000", Work: "(555) 010-4000"}, Main: PhoneWork, Emails: [2]string{"mk@globex.example"}},
		{DisplayName: "Łukasz Żółć", Phones: Phones{Mobile: "+48 601 234 567"}, Main: PhoneMobile, Emails: [2]string{"lukasz@example.pl"}},
	}
	if diff := cmp.Diff(want, rowContacts(f)); diff != "" {
		t.Errorf("contacts mismatch (-want +got):\n%s", diff)
	}
	p, err := Preview(nil, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{New: 10, Ignored: 2}); p.Counts != want {
		t.Errorf("preview counts = %+v, want %+v", p.Counts, want)
	}
}

// TestExportsAllRead checks that every file in testdata/exports, including
// any added later without a golden test, reads without error into one row
// per person.
func TestExportsAllRead(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "exports", "*"))
	if err != nil || len(files) < 10 {
		t.Fatalf("%d export files, err %v", len(files), err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f *File
		if IsVCard(b) {
			f, err = ReadVCard(bytes.NewReader(b), ReadOptions{})
		} else {
			f, err = ReadCSV(bytes.NewReader(b), ReadOptions{})
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Rows) != len(addressBook()) {
			t.Errorf("%s: %d rows, want %d", name, len(f.Rows), len(addressBook()))
		}
	}
}
