package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/sip"
)

// portalStore is what the portal needs of the store.
type portalStore interface {
	account.Store
	calllog.Store
}

// portal serves the JSON API under /api/v1. Every request is
// authenticated with the extension and portal password (HTTP Basic for
// scripts, or a session cookie from POST /api/v1/login), and every object
// is looked up through the authenticated extension, so no user can read
// or change another's data. Login failures feed a Guard keyed by (source,
// extension) and source, as the SIP registrar's do.
type portal struct {
	st    portalStore
	reg   *sip.Registrar
	guard *sip.Guard
	log   *slog.Logger
	mux   *http.ServeMux
	now   func() time.Time

	mu       sync.Mutex
	sessions map[string]*session // by token
}

// session is one portal login.
type session struct {
	ext     string
	csrf    string
	expires time.Time
}

const (
	sessionCookie   = "telekit_session"
	sessionLifetime = 12 * time.Hour
	maxSessions     = 10000
)

func newPortal(st portalStore, reg *sip.Registrar, log *slog.Logger) (*portal, error) {
	guard, err := sip.NewGuard(sip.GuardConfig{Logger: log.With("component", "portal")})
	if err != nil {
		return nil, err
	}
	p := &portal{st: st, reg: reg, guard: guard, log: log, now: time.Now, sessions: map[string]*session{}}
	p.mux = http.NewServeMux()
	p.mux.HandleFunc("POST /api/v1/login", p.login)
	p.mux.Handle("POST /api/v1/logout", p.authed(p.logout, true))
	p.mux.Handle("POST /api/v1/password", p.authed(p.changePassword, true))
	p.mux.Handle("GET /api/v1/me", p.authed(p.me, false))
	p.mux.Handle("GET /api/v1/devices", p.authed(p.devices, false))
	p.mux.Handle("GET /api/v1/calls", p.authed(p.calls, false))
	p.mux.Handle("GET /api/v1/calls/{id}", p.authed(p.call, false))
	return p, nil
}

func (p *portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	p.mux.ServeHTTP(w, r)
}

// apiError is the JSON body of every error.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{msg})
}

// clientAddr is the request's source address, for the login guard.
func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		a, _ := netip.ParseAddr(host)
		return a
	}
	return ap.Addr().Unmap()
}

// checkPassword authenticates ext with password, rate-limited per source
// and extension. It answers the request itself when it fails.
func (p *portal) checkPassword(w http.ResponseWriter, r *http.Request, ext, password string) (mustChange, ok bool) {
	src, now := clientAddr(r), p.now()
	if until, banned := p.guard.Banned(src, ext, now); banned {
		w.Header().Set("Retry-After", strconv.Itoa(int(until.Sub(now).Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "too many failed logins from this address; try again later")
		return false, false
	}
	_, mustChange, err := account.Authenticate(r.Context(), p.st, ext, password)
	if err != nil {
		if errors.Is(err, account.ErrBadCredentials) {
			p.guard.Failure(src, ext, r.UserAgent(), now)
			writeError(w, http.StatusUnauthorized, "wrong extension or password")
		} else {
			p.log.Error("portal login", "err", err)
			writeError(w, http.StatusInternalServerError, "internal error")
		}
		return false, false
	}
	p.guard.Success(src, ext, now)
	return mustChange, true
}

type loginRequest struct {
	Extension string `json:"extension"`
	Password  string `json:"password"`
}

type loginResponse struct {
	Extension          string `json:"extension"`
	CSRFToken          string `json:"csrf_token"`
	MustChangePassword bool   `json:"must_change_password"`
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (p *portal) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "want JSON {extension, password}")
		return
	}
	mustChange, ok := p.checkPassword(w, r, req.Extension, req.Password)
	if !ok {
		return
	}
	s := &session{ext: req.Extension, csrf: randomToken(), expires: p.now().Add(sessionLifetime)}
	token := randomToken()
	p.mu.Lock()
	p.sweepLocked()
	if len(p.sessions) >= maxSessions {
		p.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "too many sessions")
		return
	}
	p.sessions[token] = s
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, Expires: s.expires})
	writeJSON(w, http.StatusOK, loginResponse{req.Extension, s.csrf, mustChange})
}

