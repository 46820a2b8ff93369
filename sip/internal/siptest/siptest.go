// Package siptest runs a sipgo server on loopback for the sip package's
// tests: UDP and TCP on 127.0.0.1, ports chosen by the system, stopped at
// the test's cleanup.
package siptest

import (
	"log/slog"
	"net"
	"testing"

	"github.com/emiago/sipgo"
)

// Server is a running sipgo server.
type Server struct {
	// UDP and TCP are the host:port the server listens on.
	UDP, TCP string
	// SIP is the sipgo server, for handlers set after start.
	SIP *sipgo.Server
}

// Start starts a sipgo server whose handlers setup registers, listening
// on UDP and TCP 127.0.0.1:0. Everything is closed at t's cleanup.
func Start(t testing.TB, setup func(srv *sipgo.Server)) *Server {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("telekit-test"))
	if err != nil {
		t.Fatalf("siptest: new UA: %v", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("siptest: new server: %v", err)
	}
	if setup != nil {
		setup(srv)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("siptest: listen udp: %v", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		pc.Close()
		t.Fatalf("siptest: listen tcp: %v", err)
	}
	done := make(chan struct{}, 2)
	go func() { srv.ServeUDP(pc); done <- struct{}{} }()
	go func() { srv.ServeTCP(ln); done <- struct{}{} }()
	t.Cleanup(func() {
		pc.Close()
		ln.Close()
		<-done
		<-done
		ua.Close()
	})
	return &Server{UDP: pc.LocalAddr().String(), TCP: ln.Addr().String(), SIP: srv}
}
