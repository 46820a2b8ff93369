package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/sip"
)

// chPBX is a started PBX with the demo extensions 101–103 (and 104, made
// with `pbx ext add`), each with a portal password, for call-handling tests.
type chPBX struct {
	*pbxProcess
	sipp string
	api  map[string]*apiClient
}

// startCallHandlingPBX starts the server twice: once to create the demo
// extensions, then with extension 104 added and extra serve flags.
func startCallHandlingPBX(t *testing.T, sipp string, setup ...[]string) *chPBX {
	t.Helper()
	data := t.TempDir()
	first := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	first.stop()
	first.demo["104"] = "dave-sip-secret"
	for _, args := range append([][]string{{"ext", "add", "104", "-name", "Dave", "-password", "dave-sip-secret"}}, setup...) {
		if out, err := runCLI(t, append(args, "-data", data)...); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	p.demo = first.demo
	c := &chPBX{pbxProcess: p, sipp: sipp, api: map[string]*apiClient{}}
	for ext := range p.demo {
		c.api[ext] = portalUser(t, p, ext)
	}
	return c
}

// settings reads ext's call-handling settings through the API.
func (c *chPBX) settings(t *testing.T, ext string) callhandling.Settings {
	t.Helper()
	code, body := c.api[ext].do("GET", "/api/v1/callhandling", nil)
	var s callhandling.Settings
	if code != http.StatusOK || json.Unmarshal(body, &s) != nil {
		t.Fatalf("GET %s's call handling: %d %s", ext, code, body)
	}
	return s
}

// put saves ext's settings through the API.
func (c *chPBX) put(t *testing.T, ext string, s callhandling.Settings) {
	t.Helper()
	if code, body := c.api[ext].do("PUT", "/api/v1/callhandling", s); code != http.StatusOK {
		t.Fatalf("PUT %s's call handling: %d %s", ext, code, body)
	}
}

// phone registers ext from a free port and runs a callee scenario there:
// one of package sip's, or a file when scenario is an absolute path.
func (c *chPBX) phone(t *testing.T, ext, scenario string, args ...string) *bgProc {
	t.Helper()
	if !filepath.IsAbs(scenario) {
		scenario = sipScenario(scenario)
	}
	return startPhone(t, c.sipp, c.sip, ext, c.demo[ext], scenario, args...)
}

// dial makes ext's sipp phone call number and checks how the PBX ends it:
// want 200 for a call a device answers, "app" for one the PBX answers
// itself and hangs up, or a final error status.
func (c *chPBX) dial(t *testing.T, ext, number string, want any) {
	t.Helper()
	switch w := want.(type) {
	case int:
		if w == 200 {
			placeCall(t, c.sipp, c.sip, ext, c.demo[ext], number, "call_auth.xml")
			return
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "sipp", "call_auth_refused.xml"))
		if err != nil {
			t.Fatal(err)
		}
		// Any number of 180s while the handling rings one phone after
		// another, then the final status.
		sc := strings.Replace(string(raw), `<recv response="403"/>`, fmt.Sprintf(`<label id="9"/>
  <recv response="180" optional="true" next="9"/>
  <recv response="183" optional="true" next="9"/>
  <recv response="%d"/>`, w), 1)
		path := filepath.Join(t.TempDir(), fmt.Sprintf("call_auth_%d.xml", w))
		if err := os.WriteFile(path, []byte(sc), 0o600); err != nil {
			t.Fatal(err)
		}
		placeCall(t, c.sipp, c.sip, ext, c.demo[ext], number, path)
	case string:
		placeCall(t, c.sipp, c.sip, ext, c.demo[ext], number, "call_app.xml")
	}
}

