package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/internal/cli"
	"github.com/telekit/telekit/sip"
	"github.com/telekit/telekit/store"
)

// serveConfig is what `pbx serve` is told on its command line.
type serveConfig struct {
	Data     string
	SIPAddr  string
	TLSAddr  string // SIP over TLS, when set with CertFile and KeyFile
	CertFile string
	KeyFile  string
	HTTPAddr string
	RTPPorts string
	Realm    string
	LogLevel string
	// FloodLimit is the SIP datagrams a second one source address may
	// send (0: the guard's default, 100; negative: no limit).
	FloodLimit int
	// TrunkPoll is how often the trunks are re-read from the store
	// (0: every 3 s).
	TrunkPoll time.Duration
	// SMTP is where voicemail email goes (email.go).
	SMTP smtpConfig
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pbx serve", stderr)
	var c serveConfig
	fs.StringVar(&c.Data, "data", defaultData, "data directory (created if missing)")
	fs.StringVar(&c.SIPAddr, "sip", ":5060", "SIP address, UDP and TCP (port 0 picks a free port)")
	fs.StringVar(&c.TLSAddr, "sip-tls", "", "SIP over TLS address (needs -cert and -key), e.g. :5061")
	fs.StringVar(&c.CertFile, "cert", "", "TLS certificate chain (PEM) for -sip-tls")
	fs.StringVar(&c.KeyFile, "key", "", "TLS private key (PEM) for -sip-tls")
	fs.StringVar(&c.HTTPAddr, "http", "127.0.0.1:8080", "HTTP address of the portal and JSON API")
	fs.StringVar(&c.RTPPorts, "rtp-ports", "10000-20000", "UDP port range for anchored media, LO-HI")
	fs.StringVar(&c.Realm, "realm", defaultRealm, "SIP digest realm")
	fs.StringVar(&c.LogLevel, "log", "info", "log level: debug, info, warn, error")
	fs.IntVar(&c.FloodLimit, "flood-limit", 0, "SIP datagrams a second allowed from one address, trunks exempt (0: 100; -1: no limit, e.g. behind a proxy or for load tests)")
	fs.DurationVar(&c.TrunkPoll, "trunk-poll", 3*time.Second, "how often trunks added or changed while the server runs (pbx trunk add) are picked up")
	fs.StringVar(&c.SMTP.Addr, "smtp", "", "SMTP server host:port for voicemail email (none when empty)")
	fs.StringVar(&c.SMTP.From, "smtp-from", "", "sender address of voicemail email")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", "opportunistic", "SMTP TLS: opportunistic, mandatory, or off (a relay on loopback)")
	fs.StringVar(&c.SMTP.Username, "smtp-user", "", "SMTP user name, when the server wants a login")
	fs.StringVar(&c.SMTP.Password, "smtp-password", "", "SMTP password (with -smtp-user)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("serve: unexpected arguments %q", pos)
	}
	if (c.TLSAddr != "") != (c.CertFile != "" && c.KeyFile != "") {
		return errors.New("serve: -sip-tls needs -cert and -key, and they need -sip-tls")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("serve: -log: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := newServer(ctx, c, log, stdout)
	if err != nil {
		return err
	}
	if srv.tlsAddr != "" {
		fmt.Fprintf(stdout, "telekit tls sips=%s\n", srv.tlsAddr)
	}
	fmt.Fprintf(stdout, "telekit ready sip=%s http=%s\n", srv.sipAddr, srv.httpAddr)
	<-ctx.Done()
	log.Info("shutting down")
	return srv.Close()
}

// server is the running PBX: the store, the SIP stack and the HTTP API.
type server struct {
	log    *slog.Logger
	realm  string
	st     *store.SQLite
	ua     *sipgo.UserAgent
	sip    *sipgo.Server
	guard  *sip.Guard // SIP authentication failures
	auth   *sip.DigestAuth
	reg    *sip.Registrar
	events *sip.Notifier // MWI and busy lamps
	client *sipgo.Client
	// trunkWatch keeps trunk registrations and tables in step with the
	// store.
	trunkWatch *trunkWatch
	calls      *sip.B2BUA
	// trunkCalls recognises calls from trunk providers (set before the
	// B2BUA starts).
	trunkCalls *trunkCalls
	floodLimit int // -flood-limit
	calllog    *callLogWriter
	ch         *callHandling // call handling: routing, feature codes, settings
	contacts   *contactBook  // caller names and the contacts API
	vm         *vmSystem     // voicemail: mailboxes, deposit, *60/*61, MWI, email
	lamps      *lamps
	portal     *portal
	http       *http.Server
	sipAddr    string
	tlsAddr    string
	httpAddr   string

	closeOnce sync.Once
	closers   []func() error
	wg        sync.WaitGroup
}

// storeCredentials reads HA1s from the account store on every request, so
// an extension added by `pbx ext add` while the server runs works at once.
func storeCredentials(st account.Store) sip.Credentials {
	return sip.CredentialsFunc(func(ctx context.Context, realm, user string, alg sip.Algorithm) (string, error) {
		var a account.Algorithm
		switch alg {
		case sip.MD5:
			a = account.MD5
		case sip.SHA256:
			a = account.SHA256
		default:
			return "", sip.ErrUnknownUser
		}
		ha1, err := st.HA1(ctx, realm, user, a)
		if errors.Is(err, account.ErrNotFound) {
			return "", sip.ErrUnknownUser
		}
		return ha1, err
	})
}

func newServer(ctx context.Context, c serveConfig, log *slog.Logger, stdout io.Writer) (_ *server, err error) {
	s := &server{log: log, realm: c.Realm}
	defer func() {
		if err != nil {
			s.Close() // what started before the failure
		}
	}()
	if s.st, err = openStore(ctx, c.Data); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.st.Close)
	if err := s.demo(ctx, stdout); err != nil {
		return nil, err
	}

	if s.ua, err = sipgo.NewUA(sipgo.WithUserAgent("telekit")); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.ua.Close)
	if s.sip, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(log.With("component", "sipgo"))); err != nil {
		return nil, err
	}
	if s.guard, err = sip.NewGuard(sip.GuardConfig{Logger: log}); err != nil {
		return nil, err
	}
	if s.auth, err = sip.NewDigestAuth(sip.AuthConfig{
		// HA1s are cached for a minute (what brings registration CPU to
		// Kamailio's, BENCHMARKS.md): an extension added by `pbx ext add`
		// and a new SIP secret work at once (unknown users are never
		// cached; a digest that fails against the cached HA1 reads the
		// store again), but a deleted extension or a replaced secret,
		// changed by another process, keeps working for up to a minute.
		Realm: c.Realm, Credentials: sip.CacheCredentials(storeCredentials(s.st), time.Minute, nil), Guard: s.guard, Logger: log,
	}); err != nil {
		return nil, err
	}
	if s.reg, err = sip.NewRegistrar(sip.RegistrarConfig{
		Auth: s.auth, Logger: log,
		// A phone that registers gets its message lamp at once.
		OnChange: func(aor string, bs []sip.Binding) {
			if s.events != nil {
				s.events.BindingsChanged(aor, bs)
			}
		},
	}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.reg.Close)
	if s.client, err = sipgo.NewClient(s.ua); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.client.Close)
	if s.events, err = sip.NewNotifier(sip.NotifierConfig{
		Auth: s.auth, Sender: sip.ClientSender(s.client), Domain: c.Realm, Locator: s.reg, Logger: log,
	}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.events.Close)
	s.sip.OnRegister(s.reg.HandleRegister)
	s.sip.OnOptions(s.reg.HandleOptions)
	s.sip.OnSubscribe(s.events.HandleSubscribe)
	if err := s.startVoicemail(ctx, c); err != nil {
		return nil, err
	}
	// The B2BUA needs the address phones reach us at, so it starts once
	// the SIP socket is bound, before any request is read.

	if s.contacts, err = newContactBook(ctx, s.st, s.st, log); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.contacts.Close)
	s.floodLimit = c.FloodLimit
	if err := s.listenSIP(c.SIPAddr, func(port int) error {
		if err := s.startCalls(ctx, advertisedAddr(c.SIPAddr, port), c.RTPPorts); err != nil {
			return err
		}
		s.wireVoicemail()
		return nil
	}); err != nil {
		return nil, err
	}
	if c.TLSAddr != "" {
		if err := s.listenTLS(c.TLSAddr, c.CertFile, c.KeyFile); err != nil {
			return nil, err
		}
	}
	if err := s.startTrunks(ctx, c.TrunkPoll); err != nil {
		return nil, err
	}
	if s.portal, err = newPortal(s.st, s.reg, log); err != nil {
		return nil, err
	}
	s.portal.handleCallSettings(s.ch)
	s.portal.handleCallSystem(s.ch)
	s.contacts.mount(s.portal)
	s.portal.handleVoicemail(s.vm)
	s.portal.handleActiveCalls(s.calls.ActiveCalls, s.trunkCalls.callerOf, s.trunkCalls.calleeOf)
	ln, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("serve: -http %s: %w", c.HTTPAddr, err)
	}
	s.httpAddr = ln.Addr().String()
	s.http = &http.Server{Handler: s.portal, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	s.closers = append(s.closers, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return s.http.Shutdown(sctx)
	})
	return s, nil
}

