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

// sniffConn keeps every datagram a fake provider reads, so a test can see
// what sipgo's transactions absorb (the ACK of a non-2xx, a CANCEL).
type sniffConn struct {
	net.PacketConn
	mu  sync.Mutex
	got []string
}

func (s *sniffConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, a, err := s.PacketConn.ReadFrom(b)
	if n > 0 {
		s.mu.Lock()
		s.got = append(s.got, string(b[:n]))
		s.mu.Unlock()
	}
	return n, a, err
}

// received returns the datagrams read so far that start with prefix.
func (s *sniffConn) received(prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.got {
		if strings.HasPrefix(m, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// fakeProvider is an upstream SIP provider on 127.0.0.1 for in-process
// tests: each initial INVITE is noted and given to its handler.
type fakeProvider struct {
	addr netip.AddrPort
	raw  *sniffConn

	mu      sync.Mutex
	invites []*gosip.Request
	cancels int
	byes    int
}

func startFakeProvider(t *testing.T, handle func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction)) *fakeProvider {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("fake-provider"))
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
	p := &fakeProvider{addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), raw: &sniffConn{PacketConn: conn}}
	srv.OnInvite(func(req *gosip.Request, tx gosip.ServerTransaction) {
		p.mu.Lock()
		p.invites = append(p.invites, req)
		p.mu.Unlock()
		tx.OnCancel(func(*gosip.Request) {
			p.mu.Lock()
			p.cancels++
			p.mu.Unlock()
		})
		handle(p, req, tx)
	})
	srv.OnAck(func(*gosip.Request, gosip.ServerTransaction) {})
	srv.OnBye(func(req *gosip.Request, tx gosip.ServerTransaction) {
		p.mu.Lock()
		p.byes++
		p.mu.Unlock()
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.ServeUDP(p.raw)
	}()
	t.Cleanup(func() {
		ua.Close()
		conn.Close()
		<-served
	})
	return p
}

func (p *fakeProvider) seen() (invites []*gosip.Request, cancels, byes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*gosip.Request(nil), p.invites...), p.cancels, p.byes
}

// answerCall answers an INVITE the provider accepted: 180, then 200 with
// a PCMU answer.
func (p *fakeProvider) answerCall(req *gosip.Request, tx gosip.ServerTransaction) {
	tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
	offer, err := ParseSDP(req.Body())
	if err != nil {
		tx.Respond(gosip.NewResponseFromRequest(req, 400, "Bad SDP", nil))
		return
	}
	rtp := netip.AddrPortFrom(p.addr.Addr(), 30000+p.addr.Port()%20000)
	ans, _, err := (Local{Addr: rtp, Codecs: []media.Codec{media.CodecPCMU}}).Answer(offer)
	if err != nil {
		tx.Respond(gosip.NewResponseFromRequest(req, 488, "Not Acceptable", nil))
		return
	}
	tx.Respond(sdpResponse(req, ans.Marshal(), p.addr))
}

// digestProvider challenges INVITEs with auth (407, as DigestAuth does for
// INVITE) and passes the authenticated ones to then. after, when set, runs
// after each Authenticate call with the INVITE's position (0 for the
// first).
func digestProvider(auth *DigestAuth, before func(n int), then func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction)) func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) {
	return func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) {
		p.mu.Lock()
		n := len(p.invites) - 1
		p.mu.Unlock()
		// before runs ahead of the check, so that it cannot race the
		// PBX's answer to a challenge already sent.
		if before != nil {
			before(n)
		}
		user, ok := auth.Authenticate(req, tx)
		if !ok {
			return
		}
		if user != "trunkuser" {
			tx.Respond(gosip.NewResponseFromRequest(req, 403, "Wrong User", nil))
			return
		}
		then(p, req, tx)
	}
}