// lastFlow returns the call-flow details of ext's newest call once it is
// in the call log (n calls in all).
func (c *chPBX) lastFlow(t *testing.T, ext string, n int) []string {
	t.Helper()
	calls := pollCalls(t, c.api[ext], "", fmt.Sprintf("at least %d calls", n), func(k int) bool { return k >= n })
	code, body := c.api[ext].do("GET", "/api/v1/calls/"+calls[0].ID, nil)
	var one callView
	if code != http.StatusOK || json.Unmarshal(body, &one) != nil {
		t.Fatalf("GET call: %d %s", code, body)
	}
	var out []string
	for _, e := range one.Flow {
		out = append(out, e.Detail)
	}
	return out
}

func hasLine(flow []string, want string) bool {
	for _, l := range flow {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// TestForwardOnBusy: 102 forwards on busy to 103. 102's phone (sipp)
// answers 486; the call lands on 103's phone, which answers, and the
// caller talks to it. The call flow in 101's history says what happened.
func TestForwardOnBusy(t *testing.T) {
	c := startCallHandlingPBX(t, interop.LookPath(t, "sipp", "sip-tester"))
	s := c.settings(t, "102")
	s.Forwarding.Busy = callhandling.Forward{Active: true, Destination: "103"}
	c.put(t, "102", s)
	busy := c.phone(t, "102", "uas_busy.xml")
	answer := c.phone(t, "103", "uas_answer.xml", "-rtp_echo")
	c.dial(t, "101", "102", 200)
	for _, p := range []*bgProc{busy, answer} {
		if err := p.wait(20 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	flow := c.lastFlow(t, "101", 1)
	for _, want := range []string{"ring phones for 30s", "busy", "forward to extension 103", "extension 103's call handling takes over"} {
		if !hasLine(flow, want) {
			t.Errorf("call flow %q lacks %q", flow, want)
		}
	}
}

// TestForwardOnNoAnswer: 102 forwards to 103 when not answered within
// 2 s. 102's phone rings until cancelled; 103 answers.
func TestForwardOnNoAnswer(t *testing.T) {
	c := startCallHandlingPBX(t, interop.LookPath(t, "sipp", "sip-tester"))
	s := c.settings(t, "102")
	s.Forwarding.NoAnswer = callhandling.Forward{Active: true, Destination: "103", Seconds: 2}
	c.put(t, "102", s)
	ring := c.phone(t, "102", "uas_ring.xml")
	answer := c.phone(t, "103", "uas_answer.xml", "-rtp_echo")
	start := time.Now()
	c.dial(t, "101", "102", 200)
	for _, p := range []*bgProc{ring, answer} {
		if err := p.wait(20 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("the call was forwarded after %v, before 102 rang for 2 s", d)
	}
	flow := c.lastFlow(t, "101", 1)
	for _, want := range []string{"ring phones for 2s", "no answer", "forward to extension 103"} {
		if !hasLine(flow, want) {
			t.Errorf("call flow %q lacks %q", flow, want)
		}
	}
}

// TestFollowMeThenVoicemail: 102's follow-me profile rings 102 for 1 s,
// then 103 and 104 for 1 s each; nobody answers, so the call goes to
// voicemail, where the caller hangs up during the greeting.
func TestFollowMeThenVoicemail(t *testing.T) {
	c := startCallHandlingPBX(t, interop.LookPath(t, "sipp", "sip-tester"))
	s := c.settings(t, "102")
	s.FollowMe = []callhandling.FollowMeProfile{{Name: "desk", OwnSeconds: 1,
		Numbers: []callhandling.FollowMeNumber{{Number: "103", Seconds: 1}, {Number: "104", Seconds: 1}}}}
	s.ActiveFollowMe = "desk"
	s.RingSeconds = 1
	c.put(t, "102", s)
	var phones []*bgProc
	for _, ext := range []string{"102", "103", "104"} {
		phones = append(phones, c.phone(t, ext, "uas_ring.xml"))
	}
	placeCall(t, c.sipp, c.sip, "101", c.demo["101"], "102", "vm_hangup_greeting.xml")
	for _, p := range phones { // each was rung, then cancelled
		if err := p.wait(20 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	flow := c.lastFlow(t, "101", 1)
	for _, want := range []string{"follow me leg 1: ring 103 for 1s", "follow me leg 2: ring 104 for 1s", "voicemail (no-answer)"} {
		if !hasLine(flow, want) {
			t.Errorf("call flow %q lacks %q", flow, want)
		}
	}
}

// TestBlockedCallerRejected: 102 blocks an outside number; that number's
// call through the trunk is declined (603) and 102's phone never rings
// (nothing is registered for it: a ring would give 480, not 603).
func TestBlockedCallerRejected(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	provPort := freePort(t)
	c := startCallHandlingPBX(t, sipp, []string{"trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort),
		"-user", "u", "-password", "p", "-did", "+15551230000=102"})
	s := c.settings(t, "102")
	s.Blocked = []string{"555-765-4321"}
	c.put(t, "102", s)
	prov := startSippBackground(t, sipp, "provider", sippScenario("trunk_inbound_blocked.xml"),
		c.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	flow := c.lastFlow(t, "102", 1)
	if !hasLine(flow, "reject 603") {
		t.Errorf("call flow %q lacks the rejection", flow)
	}
}

// TestEmergencyTarget: an emergency call goes out whatever the caller's
// privileges, through the trunk its prefix names or else the first trunk
// as dialled, and is remembered for the call log.
func TestEmergencyTarget(t *testing.T) {
	tc := &trunkCalls{callee: map[string]string{}, out: map[string]outboundCall{},
		outbound: []outboundTrunk{
			{name: "main", host: "sip.example.net:5060", username: "acct1", password: "pw1", prefix: "9"},
			{name: "intl", host: "10.0.0.2:5070", username: "acct2", password: "pw2", prefix: "00"},
		}}
	ch, err := newCallHandling(nil, nil, tc, defaultCallSystem([]string{"9", "00"}), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dialled, contact string
		log              outboundCall
	}{
		{"911", "sip:911@sip.example.net:5060", outboundCall{"main", "911"}},
		{"9911", "sip:911@sip.example.net:5060", outboundCall{"main", "911"}},
		{"112", "sip:112@sip.example.net:5060", outboundCall{"main", "112"}},
	} {
		c := &sip.Call{ID: "e-" + tt.dialled, From: "104", To: tt.dialled}
		got, ok := ch.emergencyTarget(c)
		if !ok || len(got.Bindings) != 1 || got.Bindings[0].Contact != tt.contact || got.Outbound == nil || got.Outbound.Username != "acct1" {
			t.Errorf("%s: target %+v, %v; want %s through main", tt.dialled, got, ok, tt.contact)
		}
		if oc, _ := tc.takeOutbound(c.ID); oc != tt.log {
			t.Errorf("%s: remembered %+v, want %+v", tt.dialled, oc, tt.log)
		}
	}
	none, err := newCallHandling(nil, nil, &trunkCalls{}, defaultCallSystem(nil), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := none.emergencyTarget(&sip.Call{To: "911"}); ok {
		t.Error("an emergency target without any trunk")
	}
}

func TestOutcomeOf(t *testing.T) {
	got := map[sip.Outcome]callhandling.Outcome{}
	for o := sip.OutcomeUnknown; o <= sip.OutcomeCancelled; o++ {
		got[o] = outcomeOf(o)
	}
	want := map[sip.Outcome]callhandling.Outcome{
		sip.OutcomeUnknown: callhandling.Failed, sip.OutcomeAnswered: callhandling.Answered, sip.OutcomeBusy: callhandling.Busy,
		sip.OutcomeNoAnswer: callhandling.NoAnswer, sip.OutcomeUnavailable: callhandling.Unavailable,
		sip.OutcomeRejected: callhandling.Rejected, sip.OutcomeCancelled: callhandling.Failed,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}
