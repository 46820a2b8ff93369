package sip

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/media"
)

// phone is a SIP user agent on 127.0.0.1 for in-process tests: it calls
// through the PBX and answers what the PBX sends it as its handlers say.
type phone struct {
	t    testing.TB
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	addr netip.AddrPort
	rtp  netip.AddrPort // the RTP address it puts in its SDP (nothing listens)

	mu      sync.Mutex
	invites []*gosip.Request
	byes    int
	cancels int
	tags    []string // our To tag in each 200 to an initial INVITE
}

// newPhone starts a phone; answerCode (0 for none) and delay set how it
// answers INVITEs (see answer). Handlers are set before it serves, as
// sipgo's handler table is not synchronised.
func newPhone(t testing.TB, answerCode int, delay time.Duration) *phone {
	t.Helper()
	return newPhoneWith(t, func(p *phone) {
		if answerCode != 0 {
			p.answer(answerCode, delay)
		}
	})
}

// newPhoneWith starts a phone whose handlers setup installs (BYE and ACK
// have defaults it may replace) before the phone serves.
func newPhoneWith(t testing.TB, setup func(p *phone)) *phone {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, ua: ua, srv: srv, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort()}
	p.rtp = netip.AddrPortFrom(p.addr.Addr(), 30000+p.addr.Port()%20000)
	p.cli, err = sipgo.NewClient(ua, sipgo.WithClientAddr(p.addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnBye(func(req *gosip.Request, tx gosip.ServerTransaction) {
		p.mu.Lock()
		p.byes++
		p.mu.Unlock()
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	srv.OnAck(func(*gosip.Request, gosip.ServerTransaction) {})
	setup(p)
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.ServeUDP(conn)
	}()
	t.Cleanup(func() {
		ua.Close()
		conn.Close()
		<-served
	})
	return p
}

func (p *phone) binding(aor string) Binding {
	return Binding{AOR: aor, Contact: fmt.Sprintf("sip:%s@%s", aor, p.addr), Source: p.addr, Transport: "udp"}
}

func (p *phone) byeCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byes
}

// answer makes the phone answer every INVITE: ring, then code after
// delay (200 with an SDP answer in PCMU).
func (p *phone) answer(code int, delay time.Duration) {
	p.srv.OnInvite(func(req *gosip.Request, tx gosip.ServerTransaction) {
		p.mu.Lock()
		p.invites = append(p.invites, req)
		p.mu.Unlock()
		if tag, _ := req.To().Params.Get("tag"); tag != "" { // re-INVITE: agree
			offer, err := ParseSDP(req.Body())
			if err != nil {
				tx.Respond(gosip.NewResponseFromRequest(req, 400, "Bad SDP", nil))
				return
			}
			ans, _, err := (Local{Addr: p.rtp, Codecs: []media.Codec{media.CodecPCMU, media.CodecPCMA}}).Answer(offer)
			if err != nil {
				tx.Respond(gosip.NewResponseFromRequest(req, 488, "Not Acceptable", nil))
				return
			}
			tx.Respond(sdpResponse(req, ans.Marshal(), p.addr))
			return
		}
		cancelled := make(chan struct{})
		tx.OnCancel(func(*gosip.Request) {
			p.mu.Lock()
			p.cancels++
			p.mu.Unlock()
			close(cancelled)
		})
		tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
		select {
		case <-time.After(delay):
		case <-cancelled:
			return
		case <-tx.Done():
			return
		}
		if code != 200 {
			tx.Respond(gosip.NewResponseFromRequest(req, code, "Nope", nil))
			return
		}
		offer, err := ParseSDP(req.Body())
		if err != nil {
			tx.Respond(gosip.NewResponseFromRequest(req, 400, "Bad SDP", nil))
			return
		}
		ans, _, err := (Local{Addr: p.rtp, Codecs: []media.Codec{media.CodecPCMU}}).Answer(offer)
		if err != nil {
			tx.Respond(gosip.NewResponseFromRequest(req, 488, "Not Acceptable", nil))
			return
		}
		res := sdpResponse(req, ans.Marshal(), p.addr)
		tag, _ := res.To().Params.Get("tag")
		p.mu.Lock()
		p.tags = append(p.tags, tag)
		p.mu.Unlock()
		tx.Respond(res)
	})
}

func sdpResponse(req *gosip.Request, body []byte, contact netip.AddrPort) *gosip.Response {
	res := gosip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", Host: contact.Addr().String(), Port: int(contact.Port())}})
	return res
}

// outCall is a call the phone placed.
type outCall struct {
	p      *phone
	invite *gosip.Request
	tx     gosip.ClientTransaction
	final  *gosip.Response
	codes  []int
}

// invite sends an INVITE for ext to the PBX with sdp (nil: a PCMU offer)
// and extra headers, without waiting.
func (p *phone) invite(pbx netip.AddrPort, ext string, sdp []byte, hdrs ...gosip.Header) *outCall {
	p.t.Helper()
	if sdp == nil {
		sdp = (Local{Addr: p.rtp, Codecs: []media.Codec{media.CodecPCMU}, EventPT: 101}).Offer().Marshal()
	}
	req := gosip.NewRequest(gosip.INVITE, gosip.Uri{Scheme: "sip", User: ext, Host: pbx.Addr().String(), Port: int(pbx.Port())})
	req.AppendHeader(&gosip.FromHeader{Address: gosip.Uri{Scheme: "sip", User: "101", Host: p.addr.Addr().String()},
		Params: tagParam(gosip.GenerateTagN(8))})
	req.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: "101", Host: p.addr.Addr().String(), Port: int(p.addr.Port())}})
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	ct := gosip.ContentTypeHeader("application/sdp")
	req.AppendHeader(&ct)
	req.SetBody(sdp)
	tx, err := p.cli.TransactionRequest(context.Background(), req)
	if err != nil {
		p.t.Fatal(err)
	}
	return &outCall{p: p, invite: req, tx: tx}
}

