package sip

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// ErrUnknownUser is what a Credentials returns (possibly wrapped) for a
// user it does not know. DigestAuth answers it exactly as it answers a
// wrong password.
var ErrUnknownUser = errors.New("sip: unknown user")

// Authenticator decides whether a request (INVITE, SUBSCRIBE…) comes from
// a known user. It returns the user and true, or answers the transaction
// itself (a 401/407 challenge, a 403, a ban) and returns false; the caller
// then does nothing more. *DigestAuth implements it.
type Authenticator interface {
	Authenticate(req *gosip.Request, tx gosip.ServerTransaction) (user string, ok bool)
}

var _ Authenticator = (*DigestAuth)(nil)

// Credentials looks up a user's secret as HA1 = H(user:realm:password) in
// lower-case hex for the algorithm alg. DigestAuth calls it on every
// authenticated request and caches nothing, so a user added or changed by
// another process takes effect at the next request (wrap it with
// CacheCredentials to read a store less often). It returns an error
// wrapping ErrUnknownUser for a user it does not know. Implementations must
// be safe for concurrent use.
type Credentials interface {
	HA1(ctx context.Context, realm, user string, alg Algorithm) (ha1 string, err error)
}

// CredentialsFunc adapts a function to Credentials.
type CredentialsFunc func(ctx context.Context, realm, user string, alg Algorithm) (string, error)

// HA1 calls f.
func (f CredentialsFunc) HA1(ctx context.Context, realm, user string, alg Algorithm) (string, error) {
	return f(ctx, realm, user, alg)
}

// MemCredentials is an in-memory Credentials keyed by user name, for tests,
// examples and small programs. The zero value is empty and ready. Safe for
// concurrent use.
type MemCredentials struct {
	mu        sync.RWMutex
	passwords map[string]string
}

// Set sets user's password, adding the user if new.
func (m *MemCredentials) Set(user, password string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.passwords == nil {
		m.passwords = make(map[string]string)
	}
	m.passwords[user] = password
}

// Delete removes user.
func (m *MemCredentials) Delete(user string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.passwords, user)
}

// HA1 returns DigestHA1 of user's password in realm, or ErrUnknownUser.
func (m *MemCredentials) HA1(_ context.Context, realm, user string, alg Algorithm) (string, error) {
	m.mu.RLock()
	p, ok := m.passwords[user]
	m.mu.RUnlock()
	if !ok {
		DigestHA1(alg, user, realm, "") // same hash work as a known user
		return "", fmt.Errorf("user %q: %w", user, ErrUnknownUser)
	}
	return DigestHA1(alg, user, realm, p), nil
}

// AuthConfig configures a DigestAuth. Realm and Credentials are required;
// every other zero value means the default written beside it.
type AuthConfig struct {
	// Realm is the protection realm offered in challenges, usually the
	// PBX's domain. Phones hash it into their HA1.
	Realm string
	// Key is the secret that signs nonces (HMAC-SHA-256). Nil means 32
	// random bytes; give the same key to every node of a cluster so that a
	// nonce issued by one is accepted by the others.
	Key []byte
	// NonceLifetime is how long a nonce is accepted; after it a correct
	// answer gets a new challenge with stale=true. Default 5 minutes.
	NonceLifetime time.Duration
	// SHA256 offers RFC 8760's SHA-256 challenge before the MD5 one and
	// accepts answers in either. Default false: MD5 only, which is all
	// most phones (and Debian's sipp 3.6 and baresip 1.0) speak.
	SHA256 bool
	// Credentials looks up users' HA1 on every request.
	Credentials Credentials
	// Guard, when set, refuses banned sources with 403 before any
	// credentials lookup and is told of each failure and success.
	Guard *Guard
	// Logger receives security events (authentication failures). Nil
	// discards them.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// MaxNonces bounds how many used nonces are remembered for
	// nonce-count replay checks. Default 65536. When full, the oldest are
	// forgotten and answers on them get a stale=true challenge, so replay
	// stays impossible and memory stays bounded.
	MaxNonces int
}

