package sip

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/sip/internal/siptest"
)

// sippProvider is a sipp process playing an upstream provider (UAS) on
// 127.0.0.1.
type sippProvider struct {
	addr   string // host:port sipp listens on
	msgLog string
	out    *bytes.Buffer
	done   chan error // receives sipp's exit
}

// startSippProvider starts sipp with scenario as a UAS for one "call" on a
// free UDP port of 127.0.0.1, and returns once sipp holds the port. The
// port is found by binding :0 and closing; if another process takes it
// first sipp exits and is started again on another. sipp is killed at
// cleanup.
func startSippProvider(t *testing.T, sipp, scenario string) *sippProvider {
	t.Helper()
	for try := 0; try < 3; try++ {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		dir := t.TempDir()
		p := &sippProvider{
			addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			msgLog: filepath.Join(dir, "messages.log"),
			out:    &bytes.Buffer{},
			done:   make(chan error, 1),
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, sipp,
			"-sf", filepath.Join("testdata", "sipp", scenario),
			"-i", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "1",
			"-timeout", "30s", "-timeout_error", "-nostdin",
			"-trace_msg", "-message_file", p.msgLog,
			"-trace_err", "-error_file", filepath.Join(dir, "errors.log"))
		cmd.Stdout, cmd.Stderr = p.out, p.out
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatalf("start sipp: %v", err)
		}
		go func() { p.done <- cmd.Wait() }()
		t.Cleanup(func() {
			cancel() // kills sipp if still running
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				t.Errorf("sipp did not exit after kill")
			}
		})
		if p.waitBound(t, port) {
			return p
		}
		t.Logf("sipp could not take port %d, trying another: %s", port, tail(p.out.String(), 500))
	}
	t.Fatal("sipp failed to start three times")
	return nil
}

// waitBound waits until sipp holds the UDP port (binding it fails) or
// exits; it reports whether sipp is up.
func (p *sippProvider) waitBound(t *testing.T, port int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			return false
		default:
		}
		pc, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return true
		}
		pc.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("sipp did not bind port %d within 10 s", port)
	return false
}

// wait waits for sipp to finish its scenario and fails the test, with
// sipp's logs, if it failed.
func (p *sippProvider) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			msgs, _ := os.ReadFile(p.msgLog)
			t.Fatalf("sipp provider: %v\nmessages:\n%s\noutput tail:\n%s", err, tail(string(msgs), 4000), tail(p.out.String(), 1500))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sipp provider did not finish its scenario within 20 s")
	}
}