// wait reads responses until the final one (or 10 s).
func (c *outCall) wait() *gosip.Response {
	c.p.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case res := <-c.tx.Responses():
			c.codes = append(c.codes, res.StatusCode)
			if res.StatusCode >= 200 {
				c.final = res
				if res.IsSuccess() {
					c.ack()
				}
				return res
			}
		case <-c.tx.Done():
			c.p.t.Fatalf("INVITE transaction ended without a final response: %v", c.tx.Err())
		case <-timeout:
			c.p.t.Fatal("no final response in 10 s")
		}
	}
}

// inDialog builds a request in the dialog the 2xx set up.
func (c *outCall) inDialog(method gosip.RequestMethod, cseq uint32) *gosip.Request {
	target := c.invite.Recipient
	if ct := c.final.Contact(); ct != nil {
		target = ct.Address
	}
	req := gosip.NewRequest(method, target)
	req.AppendHeader(gosip.HeaderClone(c.invite.From()))
	req.AppendHeader(gosip.HeaderClone(c.final.To()))
	req.AppendHeader(gosip.HeaderClone(c.invite.CallID()))
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: cseq, MethodName: method})
	return req
}

func (c *outCall) ack() {
	ack := c.inDialog(gosip.ACK, c.invite.CSeq().SeqNo)
	if err := c.p.cli.WriteRequest(ack); err != nil {
		c.p.t.Fatal(err)
	}
}

// do sends an in-dialog request and returns the final response.
func (c *outCall) do(req *gosip.Request) *gosip.Response {
	c.p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.p.cli.Do(ctx, req)
	if err != nil {
		c.p.t.Fatalf("%s: %v", req.Method, err)
	}
	return res
}

func (c *outCall) bye() *gosip.Response { return c.do(c.inDialog(gosip.BYE, c.invite.CSeq().SeqNo+1)) }

// pbxFor starts a PBX routing "201" to the callee phones' bindings.
func pbxFor(t testing.TB, cfg Config, callees ...*phone) *pbx {
	var bs []Binding
	for _, c := range callees {
		bs = append(bs, c.binding("201"))
	}
	if cfg.Router == nil {
		cfg.Router = RouterFunc(func(_ context.Context, c *Call) (Target, error) {
			switch c.To {
			case "201":
				return Target{Bindings: bs}, nil
			case "202":
				return Target{}, ErrUnavailable
			}
			return Target{}, ErrNotFound
		})
	}
	return startPBX(t, cfg)
}

