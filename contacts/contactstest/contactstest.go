// Package contactstest is the contract every [contacts.Store] must meet,
// written once and run against each implementation (contacts.MemStore,
// store.SQLite), so that they behave identically.
package contactstest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/telekit/telekit/contacts"
)

// Run runs the contacts.Store contract against stores made by newStore,
// which must return a new, empty store for each call (one per subtest).
func Run(t *testing.T, newStore func(t *testing.T) contacts.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, contacts.Store)
	}{
		{"EmptyList", testEmpty},
		{"AddKeepsEveryFieldAndOrder", testAdd},
		{"OwnersAreSeparate", testOwners},
		{"UpdateAndDelete", testUpdateDelete},
		{"StaleChangesNothing", testStale},
		{"PreviewCommit", testPreviewCommit},
		{"CanceledContext", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, newStore(t)) })
	}
}

// Full returns a contact with every field set, owned by owner.
func Full(owner, first string) contacts.Contact {
	return contacts.Contact{
		Owner: owner, FirstName: first, LastName: "Lefèvre", Nickname: "Fanfan", DisplayName: first + " L.",
		JobTitle: "Buyer", Organization: "Société Générale",
		Phones: contacts.Phones{Home: "01 23 45 67 89", Work: "+33 1 99 88 77 66", Mobile: "06 12 34 56 78", Fax: "01 23 45 67 00", Other: "102"},
		Main:   contacts.PhoneMobile, Emails: [2]string{first + "@example.fr", "pro@example.fr"}, SMS: "+33612345678",
		HomeAddress: contacts.Address{Street: "12 rue de la Paix\nBât. B", City: "Paris", Region: "IDF", PostalCode: "75002", Country: "France"},
		WorkAddress: contacts.Address{Street: "1 Main St", City: "Springfield"},
		Description: "met at the \"show\"; call after 10", Favorite: true,
		SpeedDial: []contacts.SpeedDial{{Slot: 2, Phone: contacts.PhoneMobile}, {Slot: 15, Phone: contacts.PhoneHome}},
	}
}

var ignoreIdentity = cmpopts.IgnoreFields(contacts.Contact{}, "ID", "Revision")

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func list(t *testing.T, s contacts.Store, owner string) []contacts.Contact {
	t.Helper()
	cs, err := s.List(t.Context(), owner)
	must(t, err)
	return cs
}

func testEmpty(t *testing.T, s contacts.Store) {
	if cs := list(t, s, "alice"); len(cs) != 0 {
		t.Errorf("new store lists %d contacts", len(cs))
	}
	must(t, s.Apply(t.Context(), contacts.ChangeSet{}))
}

func testAdd(t *testing.T, s contacts.Store) {
	in := []contacts.Contact{Full("alice", "François"), {Owner: "alice", DisplayName: "B", Phones: contacts.Phones{Work: "555"}, Main: contacts.PhoneWork}, Full("alice", "Zoë")}
	in[0].ID, in[0].Revision = "ignored", 42
	must(t, s.Apply(t.Context(), contacts.ChangeSet{Add: in}))
	got := list(t, s, "alice")
	if diff := cmp.Diff(in, got, ignoreIdentity, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("listed contacts differ (-added +listed):\n%s", diff)
	}
	ids := map[string]bool{}
	for _, c := range got {
		if c.ID == "" || c.ID == "ignored" || ids[c.ID] || c.Revision != 1 {
			t.Errorf("contact %q: ID %q revision %d; want a new unique ID at revision 1", c.Name(), c.ID, c.Revision)
		}
		ids[c.ID] = true
	}
	must(t, s.Apply(t.Context(), contacts.ChangeSet{Add: []contacts.Contact{Full("alice", "Ana")}}))
	if got := list(t, s, "alice"); len(got) != 4 || got[3].FirstName != "Ana" {
		t.Errorf("a later add is not listed last: %v", got)
	}
}

func testOwners(t *testing.T, s contacts.Store) {
	must(t, s.Apply(t.Context(), contacts.ChangeSet{Add: []contacts.Contact{Full("alice", "A"), Full("", "Biz"), Full("bob", "B")}}))
	for owner, want := range map[string]string{"alice": "A", "": "Biz", "bob": "B"} {
		got := list(t, s, owner)
		if len(got) != 1 || got[0].FirstName != want {
			t.Errorf("List(%q) = %v, want only %s", owner, got, want)
		}
	}
}

