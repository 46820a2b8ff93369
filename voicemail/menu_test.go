package voicemail_test

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/voicemail"
)

// emitted collects every prompt the menu tests heard, for
// TestPromptNamesCovered.
var emitted sync.Map

// summary renders an action compactly: "play vm-you-have #2 vm-new …".
// Audio items are named by label(ref).
func summary(a voicemail.Action, label func(string) string) string {
	parts := []string{a.Kind.String()}
	for _, it := range a.Play {
		switch it.Kind {
		case voicemail.ItemPrompt:
			if !slices.Contains(voicemail.PromptNames(), it.Prompt) {
				panic("prompt " + it.Prompt + " is played but missing from PromptNames")
			}
			emitted.Store(it.Prompt, true)
			parts = append(parts, it.Prompt)
		case voicemail.ItemNumber:
			parts = append(parts, fmt.Sprintf("#%d", it.Number))
		case voicemail.ItemDigits:
			parts = append(parts, "d:"+it.Digits)
		case voicemail.ItemDateTime:
			parts = append(parts, "t:"+it.Time.UTC().Format("01-02T15:04"))
		case voicemail.ItemAudio:
			parts = append(parts, "a:"+label(it.Audio))
		}
	}
	if a.Kind == voicemail.ActionRecord {
		if a.Beep {
			parts = append(parts, "beep")
		}
		parts = append(parts, "max:"+a.MaxLength.String())
	}
	if a.Number != "" {
		parts = append(parts, "n:"+a.Number)
	}
	return strings.Join(parts, " ")
}

// step is one input and the action wanted in return. Inputs: a key
// ("1", "#"), several keys then # ("101#"), "played", "timeout",
// "hangup", "rec:<duration>" (write that much audio into the recording,
// then InputRecorded).
type step struct{ in, want string }

type machine interface {
	Handle(ctx context.Context, in voicemail.Input, now time.Time) (voicemail.Action, error)
}

// drive feeds script to m, the first action being first, and compares.
func drive(t *testing.T, m machine, first voicemail.Action, script []step, label func(string) string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	var got, want []string
	last := first
	got = append(got, "start: "+summary(first, label))
	want = append(want, "start: "+script[0].want)
	for _, st := range script[1:] {
		var a voicemail.Action
		var err error
		feed := func(in voicemail.Input) {
			if err == nil {
				a, err = m.Handle(ctx, in, now)
			}
		}
		switch {
		case st.in == "played":
			feed(voicemail.Input{Kind: voicemail.InputPlayed})
		case st.in == "timeout":
			feed(voicemail.Input{Kind: voicemail.InputTimeout})
		case st.in == "hangup":
			feed(voicemail.Input{Kind: voicemail.InputHangup})
		case strings.HasPrefix(st.in, "rec:"):
			d, perr := time.ParseDuration(st.in[4:])
			if perr != nil || last.Recording == nil {
				t.Fatalf("step %q: no recording to write (last action %s)", st.in, summary(last, label))
			}
			last.Recording.WriteSamples(tone(d, 5))
			feed(voicemail.Input{Kind: voicemail.InputRecorded})
		default:
			for i := range len(st.in) {
				feed(voicemail.Key(st.in[i]))
			}
		}
		if err != nil {
			t.Fatalf("step %q: %v", st.in, err)
		}
		got = append(got, st.in+": "+summary(a, label))
		want = append(want, st.in+": "+st.want)
		last = a
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("script (-want +got):\n%s", diff)
	}
}

// menuRig has mailbox 101 (PIN 2580) with messages from 201 (new, 08:00),
// 202 (new, urgent, 09:00) and 203 (old, 07:00), and mailbox 102.
func menuRig(t *testing.T, opts voicemail.Options) (*rig, func(string) string) {
	r := newRig(t, voicemail.Mailbox{ID: "101", Options: opts}, voicemail.Mailbox{ID: "102"})
	ctx := context.Background()
	if err := r.svc.SetPIN(ctx, "101", "2580"); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	for _, d := range []struct {
		caller string
		at     time.Time
		urgent bool
		old    bool
	}{{"201", t0, false, false}, {"202", t0.Add(time.Hour), true, false}, {"203", t0.Add(-time.Hour), false, true}} {
		dep, err := r.svc.Begin(ctx, "101", voicemail.DepositMeta{CallerNumber: d.caller, Received: d.at, Urgent: d.urgent})
		if err != nil {
			t.Fatal(err)
		}
		dep.WriteSamples(tone(2*time.Second, 1))
		m, err := dep.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.old {
			r.svc.MarkHeard(ctx, "101", m.ID)
		}
		labels[m.Audio] = d.caller
	}
	label := func(ref string) string {
		if l, ok := labels[ref]; ok {
			return l
		}
		base := path.Base(ref)
		if strings.HasPrefix(base, ".tmp-") {
			return "recording"
		}
		return base
	}
	return r, label
}

