package callhandling_test

import (
	"fmt"
	"time"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/phonenumber"
)

func exampleSystem() *callhandling.System {
	return &callhandling.System{
		Plan: phonenumber.Plan{
			CountryCode: "33", TrunkPrefix: "0", InternationalPrefixes: []string{"00"}, OutsidePrefixes: []string{"9"},
			NationalLengths: phonenumber.Lengths{Min: 9, Max: 9}, ExtensionLengths: phonenumber.Lengths{Min: 3, Max: 3},
			Emergency: []string{"112", "15", "17", "18"}, Grouping: []int{2, 2, 2, 2},
		},
		DefaultRingSeconds: 20,
	}
}

// A PBX calls Plan on INVITE, carries out each step, and asks Next after
// every outcome until the step is terminal.
func ExamplePlan() {
	sys := exampleSystem()
	s := &callhandling.Settings{
		Extension: "100", Voicemail: true, ActiveFollowMe: "office",
		FollowMe: []callhandling.FollowMeProfile{{Name: "office", OwnSeconds: 15,
			Numbers: []callhandling.FollowMeNumber{{Number: "101", Seconds: 10}, {Number: "0612345678", Seconds: 20}},
			Confirm: true}},
	}
	call := callhandling.Call{Class: callhandling.ClassExternal}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	st := callhandling.Plan(s, sys, call, callhandling.Line{Devices: 1}, now)
	for {
		flow := st.Flow()
		fmt.Println(flow[len(flow)-1])
		if st.Kind == callhandling.KindDone {
			break
		}
		st = callhandling.Next(s, sys, call, st, callhandling.NoAnswer, now)
	}
	// Output:
	// ring phones for 15s
	// follow me leg 1: ring 101 for 10s
	// follow me leg 2: ring 0612345678 for 20s (press 1 to accept)
	// voicemail (no-answer)
	// done
}

// Explain says how calls will be handled, naming what overrides what.
func ExampleExplain() {
	sys := exampleSystem()
	s := &callhandling.Settings{
		Extension: "803", Voicemail: true, ActiveFollowMe: "mobile",
		FollowMe: []callhandling.FollowMeProfile{{Name: "mobile", Numbers: []callhandling.FollowMeNumber{{Number: "0612345678"}}}},
		Forwarding: callhandling.Forwarding{
			Immediate: callhandling.Forward{Active: true, Destination: "0123456789"},
			NoAnswer:  callhandling.Forward{Active: true, Destination: "804"},
		},
	}
	fmt.Print(callhandling.Explain(s, sys, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)).English())
	// Output:
	// Immediate forwarding to 01 23 45 67 89 is on, so Follow Me and No-answer forwarding never run.
	// All calls are forwarded to 01 23 45 67 89.
}

// Apply carries out a settings feature code and names the prompt to play.
func ExampleApply() {
	sys := exampleSystem()
	codes, _ := callhandling.NewCodeTable(callhandling.DefaultCodes())
	s := callhandling.Settings{Extension: "803"}
	for _, dialled := range []string{"*72804#", "*74", "*721", "*75101#", "*8"} {
		in, _ := codes.Parse(dialled)
		var conf callhandling.Confirmation
		var err error
		s, conf, err = callhandling.Apply(s, sys, in, callhandling.ApplyEnv{}, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
		fmt.Println(dialled, conf.Prompt, err)
	}
	fmt.Println(s.Forwarding.Busy.Destination, s.DND, s.QuickMode.Mode, s.QuickMode.Until.Format(time.DateTime))
	// Output:
	// *72804# ch-forward-busy-on <nil>
	// *74 ch-dnd-on <nil>
	// *721 ch-mode-out-of-office <nil>
	// *75101# ch-block-not-allowed callhandling: blocked "101": extensions cannot be blocked
	// *8  callhandling: not a settings feature code
	// 804 true Out of office 2026-03-03 00:00:00
}
