package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// TestCallBetweenExtensions: two real phones (sipp) registered with the
// demo credentials; 101 calls 102 with an authenticated INVITE, RTP flows
// through the PBX's bridge (the callee echoes it), the caller hangs up, and
// both users find the call in their own history with the right view.
func TestCallBetweenExtensions(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")

	// 102's phone: register from a port, then answer on it.
	uas := startPhone(t, sipp, p.sip, "102", p.demo["102"], sipScenario("uas_answer.xml"), "-rtp_echo")

	// 101 calls 102.
	placeCall(t, sipp, p.sip, "101", p.demo["101"], "102", "call_auth.xml")
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee sipp: %v", err)
	}

	// The call is in the history of both, and only theirs.
	for _, tc := range []struct {
		ext, view, role string
	}{{"101", "placed", "caller"}, {"102", "received", "callee"}} {
		c := portalUser(t, p, tc.ext)
		got := waitCalls(t, c, tc.view, 1)[0]
		if got.From != "101" || got.To != "102" || got.Disposition != "answered" || got.Role != tc.role || got.Seconds < 1 {
			t.Errorf("%s's %s call: %+v", tc.ext, tc.view, got)
		}
		code, body := c.do("GET", "/api/v1/calls/"+got.ID, nil)
		var one callView
		if code != http.StatusOK || json.Unmarshal(body, &one) != nil || len(one.Flow) < 3 {
			t.Errorf("%s GET call %s: %d %s", tc.ext, got.ID, code, body)
		}
	}
	// Carol was not in the call: she sees nothing of it, even by ID.
	carol := portalUser(t, p, "103")
	if code, body := carol.do("GET", "/api/v1/calls", nil); code != http.StatusOK || string(body) != "[]\n" {
		t.Errorf("Carol's history: %d %s", code, body)
	}
}

// TestInboundTrunkCall: the trunk provider (sipp) delivers a call to a DID
// without credentials; the PBX recognises the trunk by its address, routes
// the DID to extension 102 (a registered sipp phone) and logs an incoming
// call in 102's history. The same INVITE from any other address is
// challenged.
func TestInboundTrunkCall(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	provPort := freePort(t)
	// The extension must exist before a DID can point at it: create it
	// through the demo set-up by starting once.
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	p.stop()
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort), "-user", "u", "-password", "p",
		"-did", "+15551230000=102", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p2 := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	p2.demo = p.demo

	uas := startPhone(t, sipp, p2.sip, "102", p.demo["102"], sipScenario("uas_answer.xml"))

	prov := startSippBackground(t, sipp, "provider", sippScenario("trunk_inbound.xml"),
		p2.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatalf("provider (port %d): %v", provPort, err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee: %v", err)
	}

	bob := portalUser(t, p2, "102")
	if c := waitCalls(t, bob, "received", 1)[0]; c.From != "5557654321" || c.To != "15551230000" || c.Direction != "incoming" || c.Role != "callee" {
		t.Errorf("DID call as 102 sees it: %+v", c)
	}

	// The same INVITE from another port of the provider's host is not the
	// provider: it is challenged.
	conn, err := net.Dial("udp4", p2.sip)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(scaled(5 * time.Second)))
	l := conn.LocalAddr().String()
	conn.Write([]byte("INVITE sip:15551230000@" + p2.sip + " SIP/2.0\r\nVia: SIP/2.0/UDP " + l + ";branch=z9hG4bK-spoof-1;rport\r\n" +
		"From: <sip:5557654321@127.0.0.1>;tag=s1\r\nTo: <sip:15551230000@" + p2.sip + ">\r\nCall-ID: spoof-1\r\nCSeq: 1 INVITE\r\n" +
		"Contact: <sip:x@" + l + ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"))
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no final answer to the spoofed INVITE: %v", err)
		}
		if resp := string(buf[:n]); !strings.HasPrefix(resp, "SIP/2.0 100") {
			if !strings.HasPrefix(resp, "SIP/2.0 407") {
				t.Errorf("INVITE from a non-trunk port got:\n%s", resp)
			}
			break
		}
	}
}
