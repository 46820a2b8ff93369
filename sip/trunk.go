package sip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// ErrTrunkRejected is wrapped by a trunk's status error when the provider
// refused its credentials: 403 Forbidden, or a second 401/407 answering a
// digest response computed on a fresh challenge. The trunk stops trying,
// since repeating a wrong password only gets the PBX's address banned.
var ErrTrunkRejected = errors.New("sip: trunk: provider refused the credentials")

// ErrTrunkTimeout is wrapped by a trunk's status error when the provider
// sent no final response within TrunkConfig.Timeout.
var ErrTrunkTimeout = errors.New("sip: trunk: no answer from the provider")

// TrunkConfig configures a TrunkRegistration. Provider and Username are
// required; every other zero value means the default written beside it.
type TrunkConfig struct {
	// Name names the trunk in logs and in its Status, e.g. "provider-a".
	Name string
	// Provider is the provider's registrar as host:port (":5060" when the
	// port is left out). REGISTERs are sent there.
	Provider string
	// Transport is "udp" (default) or "tcp".
	Transport string
	// Domain is the provider's SIP domain, used in the Request-URI and in
	// the address of record sip:Username@Domain. Default: Provider's host
	// (with Provider's port in the Request-URI).
	Domain string
	// Username is the account at the provider; AuthUsername, when the
	// provider gives a separate one, is the digest user name (default
	// Username). Password is the digest password.
	Username, AuthUsername, Password string
	// Contact is our public host:port, where the provider sends calls:
	// the Contact is sip:Username@Contact. Default: the port the sipgo
	// UA listens on for Transport, with the client's hostname
	// (sipgo.WithClientHostname) or else the local address the system
	// routes to the provider from. Build the client with
	// sipgo.WithClientConnectionAddr(listen address) so that REGISTERs
	// leave from that same socket and NAT bindings match.
	Contact string
	// Expires is the registration lifetime asked for, in whole seconds.
	// Default 3600 seconds. The provider's grant in the 200 rules; a 423
	// raises it to the provider's Min-Expires.
	Expires time.Duration
	// RetryMin and RetryMax bound the back-off after a failed attempt: it
	// starts at RetryMin (default 30 s) and doubles up to RetryMax
	// (default 5 min). A Retry-After from the provider lengthens it.
	RetryMin, RetryMax time.Duration
	// Timeout bounds one registration attempt, challenges included.
	// Default 32 s (64×T1).
	Timeout time.Duration
	// Logger receives registration events. Nil discards them.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// After returns a channel that receives once d has passed; the trunk
	// waits on it for refreshes and retries. Nil means time.After. Tests
	// give one that records d.
	After func(d time.Duration) <-chan time.Time
	// OnStatus, when set, is called with the new status after every
	// change (an attempt's outcome, a refresh, Close), from the trunk's
	// goroutine or from Close, one call at a time. It must return quickly
	// and must not call Close.
	OnStatus func(TrunkStatus)
}

// TrunkState is where a trunk registration stands.
type TrunkState int

const (
	// TrunkStateUnknown is the zero value.
	TrunkStateUnknown TrunkState = iota
	// TrunkRegistering: the first attempt is under way.
	TrunkRegistering
	// TrunkRegistered: the provider accepted the registration; it is
	// refreshed before ExpiresAt.
	TrunkRegistered
	// TrunkRetrying: the last attempt failed; the next is at RetryAt.
	TrunkRetrying
	// TrunkFailed: the provider refused the credentials (ErrTrunkRejected);
	// the trunk has stopped trying.
	TrunkFailed
	// TrunkClosed: Close was called; the registration was removed.
	TrunkClosed
)

// String returns the state's lower-case name, e.g. "registered".
func (s TrunkState) String() string {
	switch s {
	case TrunkRegistering:
		return "registering"
	case TrunkRegistered:
		return "registered"
	case TrunkRetrying:
		return "retrying"
	case TrunkFailed:
		return "failed"
	case TrunkClosed:
		return "closed"
	}
	return "unknown"
}