// received returns the SIP messages sipp received, parsed.
func (p *sippProvider) received(t *testing.T) []*gosip.Request {
	t.Helper()
	raw, err := os.ReadFile(p.msgLog)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []*gosip.Request
	for _, sec := range strings.Split(string(raw), "-----------------------------------------------") {
		_, body, ok := strings.Cut(sec, "message received")
		if !ok {
			continue
		}
		_, body, _ = strings.Cut(body, "\n")
		msg := strings.TrimLeft(body, "\r\n")
		msg = strings.ReplaceAll(strings.TrimRight(msg, "\r\n"), "\r\n", "\n")
		msg = strings.ReplaceAll(msg, "\n", "\r\n") + "\r\n\r\n"
		m, err := gosip.ParseMessage([]byte(msg))
		if err != nil {
			t.Fatalf("parse a message sipp received: %v\n%s", err, msg)
		}
		req, ok := m.(*gosip.Request)
		if !ok {
			t.Fatalf("sipp received a response:\n%s", msg)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

// newTrunkSide starts the PBX side: a sipgo UA listening on UDP
// 127.0.0.1:0 and a client that sends from that socket.
func newTrunkSide(t *testing.T) (*sipgo.Client, *siptest.Server) {
	t.Helper()
	srv := siptest.Start(t, nil)
	// siptest serves in goroutines: wait until sipgo knows the UDP
	// listener, which the trunk's default Contact is made of.
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.SIP.TransportLayer().ListenPorts("udp")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("sipgo UDP listener not up within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	client, err := sipgo.NewClient(srv.SIP.UserAgent,
		sipgo.WithClientConnectionAddr(srv.UDP),
		sipgo.WithClientLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	return client, srv
}

// waitStatus reads statuses until one satisfies ok, or fails the test
// after 15 s.
func waitStatus(t *testing.T, ch <-chan TrunkStatus, what string, ok func(TrunkStatus) bool) TrunkStatus {
	t.Helper()
	timeout := time.After(15 * time.Second)
	var last TrunkStatus
	for {
		select {
		case s := <-ch:
			if ok(s) {
				return s
			}
			last = s
		case <-timeout:
			t.Fatalf("waiting for %s: last status %+v", what, last)
		}
	}
}

// TestTrunkWithSippProvider registers a trunk at sipp playing the
// provider: sipp challenges, verifies the MD5 digest itself, grants 2
// seconds so that the trunk refreshes (answering with the same nonce and
// nonce-count 2, verified again), then grants 60 seconds, and expects the
// next REGISTER to be the unregistration sent by Close.
func TestTrunkWithSippProvider(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	p := startSippProvider(t, sipp, "provider_register.xml")
	client, srv := newTrunkSide(t)

	statuses := make(chan TrunkStatus, 64)
	tr, err := NewTrunkRegistration(client, TrunkConfig{
		Name: "sipp", Provider: p.addr, Username: "trunkuser", Password: "trunkpass",
		Expires: 300 * time.Second, Timeout: 5 * time.Second, RetryMin: time.Second,
		OnStatus: func(s TrunkStatus) { statuses <- s },
	})
	if err != nil {
		t.Fatal(err)
	}
	granted := func(d time.Duration) func(TrunkStatus) bool {
		return func(s TrunkStatus) bool {
			if s.State != TrunkRegistered && s.State != TrunkRegistering {
				t.Fatalf("unexpected status %+v", s)
			}
			return s.State == TrunkRegistered && s.ExpiresAt.Sub(s.RegisteredAt) == d
		}
	}
	waitStatus(t, statuses, "registered for 2 s", granted(2*time.Second))
	waitStatus(t, statuses, "refreshed for 60 s", granted(60*time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st := tr.Status(); st.State != TrunkClosed || st.Err != nil || st.Code != 200 {
		t.Errorf("status after Close: %+v", st)
	}
	p.wait(t)

	type register struct {
		CallID, FromTag, Contact, Expires string
		CSeq                              uint32
		Authorized                        bool
	}
	var got []register
	for _, r := range p.received(t) {
		tag, _ := r.From().Params.Get("tag")
		got = append(got, register{
			CallID: r.CallID().Value(), FromTag: tag, Contact: r.Contact().Address.String(),
			Expires: r.GetHeader("Expires").Value(), CSeq: r.CSeq().SeqNo,
			Authorized: r.GetHeader("Authorization") != nil,
		})
	}
	if len(got) != 4 {
		t.Fatalf("sipp received %d REGISTERs, want 4: %+v", len(got), got)
	}
	first := got[0]
	contact := "sip:trunkuser@" + srv.UDP
	want := []register{
		{first.CallID, first.FromTag, contact, "300", 1, false},
		{first.CallID, first.FromTag, contact, "300", 2, true},
		{first.CallID, first.FromTag, contact, "300", 3, true},
		{first.CallID, first.FromTag, contact, "0", 4, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("REGISTERs sipp received (-want +got):\n%s", diff)
	}
}

// TestTrunkWithSippProviderForbidden has sipp refuse the credentials with
// 403: the trunk stops with status failed, the reason and
// ErrTrunkRejected, and Close sends nothing.
func TestTrunkWithSippProviderForbidden(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	p := startSippProvider(t, sipp, "provider_forbidden.xml")
	client, _ := newTrunkSide(t)

	statuses := make(chan TrunkStatus, 64)
	tr, err := NewTrunkRegistration(client, TrunkConfig{
		Name: "sipp", Provider: p.addr, Username: "trunkuser", Password: "wrong",
		Timeout: 5 * time.Second, RetryMin: 50 * time.Millisecond,
		OnStatus: func(s TrunkStatus) { statuses <- s },
	})
	if err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, statuses, "failed", func(s TrunkStatus) bool { return s.State == TrunkFailed })
	if st.Code != 403 || st.Reason != "Forbidden Bad Credentials" || !errors.Is(st.Err, ErrTrunkRejected) {
		t.Errorf("failed status: %+v", st)
	}
	p.wait(t)
	if err := tr.Close(context.Background()); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := len(p.received(t)); n != 2 {
		t.Errorf("sipp received %d REGISTERs, want 2", n)
	}
	if st := tr.Status(); st.State != TrunkClosed {
		t.Errorf("status after Close: %+v", st)
	}
}
