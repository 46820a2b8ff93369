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

// trunkCalls recognises calls from trunks and remembers which extension
// each DID call went to, for the call log.
type trunkCalls struct {
	trunks []inboundTrunk

	mu     sync.Mutex
	callee map[string]string // call ID → extension rung for a DID call
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

// router sends a trunk's call to the extension its DID maps to, and every
// other call to the dialled extension.
func (tc *trunkCalls) router(loc sip.Locator, extensions sip.Router, ringFor time.Duration) sip.Router {
	return sip.RouterFunc(func(ctx context.Context, c *sip.Call) (sip.Target, error) {
		t, ok := tc.from(c.Invite)
		if !ok {
			return extensions.Route(ctx, c)
		}
		ext, _, ok := t.dids.Route(c.Invite)
		if !ok {
			return sip.Target{}, sip.ErrNotFound
		}
		tc.mu.Lock()
		tc.callee[c.ID] = ext
		tc.mu.Unlock()
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