func startMenu(t *testing.T, r *rig, s voicemail.MenuStart) (*voicemail.Menu, voicemail.Action) {
	t.Helper()
	m := r.svc.NewMenu()
	a, err := m.Start(context.Background(), s, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return m, a
}

const (
	youHave  = "vm-you-have #2 vm-new vm-messages #1 vm-old vm-message"
	msg201   = "vm-message-number #1 vm-received t:03-02T08:00 vm-from d:201 a:201"
	msg202   = "vm-message-number #2 vm-urgent vm-received t:03-02T09:00 vm-from d:202 a:202"
	mainMenu = "vm-main-menu"
)

func TestMenuLoginPaths(t *testing.T) {
	own := voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101", OwnPhone: true}
	for _, tc := range []struct {
		name   string
		opts   voicemail.Options
		start  voicemail.MenuStart
		script []step
	}{
		{"*61 asks the PIN", voicemail.Options{}, own, []step{
			{"", "play vm-enter-pin"},
			{"2580#", "play " + youHave + " " + mainMenu},
		}},
		{"*61 skip PIN from own phone", voicemail.Options{SkipPIN: true}, own, []step{
			{"", "play " + youHave + " " + mainMenu},
		}},
		{"*61 skip PIN not from another phone", voicemail.Options{SkipPIN: true},
			voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101"}, []step{
				{"", "play vm-enter-pin"},
			}},
		{"*60 mailbox then PIN", voicemail.Options{}, voicemail.MenuStart{Mode: voicemail.AnyMailbox, Caller: "102"}, []step{
			{"", "play vm-enter-mailbox"},
			{"101#", "play vm-enter-pin"},
			{"2580#", "play " + youHave + " " + mainMenu},
		}},
		{"*60 fast login from own phone", voicemail.Options{FastLogin: true},
			voicemail.MenuStart{Mode: voicemail.AnyMailbox, Caller: "101", OwnPhone: true}, []step{
				{"", "play vm-enter-pin"},
				{"2580#", "play " + youHave + " " + mainMenu},
			}},
		{"*60 fast login and skip PIN", voicemail.Options{FastLogin: true, SkipPIN: true},
			voicemail.MenuStart{Mode: voicemail.AnyMailbox, Caller: "101", OwnPhone: true}, []step{
				{"", "play " + youHave + " " + mainMenu},
			}},
		{"*60 wrong PIN three times", voicemail.Options{}, voicemail.MenuStart{Mode: voicemail.AnyMailbox, Caller: "102"}, []step{
			{"", "play vm-enter-mailbox"},
			{"101#", "play vm-enter-pin"},
			{"1111#", "play vm-login-incorrect vm-enter-mailbox"},
			{"999#", "play vm-enter-pin"}, // no such mailbox: not revealed
			{"2580#", "play vm-login-incorrect vm-enter-mailbox"},
			{"101#", "play vm-enter-pin"},
			{"0000#", "hangup vm-login-incorrect vm-goodbye"},
		}},
		{"auto-play new messages", voicemail.Options{SkipPIN: true, AutoPlay: true}, own, []step{
			{"", "play " + youHave + " " + msg201},
		}},
		{"timeouts repeat the menu then end the call", voicemail.Options{SkipPIN: true}, own, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"timeout", "play " + mainMenu},
			{"timeout", "play " + mainMenu},
			{"timeout", "hangup vm-goodbye"},
		}},
		{"main menu keys", voicemail.Options{SkipPIN: true}, own, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"5", "play vm-invalid " + mainMenu},
			{"*", "play " + mainMenu},
			{"0", "play vm-options-menu"},
			{"*", "play " + mainMenu},
			{"#", "hangup vm-goodbye"},
			{"1", "none"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, label := menuRig(t, tc.opts)
			m, first := startMenu(t, r, tc.start)
			drive(t, m, first, tc.script, label, t0.Add(2*time.Hour))
		})
	}
}