// TrunkStatus is a snapshot of a trunk registration, for the portal, the
// admin CLI and logs.
type TrunkStatus struct {
	// Name is TrunkConfig.Name.
	Name  string
	State TrunkState
	// Since is when State was entered.
	Since time.Time
	// Code and Reason are the last final response's status; 0 and "" when
	// none came (timeout, network error).
	Code   int
	Reason string
	// Err is the last attempt's error, nil after a success.
	Err error
	// RegisteredAt is when the provider last accepted the registration,
	// ExpiresAt when that grant lapses unless refreshed. Zero before the
	// first success and after Close.
	RegisteredAt, ExpiresAt time.Time
	// RetryAt is when the next attempt is due in TrunkRetrying.
	RetryAt time.Time
	// Failures counts consecutive failed attempts.
	Failures int
}

// TrunkRegistration keeps a PBX registered at an upstream SIP provider
// (RFC 3261 section 10.2) so that the provider sends calls for the
// trunk's numbers to the PBX. It answers digest challenges (MD5, and
// SHA-256 when the provider offers it first), refreshes at 85 % of the
// lifetime the provider grants, reuses the provider's nonce on refreshes
// (nonce-count incremented) and answers a new challenge when that is
// refused, follows 423 Interval Too Brief, backs off after failures and
// stops on 403. All its REGISTERs share one Call-ID and From tag with an
// increasing CSeq (RFC 3261 section 10.2.4).
//
// A TrunkRegistration owns one goroutine, stopped by Close. Status is safe
// for concurrent use.
type TrunkRegistration struct {
	cfg      TrunkConfig
	client   *sipgo.Client
	log      *slog.Logger
	now      func() time.Time
	after    func(time.Duration) <-chan time.Time
	provider string // host:port

	// Used by the goroutine, then by Close after it ended.
	reqURI  gosip.Uri
	aor     gosip.Uri
	contact *gosip.Uri
	callID  string
	fromTag string
	cseq    uint32
	expires time.Duration
	chal    *digestChallenge

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error

	mu     sync.Mutex
	status TrunkStatus
}

// maxTrunkRounds bounds the requests of one attempt (challenges, 423).
const maxTrunkRounds = 6

