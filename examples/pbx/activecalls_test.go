package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// TestActiveCallsAPI: while 101 (a sipp phone playing sipp's A-law
// recording) talks to 102 (a sipp phone echoing RTP), both see the call in
// GET /api/v1/calls/active with packets received and relayed on both legs
// of the PBX's bridge; 103 sees nothing; after the hang-up the list is
// empty.
func TestActiveCallsAPI(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	clients := map[string]*apiClient{}
	for _, ext := range []string{"101", "102", "103"} {
		clients[ext] = portalUser(t, p, ext)
	}
	active := func(ext string) []activeCallView {
		code, body := clients[ext].do("GET", "/api/v1/calls/active", nil)
		var v []activeCallView
		if code != http.StatusOK || json.Unmarshal(body, &v) != nil {
			t.Fatalf("%s GET /api/v1/calls/active: %d %s", ext, code, body)
		}
		return v
	}
	if v := active("101"); len(v) != 0 {
		t.Fatalf("before any call: %+v", v)
	}

	uas := startPhone(t, sipp, p.sip, "102", p.demo["102"], sipScenario("uas_answer.xml"), "-rtp_echo")

	// call_auth.xml with 6 s of talk instead of 2, time to look.
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("testdata", "sipp", "call_auth.xml"))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Replace(string(raw), `<pause milliseconds="2000"/>`, `<pause milliseconds="6000"/>`, 1)
	if long == string(raw) {
		t.Fatal("call_auth.xml has no 2 s pause to lengthen")
	}
	scenario := filepath.Join(dir, "call_long.xml")
	if err := os.WriteFile(scenario, []byte(long), 0o600); err != nil {
		t.Fatal(err)
	}
	uac := startCall(t, sipp, p.sip, "101", p.demo["101"], "102", scenario, 20*time.Second)

	// Media flows both ways through the bridge: the caller's packets reach
	// the callee, whose echo comes back.
	var seen []activeCallView
	waitForCond(t, "RTP on both legs in 101's active calls", func() bool {
		seen = active("101")
		return len(seen) == 1 && seen[0].Answered && len(seen[0].Legs) == 2 &&
			seen[0].Legs[0].PacketsReceived > 20 && seen[0].Legs[1].PacketsReceived > 20
	})
	c := seen[0]
	if c.From != "101" || c.To != "102" || c.Role != "caller" || c.Legs[0].Leg != "caller" || c.Legs[1].Leg != "callee" {
		t.Errorf("101's active call: %+v", c)
	}
	for _, l := range c.Legs {
		if l.PacketsRelayed == 0 || l.PacketsLost != 0 || l.JitterMS < 0 || l.JitterMS > 100 || l.Remote == "" {
			t.Errorf("%s leg on loopback: %+v", l.Leg, l)
		}
	}
	t.Logf("101's view: %+v", c)
	if v := active("102"); len(v) != 1 || v[0].Role != "callee" || v[0].CallID != c.CallID || len(v[0].Legs) != 2 {
		t.Errorf("102's active calls: %+v", v)
	}
	if v := active("103"); len(v) != 0 {
		t.Errorf("103 sees someone else's call: %+v", v)
	}

	if err := uac.wait(30 * time.Second); err != nil {
		t.Fatalf("caller sipp: %v", err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee sipp: %v", err)
	}
	waitForCond(t, "no active call after the hang-up", func() bool { return len(active("101")) == 0 })
}