func (p *portal) sweepLocked() {
	now := p.now()
	for k, s := range p.sessions {
		if now.After(s.expires) {
			delete(p.sessions, k)
		}
	}
}

// user is the authenticated caller of an API handler.
type user struct {
	ext        string
	token      string // session token; empty for Basic auth
	mustChange bool
}

type ctxKey struct{}

// authed wraps h with authentication. A session cookie on an unsafe
// method must carry the session's CSRF token in X-CSRF-Token. While the
// portal password must be changed, only endpoints with allowMustChange
// (change password, logout) are served.
func (p *portal) authed(h http.HandlerFunc, allowMustChange bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u user
		if ext, pw, ok := r.BasicAuth(); ok {
			mustChange, ok := p.checkPassword(w, r, ext, pw)
			if !ok {
				return
			}
			u = user{ext: ext, mustChange: mustChange}
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			p.mu.Lock()
			s := p.sessions[c.Value]
			if s != nil && p.now().After(s.expires) {
				delete(p.sessions, c.Value)
				s = nil
			}
			var sess session
			if s != nil {
				sess = *s
			}
			p.mu.Unlock()
			if s == nil {
				writeError(w, http.StatusUnauthorized, "session expired; log in again")
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead &&
				subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(sess.csrf)) != 1 {
				writeError(w, http.StatusForbidden, "missing or wrong X-CSRF-Token")
				return
			}
			secrets, err := p.st.GetSecrets(r.Context(), sess.ext)
			if err != nil {
				writeError(w, http.StatusUnauthorized, "session no longer valid; log in again")
				return
			}
			u = user{ext: sess.ext, token: c.Value, mustChange: secrets.MustChangePassword}
		} else {
			w.Header().Set("WWW-Authenticate", `Basic realm="telekit", charset="UTF-8"`)
			writeError(w, http.StatusUnauthorized, "log in first")
			return
		}
		if u.mustChange && !allowMustChange {
			writeError(w, http.StatusForbidden, "password change required: POST /api/v1/password first")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, u)))
	})
}

func userOf(r *http.Request) user { return r.Context().Value(ctxKey{}).(user) }

func (p *portal) logout(w http.ResponseWriter, r *http.Request) {
	if u := userOf(r); u.token != "" {
		p.mu.Lock()
		delete(p.sessions, u.token)
		p.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

type passwordRequest struct {
	Old string `json:"old_password"`
	New string `json:"new_password"`
}

// changePassword changes the portal password only; the SIP secret, and so
// every registered phone, is untouched.
func (p *portal) changePassword(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	var req passwordRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "want JSON {old_password, new_password}")
		return
	}
	if _, ok := p.checkPassword(w, r, u.ext, req.Old); !ok {
		return
	}
	if req.New == req.Old {
		writeError(w, http.StatusBadRequest, "the new password must differ from the old one")
		return
	}
	hash, err := account.HashPortalPassword(u.ext, req.New, account.Argon2Params{})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := p.st.SetPortalPassword(r.Context(), u.ext, hash, false, p.now()); err != nil {
		p.log.Error("set portal password", "ext", u.ext, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	p.log.Info("portal password changed", "ext", u.ext, "source", clientAddr(r))
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	Extension          string `json:"extension"`
	Name               string `json:"name"`
	Email              string `json:"email,omitempty"`
	Access             string `json:"access"`
	MustChangePassword bool   `json:"must_change_password"`
}

func (p *portal) me(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	acct, err := p.st.GetUser(r.Context(), u.ext)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such extension")
		return
	}
	writeJSON(w, http.StatusOK, meResponse{acct.Extension, acct.Name, acct.Email, acct.Access.String(), u.mustChange})
}

type deviceView struct {
	Contact    string    `json:"contact"`
	Source     string    `json:"source"`
	Transport  string    `json:"transport"`
	UserAgent  string    `json:"user_agent"`
	Registered time.Time `json:"registered"`
	Expires    time.Time `json:"expires"`
}

func (p *portal) devices(w http.ResponseWriter, r *http.Request) {
	bs := p.reg.Bindings(userOf(r).ext)
	out := make([]deviceView, 0, len(bs))
	for _, b := range bs {
		out = append(out, deviceView{b.Contact, b.Source.String(), b.Transport, b.UserAgent, b.Registered.UTC(), b.Expires.UTC()})
	}
	writeJSON(w, http.StatusOK, out)
}

// parseCallFilter reads the call-history query parameters:
// view=missed|received|placed, direction, disposition, since, until
// (RFC 3339), q (search), limit, offset.
func parseCallFilter(owner string, r *http.Request) (calllog.Filter, error) {
	q := r.URL.Query()
	f := calllog.Filter{Owner: owner, Search: q.Get("q")}
	var err error
	if v := q.Get("view"); v != "" {
		if f.View, err = calllog.ParseView(v); err != nil {
			return f, fmt.Errorf("view: %w", err)
		}
	}
	if v := q.Get("direction"); v != "" {
		if err = f.Direction.UnmarshalText([]byte(v)); err != nil {
			return f, fmt.Errorf("direction: %w", err)
		}
	}
	if v := q.Get("disposition"); v != "" {
		if err = f.Disposition.UnmarshalText([]byte(v)); err != nil {
			return f, fmt.Errorf("disposition: %w", err)
		}
	}
	for _, tv := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(tv.name); v != "" {
			if *tv.dst, err = time.Parse(time.RFC3339, v); err != nil {
				return f, fmt.Errorf("%s: want RFC 3339 time: %w", tv.name, err)
			}
		}
	}
	for _, iv := range []struct {
		name string
		dst  *int
	}{{"limit", &f.Limit}, {"offset", &f.Offset}} {
		if v := q.Get(iv.name); v != "" {
			if *iv.dst, err = strconv.Atoi(v); err != nil || *iv.dst < 0 {
				return f, fmt.Errorf("%s: want a whole number", iv.name)
			}
		}
	}
	return f, f.Validate()
}