// wwwAuthProvider challenges with 401 and a fixed MD5 nonce, the way some
// providers do, and checks the Authorization it gets back.
func wwwAuthProvider(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) {
	const realm, nonce = "voip.example", "dcd98b7102dd2f0e8b11d0f600bfb0c093"
	h := req.GetHeader("Authorization")
	if h == nil {
		res := gosip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(gosip.NewHeader("WWW-Authenticate", `Digest realm="`+realm+`", nonce="`+nonce+`", algorithm=MD5, qop="auth"`))
		tx.Respond(res)
		return
	}
	_, d, err := parseDigest(h.Value())
	if err != nil || d["uri"] != req.Recipient.String() || d["realm"] != realm || d["nonce"] != nonce {
		tx.Respond(gosip.NewResponseFromRequest(req, 400, "Bad Authorization", nil))
		return
	}
	want := digestResponse(MD5, DigestHA1(MD5, "trunkuser", realm, "trunkpass"), nonce, d["nc"], d["cnonce"], "auth", "INVITE", d["uri"])
	if d["username"] != "trunkuser" || d["response"] != want {
		tx.Respond(gosip.NewResponseFromRequest(req, 403, "Forbidden", nil))
		return
	}
	p.answerCall(req, tx)
}

// inviteSeen is what a test compares of each INVITE the provider got.
type inviteSeen struct {
	CSeq                      uint32
	Credentials               string // the header that carried them and the algorithm, "" for none
	RURI, FromUser, ToUser    string
	FromDisplay, FromHost, To string
}

func summarise(req *gosip.Request) inviteSeen {
	s := inviteSeen{CSeq: req.CSeq().SeqNo, RURI: req.Recipient.User, FromUser: req.From().Address.User,
		FromDisplay: req.From().DisplayName, FromHost: req.From().Address.Host, ToUser: req.To().Address.User, To: req.To().Address.Host}
	for _, name := range []string{"Authorization", "Proxy-Authorization"} {
		if h := req.GetHeader(name); h != nil {
			_, d, _ := parseDigest(h.Value())
			s.Credentials = name + " " + d["algorithm"]
		}
	}
	return s
}

// trunkPBX starts a B2BUA that sends every call out to prov as
// sip:5551234567@prov with out's identity and credentials.
func trunkPBX(t *testing.T, prov *fakeProvider, out *Outbound) *pbx {
	return startPBX(t, Config{Router: RouterFunc(func(_ context.Context, c *Call) (Target, error) {
		return Target{Bindings: []Binding{{Contact: "sip:5551234567@" + prov.addr.String()}}, Outbound: out}, nil
	})})
}

