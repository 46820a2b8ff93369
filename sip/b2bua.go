package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// Timers are the RFC 3261 timers the call layer runs itself (sipgo's are
// package globals, which this package never sets). The zero value means
// the RFC defaults.
type Timers struct {
	// T1 is the round-trip estimate: the first 2xx retransmission
	// interval; 64×T1 is when an unacknowledged 2xx gives up. Zero means
	// 500 ms.
	T1 time.Duration
	// T2 caps the 2xx retransmission interval. Zero means 4 s.
	T2 time.Duration
}

// Config holds a B2BUA's settings. Addr and Router are required; the zero
// value of every other field is a sensible default.
type Config struct {
	// Addr is the UDP address the sipgo server listens on and phones reach
	// us at: it goes into Via and Contact, and requests to phones leave
	// from that socket.
	Addr netip.AddrPort
	// Router decides who to ring for each new call.
	Router Router
	// Next decides what happens after a ring attempt that did not
	// connect; nil means DefaultNextStep.
	Next NextStep
	// Auth authenticates callers; nil accepts every INVITE and takes the
	// From user as the caller (for tests and trusted networks only).
	Auth Authenticator
	// RTPAddr is the IP the RTP sockets bind to and the SDP names; the
	// zero value means Addr's IP.
	RTPAddr netip.Addr
	// RTPPortMin and RTPPortMax bound the RTP ports (inclusive): RTP on
	// an even port, RTCP on the odd one above it. Both zero lets the
	// system pick.
	RTPPortMin, RTPPortMax int
	// Latch configures symmetric-RTP latching on both legs.
	Latch media.LatchConfig
	// Codecs are the codecs accepted, in our order of preference; nil
	// means PCMU then PCMA.
	Codecs []media.Codec
	// RingTimeout is how long a Target rings when it names no RingFor;
	// zero means 60 s.
	RingTimeout time.Duration
	// Timers are the retransmission timers; zero values mean RFC 3261's.
	Timers Timers
	// MinSE is the smallest session interval (RFC 4028) accepted; a
	// smaller Session-Expires gets 422. Zero means 90 s.
	MinSE time.Duration
	// Logger receives call-level events; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// B2BUA connects calls between phones as a back-to-back user agent with
// the media anchored in a media.Bridge. It installs INVITE, ACK, BYE and
// CANCEL handlers on a sipgo server and places the outgoing legs with a
// sipgo client of the same user agent. Safe for concurrent use; Close ends
// every call and waits for its goroutines.
type B2BUA struct {
	srv    *sipgo.Server
	cli    *sipgo.Client
	addr   netip.AddrPort
	laddr  gosip.Addr
	router Router
	next   NextStep
	auth   Authenticator
	rtpIP  netip.Addr
	pmin   int
	pmax   int
	latch  media.LatchConfig
	codecs []media.Codec
	ring   time.Duration
	timers Timers
	minSE  time.Duration
	log    *slog.Logger
	now    func() time.Time

	ctx     context.Context // ends at Close: stops ringing and bridges
	cancel  context.CancelFunc
	byeCtx  context.Context // ends at Close after the BYEs went out
	byeStop context.CancelFunc
	wg      sync.WaitGroup
	// evMu is held for reading while an event is delivered and for
	// writing when Close sets quiet: no event reaches the application
	// after Close returns.
	evMu  sync.RWMutex
	quiet bool

	mu       sync.Mutex
	closed   bool
	dialogs  map[string]dialogRef // by leg.key()
	calls    map[*Call]struct{}
	branches map[string]struct{} // Via branches of our ringing INVITEs
	nextPort int
	// held are the even ports of the RTP range that calls hold (RTP
	// there, RTCP on the port above), so the search skips them without
	// a failing bind(2) each: near a full range that sweep was the cost.
	held    map[int]struct{}
	onEvent func(CallEvent)
}

type dialogRef struct {
	c *Call
	l *leg
}

// NewB2BUA returns a B2BUA serving calls on srv. It sets srv's INVITE,
// ACK, BYE and CANCEL handlers; the registrar's REGISTER and the other
// methods stay the application's.
func NewB2BUA(srv *sipgo.Server, cfg Config) (*B2BUA, error) {
	if srv == nil || cfg.Router == nil {
		return nil, errors.New("sip: NewB2BUA: server and Config.Router are required")
	}
	if !cfg.Addr.IsValid() || cfg.Addr.Port() == 0 {
		return nil, fmt.Errorf("sip: NewB2BUA: Config.Addr %v is not a host:port", cfg.Addr)
	}
	if cfg.RTPPortMin < 0 || cfg.RTPPortMax > 65535 || cfg.RTPPortMin > cfg.RTPPortMax || (cfg.RTPPortMin == 0) != (cfg.RTPPortMax == 0) {
		return nil, fmt.Errorf("sip: NewB2BUA: bad RTP port range %d-%d", cfg.RTPPortMin, cfg.RTPPortMax)
	}
	for _, c := range cfg.Codecs {
		if c != media.CodecPCMU && c != media.CodecPCMA {
			return nil, fmt.Errorf("sip: NewB2BUA: unsupported codec %v", c)
		}
	}
	cli, err := sipgo.NewClient(srv.UserAgent, sipgo.WithClientAddr(cfg.Addr.String()))
	if err != nil {
		return nil, fmt.Errorf("sip: NewB2BUA: %w", err)
	}
	b := &B2BUA{srv: srv, cli: cli, addr: cfg.Addr, router: cfg.Router, next: cfg.Next, auth: cfg.Auth,
		rtpIP: cfg.RTPAddr, pmin: cfg.RTPPortMin, pmax: cfg.RTPPortMax, latch: cfg.Latch, codecs: cfg.Codecs,
		ring: cfg.RingTimeout, timers: cfg.Timers, minSE: cfg.MinSE, log: cfg.Logger, now: cfg.Now,
		dialogs: map[string]dialogRef{}, calls: map[*Call]struct{}{}, branches: map[string]struct{}{}}
	b.laddr = gosip.Addr{IP: net.IP(cfg.Addr.Addr().AsSlice()), Port: int(cfg.Addr.Port())}
	if b.next == nil {
		b.next = DefaultNextStep
	}
	if !b.rtpIP.IsValid() {
		b.rtpIP = cfg.Addr.Addr()
	}
	if b.codecs == nil {
		b.codecs = []media.Codec{media.CodecPCMU, media.CodecPCMA}
	}
	if b.ring <= 0 {
		b.ring = 60 * time.Second
	}
	if b.timers.T1 <= 0 {
		b.timers.T1 = 500 * time.Millisecond
	}
	if b.timers.T2 <= 0 {
		b.timers.T2 = 4 * time.Second
	}
	if b.minSE <= 0 {
		b.minSE = 90 * time.Second
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.now == nil {
		b.now = time.Now
	}
	b.nextPort = b.pmin
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.byeCtx, b.byeStop = context.WithCancel(context.Background())
	srv.OnInvite(b.onInvite)
	srv.OnAck(b.onAck)
	srv.OnBye(b.onBye)
	srv.OnCancel(b.onCancel)
	return b, nil
}

// OnCallEvent sets the function told of every call's state changes
// (ringing, answered, ended). It is called from the B2BUA's goroutines,
// one event of a call at a time, and must not block.
func (b *B2BUA) OnCallEvent(f func(CallEvent)) {
	b.mu.Lock()
	b.onEvent = f
	b.mu.Unlock()
}

// Calls returns the number of calls in progress, ringing or answered.
func (b *B2BUA) Calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// Close ends every call: ringing ones get 503 and their devices a CANCEL,
// answered ones a BYE on both legs (sent once, not waited for). It waits
// for the B2BUA's goroutines and timers and for the SIP handlers it
// installed that are still running (a Router sees its context end), and
// is safe to call more than once. After it returns no CallEvent is
// delivered; requests then get 503 and ACKs are dropped. It must not be
// called from the OnCallEvent function or a Router.
func (b *B2BUA) Close() error {
	b.mu.Lock()
	b.closed = true
	calls := make([]*Call, 0, len(b.calls))
	for c := range b.calls {
		calls = append(calls, c)
	}
	b.mu.Unlock()
	b.cancel()
	for _, c := range calls {
		c.hangup("shutdown", nil)
	}
	b.byeStop()
	b.wg.Wait()
	b.evMu.Lock()
	b.quiet = true
	b.evMu.Unlock()
	return nil
}

// track counts a goroutine or SIP handler the B2BUA owns, unless it is
// closed; a true result must be paired with b.wg.Done.
func (b *B2BUA) track() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

// ownedTimer is a time.AfterFunc that Close waits for.
type ownedTimer struct {
	t *time.Timer
	b *B2BUA
}

func (b *B2BUA) afterFunc(d time.Duration, f func()) *ownedTimer {
	b.wg.Add(1)
	return &ownedTimer{b: b, t: time.AfterFunc(d, func() { defer b.wg.Done(); f() })}
}

// Stop stops the timer; a callback already running is not waited for here.
func (o *ownedTimer) Stop() {
	if o.t.Stop() {
		o.b.wg.Done()
	}
}

func (b *B2BUA) emit(e CallEvent) {
	b.evMu.RLock()
	defer b.evMu.RUnlock()
	if b.quiet {
		return
	}
	b.mu.Lock()
	f := b.onEvent
	b.mu.Unlock()
	if f != nil {
		f(e)
	}
}

// listenRTP binds an RTP socket on an even port of the configured range
// and the RTCP socket on the port above it (RFC 3550 section 11), where
// phones that do not multiplex send their reports.
func (b *B2BUA) listenRTP() (rtp, rtcp *net.UDPConn, err error) {
	bind := func(p int) (*net.UDPConn, error) {
		return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(b.rtpIP, uint16(p))))
	}
	if b.pmin == 0 {
		for range 64 { // half the system's ports are even; the next one is usually free
			c, err := bind(0)
			if err != nil {
				return nil, nil, err
			}
			if p := c.LocalAddr().(*net.UDPAddr).Port; p%2 == 0 {
				if r, err := bind(p + 1); err == nil {
					return c, r, nil
				}
			}
			c.Close()
		}
		return nil, nil, errors.New("sip: no free RTP/RTCP port pair")
	}
	lo := b.pmin + b.pmin%2
	for range (b.pmax-1-lo)/2 + 1 { // pairs p, p+1 with p+1 ≤ pmax
		b.mu.Lock()
		p := b.nextPort + b.nextPort%2
		if p < lo || p+1 > b.pmax {
			p = lo
		}
		b.nextPort = p + 2
		_, held := b.held[p]
		b.mu.Unlock()
		if held {
			continue
		}
		c, err := bind(p)
		if err != nil {
			continue
		}
		r, err := bind(p + 1)
		if err != nil {
			c.Close()
			continue
		}
		b.mu.Lock()
		if b.held == nil {
			b.held = map[int]struct{}{}
		}
		b.held[p] = struct{}{}
		b.mu.Unlock()
		return c, r, nil
	}
	return nil, nil, fmt.Errorf("sip: no free RTP/RTCP port pair in %d-%d", b.pmin, b.pmax)
}

