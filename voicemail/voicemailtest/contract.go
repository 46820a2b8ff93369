// Package voicemailtest holds test helpers for package voicemail: the
// contract every voicemail.Store must meet (Run), written once and run
// against each implementation (voicemail.MemStore, store.SQLite), and
// MemFS, an in-memory voicemail.FS that models a power cut.
package voicemailtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/voicemail"
)

// Run runs the voicemail.Store contract against stores made by newStore,
// which must return a new, empty store for each call (one per subtest).
func Run(t *testing.T, newStore func(t *testing.T) voicemail.Store) {
	t.Run("Mailboxes", func(t *testing.T) { testMailboxes(t, newStore(t)) })
	t.Run("ListFiltersOrderPaging", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("FlagsCountsDelete", func(t *testing.T) { testFlags(t, newStore(t)) })
	t.Run("PINState", func(t *testing.T) { testPINState(t, newStore(t)) })
	t.Run("ConcurrentAdds", func(t *testing.T) { testConcurrent(t, newStore(t)) })
}

// T0 is the base time of the fixture messages.
var T0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Fixture returns messages for mailbox mb: m1…m6 received an hour apart
// (m5 and m6 at the same instant, to test ties), new and old, some urgent.
func Fixture(mb string) []voicemail.Message {
	msg := func(id string, h int, f voicemail.Folder, urgent bool) voicemail.Message {
		return voicemail.Message{ID: id, Mailbox: mb, CallerNumber: "+1555010" + id[1:], CallerName: "Caller " + id,
			Received: T0.Add(time.Duration(h) * time.Hour), Duration: time.Duration(h+1) * 1500 * time.Millisecond,
			Folder: f, Urgent: urgent, Audio: mb + "/" + id + ".wav"}
	}
	N, O := voicemail.FolderNew, voicemail.FolderOld
	m4 := msg("m4", 3, O, false)
	m4.ForwardedFrom = "102"
	return []voicemail.Message{
		msg("m1", 0, N, false), msg("m2", 1, N, true), msg("m3", 2, O, true),
		m4, msg("m5", 4, N, false), msg("m6", 4, O, false),
	}
}

func ids(ms []voicemail.Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func testMailboxes(t *testing.T, s voicemail.Store) {
	ctx := context.Background()
	sched := schedule.Schedule{Zone: "Europe/Paris", Windows: []schedule.Window{{Days: schedule.Weekdays, Start: schedule.At(9, 0), End: schedule.At(17, 0)}}}
	mb := voicemail.Mailbox{ID: "101", Name: "Alice", Members: []string{"102"}, PINHash: "$argon2id$x",
		Options: voicemail.Options{SkipPIN: true, FastLogin: true, AutoPlay: true, Playback: voicemail.PlayMessageOnly,
			Order: voicemail.NewestFirst, Operator: "100"},
		Quota:  voicemail.Quota{MaxMessages: 10, MaxLength: time.Minute, MinLength: 2 * time.Second, RetainDays: 30},
		Notify: voicemail.Notify{Email: voicemail.EmailWithAudio, AutoForward: voicemail.ForwardDelete, Address: "a@example.com"},
		Greetings: voicemail.Greetings{Mode: voicemail.ModeScheduled, Schedule: &sched,
			TemporaryUntil: T0.Add(48 * time.Hour), Recorded: []voicemail.GreetingKind{voicemail.GreetingScheduled, voicemail.GreetingName}},
	}
	if _, err := s.GetMailbox(ctx, "101"); !errors.Is(err, voicemail.ErrNoMailbox) {
		t.Fatalf("GetMailbox of a missing mailbox: err = %v, want ErrNoMailbox", err)
	}
	must(t, s.PutMailbox(ctx, mb))
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "100"}))
	got, err := s.GetMailbox(ctx, "101")
	must(t, err)
	if diff := cmp.Diff(mb, got); diff != "" {
		t.Errorf("mailbox round trip (-want +got):\n%s", diff)
	}
	mb.Name = "Alice B"
	must(t, s.PutMailbox(ctx, mb))
	got, _ = s.GetMailbox(ctx, "101")
	if got.Name != "Alice B" {
		t.Errorf("PutMailbox did not replace: name %q", got.Name)
	}
	list, err := s.MailboxIDs(ctx)
	must(t, err)
	if diff := cmp.Diff([]string{"100", "101"}, list); diff != "" {
		t.Errorf("MailboxIDs (-want +got):\n%s", diff)
	}
	if err := s.AddMessage(ctx, voicemail.Message{ID: "x", Mailbox: "999", Received: T0, Folder: voicemail.FolderNew}); !errors.Is(err, voicemail.ErrNoMailbox) {
		t.Errorf("AddMessage to a missing mailbox: err = %v, want ErrNoMailbox", err)
	}
	for _, m := range Fixture("101") {
		must(t, s.AddMessage(ctx, m))
	}
	must(t, s.PutPINState(ctx, "101", voicemail.PINState{Failures: 2}))
	must(t, s.DeleteMailbox(ctx, "101"))
	if err := s.DeleteMailbox(ctx, "101"); !errors.Is(err, voicemail.ErrNoMailbox) {
		t.Errorf("second DeleteMailbox: err = %v, want ErrNoMailbox", err)
	}
	p, err := s.ListMessages(ctx, "101", voicemail.Query{})
	must(t, err)
	if p.Total != 0 || len(p.Messages) != 0 {
		t.Errorf("messages of a deleted mailbox still listed: %v", ids(p.Messages))
	}
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "101"}))
	st, err := s.GetPINState(ctx, "101")
	must(t, err)
	if st != (voicemail.PINState{}) {
		t.Errorf("PIN state survived DeleteMailbox: %+v", st)
	}
}