// TestB2BUAOutboundAuth: a call out through a provider that challenges
// the INVITE is answered when the trunk's credentials are right, sent
// again with them once (same Call-ID and From tag, next CSeq, new branch),
// each challenge acknowledged in its own transaction; a refusal of the
// answer ends the attempt as Rejected and the caller gets 403.
func TestB2BUAOutboundAuth(t *testing.T) {
	trunk := &Outbound{Username: "trunkuser", Password: "trunkpass", FromDisplay: "ACME"}
	first := inviteSeen{CSeq: 1, RURI: "5551234567", FromUser: "trunkuser", FromDisplay: "ACME", FromHost: "127.0.0.1", ToUser: "5551234567", To: "127.0.0.1"}
	with := func(cseq uint32, cred string) inviteSeen {
		s := first
		s.CSeq, s.Credentials = cseq, cred
		return s
	}
	var clock struct {
		mu  sync.Mutex
		now time.Time
	}
	clock.now = time.Now()
	now := func() time.Time { clock.mu.Lock(); defer clock.mu.Unlock(); return clock.now }
	newAuth := func(sha bool) *DigestAuth {
		creds := &MemCredentials{}
		creds.Set("trunkuser", "trunkpass")
		a, err := NewDigestAuth(AuthConfig{Realm: "provider.test", Credentials: creds, SHA256: sha, Clock: now})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	staleAfterFirst := func(n int) { // the first nonce has expired when its answer arrives
		if n == 1 {
			clock.mu.Lock()
			clock.now = clock.now.Add(time.Hour)
			clock.mu.Unlock()
		}
	}
	answer := func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) { p.answerCall(req, tx) }
	tests := []struct {
		name       string
		handle     func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction)
		out        *Outbound
		wantStatus int
		wantEnd    Outcome
		want       []inviteSeen
	}{
		{"407 MD5", digestProvider(newAuth(false), nil, answer), trunk, 200, OutcomeAnswered,
			[]inviteSeen{first, with(2, "Proxy-Authorization MD5")}},
		{"407 SHA-256 offered first", digestProvider(newAuth(true), nil, answer), trunk, 200, OutcomeAnswered,
			[]inviteSeen{first, with(2, "Proxy-Authorization SHA-256")}},
		{"401 WWW-Authenticate", wwwAuthProvider, trunk, 200, OutcomeAnswered,
			[]inviteSeen{first, with(2, "Authorization MD5")}},
		{"stale nonce answered again", digestProvider(newAuth(false), staleAfterFirst, answer), trunk, 200, OutcomeAnswered,
			[]inviteSeen{first, with(2, "Proxy-Authorization MD5"), with(3, "Proxy-Authorization MD5")}},
		{"wrong password", digestProvider(newAuth(false), nil, answer), &Outbound{Username: "trunkuser", Password: "wrong", FromDisplay: "ACME"},
			403, OutcomeRejected, []inviteSeen{first, with(2, "Proxy-Authorization MD5")}},
		{"no credentials", digestProvider(newAuth(false), nil, answer), &Outbound{Username: "trunkuser", FromDisplay: "ACME"},
			403, OutcomeRejected, []inviteSeen{first}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prov := startFakeProvider(t, tt.handle)
			p := trunkPBX(t, prov, tt.out)
			caller := newPhone(t, 0, 0)
			call := caller.invite(p.addr, "95551234567", nil)
			res := call.wait()
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("caller got %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if res.IsSuccess() {
				if bye := call.bye(); bye.StatusCode != 200 {
					t.Errorf("BYE: %d", bye.StatusCode)
				}
				waitWithin(t, 5*time.Second, "the provider's BYE", func() bool { _, _, byes := prov.seen(); return byes == 1 })
			}
			if ev := p.ended(t); ev.Outcome != tt.wantEnd {
				t.Errorf("call ended %v, want %v", ev.Outcome, tt.wantEnd)
			}
			invites, _, _ := prov.seen()
			var got []inviteSeen
			for _, inv := range invites {
				got = append(got, summarise(inv))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("INVITEs at the provider (-want +got):\n%s", diff)
			}
			// One dialog attempt: same Call-ID and From tag; each INVITE a
			// new transaction whose challenge was ACKed on its branch.
			branches := map[string]bool{}
			for i, inv := range invites {
				if inv.CallID().Value() != invites[0].CallID().Value() {
					t.Errorf("INVITE %d has Call-ID %q, the first had %q", i, inv.CallID().Value(), invites[0].CallID().Value())
				}
				tag, _ := inv.From().Params.Get("tag")
				tag0, _ := invites[0].From().Params.Get("tag")
				if tag != tag0 {
					t.Errorf("INVITE %d has From tag %q, the first had %q", i, tag, tag0)
				}
				br, _ := inv.Via().Params.Get("branch")
				if branches[br] {
					t.Errorf("INVITE %d reuses branch %s", i, br)
				}
				branches[br] = true
				if !res.IsSuccess() || i < len(invites)-1 { // challenged
					acked := func() bool {
						for _, a := range prov.raw.received("ACK ") {
							if strings.Contains(a, "branch="+br) && strings.Contains(a, fmt.Sprintf("CSeq: %d ACK", inv.CSeq().SeqNo)) {
								return true
							}
						}
						return false
					}
					waitWithin(t, 5*time.Second, fmt.Sprintf("the ACK of INVITE %d's challenge", i), acked)
				}
			}
		})
	}
}