// DigestAuth is the server side of SIP digest authentication (RFC 3261
// section 22, RFC 7616 with qop=auth, RFC 8760 for SHA-256).
//
// Nonces are stateless: base64url(issued || salt || HMAC-SHA-256(key,
// issued || salt || realm)[:16]), with issued in Unix nanoseconds and an
// 8-byte random salt so that two challenges in the same instant never
// share a nonce (the nonce-count of one client would otherwise refuse the
// other's first answer). Only nonces that authenticated a request are
// remembered, with their highest nonce-count, until they expire.
//
// An answer without qop=auth is refused with a new challenge: without a
// nonce-count nothing stops a captured REGISTER from being replayed within
// the nonce's lifetime.
//
// Safe for concurrent use.
type DigestAuth struct {
	realm     string
	key       []byte
	lifetime  time.Duration
	sha256    bool
	creds     Credentials
	guard     *Guard
	log       *slog.Logger
	now       func() time.Time
	maxNonces int
	// dummy is a random HA1 per algorithm used for unknown users, so that
	// they cost the same hash work as known ones.
	dummy [3]string

	mu     sync.Mutex
	counts map[string]nonceUse
	// floor: a nonce issued at or before it (Unix ns) that is not in counts
	// may have been forgotten, so it is refused as stale.
	floor int64
}

type nonceUse struct {
	nc     uint32
	issued int64
}

// NewDigestAuth returns a DigestAuth for cfg, or an error naming what is
// missing.
func NewDigestAuth(cfg AuthConfig) (*DigestAuth, error) {
	if cfg.Realm == "" {
		return nil, errors.New("sip: digest auth: Realm is required")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("sip: digest auth: Credentials is required")
	}
	if cfg.NonceLifetime < 0 || cfg.MaxNonces < 0 {
		return nil, errors.New("sip: digest auth: NonceLifetime and MaxNonces must not be negative")
	}
	a := &DigestAuth{
		realm:     cfg.Realm,
		key:       cfg.Key,
		lifetime:  cfg.NonceLifetime,
		sha256:    cfg.SHA256,
		creds:     cfg.Credentials,
		guard:     cfg.Guard,
		log:       cfg.Logger,
		now:       cfg.Clock,
		maxNonces: cfg.MaxNonces,
		counts:    make(map[string]nonceUse),
	}
	if a.key == nil {
		a.key = make([]byte, 32)
		if _, err := rand.Read(a.key); err != nil {
			return nil, fmt.Errorf("sip: digest auth: nonce key: %w", err)
		}
	}
	if a.lifetime == 0 {
		a.lifetime = 5 * time.Minute
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.maxNonces == 0 {
		a.maxNonces = 1 << 16
	}
	for _, alg := range []Algorithm{MD5, SHA256} {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("sip: digest auth: %w", err)
		}
		a.dummy[alg] = alg.hexHash(hex.EncodeToString(b[:]))
	}
	return a, nil
}

// Realm returns the realm offered in challenges.
func (a *DigestAuth) Realm() string { return a.realm }

// Authenticate is AuthenticateContext with a background context.
func (a *DigestAuth) Authenticate(req *gosip.Request, tx gosip.ServerTransaction) (user string, ok bool) {
	return a.AuthenticateContext(context.Background(), req, tx)
}

