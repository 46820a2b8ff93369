package voicemail_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/voicemail"
)

func TestDepositCall(t *testing.T) {
	type result struct {
		Left     bool
		Urgent   bool
		Duration time.Duration
		Err      error
	}
	rec := "record beep max:3m0s"
	for _, tc := range []struct {
		name   string
		mb     voicemail.Mailbox
		reason voicemail.Reason
		script []step
		want   result
	}{
		{"standard unavailable, hang up sends", voicemail.Mailbox{ID: "101"}, voicemail.ReasonNoAnswer, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message"},
			{"played", rec},
			{"hangup", "none"}, // nothing recorded yet: too short
		}, result{Err: voicemail.ErrTooShort}},
		{"standard busy, record, hang up", voicemail.Mailbox{ID: "101"}, voicemail.ReasonBusy, []step{
			{"", "play vm-person-at d:101 vm-busy vm-leave-message"},
			{"played", rec},
			{"rec:3s", "play vm-deposit-menu"},
			{"hangup", "none"},
		}, result{Left: true, Duration: 3 * time.Second}},
		{"deposit menu: listen, urgent, invalid, send", voicemail.Mailbox{ID: "101"}, voicemail.ReasonDND, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message"},
			{"#", rec}, // skip the greeting
			{"rec:2s", "play vm-deposit-menu"},
			{"2", "play a:recording vm-deposit-menu"},
			{"4", "play vm-marked-urgent vm-deposit-menu"},
			{"7", "play vm-invalid vm-deposit-menu"},
			{"1", "hangup vm-message-sent vm-goodbye"},
		}, result{Left: true, Urgent: true, Duration: 2 * time.Second}},
		{"record again", voicemail.Mailbox{ID: "101"}, voicemail.ReasonUnavailable, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message"},
			{"played", rec},
			{"rec:2s", "play vm-deposit-menu"},
			{"3", "record vm-leave-message beep max:3m0s"},
			{"rec:4s", "play vm-deposit-menu"},
			{"timeout", "hangup vm-message-sent vm-goodbye"},
		}, result{Left: true, Duration: 4 * time.Second}},
		{"too short then send records again", voicemail.Mailbox{ID: "101"}, voicemail.ReasonNoAnswer, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message"},
			{"played", rec},
			{"rec:200ms", "play vm-deposit-menu"},
			{"1", "record vm-leave-message beep max:3m0s"},
			{"rec:2s", "play vm-deposit-menu"},
			{"1", "hangup vm-message-sent vm-goodbye"},
		}, result{Left: true, Duration: 2 * time.Second}},
		{"operator", voicemail.Mailbox{ID: "101", Options: voicemail.Options{Operator: "100"}}, voicemail.ReasonNoAnswer, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message vm-operator-hint"},
			{"0", "transfer n:100"},
		}, result{}},
		{"0 without operator is ignored", voicemail.Mailbox{ID: "101"}, voicemail.ReasonNoAnswer, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message"},
			{"0", "none"},
			{"played", rec},
			{"hangup", "none"},
		}, result{Err: voicemail.ErrTooShort}},
		{"a key that stopped the greeting, then a timeout, goes to the beep", voicemail.Mailbox{ID: "101"}, voicemail.ReasonNoAnswer, []step{
			{"", "play vm-person-at d:101 vm-unavailable vm-leave-message"},
			{"5", "none"},
			{"timeout", rec},
			{"hangup", "none"},
		}, result{Err: voicemail.ErrTooShort}},
		{"recorded greeting and max length", voicemail.Mailbox{ID: "101", Quota: voicemail.Quota{MaxLength: 5 * time.Second},
			Greetings: voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: []voicemail.GreetingKind{voicemail.GreetingBusy}}},
			voicemail.ReasonBusy, []step{
				{"", "play a:greeting-busy.wav"},
				{"played", "record beep max:5s"},
				{"rec:9s", "play vm-deposit-menu"},
				{"1", "hangup vm-message-sent vm-goodbye"},
			}, result{Left: true, Duration: 5 * time.Second}},
		{"recorded name in the standard greeting", voicemail.Mailbox{ID: "101",
			Greetings: voicemail.Greetings{Recorded: []voicemail.GreetingKind{voicemail.GreetingName}}},
			voicemail.ReasonBusy, []step{
				{"", "play a:greeting-name.wav vm-busy vm-leave-message"},
				{"hangup", "none"},
			}, result{}},
		{"mailbox full", voicemail.Mailbox{ID: "101", Quota: voicemail.Quota{MaxMessages: 1}}, voicemail.ReasonNoAnswer, []step{
			{"", "hangup vm-mailbox-full"},
		}, result{Err: voicemail.ErrMailboxFull}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.mb)
			ctx := context.Background()
			if tc.mb.Quota.MaxMessages == 1 {
				deposit(t, r.svc, "101", "1", 2*time.Second, t0)
			}
			before, _ := r.svc.Counts(ctx, "101")
			c := r.svc.NewDepositCall("101", voicemail.DepositMeta{CallerNumber: "+15550100"}, tc.reason)
			first, err := c.Start(ctx, t0)
			if err != nil {
				t.Fatal(err)
			}
			label := func(ref string) string {
				if len(ref) > 4 && ref[4] == '.' {
					return "recording"
				}
				return ref[4:]
			}
			drive(t, c, first, tc.script, label, t0)
			m, err := c.Result()
			got := result{Left: m.ID != "", Urgent: m.Urgent, Duration: m.Duration, Err: err}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) || errors.Is(b, a) })); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			after, _ := r.svc.Counts(ctx, "101")
			if wantNew := before.New + map[bool]int{true: 1}[tc.want.Left]; after.New != wantNew {
				t.Errorf("new messages %d, want %d", after.New, wantNew)
			}
			var tmp []string
			for _, f := range r.fs.Files() {
				if len(f) > 4 && f[4] == '.' {
					tmp = append(tmp, f)
				}
			}
			sort.Strings(tmp)
			if len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}
		})
	}
}

// TestMain checks, after a full run, that the menu tests heard every
// prompt PromptNames lists (summary checks the converse on every action).
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		var missing []string
		for _, n := range voicemail.PromptNames() {
			if _, ok := emitted.Load(n); !ok {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: prompts listed in PromptNames that no menu test heard: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

func TestPromptNamesSorted(t *testing.T) {
	if !sort.StringsAreSorted(voicemail.PromptNames()) {
		t.Error("PromptNames is not sorted")
	}
}