// calls lists the caller's own call history, as JSON or, with
// format=csv, as a CSV download.
func (p *portal) calls(w http.ResponseWriter, r *http.Request) {
	f, err := parseCallFilter(userOf(r).ext, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	recs, err := p.st.ListRecords(r.Context(), f)
	if err != nil {
		p.log.Error("list calls", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="calls.csv"`)
		if err := calllog.WriteCSV(w, recs); err != nil {
			p.log.Error("write calls csv", "err", err)
		}
		return
	}
	out := make([]callView, 0, len(recs))
	for _, rec := range recs {
		out = append(out, newCallView(f.Owner, rec, false))
	}
	writeJSON(w, http.StatusOK, out)
}

// token is an enum's stable text form (e.g. "no-answer"), the same one the
// call-history filters take.
func token(v interface{ MarshalText() ([]byte, error) }) string {
	b, err := v.MarshalText()
	if err != nil {
		return ""
	}
	return string(b)
}

// callView is a call-history entry as the API shows it to one owner.
type callView struct {
	ID          string      `json:"id"`
	From        string      `json:"from"`
	FromName    string      `json:"from_name,omitempty"`
	To          string      `json:"to"`
	ToName      string      `json:"to_name,omitempty"`
	Start       time.Time   `json:"start"`
	Answer      *time.Time  `json:"answer,omitempty"`
	End         time.Time   `json:"end"`
	Seconds     int         `json:"duration_seconds"`
	Disposition string      `json:"disposition"`
	Direction   string      `json:"direction"`
	Role        string      `json:"role"`
	Flow        []eventView `json:"call_flow,omitempty"`
}

type eventView struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

func newCallView(owner string, r calllog.Record, withFlow bool) callView {
	v := callView{ID: r.ID, From: r.From, FromName: r.FromName, To: r.To, ToName: r.ToName,
		Start: r.Start.UTC(), End: r.End.UTC(), Seconds: int(r.Duration() / time.Second),
		Disposition: token(r.Disposition), Direction: token(r.Direction), Role: token(r.RoleOf(owner))}
	if !r.Answer.IsZero() {
		a := r.Answer.UTC()
		v.Answer = &a
	}
	if withFlow {
		for _, e := range r.Events {
			v.Flow = append(v.Flow, eventView{e.At.UTC(), string(e.Kind), e.Detail})
		}
	}
	return v
}

func (p *portal) call(w http.ResponseWriter, r *http.Request) {
	rec, err := p.st.GetRecord(r.Context(), userOf(r).ext, r.PathValue("id"))
	if err != nil {
		// Someone else's call and a missing one look the same.
		writeError(w, http.StatusNotFound, "no such call")
		return
	}
	writeJSON(w, http.StatusOK, newCallView(userOf(r).ext, rec, true))
}

// activeCallView is one of the user's calls in progress, as
// GET /api/v1/calls/active shows it.
type activeCallView struct {
	// CallID is the caller's SIP Call-ID.
	CallID string `json:"call_id"`
	From   string `json:"from"`
	To     string `json:"to"`
	// Role is "caller" or "callee": which side the user is on.
	Role string `json:"role"`
	// Answered is false while the call rings; Legs is then empty.
	Answered bool `json:"answered"`
	// Legs are the media bridge's statistics of the caller's leg, then
	// the callee's.
	Legs []legStatsView `json:"legs"`
}

// legStatsView is what the PBX's media bridge measured on one leg of a
// call: what it received from that side, and what that side reported
// (RTCP) about what the PBX sends it.
type legStatsView struct {
	// Leg is "caller" or "callee".
	Leg string `json:"leg"`
	// Remote is where the bridge sends this leg's media.
	Remote string `json:"remote"`
	// PacketsReceived and PacketsLost count the RTP packets of the leg's
	// current source (RFC 3550 A.3; lost is negative with duplicates).
	PacketsReceived uint32 `json:"packets_received"`
	PacketsLost     int32  `json:"packets_lost"`
	// FractionLost is the share lost since the last report the bridge
	// sent, 0 to 1.
	FractionLost float64 `json:"fraction_lost"`
	// JitterMS is the interarrival jitter in milliseconds (RFC 3550
	// 6.4.1, at the 8 kHz RTP clock of the PBX's codecs).
	JitterMS float64 `json:"jitter_ms"`
	// PacketsRelayed counts the packets from this leg sent on to the
	// other.
	PacketsRelayed uint64 `json:"packets_relayed"`
	// RTCPReceived counts the RTCP packets from this leg; the fields
	// below are zero until one carried a report about our stream.
	RTCPReceived uint64 `json:"rtcp_received"`
	// RTTMS is the round-trip time to the leg, in milliseconds.
	RTTMS float64 `json:"rtt_ms"`
	// PeerPacketsLost and PeerJitterMS are the leg's view of what the PBX
	// sends it.
	PeerPacketsLost int32   `json:"peer_packets_lost"`
	PeerJitterMS    float64 `json:"peer_jitter_ms"`
}

// legStats is the view of one leg's bridge statistics.
func legStats(leg string, s media.BridgeLegStats) legStatsView {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	v := legStatsView{
		Leg: leg, PacketsReceived: s.Received.Received, PacketsLost: s.Received.Lost,
		FractionLost: float64(s.Received.FractionLost) / 256, JitterMS: float64(s.Received.Jitter) / 8,
		PacketsRelayed: s.Relayed, RTCPReceived: s.RTCPReceived, RTTMS: ms(s.RTT),
		PeerPacketsLost: s.Peer.Lost, PeerJitterMS: ms(s.Peer.Jitter),
	}
	if s.Remote.IsValid() {
		v.Remote = s.Remote.String()
	}
	return v
}

// handleActiveCalls serves GET /api/v1/calls/active: the user's own calls
// in progress with each leg's media statistics. calls lists every call
// through the PBX; caller and callee name the extension that placed a
// call and the one it rings ("" for an outside party).
func (p *portal) handleActiveCalls(calls func() []*sip.Call, caller, callee func(*sip.Call) string) {
	p.mux.Handle("GET /api/v1/calls/active", p.authed(func(w http.ResponseWriter, r *http.Request) {
		ext := userOf(r).ext
		out := []activeCallView{}
		for _, c := range calls() {
			v := activeCallView{CallID: c.ID, From: c.From, To: c.To}
			switch ext {
			case caller(c):
				v.Role = "caller"
			case callee(c):
				v.Role = "callee"
			default:
				continue
			}
			if st, ok := c.BridgeStats(); ok {
				v.Answered = true
				v.Legs = []legStatsView{legStats("caller", st.A), legStats("callee", st.B)}
			}
			out = append(out, v)
		}
		slices.SortFunc(out, func(a, b activeCallView) int { return strings.Compare(a.CallID, b.CallID) })
		writeJSON(w, http.StatusOK, out)
	}, false))
}