func testList(t *testing.T, s voicemail.Store) {
	ctx := context.Background()
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "101"}))
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "102"}))
	fx := Fixture("101")
	for _, m := range fx {
		must(t, s.AddMessage(ctx, m))
	}
	must(t, s.AddMessage(ctx, voicemail.Message{ID: "other", Mailbox: "102", Received: T0, Folder: voicemail.FolderNew, Audio: "102/other.wav"}))
	if err := s.AddMessage(ctx, fx[0]); !errors.Is(err, voicemail.ErrExists) {
		t.Errorf("duplicate AddMessage: err = %v, want ErrExists", err)
	}
	got, err := s.GetMessage(ctx, "101", "m4")
	must(t, err)
	if diff := cmp.Diff(fx[3], got); diff != "" {
		t.Errorf("GetMessage round trip (-want +got):\n%s", diff)
	}
	if _, err := s.GetMessage(ctx, "102", "m4"); !errors.Is(err, voicemail.ErrNoMessage) {
		t.Errorf("GetMessage in the wrong mailbox: err = %v, want ErrNoMessage", err)
	}
	for _, tc := range []struct {
		q     voicemail.Query
		want  []string
		total int
	}{
		{voicemail.Query{}, []string{"m1", "m2", "m3", "m4", "m5", "m6"}, 6},
		{voicemail.Query{Order: voicemail.NewestFirst}, []string{"m6", "m5", "m4", "m3", "m2", "m1"}, 6},
		{voicemail.Query{Filter: voicemail.FilterInbox}, []string{"m1", "m2", "m5"}, 3},
		{voicemail.Query{Filter: voicemail.FilterOld}, []string{"m3", "m4", "m6"}, 3},
		{voicemail.Query{Filter: voicemail.FilterUrgent}, []string{"m2", "m3"}, 2},
		{voicemail.Query{Offset: 2, Limit: 2}, []string{"m3", "m4"}, 6},
		{voicemail.Query{Order: voicemail.NewestFirst, Offset: 4, Limit: 10}, []string{"m2", "m1"}, 6},
		{voicemail.Query{Offset: 10, Limit: 2}, []string{}, 6},
		{voicemail.Query{Filter: voicemail.FilterInbox, Order: voicemail.NewestFirst, Limit: 1}, []string{"m5"}, 3},
	} {
		p, err := s.ListMessages(ctx, "101", tc.q)
		must(t, err)
		if diff := cmp.Diff(tc.want, ids(p.Messages)); diff != "" || p.Total != tc.total {
			t.Errorf("ListMessages(%+v): total %d want %d; ids (-want +got):\n%s", tc.q, p.Total, tc.total, diff)
		}
	}
	p, err := s.ListMessages(ctx, "nobody", voicemail.Query{})
	must(t, err)
	if p.Total != 0 || len(p.Messages) != 0 {
		t.Errorf("unknown mailbox lists %v", ids(p.Messages))
	}
}

