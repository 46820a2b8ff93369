package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

// recTx is a ServerTransaction that records the responses.
type recTx struct {
	mu   sync.Mutex
	sent []*gosip.Response
	done chan struct{}
}

func newRecTx() *recTx { return &recTx{done: make(chan struct{})} }

func (tx *recTx) Terminate()                           {}
func (tx *recTx) OnTerminate(gosip.FnTxTerminate) bool { return true }
func (tx *recTx) Done() <-chan struct{}                { return tx.done }
func (tx *recTx) Err() error                           { return nil }
func (tx *recTx) Acks() <-chan *gosip.Request          { return nil }
func (tx *recTx) OnCancel(gosip.FnTxCancel) bool       { return true }
func (tx *recTx) Respond(res *gosip.Response) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.sent = append(tx.sent, res)
	return nil
}

// last returns the one response sent, failing the test otherwise.
func (tx *recTx) last(t *testing.T) *gosip.Response {
	t.Helper()
	if len(tx.sent) != 1 {
		t.Fatalf("sent %d responses, want 1", len(tx.sent))
	}
	return tx.sent[0]
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

// msg describes a test request.
type msg struct {
	method  string // default REGISTER
	src     string // default 192.0.2.10:5060
	user    string // From/To user, default 101
	ruri    string // default sip:pbx.test
	callID  string // default call-1
	cseq    int    // default 1
	auth    string // Authorization or Proxy-Authorization value
	headers []string
}

func (m msg) request(t testing.TB) *gosip.Request {
	t.Helper()
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&m.method, "REGISTER")
	def(&m.src, "192.0.2.10:5060")
	def(&m.user, "101")
	def(&m.ruri, "sip:pbx.test")
	def(&m.callID, "call-1")
	if m.cseq == 0 {
		m.cseq = 1
	}
	ap := netip.MustParseAddrPort(m.src)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", m.method, m.ruri)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-%d-%s\r\n", m.cseq, m.callID)
	fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:%s@pbx.test>;tag=f1\r\n", m.user)
	fmt.Fprintf(&b, "To: <sip:%s@pbx.test>\r\n", m.user)
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d %s\r\n", m.callID, m.cseq, m.method)
	fmt.Fprintf(&b, "User-Agent: TestPhone/1.0\r\n")
	if m.auth != "" {
		name := "Authorization"
		if m.method != "REGISTER" {
			name = "Proxy-Authorization"
		}
		fmt.Fprintf(&b, "%s: %s\r\n", name, m.auth)
	}
	for _, h := range m.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	parsed, err := gosip.ParseMessage([]byte(b.String()))
	if err != nil {
		t.Fatalf("parse test request: %v\n%s", err, b.String())
	}
	req := parsed.(*gosip.Request)
	req.SetSource(ap.String())
	req.SetTransport("UDP")
	return req
}