// closeRTP closes a call leg's RTP and RTCP sockets (either may be nil)
// and gives their ports back to the range.
func (b *B2BUA) closeRTP(rtp, rtcp *net.UDPConn) {
	if rtcp != nil {
		rtcp.Close()
	}
	if rtp == nil {
		return
	}
	p := rtp.LocalAddr().(*net.UDPAddr).Port
	rtp.Close()
	b.mu.Lock()
	delete(b.held, p)
	b.mu.Unlock()
}

// respond answers tx, logging a failure (the peer will retransmit).
func (b *B2BUA) respond(tx gosip.ServerTransaction, res *gosip.Response) {
	if err := tx.Respond(res); err != nil {
		b.log.Debug("sip: respond", "status", res.StatusCode, "err", err)
	}
}

func (b *B2BUA) reply(req *gosip.Request, tx gosip.ServerTransaction, code int, reason string) {
	b.respond(tx, b.response(req, code, reason, gosip.GenerateTagN(10), nil))
}

func (b *B2BUA) dialog(req *gosip.Request) (dialogRef, bool) {
	cid, to := req.CallID(), req.To()
	if cid == nil || to == nil {
		return dialogRef{}, false
	}
	tag, _ := to.Params.Get("tag")
	b.mu.Lock()
	d, ok := b.dialogs[cid.Value()+"\x00"+tag]
	b.mu.Unlock()
	if !ok {
		return d, false
	}
	// The dialog is both tags (RFC 3261 section 12): the peer's must match.
	ftag := ""
	if f := req.From(); f != nil {
		ftag, _ = f.Params.Get("tag")
	}
	d.c.mu.Lock()
	match := d.l.remoteTag == "" || d.l.remoteTag == ftag
	d.c.mu.Unlock()
	return d, match
}