func TestB2BUAStatuses(t *testing.T) {
	callee := newPhone(t, 200, 0)
	g729 := []byte(readSDP(t, "g729_only.sdp"))
	mf0 := gosip.MaxForwardsHeader(0)
	tests := []struct {
		name string
		ext  string
		sdp  []byte
		hdrs []gosip.Header
		want int
	}{
		{"unknown extension", "999", nil, nil, 404},
		{"not registered", "202", nil, nil, 480},
		{"no common codec", "201", g729, nil, 488},
		{"garbage SDP", "201", []byte("hello"), nil, 400},
		{"max-forwards 0", "201", nil, []gosip.Header{&mf0}, 483},
		{"session interval too small", "201", nil, []gosip.Header{gosip.NewHeader("Session-Expires", "30"), gosip.NewHeader("Supported", "timer")}, 422},
	}
	p := pbxFor(t, Config{}, callee)
	caller := newPhone(t, 0, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := caller.invite(p.addr, tt.ext, tt.sdp, tt.hdrs...).wait()
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == 422 {
				if h := res.GetHeader("Min-SE"); h == nil || h.Value() != "90" {
					t.Errorf("422 without Min-SE: 90: %v", h)
				}
			}
		})
	}
	if n := p.b.Calls(); n != 0 {
		t.Errorf("%d calls left after refusals", n)
	}
}

// A binding that points back at the PBX itself makes the INVITE loop:
// the second pass sees its own Via branch and answers 482, which the
// caller gets.
func TestB2BUALoopDetected(t *testing.T) {
	p := startPBX(t, Config{Router: RouterFunc(func(_ context.Context, c *Call) (Target, error) {
		self := netip.MustParseAddrPort(fmt.Sprintf("%s:%d", c.Invite.Recipient.Host, c.Invite.Recipient.Port))
		return Target{Bindings: []Binding{{AOR: "201", Contact: "sip:201@" + self.String(), Source: self}}}, nil
	})})
	caller := newPhone(t, 0, 0)
	if res := caller.invite(p.addr, "201", nil).wait(); res.StatusCode != 482 {
		t.Fatalf("status %d, want 482 Loop Detected", res.StatusCode)
	}
}

func TestB2BUAUnknownDialog481(t *testing.T) {
	p := pbxFor(t, Config{})
	caller := newPhone(t, 0, 0)
	for _, m := range []gosip.RequestMethod{gosip.BYE, gosip.INVITE} {
		req := gosip.NewRequest(m, gosip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1", Port: int(p.addr.Port())})
		req.AppendHeader(&gosip.FromHeader{Address: gosip.Uri{Scheme: "sip", User: "101", Host: "127.0.0.1"}, Params: tagParam("a")})
		req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1"}, Params: tagParam("nosuch")})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := caller.cli.Do(ctx, req)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 481 {
			t.Errorf("%s in an unknown dialog: %d, want 481", m, res.StatusCode)
		}
	}
}