// solve answers the challenge of res (the first one with algorithm alg)
// as a phone would, computing the digest itself.
func solve(t testing.TB, res *gosip.Response, alg Algorithm, user, password, method, uri, nc string) string {
	t.Helper()
	name := "WWW-Authenticate"
	if res.StatusCode == 407 {
		name = "Proxy-Authenticate"
	}
	for _, h := range res.GetHeaders(name) {
		_, p, err := parseDigest(h.Value())
		if err != nil {
			t.Fatalf("parse challenge %q: %v", h.Value(), err)
		}
		if a, _ := ParseAlgorithm(p["algorithm"]); a != alg {
			continue
		}
		ha1 := DigestHA1(alg, user, p["realm"], password)
		resp := digestResponse(alg, ha1, p["nonce"], nc, "c0ffee", "auth", method, uri)
		return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=%s, qop=auth, nc=%s, cnonce="c0ffee"`,
			user, p["realm"], p["nonce"], uri, resp, alg, nc)
	}
	t.Fatalf("no %v challenge in %d response", alg, res.StatusCode)
	return ""
}

// shape is what a response shows of itself, minus what must differ
// between any two challenges (nonce, tags).
type shape struct {
	Status  int
	Headers []string
	Params  []map[string]string
}

func shapeOf(t testing.TB, res *gosip.Response) shape {
	t.Helper()
	s := shape{Status: res.StatusCode}
	for _, h := range res.Headers() {
		s.Headers = append(s.Headers, h.Name())
		if h.Name() == "WWW-Authenticate" || h.Name() == "Proxy-Authenticate" {
			_, p, err := parseDigest(h.Value())
			if err != nil {
				t.Fatalf("parse challenge: %v", err)
			}
			delete(p, "nonce")
			s.Params = append(s.Params, p)
		}
	}
	return s
}

type authFixture struct {
	auth  *DigestAuth
	clock *fakeClock
	creds *MemCredentials
	calls *atomic.Int32
}

func newAuth(t testing.TB, mod func(*AuthConfig)) *authFixture {
	t.Helper()
	f := &authFixture{clock: newClock(), creds: &MemCredentials{}, calls: &atomic.Int32{}}
	f.creds.Set("101", "secret101")
	f.creds.Set("102", "secret102")
	cfg := AuthConfig{
		Realm: "pbx.test",
		Credentials: CredentialsFunc(func(ctx context.Context, realm, user string, alg Algorithm) (string, error) {
			f.calls.Add(1)
			return f.creds.HA1(ctx, realm, user, alg)
		}),
		Clock: f.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := NewDigestAuth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.auth = a
	return f
}

// send runs m through Authenticate and returns the result and response.
func (f *authFixture) send(t testing.TB, m msg) (string, bool, *gosip.Response) {
	t.Helper()
	tx := newRecTx()
	user, ok := f.auth.Authenticate(m.request(t), tx)
	if ok {
		if len(tx.sent) != 0 {
			t.Fatalf("authenticated request was answered: %v", tx.sent[0].StartLine())
		}
		return user, true, nil
	}
	if len(tx.sent) != 1 {
		t.Fatalf("refused request got %d responses, want 1", len(tx.sent))
	}
	return "", false, tx.sent[0]
}

func TestAuthChallenge(t *testing.T) {
	tests := []struct {
		name   string
		sha256 bool
		method string
		want   shape
	}{
		{"register md5", false, "REGISTER", shape{401,
			[]string{"Via", "From", "To", "Call-ID", "CSeq", "Content-Length", "WWW-Authenticate"},
			[]map[string]string{{"realm": "pbx.test", "algorithm": "MD5", "qop": "auth"}}}},
		{"invite proxy-authenticate", false, "INVITE", shape{407,
			[]string{"Via", "From", "To", "Call-ID", "CSeq", "Content-Length", "Proxy-Authenticate"},
			[]map[string]string{{"realm": "pbx.test", "algorithm": "MD5", "qop": "auth"}}}},
		{"sha-256 offered first", true, "REGISTER", shape{401,
			[]string{"Via", "From", "To", "Call-ID", "CSeq", "Content-Length", "WWW-Authenticate", "WWW-Authenticate"},
			[]map[string]string{
				{"realm": "pbx.test", "algorithm": "SHA-256", "qop": "auth"},
				{"realm": "pbx.test", "algorithm": "MD5", "qop": "auth"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuth(t, func(c *AuthConfig) { c.SHA256 = tt.sha256 })
			_, ok, res := f.send(t, msg{method: tt.method})
			if ok {
				t.Fatal("request without credentials authenticated")
			}
			if diff := cmp.Diff(tt.want, shapeOf(t, res)); diff != "" {
				t.Errorf("challenge mismatch (-want +got):\n%s", diff)
			}
			if f.calls.Load() != 0 {
				t.Errorf("credentials looked up %d times for a request without credentials", f.calls.Load())
			}
		})
	}
}

// TestAuthenticate walks a phone through challenge and answer, with one
// thing changed per case between the challenge and the answer.
func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name     string
		sha256   bool
		alg      Algorithm
		user     string
		password string
		ruri     string        // Request-URI; default sip:pbx.test
		uri      string        // digest uri; default the Request-URI
		wait     time.Duration // between challenge and answer
		method   string
		wantOK   bool
		wantCode int
		wantStal bool
	}{
		{name: "right password", alg: MD5, user: "101", password: "secret101", wantOK: true},
		{name: "right password invite", alg: MD5, method: "INVITE", user: "101", password: "secret101", wantOK: true},
		{name: "wrong password", alg: MD5, user: "101", password: "guess", wantCode: 401},
		{name: "unknown user", alg: MD5, user: "999", password: "guess", wantCode: 401},
		{name: "wrong password invite", alg: MD5, method: "INVITE", user: "101", password: "guess", wantCode: 407},
		{name: "digest uri is not the request uri", alg: MD5, user: "101", password: "secret101", uri: "sip:other.test", wantCode: 400},
		{name: "uri differing only in params matches", alg: MD5, user: "101", password: "secret101", uri: "sip:pbx.test;transport=udp", wantOK: true},
		{name: "digest uri without the request's user matches", alg: MD5, user: "101", password: "secret101", ruri: "sip:102@pbx.test", uri: "sip:pbx.test", wantOK: true},
		{name: "digest uri with another user does not", alg: MD5, user: "101", password: "secret101", ruri: "sip:102@pbx.test", uri: "sip:103@pbx.test", wantCode: 400},
		{name: "nonce just inside lifetime", alg: MD5, user: "101", password: "secret101", wait: 5 * time.Minute, wantOK: true},
		{name: "expired nonce is stale", alg: MD5, user: "101", password: "secret101", wait: 5*time.Minute + time.Second, wantCode: 401, wantStal: true},
		{name: "expired nonce with wrong password is not stale", alg: MD5, user: "101", password: "guess", wait: 10 * time.Minute, wantCode: 401},
		{name: "sha-256 computed by a Go client", sha256: true, alg: SHA256, user: "102", password: "secret102", wantOK: true},
		{name: "md5 still accepted when sha-256 offered", sha256: true, alg: MD5, user: "102", password: "secret102", wantOK: true},
		{name: "sha-256 wrong password", sha256: true, alg: SHA256, user: "102", password: "guess", wantCode: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuth(t, func(c *AuthConfig) { c.SHA256 = tt.sha256 })
			m := msg{method: tt.method, user: tt.user, ruri: tt.ruri}
			_, _, ch := f.send(t, m)
			f.clock.Add(tt.wait)
			uri := tt.uri
			if uri == "" {
				uri = "sip:pbx.test"
				if tt.ruri != "" {
					uri = tt.ruri
				}
			}
			method := tt.method
			if method == "" {
				method = "REGISTER"
			}
			m.auth = solve(t, ch, tt.alg, tt.user, tt.password, method, uri, "00000001")
			m.cseq = 2
			user, ok, res := f.send(t, m)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v (response %v)", ok, tt.wantOK, res)
			}
			if ok {
				if user != tt.user {
					t.Errorf("user = %q, want %q", user, tt.user)
				}
				return
			}
			if res.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantCode)
			}
			stale := strings.Contains(strings.ToLower(res.String()), "stale=true")
			if stale != tt.wantStal {
				t.Errorf("stale = %v, want %v:\n%s", stale, tt.wantStal, res)
			}
		})
	}
}

func TestAuthUnknownUserAnsweredLikeWrongPassword(t *testing.T) {
	for _, sha := range []bool{false, true} {
		f := newAuth(t, func(c *AuthConfig) { c.SHA256 = sha })
		answer := func(user, password string) shape {
			m := msg{user: user}
			_, _, ch := f.send(t, m)
			m.auth = solve(t, ch, MD5, user, password, "REGISTER", "sip:pbx.test", "00000001")
			_, ok, res := f.send(t, m)
			if ok {
				t.Fatalf("%s authenticated with a wrong password", user)
			}
			return shapeOf(t, res)
		}
		wrong, unknown := answer("101", "guess"), answer("999", "guess")
		if diff := cmp.Diff(wrong, unknown); diff != "" {
			t.Errorf("sha256=%v: unknown user answered differently from wrong password (-wrong +unknown):\n%s", sha, diff)
		}
	}
}

func TestAuthNonceCountReplay(t *testing.T) {
	f := newAuth(t, nil)
	m := msg{}
	_, _, ch := f.send(t, m)
	m.auth = solve(t, ch, MD5, "101", "secret101", "REGISTER", "sip:pbx.test", "00000001")
	if _, ok, _ := f.send(t, m); !ok {
		t.Fatal("first answer refused")
	}
	_, ok, res := f.send(t, m) // the same Authorization again: a replay
	if ok || res.StatusCode != 401 || !strings.Contains(res.String(), "stale=true") {
		t.Fatalf("replayed nc accepted or not re-challenged stale: ok=%v %v", ok, res)
	}
	m.auth = solve(t, ch, MD5, "101", "secret101", "REGISTER", "sip:pbx.test", "00000002")
	if _, ok, res := f.send(t, m); !ok {
		t.Fatalf("higher nc on the same nonce refused: %v", res)
	}
}

func TestAuthNonceMemoryBounded(t *testing.T) {
	f := newAuth(t, func(c *AuthConfig) { c.MaxNonces = 8 })
	var first string
	for i := range 40 {
		m := msg{callID: fmt.Sprint("c", i)}
		_, _, ch := f.send(t, m)
		m.auth = solve(t, ch, MD5, "101", "secret101", "REGISTER", "sip:pbx.test", "00000001")
		if i == 0 {
			first = m.auth
		}
		if _, ok, res := f.send(t, m); !ok {
			t.Fatalf("answer %d refused: %v", i, res)
		}
		f.clock.Add(time.Millisecond)
	}
	f.auth.mu.Lock()
	n := len(f.auth.counts)
	f.auth.mu.Unlock()
	if n > 8 {
		t.Errorf("remembering %d nonces, cap 8", n)
	}
	// The first nonce was forgotten; replaying it must still fail.
	if _, ok, _ := f.send(t, msg{callID: "c0", auth: first}); ok {
		t.Error("replay of a forgotten nonce accepted")
	}
}

func TestAuthRefusals(t *testing.T) {
	f := newAuth(t, nil)
	_, _, ch := f.send(t, msg{})
	good := solve(t, ch, MD5, "101", "secret101", "REGISTER", "sip:pbx.test", "00000001")
	tests := []struct {
		name string
		auth string
		want int
	}{
		{"malformed", `Digest username="101, realm=`, 400},
		{"other realm", strings.Replace(good, `realm="pbx.test"`, `realm="elsewhere"`, 1), 401},
		{"forged nonce", strings.Replace(good, `nonce="`, `nonce="AAAA`, 1), 401},
		{"no qop", strings.Replace(good, "qop=auth, ", "", 1), 401},
		{"sha-256 not offered", strings.Replace(good, "algorithm=MD5", "algorithm=SHA-256", 1), 401},
		{"bad nc", strings.Replace(good, "nc=00000001", "nc=xyz", 1), 400},
		{"missing response", strings.Replace(good, `response="`, `respons="`, 1), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, res := f.send(t, msg{auth: tt.auth, cseq: 2})
			if ok || res.StatusCode != tt.want {
				t.Fatalf("ok=%v status %v, want %d", ok, res, tt.want)
			}
		})
	}
}