// NewTrunkRegistration checks cfg and starts registering at the provider
// through client, whose UserAgent should also serve the PBX's listening
// sockets so that the provider's calls reach the PBX. It returns at once;
// Status and OnStatus tell how registration goes.
func NewTrunkRegistration(client *sipgo.Client, cfg TrunkConfig) (*TrunkRegistration, error) {
	if client == nil {
		return nil, errors.New("sip: trunk: client is required")
	}
	if cfg.Provider == "" || cfg.Username == "" {
		return nil, errors.New("sip: trunk: Provider and Username are required")
	}
	host, port, err := net.SplitHostPort(cfg.Provider)
	if err != nil {
		host, port = cfg.Provider, "5060"
	}
	pn, err := strconv.Atoi(port)
	if host == "" || err != nil || pn <= 0 || pn > 65535 {
		return nil, fmt.Errorf("sip: trunk: bad Provider %q: want host:port", cfg.Provider)
	}
	switch cfg.Transport = strings.ToLower(cfg.Transport); cfg.Transport {
	case "":
		cfg.Transport = "udp"
	case "udp", "tcp":
	default:
		return nil, fmt.Errorf("sip: trunk: Transport %q: want udp or tcp", cfg.Transport)
	}
	if cfg.Expires < 0 || cfg.RetryMin < 0 || cfg.RetryMax < 0 || cfg.Timeout < 0 {
		return nil, errors.New("sip: trunk: durations must not be negative")
	}
	if cfg.Expires == 0 {
		cfg.Expires = 3600 * time.Second
	}
	cfg.Expires = max(cfg.Expires.Truncate(time.Second), time.Second)
	if cfg.RetryMin == 0 {
		cfg.RetryMin = 30 * time.Second
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	cfg.RetryMax = max(cfg.RetryMax, cfg.RetryMin)
	if cfg.Timeout == 0 {
		cfg.Timeout = 32 * time.Second
	}
	if cfg.AuthUsername == "" {
		cfg.AuthUsername = cfg.Username
	}
	t := &TrunkRegistration{
		cfg:      cfg,
		client:   client,
		log:      cfg.Logger,
		now:      cfg.Clock,
		after:    cfg.After,
		provider: net.JoinHostPort(host, port),
		callID:   randomHex(16),
		fromTag:  randomHex(8),
		expires:  cfg.Expires,
		done:     make(chan struct{}),
		closed:   make(chan struct{}),
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	t.log = t.log.With("trunk", cfg.Name, "provider", t.provider)
	if t.now == nil {
		t.now = time.Now
	}
	if t.after == nil {
		t.after = time.After
	}
	t.reqURI = gosip.Uri{Scheme: "sip", Host: host, Port: pn}
	t.aor = gosip.Uri{Scheme: "sip", User: cfg.Username, Host: host}
	if cfg.Domain != "" {
		t.reqURI = gosip.Uri{Scheme: "sip", Host: cfg.Domain}
		t.aor.Host = cfg.Domain
	}
	if cfg.Transport == "tcp" {
		t.reqURI.UriParams = gosip.HeaderParams{{K: "transport", V: "tcp"}}
	}
	t.status = TrunkStatus{Name: cfg.Name, State: TrunkRegistering, Since: t.now()}
	ctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go t.run(ctx)
	return t, nil
}

// Status returns the registration's current status. Safe for concurrent
// use.
func (t *TrunkRegistration) Status() TrunkStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}

// Close stops the trunk's goroutine and, when the provider holds a
// registration, removes it with a REGISTER carrying Expires: 0. ctx
// bounds the wait and the unregistration. It returns the unregistration's
// error, if any; the trunk is closed either way. Later calls wait for the
// first and return its result.
func (t *TrunkRegistration) Close(ctx context.Context) error {
	first := false
	t.closeOnce.Do(func() { first = true })
	if !first {
		select {
		case <-t.closed:
			return t.closeErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer close(t.closed)
	t.cancel()
	select {
	case <-t.done:
	case <-ctx.Done():
		t.closeErr = fmt.Errorf("sip: trunk %s: close: %w", t.cfg.Name, ctx.Err())
		return t.closeErr
	}
	st := t.Status()
	var err error
	var out trunkOutcome
	if t.contact != nil && (st.State == TrunkRegistered || st.ExpiresAt.After(t.now())) {
		out = t.attempt(ctx, 0)
		if out.err != nil {
			err = fmt.Errorf("sip: trunk %s: unregister: %w", t.cfg.Name, out.err)
		}
	}
	t.update(func(s *TrunkStatus) {
		s.State, s.Err = TrunkClosed, err
		if out.code != 0 {
			s.Code, s.Reason = out.code, out.reason
		}
		s.RegisteredAt, s.ExpiresAt, s.RetryAt = time.Time{}, time.Time{}, time.Time{}
	})
	t.closeErr = err
	return err
}

// run registers, refreshes and retries until ctx is cancelled or the
// provider refuses the credentials.
func (t *TrunkRegistration) run(ctx context.Context) {
	defer close(t.done)
	t.update(func(*TrunkStatus) {})
	failures := 0
	for {
		out := t.attempt(ctx, t.expires)
		if ctx.Err() != nil {
			return
		}
		now := t.now()
		var wait time.Duration
		switch {
		case out.err == nil:
			failures = 0
			wait = out.granted * 85 / 100
			t.update(func(s *TrunkStatus) {
				s.State, s.Code, s.Reason, s.Err = TrunkRegistered, out.code, out.reason, nil
				s.RegisteredAt, s.ExpiresAt, s.RetryAt, s.Failures = now, now.Add(out.granted), time.Time{}, 0
			})
		case errors.Is(out.err, ErrTrunkRejected):
			t.update(func(s *TrunkStatus) {
				s.State, s.Code, s.Reason, s.Err = TrunkFailed, out.code, out.reason, out.err
				s.RetryAt, s.Failures = time.Time{}, failures+1
			})
			return
		default:
			failures++
			wait = max(t.backoff(failures), out.retryAfter)
			t.update(func(s *TrunkStatus) {
				s.State, s.Code, s.Reason, s.Err = TrunkRetrying, out.code, out.reason, out.err
				s.RetryAt, s.Failures = now.Add(wait), failures
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.after(wait):
		}
	}
}

// backoff is the wait after the n-th consecutive failure: RetryMin
// doubled n-1 times, at most RetryMax.
func (t *TrunkRegistration) backoff(n int) time.Duration {
	d := t.cfg.RetryMin
	for i := 1; i < n && d < t.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, t.cfg.RetryMax)
}

// update changes the status with f, logs the change and tells OnStatus.
func (t *TrunkRegistration) update(f func(*TrunkStatus)) {
	t.mu.Lock()
	old := t.status
	f(&t.status)
	if t.status.State != old.State {
		t.status.Since = t.now()
	}
	s := t.status
	t.mu.Unlock()
	switch {
	case s.Err != nil:
		t.log.Warn("sip trunk registration failed", "state", s.State.String(), "code", s.Code, "error", s.Err, "retry_at", s.RetryAt)
	case s.State != old.State:
		t.log.Info("sip trunk "+s.State.String(), "code", s.Code, "expires_at", s.ExpiresAt)
	default:
		t.log.Debug("sip trunk refreshed", "expires_at", s.ExpiresAt)
	}
	if t.cfg.OnStatus != nil {
		t.cfg.OnStatus(s)
	}
}

// trunkOutcome is the result of one registration attempt.
type trunkOutcome struct {
	code       int
	reason     string
	granted    time.Duration // lifetime the provider granted
	retryAfter time.Duration // from a Retry-After header
	err        error
}

// attempt sends REGISTER with lifetime expires (0 unregisters) until a
// final answer that needs no new request: 2xx, a refusal, or an error.
func (t *TrunkRegistration) attempt(ctx context.Context, expires time.Duration) trunkOutcome {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	if t.contact == nil {
		c, err := t.resolveContact(ctx)
		if err != nil {
			return trunkOutcome{err: err}
		}
		t.contact = c
	}
	fresh := false // whether t.chal was received in this attempt
	for range maxTrunkRounds {
		req := t.newRegister(expires)
		if t.chal != nil {
			req.AppendHeader(gosip.NewHeader(t.chal.credentialsHeader(),
				t.chal.answer(t.cfg.AuthUsername, t.cfg.Password, string(gosip.REGISTER), t.reqURI.String())))
		}
		res, err := t.client.Do(ctx, req)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return trunkOutcome{err: fmt.Errorf("%w within %v", ErrTrunkTimeout, t.cfg.Timeout)}
			}
			return trunkOutcome{err: fmt.Errorf("sip: trunk: REGISTER: %w", err)}
		}
		out := trunkOutcome{code: res.StatusCode, reason: res.Reason}
		switch code := res.StatusCode; {
		case code >= 200 && code < 300:
			out.granted = t.granted(res, expires)
			if expires > 0 && out.granted <= 0 {
				out.err = fmt.Errorf("sip: trunk: provider answered %d %s but granted no lifetime", code, res.Reason)
			}
			return out
		case code == 401 || code == 407:
			c, err := parseChallenge(res)
			if err != nil {
				out.err = fmt.Errorf("sip: trunk: %d %s: %w", code, res.Reason, err)
				return out
			}
			if fresh && !c.stale {
				out.err = fmt.Errorf("%w: %d %s to a digest answer for user %q", ErrTrunkRejected, code, res.Reason, t.cfg.AuthUsername)
				return out
			}
			t.chal, fresh = c, true
		case code == 423:
			minExp, err := parseExpires(headerOf(res, "Min-Expires"))
			if err != nil || minExp <= expires {
				out.err = fmt.Errorf("sip: trunk: 423 %s with unusable Min-Expires %q", res.Reason, headerOf(res, "Min-Expires"))
				return out
			}
			expires = minExp
			t.expires = max(t.expires, minExp)
		case code == 403:
			out.err = fmt.Errorf("%w: %d %s", ErrTrunkRejected, code, res.Reason)
			return out
		default:
			out.retryAfter = retryAfter(headerOf(res, "Retry-After"))
			out.err = fmt.Errorf("sip: trunk: provider answered %d %s", code, res.Reason)
			return out
		}
	}
	return trunkOutcome{err: fmt.Errorf("sip: trunk: no success after %d requests", maxTrunkRounds)}
}

// resolveContact returns the Contact URI of TrunkConfig.Contact or its
// default.
func (t *TrunkRegistration) resolveContact(ctx context.Context) (*gosip.Uri, error) {
	hostport := t.cfg.Contact
	if hostport == "" {
		ports := t.client.TransportLayer().ListenPorts(t.cfg.Transport)
		if len(ports) == 0 {
			return nil, fmt.Errorf("sip: trunk: no Contact configured and the UA listens on no %s port", t.cfg.Transport)
		}
		host := t.client.Hostname()
		if host == "" {
			var d net.Dialer
			c, err := d.DialContext(ctx, "udp", t.provider) // sends nothing
			if err != nil {
				return nil, fmt.Errorf("sip: trunk: find the local address towards %s: %w", t.provider, err)
			}
			host = c.LocalAddr().(*net.UDPAddr).IP.String()
			c.Close()
		}
		hostport = net.JoinHostPort(host, strconv.Itoa(ports[0]))
	}
	var u gosip.Uri
	if err := gosip.ParseUri("sip:"+t.cfg.Username+"@"+hostport, &u); err != nil {
		return nil, fmt.Errorf("sip: trunk: Contact %q: %w", hostport, err)
	}
	if t.cfg.Transport == "tcp" {
		u.UriParams = gosip.HeaderParams{{K: "transport", V: "tcp"}}
	}
	return &u, nil
}

// newRegister builds the next REGISTER: same Call-ID and From tag, next
// CSeq. sipgo adds the Via with a new branch.
func (t *TrunkRegistration) newRegister(expires time.Duration) *gosip.Request {
	req := gosip.NewRequest(gosip.REGISTER, *t.reqURI.Clone())
	req.SetTransport(strings.ToUpper(t.cfg.Transport))
	req.SetDestination(t.provider)
	t.cseq++
	callID := gosip.CallIDHeader(t.callID)
	maxFwd := gosip.MaxForwardsHeader(70)
	exp := gosip.ExpiresHeader(uint32(expires / time.Second))
	for _, h := range []gosip.Header{
		&gosip.FromHeader{Address: *t.aor.Clone(), Params: gosip.HeaderParams{{K: "tag", V: t.fromTag}}},
		&gosip.ToHeader{Address: *t.aor.Clone()},
		&callID,
		&gosip.CSeqHeader{SeqNo: t.cseq, MethodName: gosip.REGISTER},
		&maxFwd,
		&gosip.ContactHeader{Address: *t.contact.Clone()},
		&exp,
	} {
		req.AppendHeader(h)
	}
	return req
}

// granted returns the lifetime the provider granted in a 2xx: our
// Contact's expires parameter, else the Expires header, else what we
// asked for.
func (t *TrunkRegistration) granted(res *gosip.Response, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*gosip.ContactHeader)
		if !ok || !sameContact(c.Address, *t.contact) {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if d, err := parseExpires(v); err == nil {
				return d
			}
		}
	}
	if d, err := parseExpires(headerOf(res, "Expires")); err == nil {
		return d
	}
	return asked
}

