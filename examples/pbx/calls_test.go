package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	uasPort := freePort(t)
	sippRegisterFrom(t, sipp, p.sip, "102", p.demo["102"], uasPort)
	uas := startSippBackground(t, sipp, "uas", filepath.Join("..", "..", "sip", "testdata", "sipp", "uas_answer.xml"),
		"-i", "127.0.0.1", "-p", fmt.Sprint(uasPort), "-m", "1", "-rtp_echo")
	waitUDPBound(t, uasPort)

	// 101 calls 102.
	dir := t.TempDir()
	inf := filepath.Join(dir, "caller.csv")
	os.WriteFile(inf, []byte(fmt.Sprintf("SEQUENTIAL\n101;[authentication username=101 password=%s]\n", p.demo["101"])), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	errLog := filepath.Join(dir, "errors.log")
	uac := exec.CommandContext(ctx, sipp, p.sip, "-sf", filepath.Join("testdata", "sipp", "call_auth.xml"),
		"-s", "102", "-inf", inf, "-i", "127.0.0.1", "-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", errLog, "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	if out, err := uac.CombinedOutput(); err != nil {
		errs, _ := os.ReadFile(errLog)
		msgs, _ := os.ReadFile(filepath.Join(dir, "messages.log"))
		t.Fatalf("caller sipp: %v\n%s\nmessages:\n%s\n%s", err, errs, msgs, out[max(0, len(out)-1000):])
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee sipp: %v", err)
	}

	// The call is in the history of both, and only theirs.
	for _, tc := range []struct {
		ext, view, role string
	}{{"101", "placed", "caller"}, {"102", "received", "callee"}} {
		c := &apiClient{t: t, base: p.http, user: tc.ext, pass: p.demo[tc.ext]}
		newPass := "New-portal-pass-" + tc.ext
		if code, body := c.do("POST", "/api/v1/password", map[string]string{"old_password": c.pass, "new_password": newPass}); code != http.StatusNoContent {
			t.Fatalf("%s change password: %d %s", tc.ext, code, body)
		}
		c.pass = newPass
		var calls []callView
		waitForCond(t, "the call in "+tc.ext+"'s history", func() bool {
			code, body := c.do("GET", "/api/v1/calls?view="+tc.view, nil)
			calls = nil
			return code == http.StatusOK && json.Unmarshal(body, &calls) == nil && len(calls) == 1
		})
		got := calls[0]
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
	carol := &apiClient{t: t, base: p.http, user: "103", pass: p.demo["103"]}
	carol.do("POST", "/api/v1/password", map[string]string{"old_password": carol.pass, "new_password": "Carol-portal-103"})
	carol.pass = "Carol-portal-103"
	if code, body := carol.do("GET", "/api/v1/calls", nil); code != http.StatusOK || string(body) != "[]\n" {
		t.Errorf("Carol's history: %d %s", code, body)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// waitUDPBound waits until something holds the UDP port.
func waitUDPBound(t *testing.T, port int) {
	t.Helper()
	waitForCond(t, fmt.Sprintf("UDP port %d bound", port), func() bool {
		pc, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return true
		}
		pc.Close()
		return false
	})
}

func waitForCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type bgProc struct {
	name string
	done chan error
	out  *limitedBuffer
}

// startSippBackground runs sipp with a scenario until it ends; killed at
// cleanup.
func startSippBackground(t *testing.T, sipp, name, scenario string, args ...string) *bgProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	p := &bgProc{name: name, done: make(chan error, 1), out: &limitedBuffer{}}
	cmd := exec.CommandContext(ctx, sipp, append([]string{"-sf", scenario, "-nostdin", "-timeout", "30s", "-timeout_error"}, args...)...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { cancel(); <-p.done; p.done <- nil })
	return p
}

func (p *bgProc) wait(d time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", p.name, err, p.out)
		}
		return nil
	case <-time.After(d):
		return fmt.Errorf("%s did not finish in %v", p.name, d)
	}
}

// limitedBuffer keeps the last 4 KB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.b = append(l.b, p...)
	if len(l.b) > 4096 {
		l.b = l.b[len(l.b)-4096:]
	}
	return len(p), nil
}
func (l *limitedBuffer) String() string { return string(l.b) }

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

	uasPort := freePort(t)
	sippRegisterFrom(t, sipp, p2.sip, "102", p.demo["102"], uasPort)
	uas := startSippBackground(t, sipp, "uas", filepath.Join("..", "..", "sip", "testdata", "sipp", "uas_answer.xml"),
		"-i", "127.0.0.1", "-p", fmt.Sprint(uasPort), "-m", "1")
	waitUDPBound(t, uasPort)

	prov := startSippBackground(t, sipp, "provider", filepath.Join("testdata", "sipp", "trunk_inbound.xml"),
		p2.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatalf("provider (port %d): %v", provPort, err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee: %v", err)
	}

	bob := &apiClient{t: t, base: p2.http, user: "102", pass: p.demo["102"]}
	bob.do("POST", "/api/v1/password", map[string]string{"old_password": bob.pass, "new_password": "Bob-portal-102"})
	bob.pass = "Bob-portal-102"
	var calls []callView
	waitForCond(t, "the DID call in 102's history", func() bool {
		code, body := bob.do("GET", "/api/v1/calls?view=received", nil)
		calls = nil
		return code == http.StatusOK && json.Unmarshal(body, &calls) == nil && len(calls) == 1
	})
	if c := calls[0]; c.From != "5557654321" || c.To != "15551230000" || c.Direction != "incoming" || c.Role != "callee" {
		t.Errorf("DID call as 102 sees it: %+v", c)
	}

	// The same INVITE from another port of the provider's host is not the
	// provider: it is challenged.
	conn, err := net.Dial("udp4", p2.sip)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
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