func testUpdateDelete(t *testing.T, s contacts.Store) {
	must(t, s.Apply(t.Context(), contacts.ChangeSet{Add: []contacts.Contact{Full("alice", "A"), Full("alice", "B")}}))
	cs := list(t, s, "alice")
	a := cs[0]
	a.Nickname, a.SpeedDial, a.Favorite = "new", nil, false
	must(t, s.Apply(t.Context(), contacts.ChangeSet{Update: []contacts.Contact{a}, Delete: []contacts.Ref{{ID: cs[1].ID, Revision: cs[1].Revision}}}))
	got := list(t, s, "alice")
	a.Revision++
	if diff := cmp.Diff([]contacts.Contact{a}, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("after update and delete (-want +got):\n%s", diff)
	}
}

// testStale proves all or nothing: a change set whose last write is stale
// (after a delete, an update and an add that would succeed) changes nothing.
func testStale(t *testing.T, s contacts.Store) {
	must(t, s.Apply(t.Context(), contacts.ChangeSet{Add: []contacts.Contact{Full("alice", "A"), Full("alice", "B"), Full("alice", "C")}}))
	before := list(t, s, "alice")
	upd := before[1]
	upd.Nickname = "changed"
	stale := before[2]
	stale.Revision = 99
	for name, cs := range map[string]contacts.ChangeSet{
		"stale update": {Delete: []contacts.Ref{{ID: before[0].ID, Revision: 1}}, Update: []contacts.Contact{upd, stale}, Add: []contacts.Contact{Full("alice", "D")}},
		"stale delete": {Delete: []contacts.Ref{{ID: before[0].ID, Revision: 1}, {ID: before[2].ID, Revision: 7}}, Add: []contacts.Contact{Full("alice", "D")}},
		"missing":      {Update: []contacts.Contact{upd}, Delete: []contacts.Ref{{ID: "no-such-id", Revision: 1}}},
	} {
		err := s.Apply(t.Context(), cs)
		if !errors.Is(err, contacts.ErrStale) {
			t.Errorf("%s: Apply = %v, want ErrStale", name, err)
		}
		if diff := cmp.Diff(before, list(t, s, "alice"), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s changed the store (-before +after):\n%s", name, diff)
		}
	}
}

func testPreviewCommit(t *testing.T, s contacts.Store) {
	ctx := t.Context()
	must(t, s.Apply(ctx, contacts.ChangeSet{Add: []contacts.Contact{{Owner: "alice", DisplayName: "Jane", Phones: contacts.Phones{Mobile: "5559876543"}, Main: contacts.PhoneMobile}}}))
	rows := []contacts.Row{
		{Number: 1, Line: 2, Contact: contacts.Contact{Owner: "alice", DisplayName: "Jane Doe", Phones: contacts.Phones{Mobile: "555-987-6543"}, Main: contacts.PhoneMobile, Emails: [2]string{"j@example.com"}}},
		{Number: 2, Line: 3, Contact: contacts.Contact{Owner: "alice", DisplayName: "New", Phones: contacts.Phones{Work: "5550001111"}, Main: contacts.PhoneWork}},
	}
	existing := list(t, s, "alice")
	p, err := contacts.Preview(existing, rows, contacts.Options{MatchBy: contacts.MatchNumber, Rule: contacts.Update})
	must(t, err)
	if p.Counts != (contacts.Counts{New: 1, Updated: 1}) {
		t.Fatalf("counts %+v", p.Counts)
	}
	must(t, contacts.Commit(ctx, s, p))
	got := list(t, s, "alice")
	if len(got) != 2 || got[0].Emails[0] != "j@example.com" || got[0].DisplayName != "Jane Doe" || got[0].Revision != 2 || got[1].DisplayName != "New" {
		t.Errorf("after commit: %+v", got)
	}
}

func testCanceled(t *testing.T, s contacts.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Apply(ctx, contacts.ChangeSet{Add: []contacts.Contact{Full("alice", "A")}}); err == nil {
		t.Error("Apply with a canceled context succeeded")
	}
	if cs := list(t, s, "alice"); len(cs) != 0 {
		t.Errorf("canceled Apply wrote %d contacts", len(cs))
	}
}
