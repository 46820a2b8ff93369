package sip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/sip/internal/siptest"
)

// fakeAfter stands in for TrunkConfig.After: it reports each wait the
// trunk asks for on waits and releases it when the test sends on fire.
type fakeAfter struct {
	waits chan time.Duration
	fire  chan time.Time
}

func newFakeAfter() *fakeAfter {
	return &fakeAfter{waits: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (f *fakeAfter) After(d time.Duration) <-chan time.Time {
	f.waits <- d
	return f.fire
}

// next returns the next wait the trunk asked for.
func (f *fakeAfter) next(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-f.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("the trunk asked for no wait within 10 s")
		return 0
	}
}

// release ends the wait the trunk is in.
func (f *fakeAfter) release(t *testing.T) {
	t.Helper()
	select {
	case f.fire <- time.Time{}:
	case <-time.After(10 * time.Second):
		t.Fatal("the trunk is not waiting")
	}
}

// seenRegister is what a fake provider noted of a REGISTER.
type seenRegister struct {
	CSeq    uint32
	Expires string
	// Auth is "" without credentials, else "algorithm nc".
	Auth string
}

// provider is a sipgo server playing the upstream provider; every
// REGISTER it gets is noted, then answered by handle.
type provider struct {
	srv  *siptest.Server
	mu   sync.Mutex
	seen []seenRegister
}

func startProvider(t *testing.T, handle func(req *gosip.Request, tx gosip.ServerTransaction)) *provider {
	p := &provider{}
	p.srv = siptest.Start(t, func(s *sipgo.Server) {
		s.OnRegister(func(req *gosip.Request, tx gosip.ServerTransaction) {
			r := seenRegister{CSeq: req.CSeq().SeqNo}
			if h := req.GetHeader("Expires"); h != nil {
				r.Expires = h.Value()
			}
			if h := req.GetHeader("Authorization"); h != nil {
				_, params, err := parseDigest(h.Value())
				if err != nil {
					t.Errorf("provider got a bad Authorization %q: %v", h.Value(), err)
				}
				r.Auth = params["algorithm"] + " " + params["nc"]
			}
			p.mu.Lock()
			p.seen = append(p.seen, r)
			p.mu.Unlock()
			handle(req, tx)
		})
	})
	return p
}

func (p *provider) registers() []seenRegister {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]seenRegister(nil), p.seen...)
}

// answer returns a handler answering every REGISTER with code and the
// headers "Name: value" given.
func answer(code int, reason string, headers ...string) func(*gosip.Request, gosip.ServerTransaction) {
	return func(req *gosip.Request, tx gosip.ServerTransaction) {
		var hs []gosip.Header
		for _, h := range headers {
			name, value, _ := strings.Cut(h, ": ")
			hs = append(hs, gosip.NewHeader(name, value))
		}
		respond(tx, req, code, reason, hs...)
	}
}

