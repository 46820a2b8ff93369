package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/sip/internal/siptest"
)

// sippRun runs one sipp scenario once against addr from localIP with the
// given CSV injection lines and returns the messages sipp received.
func sippRun(t *testing.T, sipp, addr, localIP, scenario string, csv ...string) []string {
	t.Helper()
	dir := t.TempDir()
	inf := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(inf, []byte("SEQUENTIAL\n"+strings.Join(csv, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msgLog := filepath.Join(dir, "messages.log")
	errLog := filepath.Join(dir, "errors.log")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp, addr,
		"-sf", filepath.Join("testdata", "sipp", scenario),
		"-inf", inf, "-i", localIP, "-m", "1",
		"-timeout", "10s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", errLog,
		"-trace_msg", "-message_file", msgLog)
	cmd.Dir = "."
	out, err := cmd.CombinedOutput() // sipp is killed by ctx if it hangs
	if err != nil {
		errs, _ := os.ReadFile(errLog)
		msgs, _ := os.ReadFile(msgLog)
		var ee *exec.ExitError
		code := -1
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		t.Fatalf("sipp %s from %s: exit %d (%v)\nerrors:\n%s\nmessages:\n%s\noutput tail:\n%s",
			scenario, localIP, code, err, errs, msgs, tail(string(out), 1500))
	}
	msgs, err := os.ReadFile(msgLog)
	if err != nil {
		t.Fatal(err)
	}
	var received []string
	for _, sec := range strings.Split(string(msgs), "-----------------------------------------------") {
		_, body, ok := strings.Cut(sec, "message received")
		if !ok {
			continue
		}
		_, body, _ = strings.Cut(body, "\n\n")
		received = append(received, strings.TrimLeft(body, "\n"))
	}
	return received
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// lastResponseShape parses the last message sipp received.
func lastResponseShape(t *testing.T, msgs []string) shape {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("sipp received nothing")
	}
	raw := strings.ReplaceAll(strings.TrimSpace(msgs[len(msgs)-1]), "\r\n", "\n")
	raw = strings.ReplaceAll(raw, "\n", "\r\n") + "\r\n\r\n"
	m, err := gosip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatalf("parse sipp's last received message: %v\n%s", err, raw)
	}
	res, ok := m.(*gosip.Response)
	if !ok {
		t.Fatalf("last received message is not a response:\n%s", raw)
	}
	return shapeOf(t, res)
}

// TestRegistrarWithSipp drives the registrar with real sipp phones over
// UDP: right password, wrong password and unknown user (answered alike),
// a user added at run time, a ban after repeated guesses that spares the
// victim's phone at another address, and unregistration.
func TestRegistrarWithSipp(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	creds := &MemCredentials{}
	creds.Set("101", "secret101")
	guard, err := NewGuard(GuardConfig{PairLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := NewDigestAuth(AuthConfig{Realm: "pbx.test", Credentials: creds, Guard: guard})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistrar(RegistrarConfig{Auth: auth, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	srv := siptest.Start(t, func(s *sipgo.Server) {
		s.OnRegister(reg.HandleRegister)
		s.OnOptions(reg.HandleOptions)
	})

	right := "101;[authentication username=101 password=secret101]"
	wrong := "101;[authentication username=101 password=guess]"
	unknown := "999;[authentication username=999 password=guess]"

	sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_ok.xml", right)
	bs := reg.Bindings("101")
	if len(bs) != 1 || bs[0].Source.Addr().String() != "127.0.0.1" || bs[0].UserAgent != "sipp" ||
		bs[0].Transport != "udp" || !strings.HasPrefix(bs[0].Contact, "sip:101@127.0.0.1:") {
		t.Fatalf("after sipp registered: %+v", bs)
	}
	if got, want := bs[0].Contact, "sip:101@"+bs[0].Source.String(); got != want {
		t.Errorf("contact %q, want sipp's own address %q", got, want)
	}

	wrongShape := lastResponseShape(t, sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_fail.xml", wrong))
	unknownShape := lastResponseShape(t, sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_fail.xml", unknown))
	t.Logf("wrong password and unknown user both answered: %+v", wrongShape)
	if wrongShape.Status != 401 {
		t.Errorf("wrong password answered %d", wrongShape.Status)
	}
	if diff := cmp.Diff(wrongShape, unknownShape); diff != "" {
		t.Errorf("unknown user answered differently from a wrong password (-wrong +unknown):\n%s", diff)
	}

	// An extension added while running registers at once.
	creds.Set("105", "fresh")
	sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_ok.xml", "105;[authentication username=105 password=fresh]")
	if len(reg.Bindings("105")) != 1 {
		t.Error("extension added at run time did not register")
	}

	// Two more wrong guesses for 101 from 127.0.0.1 reach the limit of 3.
	sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_fail.xml", wrong)
	sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_fail.xml", wrong)
	sippRun(t, sipp, srv.UDP, "127.0.0.1", "register_banned.xml", right)

	// The victim's phone at another address is not affected.
	sippRun(t, sipp, srv.UDP, "127.0.0.2", "register_ok.xml", right)
	if bs := reg.Bindings("101"); len(bs) != 2 || bs[1].Source.Addr().String() != "127.0.0.2" {
		t.Fatalf("victim's registration from 127.0.0.2: %+v", bs)
	}

	sippRun(t, sipp, srv.UDP, "127.0.0.2", "register_unregister.xml", right)
	if bs := reg.Bindings("101"); len(bs) != 0 {
		t.Errorf("bindings after Contact: * Expires: 0: %+v", bs)
	}
}

// newLoopbackRegistrar starts a registrar for 101/secret101 on a sipgo
// server on loopback.
func newLoopbackRegistrar(tb testing.TB) (*Registrar, *siptest.Server) {
	tb.Helper()
	creds := &MemCredentials{}
	creds.Set("101", "secret101")
	auth, err := NewDigestAuth(AuthConfig{Realm: "pbx.test", Credentials: creds})
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := NewRegistrar(RegistrarConfig{Auth: auth})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { reg.Close() })
	srv := siptest.Start(tb, func(s *sipgo.Server) {
		s.OnRegister(reg.HandleRegister)
		s.OnOptions(reg.HandleOptions)
	})
	return reg, srv
}

// registerOnce does one authenticated registration (challenge + REGISTER)
// with a sipgo client.
func registerOnce(ctx context.Context, client *sipgo.Client, addr string) error {
	var recipient gosip.Uri
	if err := gosip.ParseUri("sip:101@"+addr, &recipient); err != nil {
		return err
	}
	req := gosip.NewRequest(gosip.REGISTER, recipient)
	req.AppendHeader(gosip.NewHeader("Contact", "<sip:101@127.0.0.1:5099>"))
	req.AppendHeader(gosip.NewHeader("Expires", "300"))
	res, err := client.Do(ctx, req)
	if err != nil {
		return err
	}
	if res.StatusCode != 401 {
		return fmt.Errorf("first REGISTER: %s", res.StartLine())
	}
	res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "101", Password: "secret101"})
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("authenticated REGISTER: %s", res.StartLine())
	}
	return nil
}

func newTestClient(tb testing.TB) *sipgo.Client {
	tb.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("bench"))
	if err != nil {
		tb.Fatal(err)
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { client.Close(); ua.Close() })
	return client
}

// BenchmarkRegisterAuthenticated measures one authenticated registration
// (REGISTER, 401, REGISTER with digest, 200) through sipgo on loopback
// UDP, client and server in this process: cpu-µs/op is the process's
// user+system CPU time per registration and includes both sides.
func BenchmarkRegisterAuthenticated(b *testing.B) {
	reg, srv := newLoopbackRegistrar(b)
	client := newTestClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if err := registerOnce(ctx, client, srv.UDP); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	if len(reg.Bindings("101")) != 1 {
		b.Fatal("not registered")
	}
}

// processCPU returns the user+system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestRegistrarOverSockets registers with a sipgo client over UDP, and
// checks that CRLF keep-alives are tolerated (UDP) and answered (TCP, RFC
// 5626 ping/pong) and that OPTIONS gets 200.
func TestRegistrarOverSockets(t *testing.T) {
	reg, srv := newLoopbackRegistrar(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	udp, err := net.Dial("udp", srv.UDP)
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	if _, err := udp.Write([]byte("\r\n\r\n")); err != nil {
		t.Fatal(err)
	}

	client := newTestClient(t)
	if err := registerOnce(ctx, client, srv.UDP); err != nil {
		t.Fatal(err)
	}
	if bs := reg.Bindings("101"); len(bs) != 1 || bs[0].Contact != "sip:101@127.0.0.1:5099" {
		t.Fatalf("bindings after sipgo REGISTER: %+v", bs)
	}

	var recipient gosip.Uri
	gosip.ParseUri("sip:"+srv.UDP, &recipient)
	res, err := client.Do(ctx, gosip.NewRequest(gosip.OPTIONS, recipient))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS: %v %v", res, err)
	}

	tcp, err := net.Dial("tcp", srv.TCP)
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	tcp.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := tcp.Write([]byte("\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	pong := make([]byte, 2)
	if _, err := io.ReadFull(tcp, pong); err != nil || string(pong) != "\r\n" {
		t.Fatalf("TCP keep-alive pong: %q %v", pong, err)
	}
}