// ownBranch reports whether one of req's Via headers carries a branch of
// an INVITE we sent and is still ringing or up: the request looped back.
func (b *B2BUA) ownBranch(req *gosip.Request) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, h := range req.GetHeaders("Via") {
		if v, ok := h.(*gosip.ViaHeader); ok {
			if br, ok := v.Params.Get("branch"); ok {
				if _, mine := b.branches[br]; mine {
					return true
				}
			}
		}
	}
	return false
}

// wellFormed answers 400 to a request sipgo parsed but that lacks what a
// dialog needs (sipgo itself only refuses a missing Via or CSeq), and
// reports whether it may be handled.
func (b *B2BUA) wellFormed(req *gosip.Request, tx gosip.ServerTransaction) bool {
	cs := req.CSeq()
	if req.From() != nil && req.To() != nil && req.CallID() != nil && cs != nil &&
		(cs.MethodName == req.Method || req.IsAck() && cs.MethodName == gosip.ACK) {
		return true
	}
	if !req.IsAck() {
		b.respond(tx, gosip.NewResponseFromRequest(req, 400, "Bad Request", nil))
	}
	return false
}

func (b *B2BUA) onInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if !b.wellFormed(req, tx) {
		return
	}
	if !b.track() {
		b.reply(req, tx, 503, "Service Unavailable")
		return
	}
	defer b.wg.Done()
	if tag, _ := req.To().Params.Get("tag"); tag != "" {
		b.onReInvite(req, tx)
		return
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 {
		b.reply(req, tx, 483, "Too Many Hops")
		return
	}
	if b.ownBranch(req) {
		b.reply(req, tx, 482, "Loop Detected")
		return
	}
	caller := req.From().Address.User
	if b.auth != nil {
		u, ok := b.auth.Authenticate(req, tx)
		if !ok {
			return
		}
		caller = u
	}
	se, refresher, _, err := sessionExpires(req)
	if err != nil {
		b.reply(req, tx, 400, "Bad Request")
		return
	}
	if se > 0 && se < b.minSE {
		res := b.response(req, 422, "Session Interval Too Small", gosip.GenerateTagN(10), nil)
		res.AppendHeader(gosip.NewHeader("Min-SE", fmt.Sprint(int(b.minSE/time.Second))))
		b.respond(tx, res)
		return
	}
	// An INVITE without a body is a late offer (RFC 3261 section
	// 13.2.1): we offer in our 200 and the ACK answers (lateoffer.go).
	var offer *SessionDescription
	if len(req.Body()) > 0 {
		if offer, err = ParseSDP(req.Body()); err != nil {
			b.reply(req, tx, 400, "Bad Request")
			return
		}
	}
	c, code := b.newCall(req, tx, caller, offer)
	if c == nil {
		reason := "Not Acceptable Here"
		if code == 503 {
			reason = "Service Unavailable"
		}
		b.reply(req, tx, code, reason)
		return
	}
	if se > 0 && hasOption(req, "Supported", "timer") {
		c.se = se
		_ = refresher // we always let the caller refresh (RFC 4028 section 9)
	}
	b.respond(tx, b.response(req, 100, "Trying", "", nil))
	tx.OnCancel(func(*gosip.Request) {
		c.mu.Lock()
		c.callerCancelled = true
		c.mu.Unlock()
		c.cancel()
	})
	c.run()
}