// listenSIP listens on UDP and TCP at the same address; with port 0 it
// picks a port free for both.
func (s *server) listenSIP(addr string, beforeServe func(port int) error) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: -sip %q: %w", addr, err)
	}
	for try := 0; ; try++ {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
		if err != nil {
			return fmt.Errorf("serve: -sip %s (udp): %w", addr, err)
		}
		got := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(got)))
		if err != nil {
			pc.Close()
			if port == "0" && try < 20 {
				continue // the TCP side of this port is taken: pick another
			}
			return fmt.Errorf("serve: -sip %s (tcp): %w", addr, err)
		}
		shown := host
		if shown == "" || shown == "0.0.0.0" || shown == "::" {
			shown = "127.0.0.1"
		}
		s.sipAddr = net.JoinHostPort(shown, strconv.Itoa(got))
		if err := beforeServe(got); err != nil {
			pc.Close()
			ln.Close()
			return err
		}
		// Malformed datagrams and TCP messages that sipgo would drop
		// silently get a 400 (rate-limited) before they reach it; a TCP
		// connection whose framing is lost is answered and closed.
		guard, err := sip.NewParseGuard(sip.ParseGuardConfig{Logger: s.log, Exempt: s.isTrunkAddr, MaxPerSource: s.floodLimit})
		if err != nil {
			pc.Close()
			ln.Close()
			return err
		}
		for _, serveFn := range []func() error{
			func() error { return s.sip.ServeUDP(guard.PacketConn(pc)) },
			func() error { return s.sip.ServeTCP(guard.Listener(ln)) },
		} {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				if err := serveFn(); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "closed") {
					s.log.Error("sip server", "err", err)
				}
			}()
		}
		s.closers = append(s.closers, pc.Close, ln.Close)
		return nil
	}
}