// registrarProvider is a provider backed by this package's Registrar with
// user trunkuser/trunkpass in realm provider.test. now is the digest
// auth's clock.
func registrarProvider(t *testing.T, sha256 bool, minExpires time.Duration, now func() time.Time) (*provider, *Registrar) {
	creds := &MemCredentials{}
	creds.Set("trunkuser", "trunkpass")
	auth, err := NewDigestAuth(AuthConfig{Realm: "provider.test", Credentials: creds, SHA256: sha256,
		NonceLifetime: time.Minute, Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistrar(RegistrarConfig{Auth: auth, MinExpires: minExpires, MaxExpires: 100 * time.Second, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return startProvider(t, reg.HandleRegister), reg
}

// startTrunk starts a trunk registration to addr whose waits are fake,
// closed at cleanup. Unset fields of cfg get test values.
func startTrunk(t *testing.T, client *sipgo.Client, cfg TrunkConfig) (*TrunkRegistration, *fakeAfter, chan TrunkStatus) {
	t.Helper()
	after := newFakeAfter()
	statuses := make(chan TrunkStatus, 64)
	cfg.Name = "test"
	if cfg.Username == "" {
		cfg.Username, cfg.Password = "trunkuser", "trunkpass"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.After = after.After
	cfg.OnStatus = func(s TrunkStatus) { statuses <- s }
	tr, err := NewTrunkRegistration(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close(context.Background()) })
	return tr, after, statuses
}

func isState(want TrunkState) func(TrunkStatus) bool {
	return func(s TrunkStatus) bool { return s.State == want }
}

// TestTrunkRegistersAtRegistrar registers at this package's Registrar
// (MD5, and SHA-256 offered first), refreshes at 85 % of the 100 s it
// grants reusing the nonce, answers a new challenge once the nonce is
// stale, and unregisters on Close.
func TestTrunkRegistersAtRegistrar(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sha256 bool
		alg    string
	}{
		{"MD5", false, "MD5"},
		{"SHA-256", true, "SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Now()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			p, reg := registrarProvider(t, tc.sha256, time.Second, clock)
			client, srv := newTrunkSide(t)
			tr, after, statuses := startTrunk(t, client, TrunkConfig{Provider: p.srv.UDP})

			st := waitStatus(t, statuses, "registered", isState(TrunkRegistered))
			if got := st.ExpiresAt.Sub(st.RegisteredAt); got != 100*time.Second {
				t.Errorf("granted %v, want the registrar's 100 s", got)
			}
			if d := after.next(t); d != 85*time.Second {
				t.Errorf("refresh after %v, want 85 s", d)
			}
			bs := reg.Bindings("trunkuser")
			if len(bs) != 1 || bs[0].Contact != "sip:trunkuser@"+srv.UDP || bs[0].CSeq != 2 {
				t.Fatalf("bindings after registering: %+v", bs)
			}
			callID := bs[0].CallID

			after.release(t) // refresh with the same nonce
			waitStatus(t, statuses, "refreshed", isState(TrunkRegistered))
			after.next(t)
			mu.Lock()
			now = now.Add(2 * time.Minute) // the nonce is stale now
			mu.Unlock()
			after.release(t)
			waitStatus(t, statuses, "refreshed on a new nonce", isState(TrunkRegistered))
			after.next(t)
			if bs := reg.Bindings("trunkuser"); len(bs) != 1 || bs[0].CallID != callID || bs[0].CSeq != 5 {
				t.Errorf("bindings after refreshes: %+v, want Call-ID %s and CSeq 5", bs, callID)
			}

			if err := tr.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if bs := reg.Bindings("trunkuser"); len(bs) != 0 {
				t.Errorf("bindings after Close: %+v", bs)
			}
			a := tc.alg
			want := []seenRegister{
				{1, "3600", ""}, {2, "3600", a + " 00000001"}, // challenge, answer
				{3, "3600", a + " 00000002"},                               // refresh on the same nonce
				{4, "3600", a + " 00000003"}, {5, "3600", a + " 00000001"}, // stale, new nonce
				{6, "0", a + " 00000002"}, // unregister
			}
			if diff := cmp.Diff(want, p.registers()); diff != "" {
				t.Errorf("REGISTERs (-want +got):\n%s", diff)
			}
			if st := tr.Status(); st.State != TrunkClosed || st.Code != 200 || st.Err != nil {
				t.Errorf("status after Close: %+v", st)
			}
		})
	}
}

// TestTrunkIntervalTooBrief asks for 60 s from a registrar whose minimum
// is 90 s: the 423's Min-Expires is used at once and for refreshes.
func TestTrunkIntervalTooBrief(t *testing.T) {
	p, _ := registrarProvider(t, false, 90*time.Second, nil)
	client, _ := newTrunkSide(t)
	_, after, statuses := startTrunk(t, client, TrunkConfig{Provider: p.srv.UDP, Expires: 60 * time.Second})
	waitStatus(t, statuses, "registered", isState(TrunkRegistered))
	if d := after.next(t); d != 76500*time.Millisecond {
		t.Errorf("refresh after %v, want 85 %% of 90 s", d)
	}
	after.release(t)
	waitStatus(t, statuses, "refreshed", isState(TrunkRegistered))
	after.next(t)
	want := []seenRegister{{1, "60", ""}, {2, "60", "MD5 00000001"}, {3, "90", "MD5 00000002"}, {4, "90", "MD5 00000003"}}
	if diff := cmp.Diff(want, p.registers()); diff != "" {
		t.Errorf("REGISTERs (-want +got):\n%s", diff)
	}
}

// TestTrunkBackoff has the provider answer 503 to everything: the trunk
// retries after 30 s, doubling up to 5 minutes, or after the provider's
// Retry-After when that is longer.
func TestTrunkBackoff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		want    []time.Duration
	}{
		{"doubling", nil, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{"Retry-After", []string{"Retry-After: 120 (maintenance)"}, []time.Duration{2 * time.Minute, 2 * time.Minute, 2 * time.Minute, 4 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProvider(t, answer(503, "Service Unavailable", tc.headers...))
			client, _ := newTrunkSide(t)
			tr, after, _ := startTrunk(t, client, TrunkConfig{Provider: p.srv.UDP})
			var got []time.Duration
			for range tc.want {
				got = append(got, after.next(t))
				after.release(t)
			}
			after.next(t)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			st := tr.Status()
			if st.State != TrunkRetrying || st.Code != 503 || st.Failures != len(tc.want)+1 ||
				st.Err == nil || !strings.Contains(st.Err.Error(), "503 Service Unavailable") {
				t.Errorf("status: %+v", st)
			}
			if !st.RetryAt.After(time.Now().Add(tc.want[len(tc.want)-1] - time.Minute)) {
				t.Errorf("RetryAt %v is not about %v from now", st.RetryAt, tc.want[len(tc.want)-1])
			}
			// Close during the back-off sends nothing: nothing is registered.
			n := len(p.registers())
			if err := tr.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(p.registers()) != n || tr.Status().State != TrunkClosed {
				t.Errorf("Close sent %d REGISTERs; status %+v", len(p.registers())-n, tr.Status())
			}
		})
	}
}

// TestTrunkTimeout: a provider that never answers makes the trunk retry
// with ErrTrunkTimeout and no status code.
func TestTrunkTimeout(t *testing.T) {
	p := startProvider(t, func(*gosip.Request, gosip.ServerTransaction) {})
	client, _ := newTrunkSide(t)
	_, after, statuses := startTrunk(t, client, TrunkConfig{Provider: p.srv.UDP, Timeout: 300 * time.Millisecond})
	st := waitStatus(t, statuses, "retrying", isState(TrunkRetrying))
	if st.Code != 0 || !errors.Is(st.Err, ErrTrunkTimeout) || st.Failures != 1 {
		t.Errorf("status: %+v", st)
	}
	if d := after.next(t); d != 30*time.Second {
		t.Errorf("retry after %v, want 30 s", d)
	}
}

// TestTrunkRefused: a wrong password (401 again to a fresh answer) and a
// 403 both stop the trunk with ErrTrunkRejected.
func TestTrunkRefused(t *testing.T) {
	for _, tc := range []struct {
		name     string
		provider func(t *testing.T) *provider
		code     int
		sent     int
	}{
		{"wrong password", func(t *testing.T) *provider {
			p, _ := registrarProvider(t, false, time.Second, nil)
			return p
		}, 401, 2},
		{"403", func(t *testing.T) *provider { return startProvider(t, answer(403, "Forbidden")) }, 403, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.provider(t)
			client, _ := newTrunkSide(t)
			tr, _, statuses := startTrunk(t, client, TrunkConfig{Provider: p.srv.UDP, Username: "trunkuser", Password: "wrong"})
			st := waitStatus(t, statuses, "failed", isState(TrunkFailed))
			if st.Code != tc.code || !errors.Is(st.Err, ErrTrunkRejected) {
				t.Errorf("status: %+v", st)
			}
			if err := tr.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := len(p.registers()); n != tc.sent {
				t.Errorf("provider got %d REGISTERs, want %d", n, tc.sent)
			}
		})
	}
}