func TestMenuLocked(t *testing.T) {
	r, label := menuRig(t, voicemail.Options{})
	ctx := context.Background()
	for i := range 5 {
		r.svc.Login(ctx, "101", "0000", t0.Add(time.Duration(i)*time.Second))
	}
	m, first := startMenu(t, r, voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101"})
	drive(t, m, first, []step{
		{"", "play vm-enter-pin"},
		{"2580#", "hangup vm-locked vm-goodbye"},
	}, label, t0.Add(30*time.Second))
}

func TestMenuMessages(t *testing.T) {
	own := voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101", OwnPhone: true}
	for _, tc := range []struct {
		name   string
		opts   voicemail.Options
		script []step
		after  func(t *testing.T, r *rig)
	}{
		{"listen, next, end of list", voicemail.Options{SkipPIN: true}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play " + msg201},
			{"played", "play vm-message-menu"},
			{"6", "play " + msg202},
			{"played", "play vm-message-menu"},
			{"6", "play vm-no-more " + mainMenu},
			{"2", "play vm-message-number #1 vm-received t:03-02T07:00 vm-from d:203 a:203"},
		}, func(t *testing.T, r *rig) {
			c, _ := r.svc.Counts(context.Background(), "101")
			if diff := cmp.Diff(voicemail.Counts{Old: 3, UrgentOld: 1}, c); diff != "" {
				t.Errorf("played messages not marked heard (-want +got):\n%s", diff)
			}
		}},
		{"barge-in skips without marking heard", voicemail.Options{SkipPIN: true}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play " + msg201},
			{"6", "play " + msg202},
			{"*", "play " + mainMenu},
		}, func(t *testing.T, r *rig) {
			c, _ := r.svc.Counts(context.Background(), "101")
			if c.New != 2 {
				t.Errorf("skipped messages became heard: %+v", c)
			}
		}},
		{"replay, previous, details, urgent, call back", voicemail.Options{SkipPIN: true}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play " + msg201},
			{"4", "play vm-first-message " + msg201},
			{"played", "play vm-message-menu"},
			{"1", "play a:201"},
			{"played", "play vm-message-menu"},
			{"2", "play vm-marked-urgent vm-message-menu"},
			{"5", "play vm-message-number #1 vm-urgent vm-received t:03-02T08:00 vm-from d:201 vm-message-menu"},
			{"6", "play " + msg202},
			{"4", "play vm-message-number #1 vm-urgent vm-received t:03-02T08:00 vm-from d:201 a:201"},
			{"0", "play vm-invalid vm-message-menu"},
			{"3", "call-back n:201"},
		}, nil},
		{"delete and save", voicemail.Options{SkipPIN: true}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play " + msg201},
			{"7", "play vm-deleted vm-message-number #1 vm-urgent vm-received t:03-02T09:00 vm-from d:202 a:202"},
			{"9", "play vm-saved vm-no-more " + mainMenu},
			{"1", "play vm-no-messages " + mainMenu},
			{"2", "play vm-message-number #1 vm-received t:03-02T07:00 vm-from d:203 a:203"},
			{"7", "play vm-deleted vm-message-number #1 vm-urgent vm-received t:03-02T09:00 vm-from d:202 a:202"},
		}, func(t *testing.T, r *rig) {
			c, _ := r.svc.Counts(context.Background(), "101")
			if diff := cmp.Diff(voicemail.Counts{Old: 1, UrgentOld: 1}, c); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		}},
		{"newest first, message only", voicemail.Options{SkipPIN: true, Order: voicemail.NewestFirst, Playback: voicemail.PlayMessageOnly}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play a:202"},
			{"5", "play vm-message-number #1 vm-urgent vm-received t:03-02T09:00 vm-from d:202 vm-message-menu"},
			{"6", "play a:201"},
		}, nil},
		{"details only", voicemail.Options{SkipPIN: true, Playback: voicemail.PlayDetailsOnly}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play vm-message-number #1 vm-received t:03-02T08:00 vm-from d:201"},
			{"played", "play vm-message-menu"},
			{"1", "play a:201"},
		}, nil},
		{"forward with and without comment", voicemail.Options{SkipPIN: true}, []step{
			{"", "play " + youHave + " " + mainMenu},
			{"1", "play " + msg201},
			{"8", "play vm-forward-to"},
			{"555#", "play vm-no-such-mailbox vm-message-menu"},
			{"8", "play vm-forward-to"},
			{"101#", "play vm-no-such-mailbox vm-message-menu"}, // not to itself
			{"8", "play vm-forward-to"},
			{"102#", "play vm-forward-comment"},
			{"3", "play vm-invalid vm-forward-comment"},
			{"1", "record vm-record-comment beep max:3m0s"},
			{"rec:1s", "play vm-forwarded vm-message-menu"},
			{"8", "play vm-forward-to"},
			{"102#", "play vm-forward-comment"},
			{"2", "play vm-forwarded vm-message-menu"},
		}, func(t *testing.T, r *rig) {
			p, _ := r.svc.List(context.Background(), "102", voicemail.Query{})
			var durs []time.Duration
			for _, m := range p.Messages {
				durs = append(durs, m.Duration)
			}
			sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
			if diff := cmp.Diff([]time.Duration{2 * time.Second, 3 * time.Second}, durs); diff != "" {
				t.Errorf("forwarded messages' lengths (-want +got):\n%s", diff)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, label := menuRig(t, tc.opts)
			m, first := startMenu(t, r, own)
			drive(t, m, first, tc.script, label, t0.Add(2*time.Hour))
			if tc.after != nil {
				tc.after(t, r)
			}
		})
	}
}