// retryAfter returns the delta-seconds of a Retry-After header value
// such as "120 (maintenance);duration=60", or 0.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	n := 0
	for n < len(v) && n < 9 && '0' <= v[n] && v[n] <= '9' {
		n++
	}
	s, _ := strconv.Atoi(v[:n])
	return time.Duration(s) * time.Second
}

// sameContact reports whether a and b name the same user, host and port.
func sameContact(a, b gosip.Uri) bool {
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && a.Port == b.Port
}

func headerOf(res *gosip.Response, name string) string {
	if h := res.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// digestChallenge is a server's digest challenge as a client answers it,
// kept so that later requests can reuse its nonce with the next
// nonce-count.
type digestChallenge struct {
	proxy                bool // 407 Proxy-Authenticate
	realm, nonce, opaque string
	alg                  Algorithm
	qop                  bool // qop=auth offered
	stale                bool
	cnonce               string
	nc                   uint32
}

// parseChallenge picks from a 401's WWW-Authenticate or a 407's
// Proxy-Authenticate headers the first Digest challenge this package can
// answer: MD5 or SHA-256, with qop=auth or no qop. A server lists its
// preferred algorithm first (RFC 8760 section 2.4).
func parseChallenge(res *gosip.Response) (*digestChallenge, error) {
	name := "WWW-Authenticate"
	if res.StatusCode == 407 {
		name = "Proxy-Authenticate"
	}
	var offered []string
	for _, h := range res.GetHeaders(name) {
		offered = append(offered, h.Value())
		scheme, p, err := parseDigest(h.Value())
		if err != nil || !strings.EqualFold(scheme, "Digest") || p["nonce"] == "" {
			continue
		}
		alg, err := ParseAlgorithm(p["algorithm"])
		if err != nil {
			continue
		}
		c := &digestChallenge{proxy: res.StatusCode == 407, realm: p["realm"], nonce: p["nonce"],
			opaque: p["opaque"], alg: alg, stale: strings.EqualFold(p["stale"], "true"), cnonce: randomHex(8)}
		if q, ok := p["qop"]; ok {
			for o := range strings.SplitSeq(q, ",") {
				c.qop = c.qop || strings.EqualFold(strings.TrimSpace(o), "auth")
			}
			if !c.qop {
				continue // auth-int only
			}
		}
		return c, nil
	}
	return nil, fmt.Errorf("no digest challenge with MD5 or SHA-256 and qop=auth in %q", offered)
}

// credentialsHeader is the header name that carries the answer.
func (c *digestChallenge) credentialsHeader() string {
	if c.proxy {
		return "Proxy-Authorization"
	}
	return "Authorization"
}

// answer returns the credentials for a request of method to uri with the
// next nonce-count (RFC 7616 section 3.4).
func (c *digestChallenge) answer(user, password, method, uri string) string {
	c.nc++
	ha1 := DigestHA1(c.alg, user, c.realm, password)
	nc := fmt.Sprintf("%08x", c.nc)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s", response="`,
		quoteEscape(user), quoteEscape(c.realm), quoteEscape(c.nonce), quoteEscape(uri))
	if c.qop {
		b.WriteString(digestResponse(c.alg, ha1, c.nonce, nc, c.cnonce, "auth", method, uri))
	} else {
		b.WriteString(c.alg.hexHash(ha1, c.nonce, c.alg.hexHash(method, uri)))
	}
	fmt.Fprintf(&b, `", algorithm=%s`, c.alg)
	if c.qop {
		fmt.Fprintf(&b, `, qop=auth, nc=%s, cnonce="%s"`, nc, c.cnonce)
	}
	if c.opaque != "" {
		fmt.Fprintf(&b, `, opaque="%s"`, quoteEscape(c.opaque))
	}
	return b.String()
}

// DIDRouter routes calls arriving from a trunk to extensions by the
// number dialled (the DID), as the trunk's DID map says. Providers write
// the same number in different ways ("+15551234567", "15551234567",
// "5551234567", "+1 (555) 123-4567"), so numbers are compared by their
// digits with these rules, in order:
//
//  1. Punctuation is ignored: a leading '+', spaces, '-', '.', '(' and
//     ')'. Anything else (letters, '*', '#') makes the string no number.
//  2. A leading "00" (international access) is dropped, and so is a
//     single leading "0" (national trunk prefix).
//  3. Equal digit strings match.
//  4. Otherwise, when one side lacks the country code, the shorter string
//     matches when it has at least MinDIDSuffix digits, the longer one
//     ends with it, and the longer has at most 3 digits more (a country
//     code is 1 to 3 digits).
//
// An exact match wins over a suffix match; two suffix matches that lead to
// different extensions are ambiguous and route nowhere, as is safer than
// ringing the wrong person. A DIDRouter is immutable and safe for
// concurrent use.
type DIDRouter struct {
	dids []didRoute
}

// MinDIDSuffix is the fewest digits a number lacking its country code
// must have to match a DID by its last digits (rule 4 of DIDRouter).
const MinDIDSuffix = 7

type didRoute struct {
	digits, did, ext string
}

// NewDIDRouter returns a router for dids, which maps DIDs as the provider
// or the administrator wrote them to extensions. It refuses a DID that is
// no number, an empty extension, and two DIDs with the same digits that
// lead to different extensions.
func NewDIDRouter(dids map[string]string) (*DIDRouter, error) {
	r := &DIDRouter{}
	seen := make(map[string]didRoute)
	for did, ext := range dids {
		d, ok := didDigits(did)
		if !ok {
			return nil, fmt.Errorf("sip: DID %q is not a telephone number", did)
		}
		if ext == "" {
			return nil, fmt.Errorf("sip: DID %q routes to no extension", did)
		}
		if o, dup := seen[d]; dup && o.ext != ext {
			return nil, fmt.Errorf("sip: DIDs %q and %q are the same number but route to %q and %q", o.did, did, o.ext, ext)
		}
		seen[d] = didRoute{digits: d, did: did, ext: ext}
	}
	for _, rt := range seen {
		r.dids = append(r.dids, rt)
	}
	return r, nil
}

// Lookup returns the extension for the dialled number and the DID, as
// written in the map, that matched it; ok is false when none matches or
// the match is ambiguous.
func (r *DIDRouter) Lookup(number string) (ext, did string, ok bool) {
	n, valid := didDigits(number)
	if !valid {
		return "", "", false
	}
	var found *didRoute
	ambiguous := false
	for i := range r.dids {
		rt := &r.dids[i]
		if rt.digits == n {
			return rt.ext, rt.did, true
		}
		if !suffixMatch(rt.digits, n) {
			continue
		}
		if found != nil && found.ext != rt.ext {
			ambiguous = true
		}
		if found == nil || len(rt.digits) > len(found.digits) {
			found = rt
		}
	}
	if found == nil || ambiguous {
		return "", "", false
	}
	return found.ext, found.did, true
}

// Route finds the extension for an INVITE that came from the trunk: the
// Request-URI's user first, then the To URI's user, since some providers
// put the DID in the To header and the account name in the Request-URI.
func (r *DIDRouter) Route(req *gosip.Request) (ext, did string, ok bool) {
	if ext, did, ok := r.Lookup(uriUser(req.Recipient)); ok {
		return ext, did, true
	}
	if to := req.To(); to != nil {
		return r.Lookup(uriUser(to.Address))
	}
	return "", "", false
}

// uriUser is a SIP URI's user part without user parameters
// ("+15551234567;npdi" → "+15551234567"), or a tel: URI's number.
func uriUser(u gosip.Uri) string {
	user := u.User
	if strings.EqualFold(u.Scheme, "tel") {
		user = u.Raw()
	}
	user, _, _ = strings.Cut(user, ";")
	return user
}

// suffixMatch reports whether digit strings a and b match by rule 4 of
// DIDRouter.
func suffixMatch(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= MinDIDSuffix && len(b)-len(a) <= 3 && strings.HasSuffix(b, a)
}

// didDigits returns the digits of a telephone number by rules 1 and 2 of
// DIDRouter.
func didDigits(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "00") {
		d = d[2:]
	} else if strings.HasPrefix(d, "0") {
		d = d[1:]
	}
	return d, d != ""
}