// AuthenticateContext checks req's credentials. When they are good it
// returns the authenticated user name and true, and the caller answers the
// request. Otherwise it has already answered on tx and returns false:
//
//   - 403 to a source the Guard has banned (no credentials are looked up);
//   - 401 with WWW-Authenticate for REGISTER, 407 with Proxy-Authenticate
//     for any other method, when credentials are missing, wrong, for an
//     unknown user (the very same answer as a wrong password), for another
//     realm, or on an expired (stale=true) or replayed nonce;
//   - 400 for a malformed header or a digest uri that is not the
//     Request-URI;
//   - 500 when Credentials fails for another reason than an unknown user.
//
// ctx bounds the Credentials lookup.
func (a *DigestAuth) AuthenticateContext(ctx context.Context, req *gosip.Request, tx gosip.ServerTransaction) (user string, ok bool) {
	now := a.now()
	src := sourceAddr(req)
	ua := headerValue(req, "User-Agent")
	params, found, perr := a.credentialsOf(req)
	ext := params["username"]
	if !found || perr != nil {
		ext = ""
		if f := req.From(); f != nil {
			ext = f.Address.User
		}
	}
	if a.guard != nil && src.IsValid() {
		if _, banned := a.guard.Banned(src.Addr(), ext, now); banned {
			respond(tx, req, 403, "Forbidden")
			return "", false
		}
	}
	if perr != nil {
		a.log.Warn("sip auth malformed", "source", src.String(), "extension", ext, "user_agent", ua, "error", perr)
		respond(tx, req, 400, "Malformed Authorization")
		return "", false
	}
	if !found {
		a.challenge(tx, req, now, false)
		return "", false
	}
	v := a.verify(ctx, req, params, now)
	switch {
	case v.err != nil:
		a.log.Error("sip auth credentials lookup failed", "source", src.String(), "extension", ext, "error", v.err)
		respond(tx, req, 500, "Server Internal Error")
		return "", false
	case v.badRequest != "":
		a.log.Warn("sip auth refused", "source", src.String(), "extension", ext, "user_agent", ua, "reason", v.badRequest)
		respond(tx, req, 400, v.badRequest)
		return "", false
	case v.failed:
		a.log.Warn("sip auth failure", "source", src.String(), "extension", ext, "user_agent", ua, "method", string(req.Method))
		if a.guard != nil && src.IsValid() {
			a.guard.Failure(src.Addr(), ext, ua, now)
		}
		a.challenge(tx, req, now, false)
		return "", false
	case !v.ok:
		a.challenge(tx, req, now, v.stale)
		return "", false
	}
	if a.guard != nil && src.IsValid() {
		a.guard.Success(src.Addr(), ext, now)
	}
	return ext, true
}

// verdict is the outcome of checking one credentials header.
type verdict struct {
	ok         bool   // authenticated
	stale      bool   // correct answer on an expired or used nonce
	failed     bool   // wrong password or unknown user: counts as a guess
	badRequest string // reason phrase of a 400
	err        error  // credentials lookup failed
}

// verify checks the parsed credentials p of req at now.
func (a *DigestAuth) verify(ctx context.Context, req *gosip.Request, p map[string]string, now time.Time) verdict {
	user, nonce, resp := p["username"], p["nonce"], p["response"]
	if user == "" || nonce == "" || resp == "" {
		return verdict{badRequest: "Incomplete Authorization"}
	}
	if !uriMatches(p["uri"], req.Recipient) {
		return verdict{badRequest: "Digest URI Mismatch"}
	}
	alg, err := ParseAlgorithm(p["algorithm"])
	if err != nil || (alg == SHA256 && !a.sha256) {
		return verdict{} // not offered: challenge again
	}
	if !strings.EqualFold(p["qop"], "auth") || p["cnonce"] == "" {
		return verdict{}
	}
	ncStr := p["nc"]
	nc, err := strconv.ParseUint(ncStr, 16, 32)
	if err != nil || len(ncStr) != 8 || nc == 0 {
		return verdict{badRequest: "Bad Nonce Count"}
	}
	issued, valid := a.checkNonce(nonce, now)
	if !valid {
		return verdict{}
	}
	ha1, err := a.creds.HA1(ctx, a.realm, user, alg)
	if errors.Is(err, ErrUnknownUser) {
		ha1, err = a.dummy[alg], nil
	}
	if err != nil {
		return verdict{err: err}
	}
	matches := func(ha1 string) bool {
		want := digestResponse(alg, strings.ToLower(ha1), nonce, ncStr, p["cnonce"], p["qop"], string(req.Method), p["uri"])
		return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(resp))) == 1 && ha1 != a.dummy[alg]
	}
	ok := matches(ha1)
	if cc, cached := a.creds.(*CredentialsCache); !ok && cached && ha1 != a.dummy[alg] {
		// The secret may have changed in another process since the
		// cache read it: a new secret works at once, not after the TTL.
		if fresh, changed, err := cc.refresh(ctx, a.realm, user, alg); err == nil && changed {
			ok = matches(fresh)
		}
	}
	if !ok {
		return verdict{failed: true}
	}
	if now.Sub(issued) > a.lifetime {
		return verdict{stale: true}
	}
	if !a.useNonce(nonce, issued.UnixNano(), uint32(nc), now) {
		return verdict{stale: true}
	}
	return verdict{ok: true}
}