// TestAuthCredentialsReadEveryRequest proves a user added while running
// (by another process, in the PBX) can register at once.
func TestAuthCredentialsReadEveryRequest(t *testing.T) {
	f := newAuth(t, nil)
	m := msg{user: "103"}
	_, _, ch := f.send(t, m)
	m.auth = solve(t, ch, MD5, "103", "new", "REGISTER", "sip:pbx.test", "00000001")
	if _, ok, _ := f.send(t, m); ok {
		t.Fatal("unknown user authenticated")
	}
	f.creds.Set("103", "new")
	_, _, ch = f.send(t, msg{user: "103"})
	m.auth = solve(t, ch, MD5, "103", "new", "REGISTER", "sip:pbx.test", "00000001")
	if _, ok, res := f.send(t, m); !ok {
		t.Fatalf("user added at run time refused: %v", res)
	}
	f.creds.Set("103", "changed")
	_, _, ch = f.send(t, msg{user: "103"})
	m.auth = solve(t, ch, MD5, "103", "new", "REGISTER", "sip:pbx.test", "00000001")
	if _, ok, _ := f.send(t, m); ok {
		t.Fatal("old password still accepted after a change")
	}
}

func TestAuthCredentialsError(t *testing.T) {
	a, err := NewDigestAuth(AuthConfig{Realm: "pbx.test", Credentials: CredentialsFunc(
		func(context.Context, string, string, Algorithm) (string, error) {
			return "", errors.New("disk on fire")
		})})
	if err != nil {
		t.Fatal(err)
	}
	tx := newRecTx()
	a.Authenticate(msg{}.request(t), tx)
	m := msg{auth: solve(t, tx.last(t), MD5, "101", "x", "REGISTER", "sip:pbx.test", "00000001")}
	tx = newRecTx()
	if _, ok := a.Authenticate(m.request(t), tx); ok || tx.last(t).StatusCode != 500 {
		t.Fatalf("lookup error: ok=%v %v, want 500", ok, tx.sent)
	}
}