// TestTrunkOverTCP registers over TCP; the Contact carries
// transport=tcp and the TCP listening port.
func TestTrunkOverTCP(t *testing.T) {
	p, reg := registrarProvider(t, false, time.Second, nil)
	srv := siptest.Start(t, nil)
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.SIP.TransportLayer().ListenPorts("tcp")) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	client, err := sipgo.NewClient(srv.SIP.UserAgent, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, statuses := startTrunk(t, client, TrunkConfig{Provider: p.srv.TCP, Transport: "tcp"})
	waitStatus(t, statuses, "registered", isState(TrunkRegistered))
	bs := reg.Bindings("trunkuser")
	if len(bs) != 1 || bs[0].Transport != "tcp" || bs[0].Contact != "sip:trunkuser@"+srv.TCP+";transport=tcp" {
		t.Errorf("bindings: %+v", bs)
	}
}

func TestNewTrunkRegistrationErrors(t *testing.T) {
	client, _ := newTrunkSide(t)
	for _, cfg := range []TrunkConfig{
		{Username: "u"},
		{Provider: "p.test:5060"},
		{Provider: "p.test:99999", Username: "u"},
		{Provider: ":5060", Username: "u"},
		{Provider: "p.test", Username: "u", Transport: "sctp"},
		{Provider: "p.test", Username: "u", RetryMin: -time.Second},
	} {
		if tr, err := NewTrunkRegistration(client, cfg); err == nil {
			tr.Close(context.Background())
			t.Errorf("NewTrunkRegistration(%+v) accepted", cfg)
		}
	}
	if _, err := NewTrunkRegistration(nil, TrunkConfig{Provider: "p.test", Username: "u"}); err == nil {
		t.Error("nil client accepted")
	}
}

