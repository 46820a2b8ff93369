package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
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
		c := &apiClient{t: t, base: p.http, user: ext, pass: p.demo[ext]}
		newPass := "New-portal-pass-" + ext
		if code, body := c.do("POST", "/api/v1/password", map[string]string{"old_password": c.pass, "new_password": newPass}); code != http.StatusNoContent {
			t.Fatalf("%s change password: %d %s", ext, code, body)
		}
		c.pass = newPass
		clients[ext] = c
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

	uasPort := freePort(t)
	sippRegisterFrom(t, sipp, p.sip, "102", p.demo["102"], uasPort)
	uas := startSippBackground(t, sipp, "uas", filepath.Join("..", "..", "sip", "testdata", "sipp", "uas_answer.xml"),
		"-i", "127.0.0.1", "-p", fmt.Sprint(uasPort), "-m", "1", "-rtp_echo")
	waitUDPBound(t, uasPort)

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
	inf := filepath.Join(dir, "caller.csv")
	os.WriteFile(inf, []byte(fmt.Sprintf("SEQUENTIAL\n101;[authentication username=101 password=%s]\n", p.demo["101"])), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	uac := exec.CommandContext(ctx, sipp, p.sip, "-sf", scenario, "-s", "102", "-inf", inf, "-i", "127.0.0.1",
		"-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin")
	out := &limitedBuffer{}
	uac.Stdout, uac.Stderr = out, out
	if err := uac.Start(); err != nil {
		t.Fatal(err)
	}
	uacDone := make(chan error, 1)
	go func() { uacDone <- uac.Wait() }()

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

	if err := <-uacDone; err != nil {
		t.Fatalf("caller sipp: %v\n%s", err, out)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee sipp: %v", err)
	}
	waitForCond(t, "no active call after the hang-up", func() bool { return len(active("101")) == 0 })
}
