package sip

import (
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// RegistrarConfig configures a Registrar. Auth is required; every other
// zero value means the default written beside it.
type RegistrarConfig struct {
	// Auth authenticates every REGISTER.
	Auth *DigestAuth
	// MinExpires is the shortest registration accepted; a shorter non-zero
	// one gets 423 Interval Too Brief with a Min-Expires header. Default 60
	// seconds. Whole seconds.
	MinExpires time.Duration
	// MaxExpires caps a registration's lifetime: a longer one is granted
	// this. Default 3600 seconds.
	MaxExpires time.Duration
	// DefaultExpires is the lifetime of a contact when the REGISTER gives
	// no expires parameter and no Expires header. Default 3600 seconds.
	DefaultExpires time.Duration
	// MaxContacts is how many devices one address of record may have
	// registered at once. Default 5. When a REGISTER adds a contact beyond
	// it, the binding refreshed least recently is dropped: a phone that
	// rebooted and registered from a new port must not be locked out by
	// its own stale binding (the behaviour of Asterisk's remove_existing).
	// A single REGISTER carrying more than MaxContacts contacts is refused
	// with 403.
	MaxContacts int
	// SweepInterval is how often a goroutine removes lapsed bindings so
	// that OnChange hears of them. Default 30 seconds; negative disables
	// the goroutine (lapsed bindings are still never returned, and Expire
	// can be called by hand).
	SweepInterval time.Duration
	// OnChange, when set, is called after the bindings of aor changed
	// (registration, refresh, removal, lapse) with the bindings now in
	// force, oldest first. It is called with the registrar's lock held,
	// so calls are in the order of the changes; it must return quickly
	// and must not call the Registrar.
	OnChange func(aor string, bindings []Binding)
	// Logger receives registration events. Nil discards them.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// Registrar is a SIP registrar (RFC 3261 section 10.3) and the location
// service it fills. It authenticates REGISTER with its DigestAuth, allows
// a user to register only its own extension, and keeps each device's
// contact together with the address the REGISTER really came from, so
// that calls reach phones behind NAT. It implements Locator.
//
// The address of record is the To URI's user part: the registrar serves
// one domain. Contacts are compared by their URI text.
//
// Safe for concurrent use. Close stops its sweeper goroutine.
type Registrar struct {
	cfg  RegistrarConfig
	log  *slog.Logger
	now  func() time.Time
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu   sync.Mutex
	aors map[string][]Binding
}

var _ Locator = (*Registrar)(nil)

// NewRegistrar returns a Registrar for cfg and starts its sweeper, or an
// error naming a bad setting.
func NewRegistrar(cfg RegistrarConfig) (*Registrar, error) {
	if cfg.Auth == nil {
		return nil, errors.New("sip: registrar: Auth is required")
	}
	if cfg.MinExpires < 0 || cfg.MaxExpires < 0 || cfg.DefaultExpires < 0 || cfg.MaxContacts < 0 {
		return nil, errors.New("sip: registrar: expiry bounds and MaxContacts must not be negative")
	}
	if cfg.MinExpires == 0 {
		cfg.MinExpires = 60 * time.Second
	}
	if cfg.MaxExpires == 0 {
		cfg.MaxExpires = 3600 * time.Second
	}
	if cfg.DefaultExpires == 0 {
		cfg.DefaultExpires = 3600 * time.Second
	}
	if cfg.MaxContacts == 0 {
		cfg.MaxContacts = 5
	}
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = 30 * time.Second
	}
	if cfg.MaxExpires < cfg.MinExpires {
		return nil, errors.New("sip: registrar: MaxExpires is shorter than MinExpires")
	}
	r := &Registrar{
		cfg:  cfg,
		log:  cfg.Logger,
		now:  cfg.Clock,
		stop: make(chan struct{}),
		done: make(chan struct{}),
		aors: make(map[string][]Binding),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if cfg.SweepInterval > 0 {
		go r.sweep(cfg.SweepInterval)
	} else {
		close(r.done)
	}
	return r, nil
}

// Close stops the sweeper goroutine and waits for it. The registrar keeps
// answering; its bindings only stop lapsing actively.
func (r *Registrar) Close() error {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	return nil
}

func (r *Registrar) sweep(every time.Duration) {
	defer close(r.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.Expire(r.now())
		}
	}
}

// Expire removes the bindings lapsed at now and tells OnChange.
func (r *Registrar) Expire(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for aor, bs := range r.aors {
		live := liveAt(bs, now)
		if len(live) == len(bs) {
			continue
		}
		r.commit(aor, live)
		r.log.Info("sip registration lapsed", "aor", aor, "contacts", len(live))
	}
}

// Lookup returns the unexpired bindings of aor at now, oldest first.
func (r *Registrar) Lookup(aor string, now time.Time) []Binding {
	r.mu.Lock()
	defer r.mu.Unlock()
	return liveAt(r.aors[aor], now)
}

// Bindings returns the devices registered for aor now (user agent, source
// address, registered and expiry times), oldest first: what the
// application shows as "registered devices".
func (r *Registrar) Bindings(aor string) []Binding {
	return r.Lookup(aor, r.now())
}

// HandleOptions answers OPTIONS with 200 OK: phones use it as a
// keep-alive and to check the server is up. (CRLF keep-alives are
// answered by sipgo's transports.)
func (r *Registrar) HandleOptions(req *gosip.Request, tx gosip.ServerTransaction) {
	respond(tx, req, 200, "OK")
}

// regError is a refusal: status, reason and extra headers.
type regError struct {
	code   int
	reason string
	hs     []gosip.Header
}

// contactUpdate is one Contact of a REGISTER with its granted lifetime.
type contactUpdate struct {
	uri     string
	expires time.Duration
}

// HandleRegister serves a REGISTER: pass it to sipgo's Server.OnRegister.
// It authenticates, checks that the To user is the authenticated user
// (403 otherwise), applies the contacts atomically following RFC 3261
// section 10.3 (a CSeq not above the binding's for the same Call-ID fails
// the whole request with 500), and answers 200 OK listing every current
// contact with its remaining expires, or 423 with Min-Expires, or 400.
// A REGISTER without Contact is a query: it changes nothing and gets the
// current list. "Contact: *" with "Expires: 0" removes every binding.
func (r *Registrar) HandleRegister(req *gosip.Request, tx gosip.ServerTransaction) {
	user, ok := r.cfg.Auth.Authenticate(req, tx)
	if !ok {
		return
	}
	now := r.now()
	bs, rerr := r.register(req, user, now)
	if rerr != nil {
		if rerr.code == 403 {
			r.log.Warn("sip register refused", "user", user, "source", req.Source(), "reason", rerr.reason)
		}
		respond(tx, req, rerr.code, rerr.reason, rerr.hs...)
		return
	}
	res := newResponse(req, 200, "OK")
	for _, b := range bs {
		secs := int64(b.Expires.Sub(now).Round(time.Second) / time.Second)
		res.AppendHeader(gosip.NewHeader("Contact", "<"+b.Contact+">;expires="+strconv.FormatInt(max(secs, 0), 10)))
	}
	res.AppendHeader(gosip.NewHeader("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	tx.Respond(res)
}

// register applies req for the authenticated user at now and returns the
// bindings in force afterwards.
func (r *Registrar) register(req *gosip.Request, user string, now time.Time) ([]Binding, *regError) {
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		return nil, &regError{code: 400, reason: "Missing To, Call-ID or CSeq"}
	}
	aor := to.Address.User
	if aor != user {
		return nil, &regError{code: 403, reason: "Not Your Extension"}
	}
	callID, cseq := req.CallID().Value(), req.CSeq().SeqNo

	headerExp := r.cfg.DefaultExpires
	if h := req.GetHeader("Expires"); h != nil {
		d, err := parseExpires(h.Value())
		if err != nil {
			return nil, &regError{code: 400, reason: "Bad Expires"}
		}
		headerExp = d
	}
	var ups []contactUpdate
	wildcard := false
	hs := req.GetHeaders("Contact")
	for _, h := range hs {
		c, ok := h.(*gosip.ContactHeader)
		if !ok {
			return nil, &regError{code: 400, reason: "Bad Contact"}
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		exp := headerExp
		if v, has := c.Params.Get("expires"); has {
			d, err := parseExpires(v)
			if err != nil {
				return nil, &regError{code: 400, reason: "Bad Contact Expires"}
			}
			exp = d
		}
		if exp != 0 && exp < r.cfg.MinExpires {
			return nil, &regError{code: 423, reason: "Interval Too Brief", hs: []gosip.Header{
				gosip.NewHeader("Min-Expires", strconv.Itoa(int(r.cfg.MinExpires/time.Second))),
			}}
		}
		ups = append(ups, contactUpdate{uri: c.Address.String(), expires: min(exp, r.cfg.MaxExpires)})
	}
	if wildcard {
		if len(hs) != 1 || req.GetHeader("Expires") == nil || headerExp != 0 {
			return nil, &regError{code: 400, reason: "Invalid Wildcard"}
		}
	}
	if len(ups) > r.cfg.MaxContacts {
		return nil, &regError{code: 403, reason: "Too Many Contacts"}
	}

	src := sourceAddr(req)
	ua := headerValue(req, "User-Agent")
	transport := strings.ToLower(req.Transport())

	r.mu.Lock()
	defer r.mu.Unlock()
	cur := liveAt(r.aors[aor], now)
	changed := len(cur) != len(r.aors[aor])
	if len(hs) == 0 { // query
		if changed {
			r.commit(aor, cur)
		}
		return cur, nil
	}
	stale := func(b Binding) bool { return b.CallID == callID && cseq <= b.CSeq }
	next := slices.Clone(cur)
	if wildcard {
		for _, b := range cur {
			if stale(b) {
				return nil, &regError{code: 500, reason: "Out Of Order CSeq"}
			}
		}
		next = nil
	}
	touched := make(map[string]bool, len(ups))
	for _, u := range ups {
		i := slices.IndexFunc(next, func(b Binding) bool { return b.Contact == u.uri })
		if i >= 0 && stale(next[i]) {
			return nil, &regError{code: 500, reason: "Out Of Order CSeq"}
		}
		if u.expires == 0 {
			if i >= 0 {
				next = slices.Delete(next, i, i+1)
			}
			continue
		}
		b := Binding{
			AOR: aor, Contact: u.uri, Source: src, Transport: transport, UserAgent: ua,
			CallID: callID, CSeq: cseq, Registered: now, Expires: now.Add(u.expires),
		}
		if i >= 0 {
			b.Registered = next[i].Registered
			next[i] = b
		} else {
			next = append(next, b)
		}
		touched[u.uri] = true
	}
	for len(next) > r.cfg.MaxContacts {
		// Drop the binding refreshed least recently among those this
		// request did not touch (there is one: len(ups) <= MaxContacts).
		drop := -1
		for i, b := range next {
			if touched[b.Contact] {
				continue
			}
			if drop < 0 || b.Expires.Before(next[drop].Expires) {
				drop = i
			}
		}
		r.log.Info("sip registration replaced", "aor", aor, "contact", next[drop].Contact)
		next = slices.Delete(next, drop, drop+1)
	}
	r.commit(aor, next)
	r.log.Info("sip register", "aor", aor, "source", src.String(), "user_agent", ua, "contacts", len(next))
	return slices.Clone(next), nil
}

// commit stores bs as aor's bindings and tells OnChange. Called with r.mu
// held.
func (r *Registrar) commit(aor string, bs []Binding) {
	if len(bs) == 0 {
		delete(r.aors, aor)
	} else {
		r.aors[aor] = bs
	}
	if r.cfg.OnChange != nil {
		r.cfg.OnChange(aor, slices.Clone(bs))
	}
}

// liveAt returns a copy of the bindings of bs unexpired at now.
func liveAt(bs []Binding, now time.Time) []Binding {
	var out []Binding
	for _, b := range bs {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	return out
}

// parseExpires parses a delta-seconds value; values beyond 2^32-1 are
// clamped, as RFC 3261 section 20.19 allows.
func parseExpires(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("not delta-seconds")
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		n = 1<<32 - 1
	}
	return time.Duration(n) * time.Second, nil
}