func hasOption(req *gosip.Request, header, opt string) bool {
	for _, h := range req.GetHeaders(header) {
		for _, o := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(o), opt) {
				return true
			}
		}
	}
	return false
}

func (b *B2BUA) onAck(req *gosip.Request, tx gosip.ServerTransaction) {
	if !b.wellFormed(req, tx) || !b.track() {
		return
	}
	defer b.wg.Done()
	d, ok := b.dialog(req)
	if !ok {
		return // an ACK has no response; a stray one is dropped
	}
	cs := req.CSeq()
	if cs != nil {
		d.c.acked(d.l, cs.SeqNo, req)
	}
}

func (b *B2BUA) onBye(req *gosip.Request, tx gosip.ServerTransaction) {
	if !b.wellFormed(req, tx) {
		return
	}
	if !b.track() {
		b.reply(req, tx, 503, "Service Unavailable")
		return
	}
	defer b.wg.Done()
	d, ok := b.dialog(req)
	if !ok {
		b.reply(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	b.respond(tx, b.response(req, 200, "OK", "", nil))
	if d.l.side == sideB && d.c.calleeLeft(d.l) {
		return // a callee asked to accept hung up: the call goes on
	}
	reason := "caller hung up"
	if d.l.side == sideB {
		reason = "callee hung up"
	}
	d.c.hangup(reason, d.l)
}

// onCancel sees only the CANCELs sipgo matched to no INVITE transaction.
func (b *B2BUA) onCancel(req *gosip.Request, tx gosip.ServerTransaction) {
	if !b.wellFormed(req, tx) {
		return
	}
	if !b.track() {
		b.reply(req, tx, 503, "Service Unavailable")
		return
	}
	defer b.wg.Done()
	b.reply(req, tx, 481, "Call/Transaction Does Not Exist")
}

// sendBye ends leg l with a BYE, in a goroutine the B2BUA owns.
func (b *B2BUA) sendBye(l *leg, cseq uint32) {
	req := b.request(l, gosip.BYE, cseq, nil)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.do(req)
	}()
}

// do sends a request in a client transaction and waits for its final
// response, or until the B2BUA closes.
func (b *B2BUA) do(req *gosip.Request) (*gosip.Response, error) {
	ctx, cancel := context.WithTimeout(b.byeCtx, 64*b.timers.T1)
	defer cancel()
	return b.cli.Do(ctx, req, noBuild)
}

var _ Router = RouterFunc(nil)

// noBuild keeps sipgo's client from adding headers: ours are complete.
func noBuild(*sipgo.Client, *gosip.Request) error { return nil }