// credentialsOf finds the Digest credentials for our realm in req's
// Authorization (REGISTER) or Proxy-Authorization header. found is false
// when there are none for this realm.
func (a *DigestAuth) credentialsOf(req *gosip.Request) (params map[string]string, found bool, err error) {
	name := "Proxy-Authorization"
	if req.Method == gosip.REGISTER {
		name = "Authorization"
	}
	for _, h := range req.GetHeaders(name) {
		scheme, p, err := parseDigest(h.Value())
		if err != nil {
			return nil, false, err
		}
		if strings.EqualFold(scheme, "Digest") && p["realm"] == a.realm {
			return p, true, nil
		}
	}
	return nil, false, nil
}

// challenge answers req with 401 (REGISTER) or 407 and a fresh nonce.
func (a *DigestAuth) challenge(tx gosip.ServerTransaction, req *gosip.Request, now time.Time, stale bool) {
	code, reason, name := 407, "Proxy Authentication Required", "Proxy-Authenticate"
	if req.Method == gosip.REGISTER {
		code, reason, name = 401, "Unauthorized", "WWW-Authenticate"
	}
	nonce := a.newNonce(now)
	var hs []gosip.Header
	if a.sha256 {
		hs = append(hs, gosip.NewHeader(name, a.challengeValue(SHA256, nonce, stale)))
	}
	hs = append(hs, gosip.NewHeader(name, a.challengeValue(MD5, nonce, stale)))
	respond(tx, req, code, reason, hs...)
}

func (a *DigestAuth) challengeValue(alg Algorithm, nonce string, stale bool) string {
	var b strings.Builder
	b.WriteString(`Digest realm="`)
	b.WriteString(quoteEscape(a.realm))
	b.WriteString(`", nonce="`)
	b.WriteString(nonce)
	b.WriteString(`", algorithm=`)
	b.WriteString(alg.String())
	b.WriteString(`, qop="auth"`)
	if stale {
		b.WriteString(", stale=true")
	}
	return b.String()
}

const (
	nonceTimeLen = 8
	nonceSaltLen = 8
	nonceMACLen  = 16
	nonceLen     = nonceTimeLen + nonceSaltLen + nonceMACLen
	// nonceSkew is how far in the future a nonce's time may be (clocks of
	// cluster nodes differ a little).
	nonceSkew = time.Minute
)