// TestB2BUAOutboundCancelAfterAuth: the caller hangs up while the
// provider rings the authenticated INVITE; the CANCEL goes to that
// INVITE's transaction (its branch and CSeq), not the challenged one.
func TestB2BUAOutboundCancelAfterAuth(t *testing.T) {
	creds := &MemCredentials{}
	creds.Set("trunkuser", "trunkpass")
	auth, err := NewDigestAuth(AuthConfig{Realm: "provider.test", Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	prov := startFakeProvider(t, digestProvider(auth, nil, func(_ *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) {
		tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
		<-tx.Done() // rings until cancelled
	}))
	p := trunkPBX(t, prov, &Outbound{Username: "trunkuser", Password: "trunkpass"})
	caller := newPhone(t, 0, 0)
	call := caller.invite(p.addr, "95551234567", nil)
	waitWithin(t, 5*time.Second, "ringing at the provider", func() bool {
		select {
		case res := <-call.tx.Responses():
			call.codes = append(call.codes, res.StatusCode)
			return res.StatusCode == 180
		default:
			return false
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := caller.cli.Do(ctx, cancelFor(call.invite)); err != nil || res.StatusCode != 200 {
		t.Fatalf("CANCEL: %v %v", res, err)
	}
	if res := call.wait(); res.StatusCode != 487 {
		t.Fatalf("caller got %d after CANCEL, want 487", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "the CANCEL at the provider", func() bool { _, c, _ := prov.seen(); return c == 1 })
	invites, _, _ := prov.seen()
	if len(invites) != 2 {
		t.Fatalf("provider got %d INVITEs, want 2", len(invites))
	}
	br, _ := invites[1].Via().Params.Get("branch")
	cancels := prov.raw.received("CANCEL ")
	if len(cancels) == 0 || !strings.Contains(cancels[0], "branch="+br) || !strings.Contains(cancels[0], "CSeq: 2 CANCEL") {
		t.Errorf("CANCEL does not match the authenticated INVITE (branch %s, CSeq 2):\n%s", br, cancels)
	}
	if ev := p.ended(t); ev.Outcome != OutcomeCancelled {
		t.Errorf("call ended %v, want cancelled", ev.Outcome)
	}
}

func TestDefaultNextStepChallenge(t *testing.T) {
	tests := []struct {
		status int
		want   int
	}{{401, 403}, {407, 403}, {404, 404}, {603, 603}}
	for _, tt := range tests {
		_, err := DefaultNextStep(context.Background(), nil, Attempt{Outcome: OutcomeRejected, Status: tt.status})
		if code, _ := statusOf(err); code != tt.want {
			t.Errorf("rejected with %d: caller gets %d, want %d", tt.status, code, tt.want)
		}
	}
}

// A router that sends numbers dialled with the prefix 9 out through a
// provider, as the trunk's account, answering its digest challenge.
func ExampleOutbound() {
	router := RouterFunc(func(_ context.Context, c *Call) (Target, error) {
		number, ok := strings.CutPrefix(c.To, "9")
		if !ok || number == "" {
			return Target{}, ErrNotFound
		}
		return Target{
			Bindings: []Binding{{Contact: "sip:" + number + "@sip.provider.example:5060"}},
			RingFor:  45 * time.Second,
			Outbound: &Outbound{Username: "trunkuser", Password: "trunkpass", FromDisplay: "ACME Ltd"},
		}, nil
	})
	t, _ := router.Route(context.Background(), &Call{From: "101", To: "95551234567"})
	fmt.Println(t.Bindings[0].Contact, t.Outbound.Username)
	// Output: sip:5551234567@sip.provider.example:5060 trunkuser
}

// TestB2BUAFromDisplay: a Target's FromDisplay is the name the rung phone
// sees in From (the callee's own name for the caller, from contacts); the
// caller's display name is kept when the Target names none.
func TestB2BUAFromDisplay(t *testing.T) {
	answer := func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) { p.answerCall(req, tx) }
	for _, tt := range []struct{ name, display, want string }{
		{"contact name", "Dana Okafor", "Dana Okafor"},
		{"caller's own (none)", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			phone := startFakeProvider(t, answer)
			p := startPBX(t, Config{Router: RouterFunc(func(_ context.Context, c *Call) (Target, error) {
				return Target{Bindings: []Binding{{Contact: "sip:102@" + phone.addr.String()}}, FromDisplay: tt.display}, nil
			})})
			caller := newPhone(t, 0, 0)
			call := caller.invite(p.addr, "102", nil)
			if res := call.wait(); res.StatusCode != 200 {
				t.Fatalf("caller got %d, want 200", res.StatusCode)
			}
			call.bye()
			invites, _, _ := phone.seen()
			if len(invites) != 1 {
				t.Fatalf("phone got %d INVITEs, want 1", len(invites))
			}
			if got := invites[0].From().DisplayName; got != tt.want {
				t.Errorf("From display name %q, want %q", got, tt.want)
			}
		})
	}
}