func TestAuthGuardBansBeforeLookup(t *testing.T) {
	g, err := NewGuard(GuardConfig{PairLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := newAuth(t, func(c *AuthConfig) { c.Guard = g })
	for range 2 {
		m := msg{}
		_, _, ch := f.send(t, m)
		m.auth = solve(t, ch, MD5, "101", "guess", "REGISTER", "sip:pbx.test", "00000001")
		f.send(t, m)
	}
	before := f.calls.Load()
	m := msg{}
	_, _, ch := f.send(t, m)
	if ch.StatusCode != 403 {
		t.Fatalf("banned pair got %d, want 403", ch.StatusCode)
	}
	m.auth = "Digest username=\"101\", realm=\"pbx.test\", nonce=\"x\", uri=\"sip:pbx.test\", response=\"0\""
	if _, ok, res := f.send(t, m); ok || res.StatusCode != 403 {
		t.Fatalf("banned pair with credentials: ok=%v %v", ok, res)
	}
	if f.calls.Load() != before {
		t.Error("credentials looked up for a banned source")
	}
	// The victim's own phone elsewhere still registers.
	victim := msg{src: "198.51.100.7:5060"}
	_, _, ch = f.send(t, victim)
	victim.auth = solve(t, ch, MD5, "101", "secret101", "REGISTER", "sip:pbx.test", "00000001")
	if _, ok, res := f.send(t, victim); !ok {
		t.Fatalf("victim at another address refused: %v", res)
	}
}

func TestNewResponseAddsReceived(t *testing.T) {
	req := msg{}.request(t) // Via says 10.0.0.5, packet came from 192.0.2.10
	res := newResponse(req, 200, "OK")
	if got, _ := res.Via().Params.Get("received"); got != "192.0.2.10" {
		t.Errorf("received = %q, want 192.0.2.10", got)
	}
	req = msg{src: "10.0.0.5:5060"}.request(t)
	if _, has := newResponse(req, 200, "OK").Via().Params.Get("received"); has {
		t.Error("received added though Via matches the source")
	}
}

func TestParseDigest(t *testing.T) {
	tests := []struct {
		in     string
		scheme string
		want   map[string]string
	}{
		{`Digest username="101", realm="pbx", nonce="n", uri="sip:pbx", response="r"`, "Digest",
			map[string]string{"username": "101", "realm": "pbx", "nonce": "n", "uri": "sip:pbx", "response": "r"}},
		{"digest  USERNAME = 101 ,Realm=\"a, b\",\tqop=auth,nc=00000001", "digest",
			map[string]string{"username": "101", "realm": "a, b", "qop": "auth", "nc": "00000001"}},
		{`Digest username="a\"b\\c", realm=""`, "Digest", map[string]string{"username": `a"b\c`, "realm": ""}},
		{`Digest ,, username="x",`, "Digest", map[string]string{"username": "x"}},
	}
	for _, tt := range tests {
		scheme, got, err := parseDigest(tt.in)
		if err != nil {
			t.Errorf("parseDigest(%q): %v", tt.in, err)
			continue
		}
		if scheme != tt.scheme {
			t.Errorf("scheme %q, want %q", scheme, tt.scheme)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseDigest(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"", `Digest username="open`, `Digest =x`, `Digest a=1, a=2`, `Digest a`, `Digest a=1 b=2`} {
		if _, _, err := parseDigest(bad); !errors.Is(err, errDigestSyntax) {
			t.Errorf("parseDigest(%q) err = %v, want a syntax error", bad, err)
		}
	}
}

func TestQuoteEscape(t *testing.T) {
	for in, want := range map[string]string{
		"telekit": "telekit", "": "", `a"b`: `a\"b`, `a\b`: `a\\b`, `"\`: `\"\\`,
	} {
		if got := quoteEscape(in); got != want {
			t.Errorf("quoteEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
