package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/sip"
)

// inboundTrunk is one provider the PBX takes calls from: requests from its
// signalling address (the trunk's host:port, resolved at start) are
// trusted without digest authentication, and their DIDs are routed to
// extensions.
type inboundTrunk struct {
	name string
	addr netip.AddrPort
	dids *sip.DIDRouter
}

// outboundTrunk is a trunk extensions call out through: numbers dialled
// with its prefix go to its host with its credentials.
type outboundTrunk struct {
	name, host, username, password, prefix string
}

// outboundCall is an outside call sent to a trunk, for the call log.
type outboundCall struct {
	trunk  string
	number string // as sent to the provider, without the prefix
}

// trunkCalls recognises calls from trunks, sends extensions' outside calls
// to trunks, and remembers where each such call went, for the call log.
type trunkCalls struct {
	// tables guards trunks and outbound, which the trunk watcher replaces
	// (never changes in place) when the store's trunks change. Read them
	// with inboundList and outboundList.
	tables   sync.RWMutex
	trunks   []inboundTrunk
	outbound []outboundTrunk // in the order they are preferred

	// didTarget, when set, routes a DID call to its extension (call
	// handling); nil rings the extension's devices.
	didTarget func(ctx context.Context, c *sip.Call, ext string) (sip.Target, error)

	mu     sync.Mutex
	callee map[string]string       // call ID → extension rung for a DID call
	out    map[string]outboundCall // call ID → outside call
}

// resolveTrunk resolves host:port to one address, for matching sources.
func resolveTrunk(ctx context.Context, hostport string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, err
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.AddrPort{}, err
	}
	ua, err := net.ResolveUDPAddr("udp", net.JoinHostPort(addrs[0].Unmap().String(), port))
	if err != nil {
		return netip.AddrPort{}, err
	}
	ap := ua.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// from returns the trunk a request came from, matching the packet's source
// address and port exactly: a phone on the provider's host but another
// port is not the provider.
func (tc *trunkCalls) from(req *gosip.Request) (*inboundTrunk, bool) {
	src, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return nil, false
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	trunks := tc.inboundList()
	for i := range trunks {
		if trunks[i].addr == src {
			return &trunks[i], true
		}
	}
	return nil, false
}

// inboundList returns the trunks calls are taken from. The caller must not
// change the slice.
func (tc *trunkCalls) inboundList() []inboundTrunk {
	tc.tables.RLock()
	defer tc.tables.RUnlock()
	return tc.trunks
}

// outboundList returns the trunks calls go out through, in the order they
// are preferred. The caller must not change the slice.
func (tc *trunkCalls) outboundList() []outboundTrunk {
	tc.tables.RLock()
	defer tc.tables.RUnlock()
	return tc.outbound
}

// setTables replaces both trunk tables at once.
func (tc *trunkCalls) setTables(in []inboundTrunk, out []outboundTrunk) {
	tc.tables.Lock()
	defer tc.tables.Unlock()
	tc.trunks, tc.outbound = in, out
}

// authenticator trusts the trunks' requests (naming the caller by its
// From number) and asks everyone else for digest credentials.
func (tc *trunkCalls) authenticator(inner sip.Authenticator) sip.Authenticator {
	return authFunc(func(req *gosip.Request, tx gosip.ServerTransaction) (string, bool) {
		if _, ok := tc.from(req); ok {
			if f := req.From(); f != nil && f.Address.User != "" {
				return f.Address.User, true
			}
			return "anonymous", true
		}
		return inner.Authenticate(req, tx)
	})
}

type authFunc func(req *gosip.Request, tx gosip.ServerTransaction) (string, bool)

func (f authFunc) Authenticate(req *gosip.Request, tx gosip.ServerTransaction) (string, bool) {
	return f(req, tx)
}

// router sends a trunk's call to the extension its DID maps to; an
// extension's call to a number that is no extension but starts with a
// trunk's prefix out through that trunk (403 unless mayCallOut says the
// caller may); every other call to the dialled extension. Extensions win:
// a number that is an extension never goes to a trunk.
func (tc *trunkCalls) router(loc sip.Locator, extensions sip.Router, ringFor time.Duration,
	isExtension func(ctx context.Context, number string) bool, mayCallOut func(ctx context.Context, caller string) bool) sip.Router {
	return sip.RouterFunc(func(ctx context.Context, c *sip.Call) (sip.Target, error) {
		t, ok := tc.from(c.Invite)
		if !ok {
			if !isExtension(ctx, c.To) {
				if target, err, ok := tc.routeOut(ctx, c, ringFor, mayCallOut); ok {
					return target, err
				}
			}
			return extensions.Route(ctx, c)
		}
		ext, _, ok := t.dids.Route(c.Invite)
		if !ok {
			return sip.Target{}, sip.ErrNotFound
		}
		tc.mu.Lock()
		tc.callee[c.ID] = ext
		tc.mu.Unlock()
		if tc.didTarget != nil {
			return tc.didTarget(ctx, c, ext)
		}
		bs := loc.Lookup(ext, time.Now())
		if len(bs) == 0 {
			return sip.Target{}, sip.ErrUnavailable
		}
		return sip.Target{Bindings: bs, RingFor: ringFor}, nil
	})
}