func TestMenuOptions(t *testing.T) {
	own := voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101", OwnPhone: true}
	rec := func(p string) string { return "record " + p + " beep max:3m0s" }
	for _, tc := range []struct {
		name   string
		script []step
		after  func(t *testing.T, r *rig)
	}{
		{"record unavailable greeting with review", []step{
			{"", "play " + youHave + " " + mainMenu},
			{"0", "play vm-options-menu"},
			{"1", rec("vm-record-greeting")},
			{"rec:2s", "play vm-review"},
			{"2", "play a:recording vm-review"},
			{"9", "play vm-invalid vm-review"},
			{"3", rec("vm-record-greeting")},
			{"rec:3s", "play vm-review"},
			{"1", "play vm-greeting-saved vm-options-menu"},
		}, func(t *testing.T, r *rig) {
			g, _ := r.svc.GreetingFor(context.Background(), "101", voicemail.ReasonNoAnswer, t0)
			if g.Kind != voicemail.GreetingUnavailable {
				t.Errorf("greeting after recording = %v, want unavailable", g.Kind)
			}
			if n := len(readAll(t, r.svc, g.Audio)); n != 3*8000 {
				t.Errorf("greeting has %d samples, want the second take's 24000", n)
			}
			for _, f := range r.fs.Files() {
				if strings.Contains(f, ".tmp-") {
					t.Errorf("temporary file left: %s", f)
				}
			}
		}},
		{"busy, name, temporary, erase", []step{
			{"", "play " + youHave + " " + mainMenu},
			{"0", "play vm-options-menu"},
			{"2", rec("vm-record-greeting")},
			{"#", "play vm-review"},
			{"1", "play vm-greeting-saved vm-options-menu"},
			{"3", rec("vm-record-name")},
			{"rec:1s", "play vm-review"},
			{"1", "play vm-greeting-saved vm-options-menu"},
			{"4", rec("vm-record-greeting")},
			{"rec:1s", "play vm-review"},
			{"1", "play vm-greeting-saved vm-temp-days"},
			{"#", "play vm-temp-no-end vm-options-menu"},
			{"5", "play vm-greeting-erased vm-options-menu"},
			{"8", "play vm-invalid vm-options-menu"},
			{"*", "play " + mainMenu},
		}, func(t *testing.T, r *rig) {
			mb, _ := r.svc.Mailbox(context.Background(), "101")
			want := voicemail.Greetings{Mode: voicemail.ModeConditional,
				Recorded: []voicemail.GreetingKind{voicemail.GreetingBusy, voicemail.GreetingName}}
			if diff := cmp.Diff(want, mb.Greetings); diff != "" {
				t.Errorf("greetings (-want +got):\n%s", diff)
			}
		}},
		{"hang up while recording discards it", []step{
			{"", "play " + youHave + " " + mainMenu},
			{"0", "play vm-options-menu"},
			{"4", rec("vm-record-greeting")},
			{"hangup", "none"},
		}, func(t *testing.T, r *rig) {
			for _, f := range r.fs.Files() {
				if strings.Contains(f, "greeting") || strings.Contains(f, ".tmp-") {
					t.Errorf("hang-up left %s", f)
				}
			}
		}},
		{"change PIN", []step{
			{"", "play " + youHave + " " + mainMenu},
			{"0", "play vm-options-menu"},
			{"6", "play vm-new-pin"},
			{"1234#", "play vm-pin-invalid vm-new-pin"},
			{"9731#", "play vm-reenter-pin"},
			{"9732#", "play vm-pin-mismatch vm-new-pin"},
			{"9731#", "play vm-reenter-pin"},
			{"9731#", "play vm-pin-changed vm-options-menu"},
		}, func(t *testing.T, r *rig) {
			if err := r.svc.Login(context.Background(), "101", "9731", t0); err != nil {
				t.Errorf("new PIN refused: %v", err)
			}
		}},
		{"details toggle", []step{
			{"", "play " + youHave + " " + mainMenu},
			{"0", "play vm-options-menu"},
			{"7", "play vm-details-off vm-options-menu"},
			{"*", "play " + mainMenu},
			{"1", "play a:201"},
			{"*", "play " + mainMenu},
			{"0", "play vm-options-menu"},
			{"7", "play vm-details-on vm-options-menu"},
		}, func(t *testing.T, r *rig) {
			mb, _ := r.svc.Mailbox(context.Background(), "101")
			if mb.Options.Playback != voicemail.PlayDetailsAndMessage {
				t.Errorf("playback = %v", mb.Options.Playback)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, label := menuRig(t, voicemail.Options{SkipPIN: true})
			m, first := startMenu(t, r, own)
			drive(t, m, first, tc.script, label, t0.Add(2*time.Hour))
			if tc.after != nil {
				tc.after(t, r)
			}
		})
	}
}

// TestMenuTemporaryGreetingDays: after a temporary greeting is accepted,
// the menu asks for how many days it should play (CommPortal and
// FortiVoice: a temporary greeting active until a date), says until when,
// and the greeting then plays until exactly then. The menu runs at
// 10:00 on 2 March 2026 (UTC).
func TestMenuTemporaryGreetingDays(t *testing.T) {
	own := voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101", OwnPhone: true}
	now := t0.Add(2 * time.Hour)
	recordTemp := []step{
		{"", "play " + youHave + " " + mainMenu},
		{"0", "play vm-options-menu"},
		{"4", "record vm-record-greeting beep max:3m0s"},
		{"rec:1s", "play vm-review"},
		{"1", "play vm-greeting-saved vm-temp-days"},
	}
	for _, tc := range []struct {
		name string
		// stale is a TemporaryUntil the mailbox had before (an earlier
		// temporary greeting's).
		stale  time.Time
		script []step
		until  time.Time // want Greetings.TemporaryUntil
	}{
		{name: "three days", script: []step{
			{"3#", "play vm-temp-until t:03-05T10:00 vm-options-menu"},
		}, until: now.AddDate(0, 0, 3)},
		{name: "no end date", script: []step{
			{"#", "play vm-temp-no-end vm-options-menu"},
		}},
		{name: "out of range, then one day", script: []step{
			{"0#", "play vm-invalid vm-temp-days"},
			{"367#", "play vm-invalid vm-temp-days"},
			{"99999999999999999999#", "play vm-invalid vm-temp-days"},
			{"1#", "play vm-temp-until t:03-03T10:00 vm-options-menu"},
		}, until: now.AddDate(0, 0, 1)},
		{name: "the longest", script: []step{
			{"366#", "play vm-temp-until t:03-03T10:00 vm-options-menu"},
		}, until: now.AddDate(0, 0, 366)},
		{name: "timeout repeats the question", script: []step{
			{"timeout", "play vm-temp-days"},
			{"2#", "play vm-temp-until t:03-04T10:00 vm-options-menu"},
		}, until: now.AddDate(0, 0, 2)},
		{name: "hang-up keeps the greeting with no end, not an old end date", stale: t0.Add(-24 * time.Hour), script: []step{
			{"hangup", "none"},
		}},
		{name: "an old end date is replaced", stale: t0.Add(-24 * time.Hour), script: []step{
			{"7#", "play vm-temp-until t:03-09T10:00 vm-options-menu"},
		}, until: now.AddDate(0, 0, 7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, label := menuRig(t, voicemail.Options{SkipPIN: true})
			ctx := context.Background()
			if !tc.stale.IsZero() {
				if err := r.svc.UpdateMailbox(ctx, "101", func(mb *voicemail.Mailbox) { mb.Greetings.TemporaryUntil = tc.stale }); err != nil {
					t.Fatal(err)
				}
			}
			m, first := startMenu(t, r, own)
			drive(t, m, first, append(slices.Clone(recordTemp), tc.script...), label, now)
			mb, err := r.svc.Mailbox(ctx, "101")
			if err != nil {
				t.Fatal(err)
			}
			want := voicemail.Greetings{TemporaryUntil: tc.until, Recorded: []voicemail.GreetingKind{voicemail.GreetingTemporary}}
			if diff := cmp.Diff(want, mb.Greetings); diff != "" {
				t.Errorf("greetings (-want +got):\n%s", diff)
			}
			// Callers hear it until the end, and not from then on; with no
			// end, still a year later.
			checks := map[time.Time]voicemail.GreetingKind{now: voicemail.GreetingTemporary, now.AddDate(1, 0, 0): voicemail.GreetingTemporary}
			if !tc.until.IsZero() {
				checks = map[time.Time]voicemail.GreetingKind{now: voicemail.GreetingTemporary,
					tc.until.Add(-time.Minute): voicemail.GreetingTemporary, tc.until: voicemail.GreetingStandard}
			}
			for at, want := range checks {
				if k := mb.Greetings.For(voicemail.ReasonNoAnswer, at); k != want {
					t.Errorf("greeting at %v = %v, want %v", at, k, want)
				}
			}
		})
	}
}

// TestEraseTemporaryGreetingClearsEndDate: erasing the temporary greeting
// forgets its end date, so the next one does not inherit it.
func TestEraseTemporaryGreetingClearsEndDate(t *testing.T) {
	r, _ := menuRig(t, voicemail.Options{SkipPIN: true})
	ctx := context.Background()
	rec, err := r.svc.BeginRecording(ctx, "101", 0)
	if err != nil {
		t.Fatal(err)
	}
	rec.WriteSamples(tone(time.Second, 5))
	if err := r.svc.SaveGreeting(ctx, "101", voicemail.GreetingTemporary, rec); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.UpdateMailbox(ctx, "101", func(mb *voicemail.Mailbox) { mb.Greetings.TemporaryUntil = t0.AddDate(0, 0, 3) }); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.DeleteGreeting(ctx, "101", voicemail.GreetingTemporary); err != nil {
		t.Fatal(err)
	}
	mb, _ := r.svc.Mailbox(ctx, "101")
	if diff := cmp.Diff(voicemail.Greetings{}, mb.Greetings); diff != "" {
		t.Errorf("greetings after erasing (-want +got):\n%s", diff)
	}
}

func TestMenuUnknownCaller(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101", Options: voicemail.Options{SkipPIN: true}})
	m, err := deposit(t, r.svc, "101", "", 2*time.Second, t0)
	if err != nil {
		t.Fatal(err)
	}
	menu, first := startMenu(t, r, voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101", OwnPhone: true})
	drive(t, menu, first, []step{
		{"", "play vm-you-have #1 vm-new vm-message " + mainMenu},
		{"1", "play vm-message-number #1 vm-received t:03-02T08:00 vm-from vm-unknown-caller a:msg"},
		{"3", "play vm-invalid vm-message-menu"},
	}, func(ref string) string {
		if ref == m.Audio {
			return "msg"
		}
		return ref
	}, t0)
}
