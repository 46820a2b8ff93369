package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/internal/interop"
)

// TestTwinThroughTrunk: 102's twin is an outside number. A call to 102
// rings 102's desk phone (sipp) and the number through the trunk's
// provider (sipp, provider_twin.xml) in the same attempt. First the
// provider answers (after the trunk's digest challenge) and the desk phone
// is cancelled; then, for 103 whose twin is a number the provider only
// rings, the desk phone answers and the provider's INVITE is cancelled.
// The provider's scenario ends (the trunk unregisters) when the PBX
// stops, and fails if any of that did not happen.
func TestTwinThroughTrunk(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	// The provider listens before the PBX starts, so the trunk's REGISTER
	// finds it.
	prov, provPort := startSippUAS(t, sipp, "provider", sippScenario("provider_twin.xml"), 30*time.Second, "-m", "3")
	c := startCallHandlingPBX(t, sipp, []string{"trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort),
		"-user", "trunkuser", "-password", "trunkpass", "-prefix", "9"})
	twin := func(ext, number string) {
		s := c.settings(t, ext)
		s.Twinning = callhandling.Twinning{Active: true, Number: number}
		c.put(t, ext, s)
	}

	// The twin answers; the desk phone rings until cancelled.
	twin("102", "95551234567")
	desk := c.phone(t, "102", "uas_ring.xml")
	c.dial(t, "101", "102", 200)
	if err := desk.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	if flow := c.lastFlow(t, "101", 1); !hasLine(flow, "twin 95551234567 rings through the trunk") {
		t.Errorf("call flow %q lacks the twin", flow)
	}

	// The desk phone answers at once; the twin rings until cancelled.
	// (103: a phone registers once per extension in these tests.) The PBX
	// holds the twin's CANCEL until the provider's first provisional
	// response (RFC 3261 section 9.1): sent earlier, sipp aborted the call
	// two runs in three on a loaded machine.
	twin("103", "95551234568")
	desk = c.phone(t, "103", "uas_answer.xml", "-rtp_echo")
	c.dial(t, "101", "103", 200)
	if err := desk.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.stop()
	if err := prov.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
}