// callerOf is the extension that placed c, or "" when a trunk did.
func (tc *trunkCalls) callerOf(c *sip.Call) string {
	if _, ok := tc.from(c.Invite); ok {
		return ""
	}
	return c.From
}

// calleeOf is the extension c rings: the one its DID maps to for a
// trunk's call, else the dialled number.
func (tc *trunkCalls) calleeOf(c *sip.Call) string {
	tc.mu.Lock()
	ext, ok := tc.callee[c.ID]
	tc.mu.Unlock()
	if ok {
		return ext
	}
	if _, ok := tc.from(c.Invite); ok {
		return ""
	}
	return c.To
}

// takeCallee returns and forgets the extension a DID call was routed to.
func (tc *trunkCalls) takeCallee(callID string) (string, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	ext, ok := tc.callee[callID]
	delete(tc.callee, callID)
	return ext, ok
}

// routeOut sends c out through the trunk whose prefix the dialled number
// starts with (sip.PickTrunk: the longest prefix wins), to
// sip:NUMBER@trunk-host with the trunk's account as caller identity and
// credentials. ok is false when no trunk takes the number.
func (tc *trunkCalls) routeOut(ctx context.Context, c *sip.Call, ringFor time.Duration, mayCallOut func(context.Context, string) bool) (_ sip.Target, _ error, ok bool) {
	outbound := tc.outboundList()
	routes := make([]sip.TrunkRoute, len(outbound))
	for i, t := range outbound {
		routes[i] = sip.TrunkRoute{Trunk: t.name, Prefix: t.prefix}
	}
	name, number, ok := sip.PickTrunk(routes, c.To)
	if !ok {
		return sip.Target{}, nil, false
	}
	tc.mu.Lock()
	tc.out[c.ID] = outboundCall{trunk: name, number: number}
	tc.mu.Unlock()
	if !mayCallOut(ctx, c.From) {
		return sip.Target{}, sip.ErrForbidden, true
	}
	var t outboundTrunk
	for _, o := range outbound {
		if o.name == name {
			t = o
		}
	}
	return sip.Target{
		Bindings: []sip.Binding{{AOR: number, Contact: "sip:" + number + "@" + t.host}},
		RingFor:  ringFor,
		Outbound: &sip.Outbound{Username: t.username, Password: t.password},
	}, nil, true
}

// takeOutbound returns and forgets where an outside call was sent.
func (tc *trunkCalls) takeOutbound(callID string) (outboundCall, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	oc, ok := tc.out[callID]
	delete(tc.out, callID)
	return oc, ok
}

// loadOutboundTrunks makes every enabled trunk one extensions can call
// out through.
func (s *server) loadOutboundTrunks(ctx context.Context) error {
	trunks, err := s.st.ListTrunks(ctx)
	if err != nil {
		return err
	}
	s.trunkCalls.out = map[string]outboundCall{}
	s.trunkCalls.setTables(s.trunkCalls.inboundList(), outboundTrunks(trunks))
	return nil
}

// outboundTrunks is the outbound table of trunks: the enabled ones, in
// the store's order.
func outboundTrunks(trunks []account.Trunk) []outboundTrunk {
	var out []outboundTrunk
	for _, t := range trunks {
		if t.Enabled {
			out = append(out, outboundTrunk{name: t.Name, host: t.Host,
				username: t.Username, password: t.Password, prefix: t.Prefix})
		}
	}
	return out
}

// inboundTrunks is the inbound table of trunks: each enabled trunk's
// resolved address and DID map. A trunk whose host does not resolve is
// left out (logged: its calls will be challenged like anyone's).
func inboundTrunks(ctx context.Context, trunks []account.Trunk, log *slog.Logger) ([]inboundTrunk, error) {
	var in []inboundTrunk
	for _, t := range trunks {
		if !t.Enabled {
			continue
		}
		addr, err := resolveTrunk(ctx, t.Host)
		if err != nil || !addr.IsValid() {
			log.Warn("trunk: cannot resolve its host; its calls will not be recognised", "trunk", t.Name, "host", t.Host, "err", err)
			continue
		}
		dids, err := sip.NewDIDRouter(t.DIDs)
		if err != nil {
			return nil, fmt.Errorf("trunk %s: %w", t.Name, err)
		}
		in = append(in, inboundTrunk{name: t.Name, addr: addr, dids: dids})
	}
	return in, nil
}

