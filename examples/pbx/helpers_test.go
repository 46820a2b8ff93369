package main

// Shared helpers of this package's tests: the scale of every deadline,
// waiting for a condition, starting the server on free ports, the portal
// API client, and free ports. The sipp helpers are in sipp_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testScale is what every deadline of these tests is multiplied by, so
// that a slow or loaded machine gets more time without any test changing:
// TELEKIT_TEST_SLOW if set (a number, e.g. 2 or 1.5), else 2 under CI (CI
// set, or TELEKIT_INTEROP=required as `make test` runs, where the other
// packages' tests share the cores), else 1. Deadlines bound how long a
// failure takes to show; no test passes or fails by them.
func testScale() float64 {
	if s := os.Getenv("TELEKIT_TEST_SLOW"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 {
			return f
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("TELEKIT_INTEROP") == "required" {
		return 2
	}
	return 1
}

// scaled is d times testScale.
func scaled(d time.Duration) time.Duration { return time.Duration(float64(d) * testScale()) }

// condWait is how long waitForCond waits, before scaling: the time a
// loaded machine may take to do what the test waits for (a call logged,
// a port bound, a phone registered).
const condWait = 15 * time.Second

// waitForCond polls cond until it holds, failing the test after condWait
// (scaled).
func waitForCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitFor(t, what, condWait, cond, nil)
}

// waitFor polls cond every 20 ms until it holds, failing the test after d
// (scaled) with what, and more() when more is not nil.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool, more func() string) {
	t.Helper()
	d = scaled(d)
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("timed out after %v waiting for %s", d, what)
			if more != nil {
				msg += "; " + more()
			}
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pbxProcess is a server started by a test, in-process, on free ports.
type pbxProcess struct {
	sip, http string
	tls       string            // the SIP/TLS address, when started with -sip-tls
	demo      map[string]string // extension → SIP password printed at start
	stop      func()
}

var (
	readyRE = regexp.MustCompile(`^telekit ready sip=(\S+) http=(\S+)$`)
	demoRE  = regexp.MustCompile(`extension (\d+) \(\w+\): SIP user \d+, password ([^\s,]+), voicemail PIN (\d+)`)
)

func startPBX(t *testing.T, data string) *pbxProcess {
	t.Helper()
	return startPBXArgs(t, data)
}

// startPBXArgs starts the server with extra serve flags and waits for its
// ready line. It is stopped at cleanup, or earlier by stop; serve must
// then return without error.
func startPBXArgs(t *testing.T, data string, extra ...string) *pbxProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		args := append([]string{"serve", "-data", data, "-sip", "127.0.0.1:0", "-http", "127.0.0.1:0", "-log", cmpOr(os.Getenv("TELEKIT_TEST_LOG"), "warn")}, extra...)
		done <- run(ctx, args, pw, testLog(t))
		pw.Close()
	}()
	p := &pbxProcess{demo: map[string]string{}}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if m := demoRE.FindStringSubmatch(line); m != nil {
				p.demo[m[1]] = m[2]
			}
			if a, ok := strings.CutPrefix(line, "telekit tls sips="); ok {
				p.tls = a
			}
			if m := readyRE.FindStringSubmatch(line); m != nil {
				p.sip, p.http = m[1], m[2]
				ready <- nil
				io.Copy(io.Discard, pr)
				return
			}
		}
		ready <- fmt.Errorf("server ended before its ready line: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			t.Fatal(err, <-done)
		}
	case <-time.After(scaled(20 * time.Second)):
		cancel()
		t.Fatalf("no ready line in %v", scaled(20*time.Second))
	}
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v", err)
			}
		})
	}
	t.Cleanup(p.stop)
	return p
}

// testLog is where the server's log goes in tests: the test log when
// TELEKIT_TEST_LOG is set, else nowhere.
func testLog(t *testing.T) io.Writer {
	if os.Getenv("TELEKIT_TEST_LOG") == "" {
		return io.Discard
	}
	return tWriter{t}
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// apiClient makes JSON API requests with basic auth or a cookie session.
type apiClient struct {
	t       *testing.T
	base    string
	user    string
	pass    string
	csrf    string
	cookies []*http.Cookie
}

// do sends body as JSON (none when nil) and returns status and body.
func (c *apiClient) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if cs := resp.Cookies(); len(cs) > 0 {
		c.cookies = cs
	}
	return resp.StatusCode, b
}

// raw sends body as is with contentType and returns status and body.
func (c *apiClient) raw(method, path, contentType string, body []byte) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, "http://"+c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.user, c.pass)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// portalUser returns an API client for ext, whose SIP password is in
// p.demo, its portal password changed as the first login requires.
func portalUser(t *testing.T, p *pbxProcess, ext string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: p.http, user: ext, pass: p.demo[ext]}
	newPass := "Portal-pass-" + ext + "-x"
	if code, body := c.do("POST", "/api/v1/password", map[string]string{"old_password": c.pass, "new_password": newPass}); code != http.StatusNoContent {
		t.Fatalf("%s: change portal password: %d %s", ext, code, body)
	}
	c.pass = newPass
	return c
}

// waitCalls waits until c's call history (view: placed, received…; ""
// for all) lists exactly n calls, newest first, and returns them.
func waitCalls(t *testing.T, c *apiClient, view string, n int) []callView {
	t.Helper()
	return pollCalls(t, c, view, fmt.Sprintf("%d calls", n), func(k int) bool { return k == n })
}

// pollCalls waits until ok holds for the number of calls in c's history.
func pollCalls(t *testing.T, c *apiClient, view, what string, ok func(int) bool) []callView {
	t.Helper()
	path := "/api/v1/calls"
	if view != "" {
		path += "?view=" + view
	}
	var calls []callView
	var last string
	waitFor(t, fmt.Sprintf("%s in %s's %s history", what, c.user, cmpOr(view, "whole")), condWait, func() bool {
		code, body := c.do("GET", path, nil)
		last = fmt.Sprintf("%d %s", code, body)
		calls = nil
		return code == http.StatusOK && json.Unmarshal(body, &calls) == nil && ok(len(calls))
	}, func() string { return "last GET " + path + ": " + last })
	return calls
}

// freePort returns a 127.0.0.1 UDP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	return freePortOn(t, "127.0.0.1")
}

// freePortOn is a UDP port on address ip that was free a moment ago.
func freePortOn(t *testing.T, ip string) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// freeTCPAddr returns a 127.0.0.1 address whose TCP port was free a moment ago.
func freeTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// udpBound reports whether something holds the 127.0.0.1 UDP port.
func udpBound(port int) bool {
	pc, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	pc.Close()
	return false
}

// netDialer dials from a chosen local address, so a test can be a second
// client host on the loopback network.
type netDialer struct{ local string }

func (d *netDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(d.local)}}
	return nd.DialContext(ctx, network, addr)
}

// limitedBuffer keeps the last 4 KB written to it. Safe for concurrent use
// (os/exec copies a process's output into it from its own goroutine).
type limitedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if len(l.b) > 4096 {
		l.b = l.b[len(l.b)-4096:]
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

func trimTo(b []byte, n int) []byte { return b[max(0, len(b)-n):] }
