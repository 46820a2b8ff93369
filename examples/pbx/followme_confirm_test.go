package main

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/internal/interop"
)

// TestFollowMeConfirm: follow-me profiles whose leg is an outside number
// through the trunk, with "press 1 to accept". The provider (sipp,
// provider_confirm.xml) answers both legs at once.
//   - 102's leg: the provider presses 1 during the prompt; only then does
//     the caller get 200, talk for 2 s and hang up, and the provider gets
//     the BYE.
//   - 103's leg: the provider presses nothing; the PBX hangs the leg up
//     (the provider gets BYE) and the call goes to 103's voicemail, where
//     the caller hangs up during the greeting.
//
// The call flows say which leg accepted.
func TestFollowMeConfirm(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	if _, err := os.Stat("/usr/share/sip-tester/dtmf_2833_1.pcap"); err != nil {
		interop.Missing(t, "sipp's dtmf_2833_1.pcap (install sip-tester)")
	}
	prov, provPort := startSippUAS(t, sipp, "provider", sippScenario("provider_confirm.xml"), 55*time.Second, "-m", "3")
	c := startCallHandlingPBX(t, sipp, []string{"trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort),
		"-user", "trunkuser", "-password", "trunkpass", "-prefix", "9"})
	followMe := func(ext, number string) {
		s := c.settings(t, ext)
		s.FollowMe = []callhandling.FollowMeProfile{{Name: "mobile", OwnSeconds: 1, Confirm: true,
			Numbers: []callhandling.FollowMeNumber{{Number: number, Seconds: 10}}}}
		s.ActiveFollowMe = "mobile"
		s.RingSeconds = 1
		c.put(t, ext, s)
	}

	// Accepted: 101 reaches 102's mobile.
	followMe("102", "95551234567")
	desk := c.phone(t, "102", "uas_ring.xml")
	c.dial(t, "101", "102", 200)
	if err := desk.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	flow := c.lastFlow(t, "101", 1)
	for _, want := range []string{"follow me leg 1: ring 95551234567 for 10s (press 1 to accept)", "follow me leg 1 accepted"} {
		if !hasLine(flow, want) {
			t.Errorf("call flow %q lacks %q", flow, want)
		}
	}
	if hasLine(flow, "voicemail") {
		t.Errorf("call flow %q went on to voicemail", flow)
	}

	// Not accepted: 101's call to 103 ends in voicemail. The caller waits
	// longer than placeCall allows: 1 s of the desk phone, the prompt, 10 s
	// for the key, then the greeting.
	followMe("103", "95551234568")
	desk = c.phone(t, "103", "uas_ring.xml")
	caller := startCall(t, c.sipp, c.sip, "101", c.demo["101"], "103", "vm_hangup_greeting.xml", 45*time.Second)
	for _, p := range []*bgProc{desk, caller} {
		if err := p.wait(45 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	flow = c.lastFlow(t, "101", 2)
	for _, want := range []string{"follow me leg 1: ring 95551234568", "follow me leg 1 did not accept", "voicemail (no-answer)"} {
		if !hasLine(flow, want) {
			t.Errorf("call flow %q lacks %q", flow, want)
		}
	}
	c.stop()
	if err := prov.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
}