// TestDigestAnswerKnown checks the client's digest answers against the
// worked examples of RFC 2617 section 3.5 (MD5) and RFC 7616 section 3.9.1
// (SHA-256), and RFC 2069's answer when no qop is offered.
func TestDigestAnswerKnown(t *testing.T) {
	for _, tc := range []struct {
		name, challenge, password, cnonce, uri, want string
	}{
		{"RFC 2617", `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			"Circle Of Life", "0a4f113b", "/dir/index.html", "6629fae49393a05397450978507c4ef1"},
		{"RFC 7616", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
			"Circle of Life", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "/dir/index.html", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		{"RFC 2069", `Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"`,
			"CircleOfLife", "", "/dir/index.html", "1949323746fe6a43ef61f9606e7febea"}, // RFC 2069 errata
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &gosip.Response{StatusCode: 401}
			res.AppendHeader(gosip.NewHeader("WWW-Authenticate", tc.challenge))
			c, err := parseChallenge(res)
			if err != nil {
				t.Fatal(err)
			}
			c.cnonce = tc.cnonce
			_, p, err := parseDigest(c.answer("Mufasa", tc.password, "GET", tc.uri))
			if err != nil {
				t.Fatal(err)
			}
			if p["response"] != tc.want {
				t.Errorf("response %s, want %s (credentials %v)", p["response"], tc.want, p)
			}
		})
	}
}

// TestParseChallengeChoice: the first challenge the client can answer is
// taken; none answerable is an error.
func TestParseChallengeChoice(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    int
		headers []string
		want    string // algorithm, or "" for an error
	}{
		{"SHA-256 first", 401, []string{`Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"`, `Digest realm="r", nonce="n", algorithm=MD5, qop="auth"`}, "SHA-256"},
		{"MD5 first", 401, []string{`Digest realm="r", nonce="n", qop="auth"`, `Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"`}, "MD5"},
		{"unknown algorithm skipped", 401, []string{`Digest realm="r", nonce="n", algorithm=SHA-512-256`, `Digest realm="r", nonce="n", algorithm=md5`}, "MD5"},
		{"auth-int only", 401, []string{`Digest realm="r", nonce="n", qop="auth-int"`}, ""},
		{"Basic", 401, []string{`Basic realm="r"`}, ""},
		{"no nonce", 401, []string{`Digest realm="r"`}, ""},
		{"malformed", 401, []string{`Digest realm="r`}, ""},
		{"407 reads Proxy-Authenticate", 407, []string{`Digest realm="r", nonce="n", algorithm=MD5`}, "MD5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &gosip.Response{StatusCode: tc.code}
			name := "WWW-Authenticate"
			if tc.code == 407 {
				name = "Proxy-Authenticate"
			}
			for _, h := range tc.headers {
				res.AppendHeader(gosip.NewHeader(name, h))
			}
			c, err := parseChallenge(res)
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("accepted: %+v", c)
			case tc.want != "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && c.alg.String() != tc.want:
				t.Errorf("chose %v, want %s", c.alg, tc.want)
			case tc.code == 407 && c.credentialsHeader() != "Proxy-Authorization":
				t.Errorf("answers in %s", c.credentialsHeader())
			}
		})
	}
}

