package voicemail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/voicemail"
)

func TestDepositCommitIndexesThenNotifies(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101", Name: "Alice", Notify: voicemail.Notify{Email: voicemail.EmailWithAudio}})
	ctx := context.Background()
	m, err := deposit(t, r.svc, "101", "+15550100", 3*time.Second, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := voicemail.Message{ID: m.ID, Mailbox: "101", CallerNumber: "+15550100", Received: t0,
		Duration: 3 * time.Second, Folder: voicemail.FolderNew, Audio: "101/" + m.ID + ".wav"}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("committed message (-want +got):\n%s", diff)
	}
	got, err := r.svc.Message(ctx, "101", m.ID)
	if err != nil || got != m {
		t.Errorf("indexed message = %+v, %v; want %+v", got, err, m)
	}
	if diff := cmp.Diff([]string{"101/+15550100"}, r.ev.arrived); diff != "" {
		t.Errorf("arrivals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]voicemail.Counts{{New: 1}}, r.ev.counts); diff != "" {
		t.Errorf("count changes (-want +got):\n%s", diff)
	}
	// The audio comes back as written, through µ-law.
	in := tone(3*time.Second, len("+15550100"))
	out := readAll(t, r.svc, m.Audio)
	if len(out) != len(in) {
		t.Fatalf("read %d samples back, wrote %d", len(out), len(in))
	}
	for i := range in {
		if media.ULawToLinear(media.LinearToULaw(in[i])) != out[i] {
			t.Fatalf("sample %d: %d, want %d", i, out[i], in[i])
		}
	}
	for _, f := range r.fs.Files() {
		if strings.Contains(f, ".tmp-") {
			t.Errorf("temporary file left: %s", f)
		}
	}
}

func TestDepositQuotas(t *testing.T) {
	q := voicemail.Quota{MaxMessages: 2, MaxLength: 2 * time.Second, MinLength: 1500 * time.Millisecond}
	r := newRig(t, voicemail.Mailbox{ID: "101", Quota: q})
	ctx := context.Background()

	if _, err := deposit(t, r.svc, "101", "1", time.Second, t0); !errors.Is(err, voicemail.ErrTooShort) {
		t.Errorf("1 s message with a 1.5 s minimum: err = %v, want ErrTooShort", err)
	}
	if files := r.fs.Files(); len(files) != 0 {
		t.Errorf("a too-short message left files: %v", files)
	}
	if len(r.ev.arrived) != 0 {
		t.Errorf("a too-short message was announced")
	}

	m, err := deposit(t, r.svc, "101", "2", 5*time.Second, t0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Duration != 2*time.Second {
		t.Errorf("5 s recording into a 2 s maximum kept %v", m.Duration)
	}
	if _, err := deposit(t, r.svc, "101", "3", 2*time.Second, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Begin(ctx, "101", voicemail.DepositMeta{Received: t0}); !errors.Is(err, voicemail.ErrMailboxFull) {
		t.Errorf("third deposit into a 2-message mailbox: err = %v, want ErrMailboxFull", err)
	}
	if _, err := r.svc.Begin(ctx, "nobody", voicemail.DepositMeta{Received: t0}); !errors.Is(err, voicemail.ErrNoMailbox) {
		t.Errorf("deposit into a missing mailbox: err = %v, want ErrNoMailbox", err)
	}
}

func TestDepositAbortLeavesNothing(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101"})
	d, err := r.svc.Begin(context.Background(), "101", voicemail.DepositMeta{Received: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteULaw(make([]byte, 8000*3)); err != nil {
		t.Fatal(err)
	}
	if err := d.Abort(); err != nil {
		t.Fatal(err)
	}
	if files := r.fs.Files(); len(files) != 0 {
		t.Errorf("Abort left %v", files)
	}
	if _, err := d.Commit(context.Background()); !errors.Is(err, voicemail.ErrClosed) {
		t.Errorf("Commit after Abort: err = %v, want ErrClosed", err)
	}
	if _, err := d.WriteSamples(make([]int16, 10)); !errors.Is(err, voicemail.ErrClosed) {
		t.Errorf("write after Abort: err = %v, want ErrClosed", err)
	}
}

func TestFlagsDeleteAndCounts(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101"})
	ctx := context.Background()
	a, _ := deposit(t, r.svc, "101", "1", 2*time.Second, t0)
	b, _ := deposit(t, r.svc, "101", "2", 2*time.Second, t0.Add(time.Minute))
	r.ev.counts = nil
	steps := []struct {
		name string
		do   func() error
		want voicemail.Counts
	}{
		{"heard a", func() error { return r.svc.MarkHeard(ctx, "101", a.ID) }, voicemail.Counts{New: 1, Old: 1}},
		{"urgent b", func() error { return r.svc.SetUrgent(ctx, "101", b.ID, true) }, voicemail.Counts{New: 1, Old: 1, UrgentNew: 1}},
		{"heard b", func() error { return r.svc.MarkHeard(ctx, "101", b.ID) }, voicemail.Counts{Old: 2, UrgentOld: 1}},
		{"new a", func() error { return r.svc.MarkNew(ctx, "101", a.ID) }, voicemail.Counts{New: 1, Old: 1, UrgentOld: 1}},
		{"delete b", func() error { _, err := r.svc.Delete(ctx, "101", b.ID); return err }, voicemail.Counts{New: 1}},
		{"delete all", func() error { _, err := r.svc.DeleteAll(ctx, "101"); return err }, voicemail.Counts{}},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if len(r.ev.counts) != i+1 {
			t.Fatalf("%s: %d count notifications, want %d", st.name, len(r.ev.counts), i+1)
		}
		if diff := cmp.Diff(st.want, r.ev.counts[i]); diff != "" {
			t.Errorf("%s: counts (-want +got):\n%s", st.name, diff)
		}
	}
	if err := r.svc.MarkHeard(ctx, "101", a.ID); !errors.Is(err, voicemail.ErrNoMessage) {
		t.Errorf("MarkHeard of a deleted message: %v", err)
	}
	if files := r.fs.Files(); len(files) != 0 {
		t.Errorf("files left after delete all: %v", files)
	}
}

func TestForwardWithComment(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101"}, voicemail.Mailbox{ID: "102", Quota: voicemail.Quota{MaxMessages: 1}})
	ctx := context.Background()
	orig, _ := deposit(t, r.svc, "101", "+15550100", 2*time.Second, t0)
	if err := r.svc.SetUrgent(ctx, "101", orig.ID, true); err != nil {
		t.Fatal(err)
	}
	orig.Urgent = true
	comment, err := r.svc.BeginRecording(ctx, "101", 0)
	if err != nil {
		t.Fatal(err)
	}
	comment.WriteSamples(tone(time.Second, 99))
	later := t0.Add(time.Hour)
	fw, err := r.svc.Forward(ctx, "101", orig.ID, "102", comment, later)
	if err != nil {
		t.Fatal(err)
	}
	want := voicemail.Message{ID: fw.ID, Mailbox: "102", CallerNumber: "+15550100", Received: later, Duration: 3 * time.Second,
		Folder: voicemail.FolderNew, Urgent: true, ForwardedFrom: "101", Audio: "102/" + fw.ID + ".wav"}
	if diff := cmp.Diff(want, fw); diff != "" {
		t.Errorf("forwarded message (-want +got):\n%s", diff)
	}
	got := readAll(t, r.svc, fw.Audio)
	if len(got) != 3*8000 {
		t.Errorf("forwarded audio has %d samples, want comment + message = 24000", len(got))
	}
	// A second forward without comment works though 102 is "full": the
	// owner chose to send it.
	if _, err := r.svc.Forward(ctx, "101", orig.ID, "102", nil, later); err != nil {
		t.Errorf("forward without comment: %v", err)
	}
	if _, err := r.svc.Forward(ctx, "101", orig.ID, "999", nil, later); !errors.Is(err, voicemail.ErrNoMailbox) {
		t.Errorf("forward to a missing mailbox: %v", err)
	}
	// The original is still there, and no temporary file is left.
	if _, err := r.svc.Message(ctx, "101", orig.ID); err != nil {
		t.Errorf("original gone after forward: %v", err)
	}
	for _, f := range r.fs.Files() {
		if strings.Contains(f, ".tmp-") {
			t.Errorf("temporary file left: %s", f)
		}
	}
}

func TestAutoForwardDelete(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mode     voicemail.AutoForward
		fail     error
		wantKept bool
	}{
		{"keep", voicemail.ForwardKeep, nil, true},
		{"delete after success", voicemail.ForwardDelete, nil, false},
		{"delete but the hook failed", voicemail.ForwardDelete, errors.New("smtp down"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, voicemail.Mailbox{ID: "101", Notify: voicemail.Notify{AutoForward: tc.mode, Address: "a@example.com"}})
			r.ev.fail = tc.fail
			m, err := deposit(t, r.svc, "101", "5", 2*time.Second, t0)
			if err != nil {
				t.Fatalf("Commit: %v (a hook failure must not fail the deposit)", err)
			}
			_, err = r.svc.Message(context.Background(), "101", m.ID)
			if kept := err == nil; kept != tc.wantKept {
				t.Errorf("message kept = %v, want %v", kept, tc.wantKept)
			}
		})
	}
}

func TestPurgeRetention(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101", Quota: voicemail.Quota{RetainDays: 30}}, voicemail.Mailbox{ID: "102"})
	old, _ := deposit(t, r.svc, "101", "1", 2*time.Second, t0)
	fresh, _ := deposit(t, r.svc, "101", "2", 2*time.Second, t0.AddDate(0, 0, 20))
	keep, _ := deposit(t, r.svc, "102", "3", 2*time.Second, t0)
	n, err := r.svc.Purge(context.Background(), t0.AddDate(0, 0, 31))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	for _, tc := range []struct {
		mb, id string
		want   bool
	}{{"101", old.ID, false}, {"101", fresh.ID, true}, {"102", keep.ID, true}} {
		_, err := r.svc.Message(context.Background(), tc.mb, tc.id)
		if (err == nil) != tc.want {
			t.Errorf("%s/%s present = %v, want %v", tc.mb, tc.id, err == nil, tc.want)
		}
	}
}
