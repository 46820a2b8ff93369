package voicemail_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/voicemail"
)

// TestVisibleMailboxes: a member sees its own mailbox first, then the
// shared and group mailboxes that name it; others see only their own.
func TestVisibleMailboxes(t *testing.T) {
	r := newRig(t,
		voicemail.Mailbox{ID: "201", Name: "Alice"},
		voicemail.Mailbox{ID: "202", Name: "Bob", Members: []string{"201"}},
		voicemail.Mailbox{ID: "sales", Name: "Sales", Members: []string{"201", "203"}},
		voicemail.Mailbox{ID: "203", Name: "Carol"},
	)
	ctx := context.Background()
	for ext, want := range map[string][]string{
		"201": {"201", "202", "sales"},
		"203": {"203", "sales"},
		"202": {"202"},
		"999": nil,
	} {
		mbs, err := r.svc.VisibleMailboxes(ctx, ext)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range mbs {
			got = append(got, m.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("VisibleMailboxes(%s) (-want +got):\n%s", ext, diff)
		}
	}
}

// TestUpdateMailboxRefusesBadSchedules: invalid scheduled greetings are
// refused and the stored settings stay as they were.
func TestUpdateMailboxRefusesBadSchedules(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "201"})
	ctx := context.Background()
	err := r.svc.UpdateMailbox(ctx, "201", func(m *voicemail.Mailbox) {
		m.Greetings.Mode = voicemail.ModeScheduled
		m.Greetings.Schedules = []voicemail.ScheduledGreeting{{Schedule: schedule.Schedule{Zone: "UTC"}, Greeting: voicemail.GreetingTemporary}}
	})
	if err == nil {
		t.Fatal("UpdateMailbox accepted a temporary greeting on a schedule")
	}
	mb, _ := r.svc.Mailbox(ctx, "201")
	if mb.Greetings.Mode != voicemail.ModeStandard || len(mb.Greetings.Schedules) != 0 {
		t.Errorf("a refused update was stored: %+v", mb.Greetings)
	}
}
