package sip_test

import (
	"context"
	"fmt"
	"time"

	"github.com/telekit/telekit/sip"
)

// A follow-me leg to a mobile asks whoever answers to press 1, so that
// the mobile's voicemail cannot take the call: until the key comes the
// caller hears ringing; if it never comes (10 s by default) the mobile is
// hung up and NextStep is asked, with OutcomeNoAnswer, what comes next.
func ExampleConfirmFunc() {
	pressOne := sip.ConfirmFunc(func(ctx context.Context, leg *sip.AppLeg) bool {
		// leg.Play(ctx, prompt) tells the callee what to do; keys arrive
		// on leg.Digits while it plays.
		for {
			select {
			case d := <-leg.Digits():
				if d == '1' {
					return true
				}
			case <-ctx.Done(): // declined by hanging up, too late, or the caller left
				return false
			}
		}
	})
	mobile := sip.Binding{AOR: "5551234567", Contact: "sip:5551234567@provider.example.net"}
	t := sip.Target{Bindings: []sip.Binding{mobile}, RingFor: 20 * time.Second, Confirm: pressOne, ConfirmFor: 15 * time.Second}
	fmt.Println(len(t.Bindings), "binding, asked to accept within", t.ConfirmFor)
	// Output:
	// 1 binding, asked to accept within 15s
}