// newNonce returns a nonce issued at now.
func (a *DigestAuth) newNonce(now time.Time) string {
	var b [nonceLen]byte
	binary.BigEndian.PutUint64(b[:nonceTimeLen], uint64(now.UnixNano()))
	rand.Read(b[nonceTimeLen : nonceTimeLen+nonceSaltLen]) // never fails (crypto/rand)
	copy(b[nonceTimeLen+nonceSaltLen:], a.nonceMAC(b[:nonceTimeLen+nonceSaltLen]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (a *DigestAuth) nonceMAC(body []byte) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write(body)
	m.Write([]byte(a.realm))
	return m.Sum(nil)[:nonceMACLen]
}

// checkNonce reports whether nonce is one of ours (signature good, not
// from the future) and when it was issued. It does not check expiry.
func (a *DigestAuth) checkNonce(nonce string, now time.Time) (issued time.Time, ok bool) {
	if base64.RawURLEncoding.DecodedLen(len(nonce)) != nonceLen {
		return time.Time{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceLen {
		return time.Time{}, false
	}
	if !hmac.Equal(b[nonceTimeLen+nonceSaltLen:], a.nonceMAC(b[:nonceTimeLen+nonceSaltLen])) {
		return time.Time{}, false
	}
	issued = time.Unix(0, int64(binary.BigEndian.Uint64(b[:nonceTimeLen])))
	if issued.After(now.Add(nonceSkew)) {
		return time.Time{}, false
	}
	return issued, true
}

// useNonce records nonce-count nc on nonce and reports whether it is new
// (higher than any seen on that nonce).
func (a *DigestAuth) useNonce(nonce string, issued int64, nc uint32, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	u, seen := a.counts[nonce]
	if seen {
		if nc <= u.nc {
			return false
		}
		u.nc = nc
		a.counts[nonce] = u
		return true
	}
	if issued <= a.floor {
		return false
	}
	if len(a.counts) >= a.maxNonces {
		a.forgetNonces(now)
		if issued <= a.floor {
			return false
		}
	}
	a.counts[nonce] = nonceUse{nc: nc, issued: issued}
	return true
}

// forgetNonces drops expired nonces and, if that is not enough, the
// oldest half, raising the floor so that those cannot be replayed.
// Called with a.mu held.
func (a *DigestAuth) forgetNonces(now time.Time) {
	cutoff := now.Add(-a.lifetime).UnixNano()
	for n, u := range a.counts {
		if u.issued < cutoff {
			delete(a.counts, n)
		}
	}
	if len(a.counts) < a.maxNonces*3/4 {
		return
	}
	times := make([]int64, 0, len(a.counts))
	for _, u := range a.counts {
		times = append(times, u.issued)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	floor := times[len(times)/2]
	for n, u := range a.counts {
		if u.issued <= floor {
			delete(a.counts, n)
		}
	}
	a.floor = max(a.floor, floor)
}

// uriMatches reports whether the digest uri names the Request-URI: equal
// strings, or the same scheme, host and port once parsed (phones differ in
// parameters and case), and the same user unless the digest uri has none.
// Some clients (Debian's sipp 3.6 among them) answer with sip:host:port
// for a Request-URI sip:user@host:port; accepting that loses nothing the
// check is for, since the answer still only works for this server and
// each nonce count only once.
func uriMatches(digestURI string, r gosip.Uri) bool {
	if digestURI == "" {
		return false
	}
	if digestURI == r.String() {
		return true
	}
	var u gosip.Uri
	if err := gosip.ParseUri(digestURI, &u); err != nil {
		return false
	}
	port := func(p int) int {
		if p == 0 {
			return 5060
		}
		return p
	}
	return strings.EqualFold(u.Scheme, r.Scheme) && (u.User == "" || u.User == r.User) &&
		strings.EqualFold(u.Host, r.Host) && port(u.Port) == port(r.Port)
}

func quoteEscape(s string) string {
	if !strings.ContainsAny(s, `\"`) {
		return s // the usual case: no Replacer built for every challenge
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// sourceAddr returns where req came from (the packet's source address).
func sourceAddr(req *gosip.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func headerValue(req *gosip.Request, name string) string {
	if h := req.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// respond answers req on tx with a response built by newResponse.
func respond(tx gosip.ServerTransaction, req *gosip.Request, code int, reason string, hs ...gosip.Header) error {
	res := newResponse(req, code, reason)
	for _, h := range hs {
		res.AppendHeader(h)
	}
	return tx.Respond(res)
}

// newResponse builds a response to req and, where sipgo does not, marks
// the top Via with received= when its sent-by host is not the packet's
// source address (RFC 3261 section 18.2.1); sipgo adds received and rport
// itself when the request asked for rport (RFC 3581).
func newResponse(req *gosip.Request, code int, reason string) *gosip.Response {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	via := res.Via()
	if via == nil {
		return res
	}
	if _, has := via.Params.Get("received"); has {
		return res
	}
	src := sourceAddr(req)
	if !src.IsValid() {
		return res
	}
	if h, err := netip.ParseAddr(strings.Trim(via.Host, "[]")); err != nil || h.Unmap() != src.Addr() {
		via.Params.Add("received", src.Addr().String())
	}
	return res
}

// Algorithm is a digest hash algorithm (RFC 7616, RFC 8760).
type Algorithm int

const (
	// AlgorithmUnknown is the zero value: no algorithm chosen.
	AlgorithmUnknown Algorithm = iota
	// MD5 is RFC 2617's algorithm, the one every phone speaks.
	MD5
	// SHA256 is RFC 8760's SHA-256 for SIP digest.
	SHA256
)

// String returns the algorithm's name as written in a challenge: "MD5",
// "SHA-256".
func (a Algorithm) String() string {
	switch a {
	case MD5:
		return "MD5"
	case SHA256:
		return "SHA-256"
	}
	return "unknown"
}

// ParseAlgorithm returns the Algorithm named s (case-insensitive); an
// empty s means MD5, as RFC 2617 says.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "MD5":
		return MD5, nil
	case "SHA-256":
		return SHA256, nil
	}
	return AlgorithmUnknown, fmt.Errorf("digest algorithm %q not supported", s)
}

func (a Algorithm) newHash() hash.Hash {
	if a == SHA256 {
		return sha256.New()
	}
	return md5.New()
}

// hexHash returns the lower-case hex digest of the parts joined by ':'.
func (a Algorithm) hexHash(parts ...string) string {
	h := a.newHash()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DigestHA1 returns the hex HA1 = H(user:realm:password) that a
// Credentials store keeps instead of the password.
func DigestHA1(alg Algorithm, user, realm, password string) string {
	return alg.hexHash(user, realm, password)
}

// digestResponse computes the qop=auth response of RFC 7616 section 3.4.1.
func digestResponse(alg Algorithm, ha1, nonce, nc, cnonce, qop, method, uri string) string {
	ha2 := alg.hexHash(method, uri)
	return alg.hexHash(ha1, nonce, nc, cnonce, qop, ha2)
}

// errDigestSyntax is wrapped by every parse error of a digest header.
var errDigestSyntax = errors.New("digest header syntax")

// maxDigestParams bounds how many parameters a header may carry.
const maxDigestParams = 32

// parseDigest parses a credentials or challenge header value such as
//
//	Digest username="101", realm="pbx", nonce="...", uri="sip:pbx", response="..."
//
// into its scheme and a map of lower-cased parameter names to unquoted
// values. It tolerates what real phones send: any amount of spaces and tabs
// around '=' and ',', quoted or unquoted values, any case in names, commas
// and escaped quotes inside quoted strings, empty list elements. A repeated
// parameter, an unterminated quote or a parameter without a name is an
// error.
func parseDigest(v string) (scheme string, params map[string]string, err error) {
	s := strings.TrimLeft(v, " \t\r\n")
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == 0 {
		return "", nil, fmt.Errorf("%w: no scheme", errDigestSyntax)
	}
	scheme, s = s[:i], s[i:]
	params = make(map[string]string)
	for {
		s = strings.TrimLeft(s, " \t\r\n,")
		if s == "" {
			return scheme, params, nil
		}
		j := 0
		for j < len(s) && isTokenChar(s[j]) {
			j++
		}
		if j == 0 {
			return "", nil, fmt.Errorf("%w: expected a parameter name at %q", errDigestSyntax, clip(s))
		}
		name := strings.ToLower(s[:j])
		s = strings.TrimLeft(s[j:], " \t\r\n")
		if s == "" || s[0] != '=' {
			return "", nil, fmt.Errorf("%w: parameter %q has no value", errDigestSyntax, name)
		}
		s = strings.TrimLeft(s[1:], " \t\r\n")
		var val string
		if s != "" && s[0] == '"' {
			var b strings.Builder
			k := 1
			closed := false
			for k < len(s) {
				c := s[k]
				if c == '\\' && k+1 < len(s) {
					b.WriteByte(s[k+1])
					k += 2
					continue
				}
				if c == '"' {
					closed = true
					k++
					break
				}
				b.WriteByte(c)
				k++
			}
			if !closed {
				return "", nil, fmt.Errorf("%w: unterminated quote in %q", errDigestSyntax, name)
			}
			val, s = b.String(), s[k:]
		} else {
			k := 0
			for k < len(s) && s[k] != ',' && s[k] != ' ' && s[k] != '\t' && s[k] != '\r' && s[k] != '\n' && s[k] != '"' {
				k++
			}
			val, s = s[:k], s[k:]
		}
		if _, dup := params[name]; dup {
			return "", nil, fmt.Errorf("%w: parameter %q repeated", errDigestSyntax, name)
		}
		if len(params) == maxDigestParams {
			return "", nil, fmt.Errorf("%w: more than %d parameters", errDigestSyntax, maxDigestParams)
		}
		params[name] = val
		s = strings.TrimLeft(s, " \t\r\n")
		if s != "" && s[0] != ',' {
			return "", nil, fmt.Errorf("%w: expected ',' after %q", errDigestSyntax, name)
		}
	}
}

// formatDigest writes scheme and params as a header value with every value
// quoted (quotes and backslashes escaped) and names in sorted order, which
// parseDigest reads back to the same map.
func formatDigest(scheme string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(scheme)
	for i, n := range names {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		b.WriteString(n)
		b.WriteString(`="`)
		v := params[n]
		for k := 0; k < len(v); k++ {
			if v[k] == '"' || v[k] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[k])
		}
		b.WriteByte('"')
	}
	return b.String()
}

// isTokenChar reports whether c may appear in an RFC 3261 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-.!%*_+`'~", c) >= 0
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