// Two devices ring at once; the second answers, the first is cancelled.
func TestB2BUAForksAndCancelsTheLoser(t *testing.T) {
	slow, fast := newPhone(t, 200, 5*time.Second), newPhone(t, 200, 100*time.Millisecond)
	p := pbxFor(t, Config{}, slow, fast)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	if res := call.wait(); res.StatusCode != 200 {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	slow.mu.Lock()
	n := len(slow.invites)
	slow.mu.Unlock()
	if n != 1 {
		t.Fatalf("slow device got %d INVITEs, want 1", n)
	}
	waitWithin(t, 5*time.Second, "the PBX's CANCEL to the losing device", func() bool {
		slow.mu.Lock()
		defer slow.mu.Unlock()
		return slow.cancels == 1
	})
	if res := call.bye(); res.StatusCode != 200 {
		t.Fatalf("BYE: %d", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "BYE at the answering device", func() bool { return fast.byeCount() == 1 })
	e := p.ended(t)
	if e.Device != fast.binding("201").Contact || e.Reason != "caller hung up" {
		t.Errorf("ended event %+v: want the fast device, caller hung up", e)
	}
	if diff := cmp.Diff([]CallState{CallRinging, CallAnswered, CallEnded}, p.states()); diff != "" {
		t.Errorf("call events (-want +got):\n%s", diff)
	}
}

// The caller puts the call on hold with a=sendonly: the callee gets a
// re-INVITE whose SDP says sendonly from the PBX's address, and the caller
// is answered recvonly. Unhold brings sendrecv back.
func TestB2BUAHoldRelaysReInvite(t *testing.T) {
	callee := newPhone(t, 200, 0)
	p := pbxFor(t, Config{}, callee)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	if res := call.wait(); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for i, tc := range []struct{ offer, wantCallee, wantCaller Direction }{
		{DirectionSendOnly, DirectionSendOnly, DirectionRecvOnly},
		{DirectionSendRecv, DirectionSendRecv, DirectionSendRecv},
	} {
		offer := (Local{Addr: caller.rtp, Codecs: []media.Codec{media.CodecPCMU}, Direction: tc.offer, Origin: Origin{Version: uint64(2 + i)}}).Offer().Marshal()
		req := call.inDialog(gosip.INVITE, call.invite.CSeq().SeqNo+uint32(1+i))
		ct := gosip.ContentTypeHeader("application/sdp")
		req.AppendHeader(&ct)
		req.AppendHeader(&gosip.ContactHeader{Address: call.invite.Contact().Address})
		req.SetBody(offer)
		res := call.do(req)
		if res.StatusCode != 200 {
			t.Fatalf("re-INVITE %v: %d", tc.offer, res.StatusCode)
		}
		ack := call.inDialog(gosip.ACK, req.CSeq().SeqNo)
		caller.cli.WriteRequest(ack)
		ans, err := ParseSDP(res.Body())
		if err != nil {
			t.Fatal(err)
		}
		if got := ans.Audio().Direction; got != tc.wantCaller {
			t.Errorf("caller answered %v, want %v", got, tc.wantCaller)
		}
		callee.mu.Lock()
		last := callee.invites[len(callee.invites)-1]
		callee.mu.Unlock()
		sdp, err := ParseSDP(last.Body())
		if err != nil {
			t.Fatal(err)
		}
		if got := sdp.Audio().Direction; got != tc.wantCallee {
			t.Errorf("callee offered %v, want %v", got, tc.wantCallee)
		}
		if a := sdp.Addr(sdp.Audio()); a.Addr() != p.addr.Addr() || a.Port() < testRTPMin || a.Port() > testRTPMax {
			t.Errorf("callee's re-INVITE points RTP at %v, not the PBX", a)
		}
	}
	if res := call.bye(); res.StatusCode != 200 {
		t.Fatalf("BYE: %d", res.StatusCode)
	}
}

// With Session-Expires the call ends when the caller stops refreshing.
func TestB2BUASessionExpires(t *testing.T) {
	callee := newPhone(t, 200, 0)
	p := pbxFor(t, Config{MinSE: time.Second}, callee)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil, gosip.NewHeader("Session-Expires", "2"), gosip.NewHeader("Supported", "timer"))
	res := call.wait()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if h := res.GetHeader("Session-Expires"); h == nil || !strings.HasPrefix(h.Value(), "2;refresher=uac") {
		t.Errorf("200 Session-Expires = %v, want 2;refresher=uac", h)
	}
	e := p.ended(t)
	if e.Reason != "session expired" {
		t.Errorf("ended %+v, want session expired", e)
	}
	waitWithin(t, 5*time.Second, "BYE at both phones", func() bool { return caller.byeCount() == 1 && callee.byeCount() == 1 })
}

// Close ends a call in progress with a BYE to both phones and returns.
func TestB2BUACloseEndsCalls(t *testing.T) {
	callee := newPhone(t, 200, 0)
	p := pbxFor(t, Config{}, callee)
	caller := newPhone(t, 0, 0)
	if res := caller.invite(p.addr, "201", nil).wait(); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	p.b.Close()
	waitWithin(t, 5*time.Second, "BYE at both phones", func() bool { return caller.byeCount() == 1 && callee.byeCount() == 1 })
	if e := p.ended(t); e.Reason != "shutdown" {
		t.Errorf("ended %+v, want shutdown", e)
	}
	if p.b.Calls() != 0 {
		t.Errorf("%d calls left after Close", p.b.Calls())
	}
}

func tagParam(tag string) gosip.HeaderParams {
	p := gosip.NewParams()
	p.Add("tag", tag)
	return p
}

func pbxForB(b *testing.B, callees ...*phone) *pbx { return pbxFor(b, Config{}, callees...) }

// fakeAuth is the permissive Authenticator of the tests: it names every
// caller "alice", unless reject is set, when it answers 407 itself.
type fakeAuth struct{ reject bool }

func (f fakeAuth) Authenticate(req *gosip.Request, tx gosip.ServerTransaction) (string, bool) {
	if f.reject {
		tx.Respond(gosip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil))
		return "", false
	}
	return "alice", true
}