// FuzzTrunkChallenge feeds provider challenges to the client: it never
// panics, and what it answers is a header our server-side parser reads
// back with the challenge's realm and nonce.
func FuzzTrunkChallenge(f *testing.F) {
	f.Add(`Digest realm="provider.test", nonce="4d1c0a5e9b7f0c3a2b1d", algorithm=MD5, qop="auth"`)
	f.Add(`Digest realm="a\"b", nonce="x,y", algorithm=SHA-256, qop="auth,auth-int", opaque="o", stale=TRUE`)
	f.Add(`Digest realm=r, nonce=n`)
	f.Fuzz(func(t *testing.T, h string) {
		res := &gosip.Response{StatusCode: 401}
		res.AppendHeader(gosip.NewHeader("WWW-Authenticate", h))
		c, err := parseChallenge(res)
		if err != nil {
			return
		}
		_, p, err := parseDigest(c.answer("user", "pass", "REGISTER", "sip:provider.test"))
		if err != nil {
			t.Fatalf("our answer to %q does not parse: %v", h, err)
		}
		if p["realm"] != c.realm || p["nonce"] != c.nonce || p["username"] != "user" {
			t.Fatalf("answer %v does not carry the challenge %+v", p, c)
		}
	})
}

func TestDIDRouterLookup(t *testing.T) {
	r, err := NewDIDRouter(map[string]string{
		"+15551234567":     "101", // E.164
		"5559876543":       "102", // national, without country code
		"+44 20 7123 4567": "103", // written with spaces
		"4000":             "104", // short: exact match only
		"+15550001111":     "105",
		"+495550001111":    "106", // same last 10 digits as 105
	})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		Ext, DID string
		OK       bool
	}
	for _, tc := range []struct {
		number string
		want   result
	}{
		{"+15551234567", result{"101", "+15551234567", true}},
		{"15551234567", result{"101", "+15551234567", true}},
		{"5551234567", result{"101", "+15551234567", true}}, // provider drops the country code
		{"+1 (555) 123-4567", result{"101", "+15551234567", true}},
		{"001-555-123-4567", result{"101", "+15551234567", true}}, // international access prefix
		{"+15559876543", result{"102", "5559876543", true}},       // we stored it without country code
		{"5559876543", result{"102", "5559876543", true}},
		{"442071234567", result{"103", "+44 20 7123 4567", true}},
		{"020 7123 4567", result{"103", "+44 20 7123 4567", true}}, // national trunk prefix 0
		{"4000", result{"104", "4000", true}},
		{"14000", result{}},                                   // short numbers match only exactly
		{"1234567", result{}},                                 // a 7-digit tail of nothing
		{"5550001111", result{}},                              // 105 and 106 both end so: ambiguous
		{"+15550001111", result{"105", "+15550001111", true}}, // exact wins
		{"999915551234567", result{}},                         // more than 3 extra digits
		{"5551234567;npdi", result{}},                         // Lookup takes a number, not a URI user
		{"trunkuser", result{}},
		{"", result{}},
		{"+", result{}},
		{"*67", result{}},
	} {
		var got result
		got.Ext, got.DID, got.OK = r.Lookup(tc.number)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Lookup(%q) (-want +got):\n%s", tc.number, diff)
		}
	}
}

func TestNewDIDRouterErrors(t *testing.T) {
	for _, dids := range []map[string]string{
		{"sales": "101"},
		{"+15551234567": ""},
		{"+15551234567": "101", "1 555 123 4567": "102"},
		{"0": "101"},
	} {
		if _, err := NewDIDRouter(dids); err == nil {
			t.Errorf("NewDIDRouter(%v) accepted", dids)
		}
	}
	if _, err := NewDIDRouter(map[string]string{"+15551234567": "101", "15551234567": "101"}); err != nil {
		t.Errorf("two spellings of one DID to one extension refused: %v", err)
	}
}

