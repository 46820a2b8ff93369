package main

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
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
	for i := range tc.trunks {
		if tc.trunks[i].addr == src {
			return &tc.trunks[i], true
		}
	}
	return nil, false
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
	routes := make([]sip.TrunkRoute, len(tc.outbound))
	for i, t := range tc.outbound {
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
	for _, o := range tc.outbound {
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
	for _, t := range trunks {
		if t.Enabled {
			s.trunkCalls.outbound = append(s.trunkCalls.outbound, outboundTrunk{name: t.Name, host: t.Host,
				username: t.Username, password: t.Password, prefix: t.Prefix})
		}
	}
	return nil
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
	for _, t := range s.trunkCalls.trunks {
		if t.addr.Addr() == a {
			return true
		}
	}
	return false
}