func TestB2BUAAuthenticator(t *testing.T) {
	callee := newPhone(t, 200, 0)
	caller := newPhone(t, 0, 0)
	p := pbxFor(t, Config{Auth: fakeAuth{reject: true}}, callee)
	if res := caller.invite(p.addr, "201", nil).wait(); res.StatusCode != 407 {
		t.Fatalf("rejected caller got %d, want the authenticator's 407", res.StatusCode)
	}
	callee.mu.Lock()
	n := len(callee.invites)
	callee.mu.Unlock()
	if n != 0 {
		t.Fatal("an unauthenticated INVITE reached the callee")
	}
	p = pbxFor(t, Config{Auth: fakeAuth{}}, callee)
	call := caller.invite(p.addr, "201", nil)
	if res := call.wait(); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	callee.mu.Lock()
	from := callee.invites[0].From().Address.User
	callee.mu.Unlock()
	if from != "alice" {
		t.Errorf("callee sees the call from %q, want the authenticated user alice", from)
	}
	call.bye()
	if e := p.ended(t); e.From != "alice" {
		t.Errorf("event from %q, want alice", e.From)
	}
}

// A re-INVITE from the caller refreshes the session: the call outlives
// the first interval, then ends when refreshes stop.
func TestB2BUASessionRefresh(t *testing.T) {
	callee := newPhone(t, 200, 0)
	p := pbxFor(t, Config{MinSE: time.Second}, callee)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil, gosip.NewHeader("Session-Expires", "4"), gosip.NewHeader("Supported", "timer"))
	if res := call.wait(); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	start := time.Now()
	// Without a refresh the PBX hangs up 4 s − 4/3 s ≈ 2.67 s after the
	// answer; the caller refreshes after 1 s (the wait is the point of the
	// test, not a hope that something happened).
	time.Sleep(time.Second)
	req := call.inDialog(gosip.INVITE, call.invite.CSeq().SeqNo+1)
	ct := gosip.ContentTypeHeader("application/sdp")
	req.AppendHeader(&ct)
	req.AppendHeader(gosip.NewHeader("Session-Expires", "4;refresher=uac"))
	req.SetBody((Local{Addr: caller.rtp, Codecs: []media.Codec{media.CodecPCMU}, Origin: Origin{Version: 2}}).Offer().Marshal())
	if res := call.do(req); res.StatusCode != 200 {
		t.Fatalf("refresh: %d", res.StatusCode)
	}
	caller.cli.WriteRequest(call.inDialog(gosip.ACK, req.CSeq().SeqNo))
	e := p.ended(t)
	if e.Reason != "session expired" {
		t.Fatalf("ended %+v, want session expired", e)
	}
	if d := e.Ended.Sub(start); d < 3*time.Second {
		t.Errorf("call ended %v after the answer: the refresh at 1 s did not restart the 2.67 s session timer", d)
	}
}

