package main

import (
	"context"
	"net"
)

// netDialer dials from a chosen local address, so a test can be a second
// client host on the loopback network.
type netDialer struct{ local string }

func (d *netDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(d.local)}}
	return nd.DialContext(ctx, network, addr)
}
