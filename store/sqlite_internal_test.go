package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/calllog"
)

// TestPragmas checks that every connection runs with the durability and
// safety settings the package promises.
func TestPragmas(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, db := range map[string]*sql.DB{"writer": s.w, "reader": s.r} {
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1",
			"busy_timeout": "10000",
		} {
			var got string
			if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, pragma, got, want)
			}
		}
	}
	if _, err := s.r.Exec(`DELETE FROM users`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

// TestCallQueriesUseOwnerIndex checks that a call-history page is served by
// the (owner, time) index rather than a scan of every call.
func TestCallQueriesUseOwnerIndex(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []calllog.Filter{
		{Owner: "101"},
		{Owner: "101", View: calllog.ViewMissed, Search: "bob", Since: time.Unix(1, 0), Until: time.Unix(2, 0)},
	} {
		cond, args := where(f)
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT `+callCols+` FROM call_parties p JOIN calls c ON c.id = p.call_id
			WHERE `+cond+` ORDER BY p.start_ns DESC, p.call_id DESC LIMIT 50 OFFSET 0`, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if !strings.Contains(joined, "call_parties_owner_time") || strings.Contains(joined, "TEMP B-TREE") || strings.Contains(joined, "SCAN c") {
			t.Errorf("filter %+v: plan %q does not walk the owner/time index", f, joined)
		}
	}
}