func testFlags(t *testing.T, s voicemail.Store) {
	ctx := context.Background()
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "101"}))
	for _, m := range Fixture("101") {
		must(t, s.AddMessage(ctx, m))
	}
	c, err := s.CountMessages(ctx, "101")
	must(t, err)
	if diff := cmp.Diff(voicemail.Counts{New: 3, Old: 3, UrgentNew: 1, UrgentOld: 1}, c); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	must(t, s.SetMessageFlags(ctx, "101", "m1", voicemail.FolderOld, true))
	must(t, s.SetMessageFlags(ctx, "101", "m3", voicemail.FolderNew, false))
	if err := s.SetMessageFlags(ctx, "101", "zz", voicemail.FolderOld, false); !errors.Is(err, voicemail.ErrNoMessage) {
		t.Errorf("SetMessageFlags of a missing message: err = %v, want ErrNoMessage", err)
	}
	m1, _ := s.GetMessage(ctx, "101", "m1")
	if m1.Folder != voicemail.FolderOld || !m1.Urgent {
		t.Errorf("m1 after SetMessageFlags: folder %v urgent %v", m1.Folder, m1.Urgent)
	}
	c, _ = s.CountMessages(ctx, "101")
	if diff := cmp.Diff(voicemail.Counts{New: 3, Old: 3, UrgentNew: 1, UrgentOld: 1}, c); diff != "" {
		t.Errorf("counts after moves (-want +got):\n%s", diff)
	}
	n, err := s.DeleteMessages(ctx, "101", []string{"m1", "m2", "nope"})
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteMessages removed %d, want 2", n)
	}
	c, _ = s.CountMessages(ctx, "101")
	if diff := cmp.Diff(voicemail.Counts{New: 2, Old: 2, UrgentOld: 0, UrgentNew: 0}, c); diff != "" {
		t.Errorf("counts after delete (-want +got):\n%s", diff)
	}
}

func testPINState(t *testing.T, s voicemail.Store) {
	ctx := context.Background()
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "101"}))
	st, err := s.GetPINState(ctx, "101")
	must(t, err)
	if st != (voicemail.PINState{}) {
		t.Errorf("fresh PIN state %+v, want zero", st)
	}
	want := voicemail.PINState{Failures: 1, Lockouts: 2, LockedUntil: T0.Add(time.Minute)}
	must(t, s.PutPINState(ctx, "101", want))
	st, err = s.GetPINState(ctx, "101")
	must(t, err)
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("PIN state round trip (-want +got):\n%s", diff)
	}
}

func testConcurrent(t *testing.T, s voicemail.Store) {
	ctx := context.Background()
	must(t, s.PutMailbox(ctx, voicemail.Mailbox{ID: "101"}))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			errs <- s.AddMessage(ctx, voicemail.Message{ID: fmt.Sprintf("c%02d", i), Mailbox: "101",
				Received: T0.Add(time.Duration(i) * time.Second), Folder: voicemail.FolderNew, Audio: "101/x.wav"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	c, err := s.CountMessages(ctx, "101")
	must(t, err)
	if c.New != 40 {
		t.Errorf("after 40 concurrent adds, New = %d", c.New)
	}
}
