package voicemail_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/telekit/telekit/voicemail"
)

// A caller leaves a message; the owner's phone hears the counts change.
func Example() {
	dir, _ := os.MkdirTemp("", "voicemail")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	svc, err := voicemail.New(voicemail.Config{
		FS:    voicemail.OSFS{Dir: dir},
		Store: voicemail.NewMemStore(),
		Notifier: voicemail.NotifierFuncs{Changed: func(_ context.Context, mb string, c voicemail.Counts) {
			fmt.Printf("MWI %s: %d new, %d old\n", mb, c.New, c.Old)
		}},
	})
	if err != nil {
		panic(err)
	}
	if err := svc.CreateMailbox(ctx, voicemail.Mailbox{ID: "101", Name: "Alice"}); err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	dep, err := svc.Begin(ctx, "101", voicemail.DepositMeta{CallerNumber: "+15550100", Received: now})
	if err != nil {
		panic(err)
	}
	frame := make([]int16, 160) // 20 ms of audio from the RTP stream
	for range 150 {             // 3 seconds
		dep.WriteSamples(frame)
	}
	m, err := dep.Commit(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("left:", m.CallerNumber, m.Duration, m.Folder)
	svc.MarkHeard(ctx, "101", m.ID)
	// Output:
	// MWI 101: 1 new, 0 old
	// left: +15550100 3s new
	// MWI 101: 0 new, 1 old
}

// The greeting a caller hears depends on why the call came and when.
func ExampleGreetings_For() {
	g := voicemail.Greetings{
		Mode:           voicemail.ModeConditional,
		Recorded:       []voicemail.GreetingKind{voicemail.GreetingBusy, voicemail.GreetingUnavailable, voicemail.GreetingTemporary},
		TemporaryUntil: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC),
	}
	monday := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	nextWeek := monday.AddDate(0, 0, 7)
	fmt.Println(g.For(voicemail.ReasonBusy, monday))
	fmt.Println(g.For(voicemail.ReasonBusy, nextWeek))
	fmt.Println(g.For(voicemail.ReasonNoAnswer, nextWeek))
	// Output:
	// temporary
	// busy
	// unavailable
}

// The telephone menu is driven by events; the application plays what it
// is told.
func ExampleMenu() {
	ctx := context.Background()
	store := voicemail.NewMemStore()
	svc, _ := voicemail.New(voicemail.Config{FS: voicemail.OSFS{Dir: os.TempDir()}, Store: store})
	store.PutMailbox(ctx, voicemail.Mailbox{ID: "101", Options: voicemail.Options{SkipPIN: true}})
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

	m := svc.NewMenu()
	a, _ := m.Start(ctx, voicemail.MenuStart{Mode: voicemail.OwnMailbox, Caller: "101", OwnPhone: true}, now)
	fmt.Println(a.Kind, a.Play[0].Prompt, a.Play[1].Prompt)
	a, _ = m.Handle(ctx, voicemail.Key('#'), now)
	fmt.Println(a.Kind, a.Play[0].Prompt)
	// Output:
	// play vm-no-messages vm-main-menu
	// hangup vm-goodbye
}
