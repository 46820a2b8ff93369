// Package calllogtest is the contract every [calllog.Store] must meet,
// written once and run against each implementation (calllog.MemStore,
// store.SQLite), so that they behave identically.
package calllogtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/calllog"
)

// Run runs the calllog.Store contract against stores made by newStore,
// which must return a new, empty store for each call (one per subtest).
func Run(t *testing.T, newStore func(t *testing.T) calllog.Store) {
	t.Run("Filters", func(t *testing.T) { testFilters(t, newStore(t)) })
	t.Run("GetRecordOwnerOnly", func(t *testing.T) { testGet(t, newStore(t)) })
	t.Run("Rejects", func(t *testing.T) { testRejects(t, newStore(t)) })
	t.Run("ConcurrentAdds", func(t *testing.T) { testConcurrent(t, newStore(t)) })
}

// t0 is the base time of the fixture records.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

func party(ext string, r calllog.Role) calllog.Party { return calllog.Party{Extension: ext, Role: r} }

// Fixture returns the records the contract tests use: calls among
// extensions 101 (Alice), 102 (Bob) and 103 (Dave) and two outside
// numbers, with every view, direction and a tie on Start.
func Fixture() []calllog.Record {
	C, E := calllog.Caller, calllog.Callee
	rec := func(id string, h int, from, fromName, to, toName string, d calllog.Disposition, dir calllog.Direction, ps ...calllog.Party) calllog.Record {
		r := calllog.Record{ID: id, From: from, FromName: fromName, To: to, ToName: toName,
			Start: at(h), End: at(h).Add(40 * time.Second), Disposition: d, Direction: dir, Type: calllog.Voice, Parties: ps}
		if d == calllog.Answered || d == calllog.Transferred {
			r.Answer = at(h).Add(5 * time.Second)
		}
		return r
	}
	c1 := rec("c1", 1, "101", "Alice", "102", "Bob", calllog.Answered, calllog.Internal, party("101", C), party("102", E))
	c1.Events = []calllog.Event{
		{At: at(1), Kind: calllog.EventRing, Detail: "ringing 102 (2 devices)"},
		{At: at(1).Add(5 * time.Second), Kind: calllog.EventAnswer, Detail: "answered by 102"},
		{At: at(1).Add(40 * time.Second), Kind: calllog.EventHangup, Detail: "101 hung up"},
	}
	c2 := rec("c2", 2, "102", "Bob", "101", "Alice", calllog.NoAnswer, calllog.Internal, party("102", C), party("101", E))
	c2.Events = []calllog.Event{{At: at(2).Add(20 * time.Second), Kind: calllog.EventNoAnswer, Detail: "no answer after 20s"}}
	c3 := rec("c3", 3, "+15550100", "Carol 100%_off", "101", "Alice", calllog.Voicemail, calllog.Incoming, party("101", E))
	c3.Trunk = "provider"
	c3.Events = []calllog.Event{{At: at(3).Add(20 * time.Second), Kind: calllog.EventVoicemail, Detail: "forwarded to voicemail"}}
	c4 := rec("c4", 4, "101", "Alice", "0044207946000", "", calllog.Answered, calllog.Outgoing, party("101", C))
	c4.Trunk = "provider"
	c5 := rec("c5", 5, "103", "Dave 1005", "101", "Alice", calllog.Busy, calllog.Internal, party("103", C), party("101", E))
	c6 := rec("c6", 6, "102", "Bob", "103", "Dave 1005", calllog.Answered, calllog.Internal, party("102", C), party("103", E))
	c7 := rec("c7", 7, "+15550199", "=cmd|' /C calc'!A0", "101", "Alice", calllog.Transferred, calllog.Incoming, party("101", E), party("102", E))
	c8 := rec("c8", 7, "101", "Alice", "102", "Bob", calllog.Cancelled, calllog.Internal, party("101", C), party("102", E))
	c8.End = time.Time{} // still being written up: no end time
	return []calllog.Record{c1, c2, c3, c4, c5, c6, c7, c8}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ids(rs []calllog.Record) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testFilters(t *testing.T, s calllog.Store) {
	ctx := context.Background()
	for _, r := range Fixture() {
		must(t, s.AddRecord(ctx, r))
	}
	tests := []struct {
		name string
		f    calllog.Filter
		want []string
	}{
		{"all 101, newest first, ties by ID", calllog.Filter{Owner: "101"}, []string{"c8", "c7", "c5", "c4", "c3", "c2", "c1"}},
		{"all 102", calllog.Filter{Owner: "102"}, []string{"c8", "c7", "c6", "c2", "c1"}},
		{"stranger sees nothing", calllog.Filter{Owner: "999"}, []string{}},
		{"missed", calllog.Filter{Owner: "101", View: calllog.ViewMissed}, []string{"c5", "c3", "c2"}},
		{"received", calllog.Filter{Owner: "101", View: calllog.ViewReceived}, []string{"c7"}},
		{"placed", calllog.Filter{Owner: "101", View: calllog.ViewPlaced}, []string{"c8", "c4", "c1"}},
		{"missed 102", calllog.Filter{Owner: "102", View: calllog.ViewMissed}, []string{"c8"}},
		{"received 102", calllog.Filter{Owner: "102", View: calllog.ViewReceived}, []string{"c7", "c1"}},
		{"incoming", calllog.Filter{Owner: "101", Direction: calllog.Incoming}, []string{"c7", "c3"}},
		{"answered", calllog.Filter{Owner: "101", Disposition: calllog.Answered}, []string{"c4", "c1"}},
		{"placed and internal", calllog.Filter{Owner: "101", View: calllog.ViewPlaced, Direction: calllog.Internal}, []string{"c8", "c1"}},
		{"time range [2h,5h)", calllog.Filter{Owner: "101", Since: at(2), Until: at(5)}, []string{"c4", "c3", "c2"}},
		{"since only", calllog.Filter{Owner: "101", Since: at(5)}, []string{"c8", "c7", "c5"}},
		{"search name, any case", calllog.Filter{Owner: "101", Search: "CAROL"}, []string{"c3"}},
		{"search number substring", calllog.Filter{Owner: "101", Search: "5550"}, []string{"c7", "c3"}},
		{"search % is literal", calllog.Filter{Owner: "101", Search: "100%"}, []string{"c3"}},
		{"search _ is literal", calllog.Filter{Owner: "101", Search: "_"}, []string{"c3"}},
		{"search quote", calllog.Filter{Owner: "101", Search: "' /c"}, []string{"c7"}},
		{"search backslash", calllog.Filter{Owner: "101", Search: `\`}, []string{}},
		{"search other owner's call", calllog.Filter{Owner: "101", Search: "Dave"}, []string{"c5"}},
		{"page 2 of 3", calllog.Filter{Owner: "101", Limit: 3, Offset: 3}, []string{"c4", "c3", "c2"}},
		{"last page", calllog.Filter{Owner: "101", Limit: 3, Offset: 6}, []string{"c1"}},
		{"past the end", calllog.Filter{Owner: "101", Offset: 50}, []string{}},
	}
	for _, tc := range tests {
		got, err := s.ListRecords(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("%s: ListRecords IDs (-want +got):\n%s", tc.name, diff)
		}
		// The reference semantics agree with the expectation.
		var ref []calllog.Record
		for _, r := range Fixture() {
			if tc.f.Match(r) {
				ref = append(ref, r)
			}
		}
		n, err := s.CountRecords(ctx, tc.f)
		if err != nil || n != len(ref) {
			t.Errorf("%s: CountRecords = %d, %v; want %d", tc.name, n, err, len(ref))
		}
	}
	// Whole records come back as stored, events in order.
	got, err := s.ListRecords(ctx, calllog.Filter{Owner: "101", Limit: calllog.MaxLimit})
	must(t, err)
	byID := map[string]calllog.Record{}
	for _, r := range Fixture() {
		byID[r.ID] = r
	}
	for _, r := range got {
		if diff := cmp.Diff(byID[r.ID], r); diff != "" {
			t.Errorf("record %s (-stored +read):\n%s", r.ID, diff)
		}
	}
}

func testGet(t *testing.T, s calllog.Store) {
	ctx := context.Background()
	fx := Fixture()
	for _, r := range fx {
		must(t, s.AddRecord(ctx, r))
	}
	got, err := s.GetRecord(ctx, "103", "c6")
	must(t, err)
	if diff := cmp.Diff(fx[5], got); diff != "" {
		t.Errorf("GetRecord (-want +got):\n%s", diff)
	}
	for _, q := range []struct{ owner, id string }{{"101", "c6"}, {"", "c6"}, {"101", "nope"}} {
		if _, err := s.GetRecord(ctx, q.owner, q.id); !errors.Is(err, calllog.ErrNotFound) {
			t.Errorf("GetRecord(%q, %q) = %v, want ErrNotFound", q.owner, q.id, err)
		}
	}
	if err := s.AddRecord(ctx, fx[0]); !errors.Is(err, calllog.ErrExists) {
		t.Errorf("AddRecord twice: got %v, want ErrExists", err)
	}
}

func testRejects(t *testing.T, s calllog.Store) {
	ctx := context.Background()
	for _, f := range []calllog.Filter{{}, {Owner: "101", Limit: -1}, {Owner: "101", Limit: calllog.MaxLimit + 1}, {Owner: "101", View: 9}} {
		if _, err := s.ListRecords(ctx, f); !errors.Is(err, calllog.ErrInvalid) {
			t.Errorf("ListRecords(%+v) = %v, want ErrInvalid", f, err)
		}
		if _, err := s.CountRecords(ctx, f); !errors.Is(err, calllog.ErrInvalid) {
			t.Errorf("CountRecords(%+v) = %v, want ErrInvalid", f, err)
		}
	}
	good := Fixture()[0]
	for _, mutate := range []func(*calllog.Record){
		func(r *calllog.Record) { r.ID = "" },
		func(r *calllog.Record) { r.Parties = nil },
		func(r *calllog.Record) { r.Parties = append(r.Parties, r.Parties[0]) },
		func(r *calllog.Record) { r.Disposition = calllog.DispositionUnknown },
		func(r *calllog.Record) { r.Answer = r.Start.Add(-time.Second) },
		func(r *calllog.Record) { r.Start = time.Time{} },
	} {
		r := good.Clone()
		mutate(&r)
		if err := s.AddRecord(ctx, r); !errors.Is(err, calllog.ErrInvalid) {
			t.Errorf("AddRecord(%+v) = %v, want ErrInvalid", r, err)
		}
	}
	if n, _ := s.CountRecords(ctx, calllog.Filter{Owner: "101"}); n != 0 {
		t.Errorf("%d invalid records were stored", n)
	}
}

func testConcurrent(t *testing.T, s calllog.Store) {
	ctx := context.Background()
	const workers, each = 10, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r := Fixture()[0]
				r.ID = fmt.Sprintf("w%d-%d", w, i)
				r.Start = at(w*each + i)
				r.Answer, r.End = r.Start, r.Start.Add(time.Minute)
				r.Events = nil
				if err := s.AddRecord(ctx, r); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, err := s.CountRecords(ctx, calllog.Filter{Owner: "102"}); err != nil || n != workers*each {
		t.Errorf("CountRecords = %d, %v; want %d", n, err, workers*each)
	}
}
