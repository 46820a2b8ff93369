package sip

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// mediaCallee is a device that answers the PBX's INVITE at once with a
// real RTP session, so that a Confirmer can talk to it: it hears what the
// PBX plays, presses keys and hangs up on its own.
type mediaCallee struct {
	t    *testing.T
	cli  *sipgo.Client
	addr netip.AddrPort
	conn *net.UDPConn

	answered chan struct{} // closed once it sent 200 and its session runs

	mu     sync.Mutex
	s      *media.Session
	invite *gosip.Request
	res    *gosip.Response
	byes   int
}

func newMediaCallee(t *testing.T) *mediaCallee {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rtp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	m := &mediaCallee{t: t, addr: sc.LocalAddr().(*net.UDPAddr).AddrPort(), conn: rtp, answered: make(chan struct{})}
	m.cli, err = sipgo.NewClient(ua, sipgo.WithClientAddr(m.addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnInvite(func(req *gosip.Request, tx gosip.ServerTransaction) {
		offer, err := ParseSDP(req.Body())
		if err != nil {
			tx.Respond(gosip.NewResponseFromRequest(req, 400, "Bad SDP", nil))
			return
		}
		local := Local{Addr: rtp.LocalAddr().(*net.UDPAddr).AddrPort(), Codecs: []media.Codec{media.CodecPCMU}, EventPT: 101}
		ans, n, err := local.Answer(offer)
		if err != nil {
			tx.Respond(gosip.NewResponseFromRequest(req, 488, "Not Acceptable", nil))
			return
		}
		s, err := media.NewSession(rtp, media.SessionConfig{Remote: n.Remote, Codec: n.Codec, EventPayloadType: n.EventPT, NoRTCP: true})
		if err != nil {
			tx.Respond(gosip.NewResponseFromRequest(req, 500, "No media", nil))
			return
		}
		res := sdpResponse(req, ans.Marshal(), m.addr)
		m.mu.Lock()
		m.s, m.invite, m.res = s, req, res
		m.mu.Unlock()
		tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
		tx.Respond(res)
		close(m.answered)
	})
	srv.OnAck(func(*gosip.Request, gosip.ServerTransaction) {})
	srv.OnBye(func(req *gosip.Request, tx gosip.ServerTransaction) {
		m.mu.Lock()
		m.byes++
		m.mu.Unlock()
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.ServeUDP(sc)
	}()
	t.Cleanup(func() {
		m.mu.Lock()
		s := m.s
		m.mu.Unlock()
		if s != nil {
			s.Close()
		} else {
			rtp.Close()
		}
		ua.Close()
		sc.Close()
		<-served
	})
	return m
}

func (m *mediaCallee) binding() Binding {
	return Binding{AOR: "201", Contact: "sip:201@" + m.addr.String(), Source: m.addr, Transport: "udp"}
}

func (m *mediaCallee) byeCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.byes
}

// waitAnswered waits until the callee has answered and returns its
// session.
func (m *mediaCallee) waitAnswered() *media.Session {
	m.t.Helper()
	select {
	case <-m.answered:
	case <-time.After(10 * time.Second):
		m.t.Fatal("the callee was not rung")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s
}

// hangUp sends BYE in the dialog its 200 set up.
func (m *mediaCallee) hangUp() {
	m.t.Helper()
	m.mu.Lock()
	inv, res := m.invite, m.res
	m.mu.Unlock()
	target := inv.From().Address
	if ct := inv.Contact(); ct != nil {
		target = ct.Address
	}
	req := gosip.NewRequest(gosip.BYE, target)
	from := &gosip.FromHeader{Address: res.To().Address, Params: res.To().Params.Clone()}
	to := &gosip.ToHeader{Address: inv.From().Address, Params: inv.From().Params.Clone()}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(gosip.HeaderClone(inv.CallID()))
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.BYE})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := m.cli.Do(ctx, req)
	if err != nil || r.StatusCode != 200 {
		m.t.Fatalf("callee's BYE: %v %v", r, err)
	}
}

// pressOneConfirmer plays a 1 kHz tone to the callee and accepts on '1';
// it reports on started when it runs and says what ended it on ended.
type pressOneConfirmer struct {
	t       *testing.T
	started chan struct{}
	ended   chan string
}

func newPressOne(t *testing.T) *pressOneConfirmer {
	return &pressOneConfirmer{t: t, started: make(chan struct{}, 1), ended: make(chan string, 1)}
}

func (p *pressOneConfirmer) Confirm(ctx context.Context, leg *AppLeg) bool {
	p.started <- struct{}{}
	if err := leg.Play(ctx, tone(p.t, 1000, 300*time.Millisecond)); err != nil {
		if ctx.Err() != nil {
			p.ended <- "context ended"
		} else {
			p.ended <- "play: " + err.Error()
		}
		return false
	}
	for {
		select {
		case d := <-leg.Digits():
			if d == '1' {
				p.ended <- "accepted"
				return true
			}
			if d == '#' {
				leg.Hangup()
			}
		case <-ctx.Done():
			p.ended <- "context ended"
			return false
		}
	}
}

// confirmPBX rings callee for "201" with c as its Confirmer; NextStep
// records the attempts and rings next (if any) after the first.
func confirmPBX(t *testing.T, callee *mediaCallee, c Confirmer, confirmFor time.Duration, next *phone) (*pbx, func() []Attempt) {
	var mu sync.Mutex
	var attempts []Attempt
	p := startPBX(t, Config{
		Router: RouterFunc(func(context.Context, *Call) (Target, error) {
			return Target{Bindings: []Binding{callee.binding()}, Confirm: c, ConfirmFor: confirmFor}, nil
		}),
		Next: func(ctx context.Context, call *Call, a Attempt) (Target, error) {
			mu.Lock()
			attempts = append(attempts, a)
			n := len(attempts)
			mu.Unlock()
			if next != nil && n == 1 {
				return Target{Bindings: []Binding{next.binding("202")}}, nil
			}
			return DefaultNextStep(ctx, call, a)
		},
	})
	return p, func() []Attempt {
		mu.Lock()
		defer mu.Unlock()
		out := make([]Attempt, len(attempts))
		copy(out, attempts)
		return out
	}
}

// hearTone waits until s receives n audio packets from the PBX: the
// Confirmer's prompt reaches the callee.
func hearTone(t *testing.T, s *media.Session, n int) {
	t.Helper()
	buf := make([]byte, 1500)
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer s.SetReadDeadline(time.Time{})
	for got := 0; got < n; {
		p, err := s.ReadRTP(buf)
		if err != nil {
			t.Fatalf("callee heard %d packets of the prompt, then: %v", got, err)
		}
		if p.Header.PayloadType == 0 {
			got++
		}
	}
}

// The callee hears the prompt and presses 1: only then does the caller
// get 200, and the two are bridged.
func TestConfirmAccepted(t *testing.T) {
	callee := newMediaCallee(t)
	conf := newPressOne(t)
	p, attempts := confirmPBX(t, callee, conf, 0, nil)
	caller := newRTPPhone(t, 0)
	answered := make(chan *outCall, 1)
	go func() { answered <- caller.call(p.addr, "201") }()

	s := callee.waitAnswered()
	<-conf.started
	hearTone(t, s, 5)
	select {
	case oc := <-answered:
		t.Fatalf("the caller was answered (%v) before the callee accepted", oc.codes)
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.SendDigits(ctx, "1", media.DigitTiming{}); err != nil {
		t.Fatal(err)
	}
	var call *outCall
	select {
	case call = <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the caller got no 200 after the callee pressed 1")
	}
	if got := <-conf.ended; got != "accepted" {
		t.Fatalf("Confirm ended with %q", got)
	}
	if last := call.codes[len(call.codes)-1]; last != 200 || countCode(call.codes, 200) != 1 {
		t.Errorf("caller's responses %v, want one 200 at the end", call.codes)
	}
	c := <-p.calls
	// The caller's audio reaches the callee through the bridge on the
	// port the callee's SDP was answered on.
	go media.NewPlayer(caller.s, media.PlayerConfig{}).Play(ctx, tone(t, 400, 3*time.Second))
	hearTone(t, s, 10)
	waitWithin(t, 10*time.Second, "the caller's RTP through the bridge", func() bool {
		st, ok := c.BridgeStats()
		return ok && st.A.Relayed >= 10
	})
	cancel()
	if res := call.bye(); res.StatusCode != 200 {
		t.Fatalf("BYE: %d", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "BYE at the callee", func() bool { return callee.byeCount() == 1 })
	if e := p.ended(t); e.Outcome != OutcomeAnswered || e.Device != callee.binding().Contact {
		t.Errorf("ended %+v, want answered by the callee", e)
	}
	if a := attempts(); len(a) != 0 {
		t.Errorf("NextStep called with %+v", a)
	}
}

// The callee hangs up instead of pressing 1: the attempt ends "no answer",
// the callee gets no BYE of ours, the caller never had a 200 and gets 480.
func TestConfirmCalleeHangsUp(t *testing.T) {
	callee := newMediaCallee(t)
	conf := newPressOne(t)
	p, attempts := confirmPBX(t, callee, conf, 0, nil)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	callee.waitAnswered()
	<-conf.started
	callee.hangUp()
	if res := call.wait(); res.StatusCode != 480 {
		t.Fatalf("caller got %d, want 480", res.StatusCode)
	}
	if got := <-conf.ended; got != "context ended" {
		t.Errorf("Confirm ended with %q", got)
	}
	if n := countCode(call.codes, 200); n != 0 {
		t.Errorf("caller's responses %v include a 200", call.codes)
	}
	a := attempts()
	if len(a) != 1 || a[0].Outcome != OutcomeNoAnswer {
		t.Fatalf("attempts %+v, want one ending no answer", a)
	}
	if n := callee.byeCount(); n != 0 {
		t.Errorf("callee got %d BYEs after hanging up", n)
	}
	if e := p.ended(t); e.Outcome != OutcomeNoAnswer || e.Status != 480 {
		t.Errorf("ended %+v", e)
	}
}

// The callee declines with the Confirmer's own hang-up (leg.Hangup): the
// callee gets BYE and the caller 480.
func TestConfirmDeclinedByKey(t *testing.T) {
	callee := newMediaCallee(t)
	conf := newPressOne(t)
	p, attempts := confirmPBX(t, callee, conf, 0, nil)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	s := callee.waitAnswered()
	<-conf.started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.SendDigits(ctx, "#", media.DigitTiming{}); err != nil {
		t.Fatal(err)
	}
	if res := call.wait(); res.StatusCode != 480 {
		t.Fatalf("caller got %d, want 480", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "BYE at the callee", func() bool { return callee.byeCount() == 1 })
	if a := attempts(); len(a) != 1 || a[0].Outcome != OutcomeNoAnswer {
		t.Fatalf("attempts %+v, want one ending no answer", a)
	}
}

// Nobody presses anything: after ConfirmFor the callee gets BYE and
// NextStep moves on to the next device, which answers the caller.
func TestConfirmTimeoutMovesOn(t *testing.T) {
	callee := newMediaCallee(t)
	conf := newPressOne(t)
	second := newPhone(t, 200, 0)
	p, attempts := confirmPBX(t, callee, conf, 500*time.Millisecond, second)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	res := call.wait()
	if res.StatusCode != 200 {
		t.Fatalf("caller got %d, want 200 from the second device", res.StatusCode)
	}
	if got := <-conf.ended; got != "context ended" {
		t.Errorf("Confirm ended with %q", got)
	}
	waitWithin(t, 5*time.Second, "BYE at the first callee", func() bool { return callee.byeCount() == 1 })
	a := attempts()
	if len(a) != 1 || a[0].Outcome != OutcomeNoAnswer {
		t.Fatalf("attempts %+v, want one ending no answer", a)
	}
	c := <-p.calls
	if _, ok := c.BridgeStats(); !ok {
		t.Error("the caller is not bridged with the second device")
	}
	if r := call.bye(); r.StatusCode != 200 {
		t.Fatalf("BYE: %d", r.StatusCode)
	}
	waitWithin(t, 5*time.Second, "BYE at the second device", func() bool { return second.byeCount() == 1 })
	if e := p.ended(t); e.Device != second.binding("202").Contact {
		t.Errorf("ended %+v, want the second device", e)
	}
}

// The caller cancels while the callee is being asked: the callee gets
// BYE, the caller 487, NextStep is not asked.
func TestConfirmCallerCancels(t *testing.T) {
	callee := newMediaCallee(t)
	conf := newPressOne(t)
	p, attempts := confirmPBX(t, callee, conf, 0, nil)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	callee.waitAnswered()
	<-conf.started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := caller.cli.Do(ctx, cancelFor(call.invite)); err != nil || res.StatusCode != 200 {
		t.Fatalf("CANCEL: %v %v", res, err)
	}
	if res := call.wait(); res.StatusCode != 487 {
		t.Fatalf("caller got %d after CANCEL, want 487", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "BYE at the callee", func() bool { return callee.byeCount() == 1 })
	if got := <-conf.ended; got != "context ended" {
		t.Errorf("Confirm ended with %q", got)
	}
	if e := p.ended(t); e.Outcome != OutcomeCancelled {
		t.Errorf("ended %+v, want cancelled", e)
	}
	if a := attempts(); len(a) != 0 {
		t.Errorf("NextStep called with %+v", a)
	}
}

func countCode(codes []int, code int) int {
	n := 0
	for _, c := range codes {
		if c == code {
			n++
		}
	}
	return n
}