// TrunkRoute is one trunk's outbound dial rule.
type TrunkRoute struct {
	// Trunk names the trunk.
	Trunk string
	// Prefix is what a user dials before the external number to use this
	// trunk, e.g. "9"; it is stripped before the number goes to the
	// provider. An empty Prefix takes any number no other route takes.
	Prefix string
}

// PickTrunk chooses the trunk for a dialled number: among routes whose
// Prefix the number starts with, the longest prefix wins, and the first
// listed among equals (list preferred trunks first; leave disabled ones
// out). It returns the trunk and the number to send to the provider, the
// dialled number without the prefix, which must be a number: digits with
// an optional leading '+' ("9+15551234567" sends "+15551234567"). ok is
// false when no route applies or nothing dialable remains.
func PickTrunk(routes []TrunkRoute, dialled string) (trunk, number string, ok bool) {
	best := -1
	for i, rt := range routes {
		if !strings.HasPrefix(dialled, rt.Prefix) || !dialable(dialled[len(rt.Prefix):]) {
			continue
		}
		if best < 0 || len(rt.Prefix) > len(routes[best].Prefix) {
			best = i
		}
	}
	if best < 0 {
		return "", "", false
	}
	return routes[best].Trunk, dialled[len(routes[best].Prefix):], true
}

// dialable reports whether s is digits with an optional leading '+'.
func dialable(s string) bool {
	s = strings.TrimPrefix(s, "+")
	return s != "" && strings.Trim(s, "0123456789") == ""
}