// mayCallOut reports whether the extension caller may call outside
// numbers (its External privilege).
func (s *server) mayCallOut(ctx context.Context, caller string) bool {
	u, err := s.st.GetUser(ctx, caller)
	return err == nil && u.Privileges.External
}

// isTrunkAddr reports whether a is a trunk provider's address, exempt from
// the per-source flood limit that protects the PBX from any one phone.
func (s *server) isTrunkAddr(a netip.Addr) bool {
	if s.trunkCalls == nil {
		return false
	}
	for _, t := range s.trunkCalls.inboundList() {
		if t.addr.Addr() == a {
			return true
		}
	}
	return false
}

// trunkWatch keeps the PBX in step with the trunks in the store, so that
// `pbx trunk add` (or any change to the trunks table) on a running server
// takes effect within one poll: a new trunk is registered to its provider
// and its calls recognised, a changed one re-registered with its new
// account, a removed or disabled one unregistered, and the inbound
// (address, DIDs) and outbound (prefix) tables replaced.
type trunkWatch struct {
	mu   sync.Mutex
	regs map[string]*trunkReg // by trunk name
	seen map[string]string    // trunk name → trunkKey, as last applied
}

// trunkReg is one running registration and the account it registers.
type trunkReg struct {
	key string // regKey
	tr  *sip.TrunkRegistration
}

// trunkKey is everything of t the PBX acts on.
func trunkKey(t account.Trunk) string {
	dids := slices.Sorted(maps.Keys(t.DIDs))
	for i, d := range dids {
		dids[i] = d + "=" + t.DIDs[d]
	}
	return fmt.Sprintf("%q %q %q %q %v %q", t.Host, t.Username, t.Password, t.Prefix, t.Enabled, dids)
}

// regKey is what a trunk's registration depends on.
func regKey(t account.Trunk) string {
	return fmt.Sprintf("%q %q %q", t.Host, t.Username, t.Password)
}

// syncTrunks reads the trunks from the store and, when they differ from
// what was applied last, replaces the call tables and starts and stops
// registrations to match. It reports whether anything changed. Called
// from one goroutine at a time (start-up, then the watcher).
func (s *server) syncTrunks(ctx context.Context) (bool, error) {
	trunks, err := s.st.ListTrunks(ctx)
	if err != nil {
		return false, err
	}
	keys := map[string]string{}
	for _, t := range trunks {
		if t.Enabled {
			keys[t.Name] = trunkKey(t)
		}
	}
	w := s.trunkWatch
	if w.seen != nil && maps.Equal(keys, w.seen) {
		return false, nil
	}
	w.seen = keys // a trunk that fails is retried when it changes again, not every poll
	in, err := inboundTrunks(ctx, trunks, s.log)
	if err != nil {
		return true, err
	}
	s.trunkCalls.setTables(in, outboundTrunks(trunks))

	want := map[string]account.Trunk{}
	for _, t := range trunks {
		if t.Enabled {
			want[t.Name] = t
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for name, r := range w.regs {
		if t, ok := want[name]; ok && regKey(t) == r.key {
			continue
		}
		s.stopTrunkRegistration(name, r)
		delete(w.regs, name)
	}
	for name, t := range want {
		if _, ok := w.regs[name]; ok {
			continue
		}
		tr, err := sip.NewTrunkRegistration(s.client, sip.TrunkConfig{
			Name: t.Name, Provider: t.Host, Username: t.Username, Password: t.Password,
			Contact: s.sipAddr, Logger: s.log,
			OnStatus: func(st sip.TrunkStatus) {
				s.log.Info("trunk", "name", name, "state", st.State.String(), "code", st.Code, "reason", st.Reason)
			},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("trunk %s: %w", name, err))
			continue
		}
		w.regs[name] = &trunkReg{key: regKey(t), tr: tr}
	}
	s.log.Info("trunks loaded", "enabled", len(want), "recognised", len(in))
	return true, errors.Join(errs...)
}

// stopTrunkRegistration unregisters r, a courtesy to the provider that
// must not fail anything when the provider is gone.
func (s *server) stopTrunkRegistration(name string, r *trunkReg) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.tr.Close(ctx); err != nil {
		s.log.Warn("trunk: unregister failed", "trunk", name, "err", err)
	}
}

// watchTrunks re-reads the trunks every interval until ctx ends.
func (s *server) watchTrunks(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := s.syncTrunks(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("trunks: reload failed; the previous trunks stay in use where they could", "err", err)
		}
	}
}

// closeTrunks unregisters every trunk, at shutdown.
func (s *server) closeTrunks() {
	w := s.trunkWatch
	w.mu.Lock()
	defer w.mu.Unlock()
	var wg sync.WaitGroup
	for name, r := range w.regs {
		wg.Go(func() { s.stopTrunkRegistration(name, r) })
	}
	wg.Wait()
	clear(w.regs)
}