// listenTLS serves SIP over TLS (TLS 1.2 or later) at addr.
func (s *server) listenTLS(addr, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("serve: -cert/-key: %w", err)
	}
	ln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return fmt.Errorf("serve: -sip-tls %s: %w", addr, err)
	}
	s.tlsAddr = ln.Addr().String()
	// The same parse guard as on TCP: framing by Content-Length, 400 for
	// malformed messages, a per-source limit.
	guard, err := sip.NewParseGuard(sip.ParseGuardConfig{Logger: s.log, Exempt: s.isTrunkAddr, MaxPerSource: s.floodLimit})
	if err != nil {
		ln.Close()
		return err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.sip.ServeTLS(guard.Listener(ln)); !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "closed") {
			s.log.Error("sip tls server", "err", err)
		}
	}()
	s.closers = append(s.closers, ln.Close)
	return nil
}

// startTrunks registers to every enabled trunk's provider and then
// watches the store, so that trunks added, changed or removed while the
// server runs take effect within one poll interval.
func (s *server) startTrunks(ctx context.Context, poll time.Duration) error {
	s.trunkWatch = &trunkWatch{regs: map[string]*trunkReg{}}
	wctx, cancel := context.WithCancel(context.Background())
	s.closers = append(s.closers, func() error {
		cancel()
		s.closeTrunks()
		return nil
	})
	if _, err := s.syncTrunks(ctx); err != nil {
		cancel()
		return err
	}
	if poll <= 0 {
		poll = 3 * time.Second
	}
	s.wg.Go(func() { s.watchTrunks(wctx, poll) })
	return nil
}

// demo creates demo extensions on an empty data directory and prints
// their credentials once.
func (s *server) demo(ctx context.Context, stdout io.Writer) error {
	users, err := s.st.ListUsers(ctx)
	if err != nil || len(users) > 0 {
		return err
	}
	fmt.Fprintln(stdout, "empty data directory: created demo extensions (shown once; the portal asks for a new password at first login):")
	for i, name := range []string{"Alice", "Bob", "Carol"} {
		e := newExtension{Number: strconv.Itoa(101 + i), Name: name, SIPSecret: randomSecret(12), Realm: s.realm}
		e.PIN = randomPIN(e.Number)
		if i == 0 {
			e.Access = account.AccessAdmin
		}
		if _, err := addExtension(ctx, s.st, e, time.Now()); err != nil {
			return fmt.Errorf("demo extension %s: %w", e.Number, err)
		}
		fmt.Fprintf(stdout, "  extension %s (%s): SIP user %s, password %s, voicemail PIN %s\n", e.Number, name, e.Number, e.SIPSecret, e.PIN)
	}
	return nil
}

// Close stops everything in the reverse order it started and waits.
func (s *server) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		for i := len(s.closers) - 1; i >= 0; i-- {
			if err := s.closers[i](); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		s.wg.Wait()
	})
	return errors.Join(errs...)
}
