package contacts

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/phonenumber"
)

var nanp = phonenumber.Plan{
	CountryCode: "1", TrunkPrefix: "1", InternationalPrefixes: []string{"011"},
	NationalLengths: phonenumber.Lengths{Min: 10, Max: 10}, ExtensionLengths: phonenumber.Lengths{Min: 3, Max: 4},
}

func seeded(t *testing.T) (*MemStore, []Contact) {
	t.Helper()
	s := &MemStore{}
	err := s.Apply(context.Background(), ChangeSet{Add: []Contact{
		{Owner: "alice", DisplayName: "Jane Doe", Phones: Phones{Mobile: "+1 555 987 6543"}, Main: PhoneMobile, Favorite: true},
		{Owner: "alice", DisplayName: "Old Friend", Phones: Phones{Home: "555-000-9999"}, Main: PhoneHome},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.List(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	return s, ex
}

func TestPreviewRules(t *testing.T) {
	f := readFile(t, "fortivoice.csv", ReadOptions{Owner: "alice"})
	tests := []struct {
		name   string
		opts   Options
		counts Counts
		detail []string // "row action reason"
	}{
		{"skip by number", Options{MatchBy: MatchNumber, Rule: Skip, Plan: nanp}, Counts{New: 1, Ignored: 4}, []string{
			"1 ignore matches Jane Doe by number; skipped",
			"2 ignore duplicate of row 1",
			"3 ignore no main number",
			`4 ignore "555-CALL-NOW" is not a telephone number: contains letters`,
			"5 add new contact",
		}},
		{"update by number", Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp}, Counts{New: 1, Updated: 1, Ignored: 3}, []string{
			"1 update matches Jane Doe by number; updated",
			"2 ignore duplicate of row 1",
			"3 ignore no main number",
			`4 ignore "555-CALL-NOW" is not a telephone number: contains letters`,
			"5 add new contact",
		}},
		{"replace by number", Options{MatchBy: MatchNumber, Rule: Replace, Plan: nanp}, Counts{New: 1, Updated: 1, Ignored: 3}, []string{
			"1 update matches Jane Doe by number; replaced",
			"2 ignore duplicate of row 1",
			"3 ignore no main number",
			`4 ignore "555-CALL-NOW" is not a telephone number: contains letters`,
			"5 add new contact",
		}},
		{"keep both by number", Options{MatchBy: MatchNumber, Rule: KeepBoth, Plan: nanp}, Counts{New: 2, Ignored: 3}, []string{
			"1 add matches Jane Doe by number; kept both",
			"2 ignore duplicate of row 1",
			"3 ignore no main number",
			`4 ignore "555-CALL-NOW" is not a telephone number: contains letters`,
			"5 add new contact",
		}},
		{"update by name", Options{MatchBy: MatchName, Rule: Update}, Counts{New: 2, Updated: 1, Ignored: 2}, []string{
			"1 update matches Jane Doe by name; updated",
			"2 add new contact",
			"3 ignore no main number",
			`4 ignore "555-CALL-NOW" is not a telephone number: contains letters`,
			"5 add new contact",
		}},
		{"delete all first", Options{MatchBy: MatchNumber, Rule: Skip, DeleteAllFirst: true, Plan: nanp}, Counts{New: 2, Deleted: 2, Ignored: 3}, []string{
			"0 delete deleted before import",
			"0 delete deleted before import",
			"1 add new contact",
			"2 ignore duplicate of row 1",
			"3 ignore no main number",
			`4 ignore "555-CALL-NOW" is not a telephone number: contains letters`,
			"5 add new contact",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, existing := seeded(t)
			p, err := Preview(existing, f.Rows, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range p.Details {
				got = append(got, strings.Join([]string{itoa(d.Row), d.Action.String(), d.Reason}, " "))
			}
			if diff := cmp.Diff(tt.counts, p.Counts); diff != "" {
				t.Errorf("counts mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.detail, got); diff != "" {
				t.Errorf("details mismatch (-want +got):\n%s", diff)
			}
			if err := Commit(context.Background(), store, p); err != nil {
				t.Fatal(err)
			}
			after, _ := store.List(context.Background(), "alice")
			wantLen := len(existing) + tt.counts.New - tt.counts.Deleted
			if len(after) != wantLen {
				t.Errorf("after commit %d contacts, want %d", len(after), wantLen)
			}
			if err := Commit(context.Background(), store, p); !errors.Is(err, ErrPlanUsed) {
				t.Errorf("second commit: %v, want ErrPlanUsed", err)
			}
		})
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestPreviewUpdateMerges(t *testing.T) {
	store, existing := seeded(t)
	f := readFile(t, "fortivoice.csv", ReadOptions{Owner: "alice"})
	p, err := Preview(existing, f.Rows[:1], Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
	if err != nil {
		t.Fatal(err)
	}
	if err := Commit(context.Background(), store, p); err != nil {
		t.Fatal(err)
	}
	got, _ := store.List(context.Background(), "alice")
	want := Contact{
		ID: "c1", Revision: 2, Owner: "alice", DisplayName: "Jane Doe",
		Phones: Phones{Work: "5551234567", Mobile: "5559876543"}, Main: PhoneWork, Favorite: true,
		Emails: [2]string{"jane.doe@example.com"}, Description: "Acme buyer",
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("updated contact mismatch (-want +got):\n%s", diff)
	}
}

func TestCommitAtomic(t *testing.T) {
	f := readFile(t, "fortivoice.csv", ReadOptions{Owner: "alice"})
	for failAt := 0; failAt < 4; failAt++ {
		store, existing := seeded(t)
		p, err := Preview(existing, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, DeleteAllFirst: true, Plan: nanp})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("disk full")
		store.failWrite = func(i int) error {
			if i == failAt {
				return boom
			}
			return nil
		}
		if err := Commit(context.Background(), store, p); !errors.Is(err, boom) {
			t.Fatalf("fail at write %d: Commit = %v, want disk full", failAt, err)
		}
		after, _ := store.List(context.Background(), "alice")
		if diff := cmp.Diff(existing, after); diff != "" {
			t.Errorf("fail at write %d changed the store (-before +after):\n%s", failAt, diff)
		}
	}
}

func TestCommitStale(t *testing.T) {
	store, existing := seeded(t)
	f := readFile(t, "fortivoice.csv", ReadOptions{Owner: "alice"})
	p, err := Preview(existing, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits Jane after the preview.
	jane := existing[0]
	jane.Nickname = "JD"
	if err := store.Apply(context.Background(), ChangeSet{Update: []Contact{jane}}); err != nil {
		t.Fatal(err)
	}
	before, _ := store.List(context.Background(), "alice")
	if err := Commit(context.Background(), store, p); !errors.Is(err, ErrStale) {
		t.Fatalf("Commit = %v, want ErrStale", err)
	}
	after, _ := store.List(context.Background(), "alice")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("stale commit changed the store:\n%s", diff)
	}
}

func TestPreviewBadOptions(t *testing.T) {
	if _, err := Preview(nil, nil, Options{Rule: Skip}); err == nil {
		t.Error("no MatchBy: no error")
	}
	if _, err := Preview(nil, nil, Options{MatchBy: MatchName}); err == nil {
		t.Error("no Rule: no error")
	}
}

func TestExportEscapesAndRoundTrips(t *testing.T) {
	in := []Contact{
		{DisplayName: "=HYPERLINK(\"http://evil\")", FirstName: "+cmd", LastName: "-2", Nickname: "@SUM(A1)",
			JobTitle: "'quoted", Phones: Phones{Mobile: "+1 555 987 6543", Fax: "555-222-3333"}, Main: PhoneFax,
			Emails: [2]string{"a@example.com", "b@example.com"}, SMS: "+15559876543", Favorite: true,
			SpeedDial:   []SpeedDial{{2, PhoneMobile}, {5, PhoneFax}},
			HomeAddress: Address{"1 Rue", "Paris", "IDF", "75001", "France"}, Description: "two\nlines, \"quoted\""},
		{Organization: "Zoë's Café", Phones: Phones{Work: "102"}, Main: PhoneWork},
	}
	var buf bytes.Buffer
	if err := Export(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{`"'=HYPERLINK(""http://evil"")"`, `'+cmd`, `'-2`, `'@SUM(A1)`, `''quoted`, "\r\n"} {
		if !strings.Contains(out, s) {
			t.Errorf("export lacks %q:\n%s", s, out)
		}
	}
	f, err := ReadCSV(&buf, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Dialect != DialectOutlook || f.Encoding != UTF8BOM {
		t.Errorf("export read back as %v, %v", f.Dialect, f.Encoding)
	}
	if diff := cmp.Diff(in, rowContacts(f)); diff != "" {
		t.Errorf("round trip mismatch (-exported +imported):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	ok := Contact{DisplayName: "A", Phones: Phones{Mobile: "555 1234"}, Main: PhoneMobile}
	tests := []struct {
		name  string
		edit  func(*Contact)
		field string
	}{
		{"valid", func(*Contact) {}, ""},
		{"no main", func(c *Contact) { c.Main = PhoneUnknown }, "Main"},
		{"main empty", func(c *Contact) { c.Main = PhoneHome }, "Main"},
		{"letters", func(c *Contact) { c.Phones.Work = "call me" }, "Phones.Work"},
		{"email", func(c *Contact) { c.Emails[1] = "nobody" }, "Emails[1]"},
		{"slot range", func(c *Contact) { c.SpeedDial = []SpeedDial{{100, PhoneMobile}} }, "SpeedDial"},
		{"slot twice", func(c *Contact) { c.SpeedDial = []SpeedDial{{1, PhoneMobile}, {1, PhoneMobile}} }, "SpeedDial"},
		{"slot empty number", func(c *Contact) { c.SpeedDial = []SpeedDial{{1, PhoneHome}} }, "SpeedDial"},
		{"long", func(c *Contact) { c.JobTitle = strings.Repeat("x", MaxFieldLen+1) }, "JobTitle"},
		{"utf8", func(c *Contact) { c.LastName = "\xff" }, "LastName"},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		err := c.Validate()
		var ve *ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && !errors.As(err, &ve):
			t.Errorf("%s: err = %v, want *ValidationError", tt.name, err)
		case tt.field != "" && ve.Field != tt.field:
			t.Errorf("%s: field = %s, want %s", tt.name, ve.Field, tt.field)
		}
	}
}
