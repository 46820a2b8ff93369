package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/sip/internal/siptest"
)

// sippProc is a sipp scenario running in the background.
type sippProc struct {
	done   chan struct{}
	err    error
	out    bytes.Buffer
	errLog string
	msgLog string
}

// startSipp starts sipp with scenario on 127.0.0.1, the command-line
// arguments args (the remote address for a UAC, -m, ...) and the CSV
// lines; it is killed at t's cleanup if still running.
//
// sipp 3.6 puts sip:host:port (without a user part) in the digest uri
// unless given -auth_uri, and DigestAuth checks that the digest uri is the
// Request-URI (RFC 3261 section 22.4): scenarios whose Request-URI has a
// user pass -auth_uri user@host:port.
func startSipp(t *testing.T, sipp, scenario string, args []string, csv ...string) *sippProc {
	t.Helper()
	dir := t.TempDir()
	inf := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(inf, []byte("SEQUENTIAL\n"+strings.Join(csv, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &sippProc{done: make(chan struct{}), errLog: filepath.Join(dir, "errors.log"), msgLog: filepath.Join(dir, "messages.log")}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, sipp,
		"-sf", filepath.Join("testdata", "sipp", scenario),
		"-inf", inf, "-i", "127.0.0.1",
		"-timeout", "15s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", p.errLog,
		"-trace_msg", "-message_file", p.msgLog)
	cmd.Args = append(cmd.Args, args...)
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		cancel()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel() // kills sipp if the test failed before it ended
		<-p.done
	})
	return p
}

// wait waits for sipp to end and fails the test unless the scenario
// passed.
func (p *sippProc) wait(t *testing.T) {
	t.Helper()
	<-p.done
	if p.err != nil {
		errs, _ := os.ReadFile(p.errLog)
		msgs, _ := os.ReadFile(p.msgLog)
		var ee *exec.ExitError
		code := -1
		if errors.As(p.err, &ee) {
			code = ee.ExitCode()
		}
		t.Fatalf("sipp: exit %d (%v)\nerrors:\n%s\nmessages:\n%s\noutput tail:\n%s",
			code, p.err, errs, msgs, tail(p.out.String(), 1500))
	}
}

// answered wraps a Sender and reports each 2xx answer on a channel, so
// that a test knows a phone has seen a NOTIFY before it changes state.
type answered struct {
	next Sender
	ok   chan *gosip.Request
}

func (a answered) Send(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	res, err := a.next.Send(ctx, req)
	if err == nil && res.IsSuccess() {
		a.ok <- req
	}
	return res, err
}

func (a answered) wait(t *testing.T, proc *sippProc, what string) *gosip.Request {
	t.Helper()
	select {
	case r := <-a.ok:
		return r
	case <-proc.done:
		proc.wait(t)
		t.Fatalf("sipp ended before %s", what)
		return nil
	case <-time.After(15 * time.Second):
		msgs, _ := os.ReadFile(proc.msgLog)
		t.Fatalf("no NOTIFY answered 2xx: %s; sipp's messages so far:\n%s", what, msgs)
		return nil
	}
}

// sippPBX is a notifier on a sipgo server on loopback, for users 101
// and 102, sending NOTIFYs through a sipgo client on the server's own
// user agent, with a location service the test fills.
type sippPBX struct {
	srv *siptest.Server
	n   *Notifier
	loc *memLocator
	out answered
}

