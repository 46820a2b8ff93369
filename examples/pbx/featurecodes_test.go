package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/internal/interop"
)

// TestFeatureCodesFromPhone: codes dialled from a sipp phone change the
// settings the API shows, and calls follow them: *74 DND sends calls to
// voicemail (the caller hangs up in the greeting), *71103# forwards every call to 103 and *071 clears
// it, a wrong code is answered with the invalid-code prompt.
func TestFeatureCodesFromPhone(t *testing.T) {
	c := startCallHandlingPBX(t, interop.LookPath(t, "sipp", "sip-tester"))
	calls := 0
	code := func(ext, dialled string) {
		t.Helper()
		c.dial(t, ext, dialled, "app") // answered, prompt played, hung up
	}

	code("102", "*74")
	if s := c.settings(t, "102"); !s.DND {
		t.Fatalf("after *74, 102's DND is off")
	}
	placeCall(t, c.sipp, c.sip, "101", c.demo["101"], "102", "vm_hangup_greeting.xml") // DND: voicemail
	calls++
	if flow := c.lastFlow(t, "101", calls); !hasLine(flow, "do not disturb") || !hasLine(flow, "voicemail (dnd)") {
		t.Errorf("call to 102 in DND: flow %q", flow)
	}
	code("102", "*074")
	if s := c.settings(t, "102"); s.DND {
		t.Errorf("after *074, 102's DND is on")
	}

	code("102", "*71103%23") // '#' as phones send it in a URI
	want := callhandling.Forward{Active: true, Destination: "103"}
	if diff := cmp.Diff(want, c.settings(t, "102").Forwarding.Immediate); diff != "" {
		t.Fatalf("after *71103#, immediate forwarding (-want +got):\n%s", diff)
	}
	answer := c.phone(t, "103", "uas_answer.xml", "-rtp_echo")
	c.dial(t, "101", "102", 200)
	calls++
	if err := answer.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	if flow := c.lastFlow(t, "101", calls); !hasLine(flow, "forward to extension 103") {
		t.Errorf("call to 102 forwarded: flow %q", flow)
	}
	code("102", "*071")
	if f := c.settings(t, "102").Forwarding.Immediate; f.Active {
		t.Errorf("after *071, immediate forwarding is %+v", f)
	}

	// A code with a wrong argument: answered, told, nothing changed.
	before := c.settings(t, "102")
	code("102", "*721999")
	if diff := cmp.Diff(before, c.settings(t, "102")); diff != "" {
		t.Errorf("a wrong code changed the settings (-before +after):\n%s", diff)
	}
	// Call control is not served yet.
	c.dial(t, "102", "*8", 501)
}

// TestPhoneLock: with password protection enabled, *11<password> locks the
// phone: its calls are refused with the locked-phone prompt, except an
// emergency number, which is routed (here to 404: no trunk takes it in
// this test); a wrong password changes nothing; *11<password> unlocks.
func TestPhoneLock(t *testing.T) {
	c := startCallHandlingPBX(t, interop.LookPath(t, "sipp", "sip-tester"))
	s := c.settings(t, "102")
	s.Lock = callhandling.Lock{Enabled: true, Password: "4321"}
	c.put(t, "102", s)

	c.dial(t, "102", "*111111", "app") // wrong password
	if c.settings(t, "102").Lock.Locked {
		t.Fatal("a wrong password locked the phone")
	}
	c.dial(t, "102", "*114321", "app")
	if !c.settings(t, "102").Lock.Locked {
		t.Fatal("*11 with the password did not lock the phone")
	}
	answer := c.phone(t, "103", "uas_answer.xml", "-rtp_echo")
	c.dial(t, "102", "103", "app") // refused with a prompt: 103 never rings
	c.dial(t, "102", "*74", "app") // other codes too
	if c.settings(t, "102").DND {
		t.Error("a locked phone turned DND on")
	}
	c.dial(t, "102", "911", 404) // not refused by the lock
	c.dial(t, "102", "*114321", "app")
	if c.settings(t, "102").Lock.Locked {
		t.Fatal("*11 with the password did not unlock the phone")
	}
	c.dial(t, "102", "103", 200)
	if err := answer.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
}
