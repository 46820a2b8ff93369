package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/contacts/contactstest"
)

func openContacts(t testing.TB) *SQLite {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestContactsContract(t *testing.T) {
	contactstest.Run(t, func(t *testing.T) contacts.Store { return openContacts(t) })
}

// TestContactsCommitFailsHalfWay makes SQLite itself fail on the n-th
// write of an import (a trigger aborts the insert of one row) and checks
// that the store is left exactly as it was, for a failure in the
// deletions, the updates and the additions.
func TestContactsCommitFailsHalfWay(t *testing.T) {
	ctx := context.Background()
	for _, failOn := range []string{"Delete me", "Update me", "Add 3"} {
		t.Run(failOn, func(t *testing.T) {
			s := openContacts(t)
			seed := []contacts.Contact{contactstest.Full("alice", "Keep"), contactstest.Full("alice", "Delete me"), contactstest.Full("alice", "Update me")}
			if err := s.Apply(ctx, contacts.ChangeSet{Add: seed}); err != nil {
				t.Fatal(err)
			}
			before, _ := s.List(ctx, "alice")
			for _, sql := range []string{
				`CREATE TRIGGER fail_delete BEFORE DELETE ON contacts WHEN old.first_name = '` + failOn + `' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
				`CREATE TRIGGER fail_update BEFORE UPDATE ON contacts WHEN old.first_name = '` + failOn + `' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
				`CREATE TRIGGER fail_insert BEFORE INSERT ON contacts WHEN new.first_name = '` + failOn + `' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
			} {
				if _, err := s.w.ExecContext(ctx, sql); err != nil {
					t.Fatal(err)
				}
			}
			upd := before[2]
			upd.Nickname = "changed"
			var add []contacts.Contact
			for i := range 5 {
				add = append(add, contactstest.Full("alice", fmt.Sprint("Add ", i)))
			}
			cs := contacts.ChangeSet{Delete: []contacts.Ref{{ID: before[1].ID, Revision: 1}}, Update: []contacts.Contact{upd}, Add: add}
			err := s.Apply(ctx, cs)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Fatalf("Apply = %v, want the trigger's error", err)
			}
			after, _ := s.List(ctx, "alice")
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("failed import changed the store (-before +after):\n%s", diff)
			}
		})
	}
}

// TestContactsStaleIsErrStale checks the wrapped sentinel survives.
func TestContactsStaleIsErrStale(t *testing.T) {
	s := openContacts(t)
	err := s.Apply(context.Background(), contacts.ChangeSet{Delete: []contacts.Ref{{ID: "x1", Revision: 1}}})
	if !errors.Is(err, contacts.ErrStale) {
		t.Errorf("Apply = %v, want ErrStale", err)
	}
}

// BenchmarkContactsCommit100000 commits a previewed 100,000-contact import
// to SQLite in one transaction (synchronous=FULL, WAL).
func BenchmarkContactsCommit100000(b *testing.B) {
	var add []contacts.Contact
	for i := range 100_000 {
		add = append(add, contacts.Contact{Owner: "101", FirstName: fmt.Sprintf("First%d", i), LastName: "Last",
			Phones: contacts.Phones{Mobile: fmt.Sprintf("+1 555 %07d", i), Work: fmt.Sprintf("(556) %03d-%04d", i/10000, i%10000)},
			Main:   contacts.PhoneMobile, Emails: [2]string{fmt.Sprintf("u%d@example.com", i)}})
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := openContacts(b)
		b.StartTimer()
		if err := s.Apply(context.Background(), contacts.ChangeSet{Add: add}); err != nil {
			b.Fatal(err)
		}
	}
}