func newSippPBX(t *testing.T) *sippPBX {
	t.Helper()
	creds := &MemCredentials{}
	creds.Set("101", "secret101")
	creds.Set("102", "secret102")
	auth, err := NewDigestAuth(AuthConfig{Realm: "pbx.test", Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	p := &sippPBX{loc: &memLocator{}}
	// Everything is built in setup, before the server serves: the
	// notifier's client must share the server's user agent.
	p.srv = siptest.Start(t, func(s *sipgo.Server) {
		client, err := sipgo.NewClient(s.UserAgent, sipgo.WithClientHostname("127.0.0.1"),
			sipgo.WithClientLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		p.out = answered{next: ClientSender(client), ok: make(chan *gosip.Request, 10)}
		p.n, err = NewNotifier(NotifierConfig{
			Auth: auth, Sender: p.out, Domain: "pbx.test", Locator: p.loc,
			NotifyTimeout: 5 * time.Second, RegisterNotifyDelay: -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		s.OnSubscribe(p.n.HandleSubscribe)
	})
	t.Cleanup(func() { p.n.Close() })
	return p
}

// memLocator is a Locator the test fills.
type memLocator struct {
	mu sync.Mutex
	bs map[string][]Binding
}

func (l *memLocator) set(aor string, bs ...Binding) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bs == nil {
		l.bs = make(map[string][]Binding)
	}
	l.bs[aor] = bs
}

func (l *memLocator) Lookup(aor string, _ time.Time) []Binding {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bs[aor]
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago,
// for a sipp UAS (sipp cannot report a port the system chose).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// TestMWIWithSipp: a sipp phone subscribes to its mailbox with digest
// auth, sees the lamp go on when SetMailbox is called, and unsubscribes;
// over UDP, and over TCP where the NOTIFYs must come back on the phone's
// own connection.
func TestMWIWithSipp(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	for _, tp := range []string{"udp", "tcp"} {
		t.Run(tp, func(t *testing.T) {
			p := newSippPBX(t)
			addr, mode := p.srv.UDP, "u1"
			if tp == "tcp" {
				addr, mode = p.srv.TCP, "t1"
			}
			proc := startSipp(t, sipp, "subscribe_mwi.xml", []string{addr, "-t", mode, "-m", "1", "-auth_uri", "101@" + addr},
				"101;[authentication username=101 password=secret101]")
			first := p.out.wait(t, proc, "initial NOTIFY")
			if got := headerValue(first, "Subscription-State"); !strings.HasPrefix(got, "active;expires=") {
				t.Errorf("initial NOTIFY state %q", got)
			}
			subs := p.n.Subscriptions("101")
			if len(subs) != 1 || subs[0].User != "101" || subs[0].Event != EventMessageSummary {
				t.Fatalf("subscriptions: %+v", subs)
			}
			if first.Destination() != subs[0].Source.String() || !strings.EqualFold(first.Transport(), tp) {
				t.Errorf("initial NOTIFY went to %s over %s, want %s over %s", first.Destination(), first.Transport(), subs[0].Source, tp)
			}
			if err := p.n.SetMailbox("101", MWICounts{New: 2, Old: 5, UrgentNew: 1}); err != nil {
				t.Fatal(err)
			}
			proc.wait(t)
			if subs := p.n.Subscriptions(""); len(subs) != 0 {
				t.Errorf("subscriptions after sipp unsubscribed: %+v", subs)
			}
		})
	}
}

// TestBLFWithSipp: sipp as 101 watches 102's busy lamp; a confirmed call
// of 102 reaches it as dialog-info version 1.
func TestBLFWithSipp(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	p := newSippPBX(t)
	proc := startSipp(t, sipp, "subscribe_dialog.xml", []string{p.srv.UDP, "-m", "1", "-auth_uri", "102@" + p.srv.UDP},
		"101;[authentication username=101 password=secret101];102")
	p.out.wait(t, proc, "initial NOTIFY")
	err := p.n.SetDialogState("102", []DialogState{{
		ID: "call-1", Direction: Recipient, Phase: DialogConfirmed,
		Local:  Identity{URI: "sip:102@pbx.test"},
		Remote: Identity{URI: "sip:101@pbx.test", Display: "Alice"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	proc.wait(t)
}

// TestUnsolicitedMWIWithSipp: a sipp phone that never subscribes (a
// UAS) is registered in the location service: it gets the waiting
// counts when the registration is reported, and the new ones when the
// mailbox changes, each NOTIFY sent to the address it registered from.
func TestUnsolicitedMWIWithSipp(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	p := newSippPBX(t)
	port := freeUDPPort(t)
	phone := Binding{
		AOR: "102", Contact: fmt.Sprintf("sip:102@127.0.0.1:%d", port), Transport: "udp",
		Source: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
	}
	if err := p.n.SetMailbox("102", MWICounts{New: 3, Old: 1}); err != nil {
		t.Fatal(err)
	}
	// A UAS: one call per NOTIFY (each has its own Call-ID).
	proc := startSipp(t, sipp, "subscribe_unsolicited.xml", []string{"-p", strconv.Itoa(port), "-m", "2"}, "102")
	// The phone registers: the registrar's OnChange reports it.
	p.loc.set("102", phone)
	p.n.BindingsChanged("102", []Binding{phone})
	r := p.out.wait(t, proc, "NOTIFY after registration")
	if got := summary(t, r); got.Voice() != (MWICounts{New: 3, Old: 1}) || !got.Waiting {
		t.Errorf("NOTIFY after registration: %+v", got)
	}
	if r.Destination() != phone.Source.String() {
		t.Errorf("NOTIFY sent to %s, want %s", r.Destination(), phone.Source)
	}
	if err := p.n.SetMailbox("102", MWICounts{Old: 4}); err != nil {
		t.Fatal(err)
	}
	r = p.out.wait(t, proc, "NOTIFY after the mailbox changed")
	if got := summary(t, r); got.Voice() != (MWICounts{Old: 4}) || got.Waiting {
		t.Errorf("NOTIFY after the mailbox changed: %+v", got)
	}
	proc.wait(t)
}