// TestDIDRouterRoute reads the DID from the Request-URI, else from To.
func TestDIDRouterRoute(t *testing.T) {
	r, err := NewDIDRouter(map[string]string{"+15551234567": "101"})
	if err != nil {
		t.Fatal(err)
	}
	invite := func(ruri, to string) *gosip.Request {
		var u, tu gosip.Uri
		if err := gosip.ParseUri(ruri, &u); err != nil {
			t.Fatal(err)
		}
		if err := gosip.ParseUri(to, &tu); err != nil {
			t.Fatal(err)
		}
		req := gosip.NewRequest(gosip.INVITE, u)
		req.AppendHeader(&gosip.ToHeader{Address: tu})
		return req
	}
	for _, tc := range []struct {
		ruri, to, want string
	}{
		{"sip:+15551234567@pbx.example.com", "sip:someone@provider.test", "101"},
		{"sip:5551234567;npdi;rn=5550000000@pbx.example.com", "sip:x@provider.test", "101"},
		{"sip:trunkuser@203.0.113.5:5060", "sip:15551234567@provider.test", "101"},
		{"sip:trunkuser@203.0.113.5:5060", "tel:+1-555-123-4567", "101"},
		{"sip:trunkuser@203.0.113.5:5060", "sip:15550000000@provider.test", ""},
	} {
		ext, _, ok := r.Route(invite(tc.ruri, tc.to))
		if ext != tc.want || ok != (tc.want != "") {
			t.Errorf("Route(%s, To %s) = %q, %v; want %q", tc.ruri, tc.to, ext, ok, tc.want)
		}
	}
}

func TestPickTrunk(t *testing.T) {
	routes := []TrunkRoute{
		{Trunk: "local", Prefix: "9"},
		{Trunk: "backup", Prefix: "9"}, // same prefix: the first listed wins
		{Trunk: "intl", Prefix: "900"},
		{Trunk: "fallback", Prefix: ""},
	}
	type result struct {
		Trunk, Number string
		OK            bool
	}
	for _, tc := range []struct {
		dialled string
		want    result
	}{
		{"95551234567", result{"local", "5551234567", true}},
		{"9+15551234567", result{"local", "+15551234567", true}},
		{"90044207123", result{"intl", "44207123", true}}, // longest prefix
		{"900", result{"local", "00", true}},              // nothing after 900: 9 takes it
		{"5551234567", result{"fallback", "5551234567", true}},
		{"9", result{"fallback", "9", true}}, // nothing after "9": the fallback takes it as a number
		{"", result{}},
		{"9*67", result{}},
		{"9555 1234", result{}},
	} {
		var got result
		got.Trunk, got.Number, got.OK = PickTrunk(routes, tc.dialled)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("PickTrunk(%q) (-want +got):\n%s", tc.dialled, diff)
		}
	}
	if _, _, ok := PickTrunk(nil, "95551234567"); ok {
		t.Error("PickTrunk without routes found one")
	}
}

// FuzzDIDDigits: the normaliser keeps digits only and matching is
// symmetric and never panics.
func FuzzDIDDigits(f *testing.F) {
	for _, s := range []string{"+15551234567", "001-555-123-4567", "020 7123 4567", "4000", "*67", "+"} {
		f.Add(s, "+15551234567")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		da, oka := didDigits(a)
		db, okb := didDigits(b)
		if oka && strings.Trim(da, "0123456789") != "" || oka && da == "" {
			t.Fatalf("didDigits(%q) = %q", a, da)
		}
		if oka && okb && suffixMatch(da, db) != suffixMatch(db, da) {
			t.Fatalf("suffixMatch not symmetric for %q, %q", da, db)
		}
		if r, err := NewDIDRouter(map[string]string{a: "101"}); err == nil {
			if ext, _, ok := r.Lookup(a); !ok || ext != "101" {
				t.Fatalf("DID %q does not find itself", a)
			}
		}
	})
}