// Close while a call rings: the caller gets 503, the device a CANCEL.
func TestB2BUACloseWhileRinging(t *testing.T) {
	callee := newPhone(t, 200, 10*time.Second)
	p := pbxFor(t, Config{}, callee)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	waitWithin(t, 5*time.Second, "the device to ring", func() bool {
		callee.mu.Lock()
		defer callee.mu.Unlock()
		return len(callee.invites) == 1
	})
	closed := make(chan struct{})
	go func() {
		p.b.Close()
		close(closed)
	}()
	if res := call.wait(); res.StatusCode != 503 {
		t.Errorf("caller got %d, want 503", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "CANCEL at the device", func() bool {
		callee.mu.Lock()
		defer callee.mu.Unlock()
		return callee.cancels == 1
	})
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if e := p.ended(t); e.Reason != "shutdown" || e.Status != 503 {
		t.Errorf("ended %+v, want shutdown 503", e)
	}
}

// The callee holds: its re-INVITE reaches the caller with the PBX's
// address and sendonly, and the callee is answered recvonly. A re-INVITE
// with a wrong From tag is not in the dialog: 481.
func TestB2BUACalleeHolds(t *testing.T) {
	callee := newPhone(t, 200, 0)
	p := pbxFor(t, Config{}, callee)
	caller := newPhone(t, 200, 0) // answers the re-INVITE the PBX relays
	call := caller.invite(p.addr, "201", nil)
	if res := call.wait(); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	callee.mu.Lock()
	inv, tag := callee.invites[0], callee.tags[0]
	callee.mu.Unlock()
	reinvite := func(fromTag string) *gosip.Response {
		req := gosip.NewRequest(gosip.INVITE, inv.Contact().Address)
		req.AppendHeader(&gosip.FromHeader{Address: inv.To().Address, Params: tagParam(fromTag)})
		req.AppendHeader(&gosip.ToHeader{Address: inv.From().Address, Params: inv.From().Params})
		req.AppendHeader(gosip.HeaderClone(inv.CallID()))
		req.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.INVITE})
		req.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(callee.addr.Port())}})
		ct := gosip.ContentTypeHeader("application/sdp")
		req.AppendHeader(&ct)
		req.SetBody((Local{Addr: callee.rtp, Codecs: []media.Codec{media.CodecPCMU}, Direction: DirectionSendOnly, Origin: Origin{Version: 5}}).Offer().Marshal())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := callee.cli.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.IsSuccess() {
			ack := gosip.NewRequest(gosip.ACK, inv.Contact().Address)
			for _, h := range []string{"From", "To", "Call-ID"} {
				ack.AppendHeader(gosip.HeaderClone(req.GetHeader(h)))
			}
			ack.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.ACK})
			callee.cli.WriteRequest(ack)
		}
		return res
	}
	if res := reinvite("not-the-dialog"); res.StatusCode != 481 {
		t.Errorf("re-INVITE with a wrong From tag: %d, want 481", res.StatusCode)
	}
	res := reinvite(tag)
	if res.StatusCode != 200 {
		t.Fatalf("callee's hold re-INVITE: %d", res.StatusCode)
	}
	ans, err := ParseSDP(res.Body())
	if err != nil {
		t.Fatal(err)
	}
	if got := ans.Audio().Direction; got != DirectionRecvOnly {
		t.Errorf("callee answered %v, want recvonly", got)
	}
	caller.mu.Lock()
	relayed := caller.invites[len(caller.invites)-1]
	caller.mu.Unlock()
	offer, err := ParseSDP(relayed.Body())
	if err != nil {
		t.Fatal(err)
	}
	if got := offer.Audio().Direction; got != DirectionSendOnly {
		t.Errorf("caller was offered %v, want sendonly", got)
	}
	if a := offer.Addr(offer.Audio()); a.Port() < testRTPMin || a.Port() > testRTPMax {
		t.Errorf("relayed offer points RTP at %v, not the PBX", a)
	}
}

// Requests sipgo parses but that lack a dialog's headers get 400, raw
// over UDP as a broken phone would send them; none crashes the B2BUA.
func TestB2BUAMalformedRequests400(t *testing.T) {
	p := pbxFor(t, Config{})
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	src := conn.LocalAddr().String()
	for i, msg := range []string{
		"INVITE sip:201@%[1]s SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-m%[3]d\r\nTo: <sip:201@x>\r\nCall-ID: m%[3]d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",                             // no From
		"INVITE sip:201@%[1]s SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-m%[3]d\r\nFrom: <sip:1@x>;tag=a\r\nCall-ID: m%[3]d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",                       // no To
		"INVITE sip:201@%[1]s SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-m%[3]d\r\nFrom: <sip:1@x>;tag=a\r\nTo: <sip:201@x>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",                       // no Call-ID
		"BYE sip:201@%[1]s SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-m%[3]d\r\nFrom: <sip:1@x>;tag=a\r\nTo: <sip:201@x>;tag=b\r\nCall-ID: m%[3]d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", // CSeq method mismatch
	} {
		pkt := fmt.Sprintf(msg, p.addr, src, i)
		if _, err := conn.WriteTo([]byte(pkt), net.UDPAddrFromAddrPort(p.addr)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2048)
		conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("message %d: no answer: %v", i, err)
		}
		if got := string(buf[:n]); !strings.HasPrefix(got, "SIP/2.0 400 ") {
			t.Errorf("message %d answered %q, want 400", i, strings.SplitN(got, "\r\n", 2)[0])
		}
	}
}

// A caller that never ACKs: the PBX retransmits its 200 and gives up
// after 64×T1 (T1 20 ms here: 1.28 s), ending the call on both legs.
func TestB2BUAGivesUpWithoutACK(t *testing.T) {
	callee := newPhone(t, 200, 0)
	p := pbxFor(t, Config{Timers: Timers{T1: 20 * time.Millisecond, T2: 80 * time.Millisecond}}, callee)
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "201", nil)
	for res := range call.tx.Responses() { // the first 200, not ACKed
		if res.IsSuccess() {
			break
		}
	}
	if e := p.ended(t); e.Reason != "no ACK" || e.Outcome != OutcomeAnswered {
		t.Fatalf("ended %+v, want answered, no ACK", e)
	}
	waitWithin(t, 5*time.Second, "BYE at both phones", func() bool { return callee.byeCount() == 1 && caller.byeCount() == 1 })
}
