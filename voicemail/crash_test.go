package voicemail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/voicemail"
	"github.com/telekit/telekit/voicemail/voicemailtest"
)

// crashWorkload runs deposits, a delete, a forward with comment and a
// greeting recording against svc, stopping at the first error that is
// not an expected refusal (the simulated power cut). It returns the
// messages whose Commit or Forward returned nil and the IDs whose Delete
// returned nil.
func crashWorkload(t *testing.T, svc *voicemail.Service) (acked map[string]voicemail.Message, deleted map[string]bool, greeting bool) {
	ctx := context.Background()
	acked, deleted = map[string]voicemail.Message{}, map[string]bool{}
	dep := func(mb, caller string, d time.Duration, at time.Time) (voicemail.Message, bool) {
		m, err := deposit(t, svc, mb, caller, d, at)
		if err != nil {
			return m, false
		}
		acked[m.Mailbox+"/"+m.ID] = m
		return m, true
	}
	a, ok := dep("101", "1001", 1500*time.Millisecond, t0)
	if !ok {
		return
	}
	b, ok := dep("101", "1002", 2*time.Second, t0.Add(time.Minute))
	if !ok {
		return
	}
	if _, err := svc.Delete(ctx, "101", a.ID); err != nil {
		return
	}
	deleted["101/"+a.ID] = true
	c, err := svc.BeginRecording(ctx, "101", 0)
	if err != nil {
		return
	}
	if _, err := c.WriteSamples(tone(time.Second, 7)); err != nil {
		c.Abort()
		return
	}
	fw, err := svc.Forward(ctx, "101", b.ID, "102", c, t0.Add(time.Hour))
	if err != nil {
		return
	}
	acked["102/"+fw.ID] = fw
	if _, err := deposit(t, svc, "102", "1003", 100*time.Millisecond, t0); !errors.Is(err, voicemail.ErrTooShort) {
		return
	}
	g, err := svc.BeginRecording(ctx, "102", 0)
	if err != nil {
		return
	}
	if _, err := g.WriteSamples(tone(time.Second, 3)); err != nil {
		g.Abort()
		return
	}
	if err := svc.SaveGreeting(ctx, "102", voicemail.GreetingBusy, g); err != nil {
		return
	}
	greeting = true
	dep("102", "1004", 1500*time.Millisecond, t0.Add(2*time.Hour))
	return
}

// TestCrashPowerCut cuts the power at every point of a workload (every
// write, sync, rename and remove) and checks, after Recover on what the
// disk kept, that every acknowledged message is whole and indexed, every
// acknowledged delete stays deleted, and nothing partial or temporary is
// left. The Store is not cut: it stands for SQLite with synchronous=FULL,
// whose acknowledged writes survive.
func TestCrashPowerCut(t *testing.T) {
	ctx := context.Background()
	mbs := []voicemail.Mailbox{{ID: "101"}, {ID: "102"}}
	// A run without a cut counts the operations.
	full := newRig(t, mbs...)
	before := 1 << 30
	full.fs.CrashAfter(before)
	if acked, _, greeting := crashWorkload(t, full.svc); len(acked) != 4 || !greeting {
		t.Fatalf("uncut workload acknowledged %d messages, greeting %v; want 4, true", len(acked), greeting)
	}
	total := before - full.fs.Ops()
	t.Logf("workload has %d filesystem operations; cutting at each", total)
	for cut := 0; cut <= total; cut++ {
		r := newRig(t, mbs...)
		r.fs.CrashAfter(cut)
		acked, deleted, greeting := crashWorkload(t, r.svc)
		disk := r.fs.Crash()
		r.fs = disk
		svc := r.service(t)
		if _, err := svc.Recover(ctx); err != nil {
			t.Fatalf("cut %d: Recover: %v", cut, err)
		}
		checkConsistent(t, fmt.Sprintf("cut %d", cut), svc, disk, acked, deleted)
		mb, _ := svc.Mailbox(ctx, "102")
		if greeting && !mb.Greetings.Has(voicemail.GreetingBusy) {
			t.Errorf("cut %d: acknowledged greeting lost", cut)
		}
		if mb.Greetings.Has(voicemail.GreetingBusy) {
			if got := len(readAll(t, svc, "102/greeting-busy.wav")); got != 8000 {
				t.Errorf("cut %d: greeting has %d samples, want 8000", cut, got)
			}
		}
	}
}

// checkConsistent checks the invariants after a crash and Recover.
func checkConsistent(t *testing.T, where string, svc *voicemail.Service, disk *voicemailtest.MemFS,
	acked map[string]voicemail.Message, deleted map[string]bool) {
	t.Helper()
	ctx := context.Background()
	indexed := map[string]bool{}
	for _, mb := range []string{"101", "102"} {
		p, err := svc.List(ctx, mb, voicemail.Query{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Messages {
			key := mb + "/" + m.ID
			indexed[m.Audio] = true
			if deleted[key] {
				t.Errorf("%s: deleted message %s came back", where, key)
			}
			got := readAll(t, svc, m.Audio)
			if want := int(m.Duration / (time.Second / 8000)); len(got) != want {
				t.Errorf("%s: message %s has %d samples, its index says %d", where, key, len(got), want)
			}
			if a, ok := acked[key]; ok && (a.CallerNumber != m.CallerNumber || !a.Received.Equal(m.Received) || a.Duration != m.Duration) {
				t.Errorf("%s: message %s came back as %+v, was %+v", where, key, m, a)
			}
		}
	}
	for key := range acked {
		if deleted[key] {
			continue
		}
		mb, id, _ := strings.Cut(key, "/")
		if _, err := svc.Message(ctx, mb, id); err != nil {
			t.Errorf("%s: acknowledged message %s lost: %v", where, key, err)
		}
	}
	for _, f := range disk.Files() {
		switch {
		case strings.Contains(f, "/.tmp-"):
			t.Errorf("%s: temporary file %s left after Recover", where, f)
		case strings.Contains(f, "/greeting-"):
		case !indexed[f]:
			t.Errorf("%s: message file %s not indexed after Recover", where, f)
		}
	}
}
