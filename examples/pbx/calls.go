package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/sip"
)

// ringFor is how long an extension's phones ring before the call is
// given up (until call handling decides voicemail or forwarding).
const ringFor = 30 * time.Second

// parsePortRange reads "LO-HI".
func parsePortRange(s string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		lo, err = strconv.Atoi(a)
		if err == nil {
			hi, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || lo < 1024 || hi > 65535 || hi-lo < 3 {
		return 0, 0, fmt.Errorf("-rtp-ports %q: want LO-HI, 1024 <= LO < HI <= 65535, at least 4 ports", s)
	}
	return lo, hi, nil
}

// advertisedAddr is the address phones reach the PBX at, for Via, Contact
// and SDP: the listening IP when it is a specific one, else the first
// non-loopback IPv4 address of the machine, else loopback.
func advertisedAddr(listen string, port int) netip.AddrPort {
	host, _, _ := net.SplitHostPort(listen)
	if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() {
		return netip.AddrPortFrom(a.Unmap(), uint16(port))
	}
	ifaces, _ := net.InterfaceAddrs()
	for _, ia := range ifaces {
		if pn, ok := ia.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(pn.IP); ok && a.Unmap().Is4() && !a.IsLoopback() && !a.IsLinkLocalUnicast() {
				return netip.AddrPortFrom(a.Unmap(), uint16(port))
			}
		}
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
}

// startCalls puts the B2BUA on the SIP server: calls between extensions,
// rung on every registered device, with media anchored in the PBX, written
// to the call log and shown on busy lamps.
func (s *server) startCalls(ctx context.Context, addr netip.AddrPort, rtpPorts string) error {
	lo, hi, err := parsePortRange(rtpPorts)
	if err != nil {
		return err
	}
	s.lamps = newLamps(s.events, s.log)
	s.calllog = newCallLogWriter(s.st, s.log)
	// One user row serves the call's routing and its record's names.
	users := s.calllog.users
	s.closers = append(s.closers, s.calllog.Close) // after the B2BUA's Close, which may log calls
	if err := s.loadInboundTrunks(ctx); err != nil {
		return err
	}
	if err := s.loadOutboundTrunks(ctx); err != nil {
		return err
	}
	if err := s.startCallHandling(ctx); err != nil {
		return err
	}
	b, err := sip.NewB2BUA(s.sip, sip.Config{
		Addr: addr,
		Router: s.ch.router(s.trunkCalls.router(s.reg, sip.RouterFunc(s.ch.routeInternal), ringFor,
			users.exists, s.mayCallOut)),
		Next:       s.ch.next,
		Auth:       s.trunkCalls.authenticator(s.auth),
		RTPPortMin: lo, RTPPortMax: hi,
		Logger: s.log,
	})
	if err != nil {
		return err
	}
	s.calls = b
	b.OnCallEvent(s.callEvent)
	s.closers = append(s.closers, b.Close)
	return nil
}

// loadInboundTrunks resolves every enabled trunk's address and DID map.
func (s *server) loadInboundTrunks(ctx context.Context) error {
	s.trunkCalls = &trunkCalls{callee: map[string]string{}}
	trunks, err := s.st.ListTrunks(ctx)
	if err != nil {
		return err
	}
	for _, t := range trunks {
		if !t.Enabled {
			continue
		}
		addr, err := resolveTrunk(ctx, t.Host)
		if err != nil || !addr.IsValid() {
			s.log.Warn("trunk: cannot resolve its host; its calls will not be recognised", "trunk", t.Name, "host", t.Host, "err", err)
			continue
		}
		dids, err := sip.NewDIDRouter(t.DIDs)
		if err != nil {
			return fmt.Errorf("trunk %s: %w", t.Name, err)
		}
		s.trunkCalls.trunks = append(s.trunkCalls.trunks, inboundTrunk{name: t.Name, addr: addr, dids: dids})
	}
	return nil
}

// callEvent records finished calls in the call log and keeps busy lamps
// current.
func (s *server) callEvent(ev sip.CallEvent) {
	s.ch.callEvent(ev)
	s.lamps.update(ev)
	if ev.State != sip.CallEnded {
		return
	}
	// The record is written by the call-log writer, not here: this runs
	// in the SIP handler of the BYE, which must not wait for the disk.
	s.calllog.add(s.callRecord(ev))
}

// callLogWriter writes call records from one goroutine, in arrival order,
// so that SIP handlers never wait for SQLite's fsync. It gathers the
// records that arrive within callLogLinger of the first (at most
// callLogBatch) and writes them in one transaction: on a busy server one
// commit, one fsync, serves many calls. A record is durable when its
// batch is written; errors are logged then. Close writes what is queued
// and then returns.
type callLogWriter struct {
	st  callLogStore
	log *slog.Logger
	// users gives the names records carry (and routing its existence
	// checks): read once per userCacheTTL, not three times per call.
	users  *userCache
	linger time.Duration
	q      chan calllog.Record
	done   chan struct{}

	// mu guards closed: a SIP handler still running when the server
	// shuts down (sipgo's, which the B2BUA's Close does not wait for) may
	// report a call after Close.
	mu     sync.RWMutex
	closed bool
}

// callLogStore is what the writer needs of the store.
type callLogStore interface {
	GetUser(ctx context.Context, ext string) (account.User, error)
	// AddRecords stores rs in one transaction; a record that cannot be
	// stored is left out and named in the error.
	AddRecords(context.Context, []calllog.Record) error
}

const (
	// callLogLinger is how long the writer waits after a record for
	// more to share its commit. A record's fsync costs ~300 µs of CPU
	// (store's BenchmarkAddRecord); at 200 calls/s a 50-ms wait shares
	// it among ~10 calls, and the record is in the history 50 ms later.
	callLogLinger = 50 * time.Millisecond
	// callLogBatch bounds the records of one transaction.
	callLogBatch = 128
)

func newCallLogWriter(st callLogStore, log *slog.Logger) *callLogWriter {
	return newCallLogWriterLinger(st, log, callLogLinger)
}

// newCallLogWriterLinger is newCallLogWriter waiting linger for a batch.
func newCallLogWriterLinger(st callLogStore, log *slog.Logger, linger time.Duration) *callLogWriter {
	w := &callLogWriter{st: st, log: log, linger: linger, users: newUserCache(st.GetUser, userCacheTTL, time.Now),
		q: make(chan calllog.Record, 1024), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *callLogWriter) run() {
	defer close(w.done)
	batch := make([]calllog.Record, 0, callLogBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for r := range w.q {
		batch = append(batch[:0], r)
		linger.Reset(w.linger)
	gather:
		for len(batch) < callLogBatch {
			select {
			case r, ok := <-w.q:
				if !ok {
					break gather // closed: write what we have
				}
				batch = append(batch, r)
			case <-linger.C:
				break gather
			}
		}
		linger.Stop()
		if err := w.st.AddRecords(context.Background(), batch); err != nil {
			w.log.Error("call log", "records", len(batch), "err", err)
		}
		clear(batch) // let the records go
	}
}

// add queues r; when the queue is full (the disk is far behind) it waits
// rather than lose the record.
func (w *callLogWriter) add(r calllog.Record) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.log.Warn("call log: record after shutdown not written", "call", r.ID)
		return
	}
	w.q <- r
}

// Close writes the queued records and stops; a record added after is
// dropped with a warning.
func (w *callLogWriter) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.q)
	}
	w.mu.Unlock()
	<-w.done
	return nil
}

// callRecord turns a finished call into its call-log record.
func (s *server) callRecord(ev sip.CallEvent) calllog.Record {
	name := func(ext string) string { return s.calllog.users.name(context.Background(), ext) }
	callee, to := ev.To, ev.To
	direction := calllog.Internal
	route := ""
	if ext, ok := s.trunkCalls.takeCallee(ev.CallID); ok {
		callee, direction = ext, calllog.Incoming
		route = fmt.Sprintf("DID %s routed to extension %s", ev.To, ext)
	}
	if oc, ok := s.trunkCalls.takeOutbound(ev.CallID); ok {
		callee, to, direction = oc.number, oc.number, calllog.Outgoing
		route = fmt.Sprintf("%s sent out through trunk %s as %s", ev.To, oc.trunk, oc.number)
	}
	r := calllog.Record{
		ID:   calllog.NewID(ev.Started),
		From: ev.From, FromName: name(ev.From),
		To: to, ToName: name(callee),
		Start: ev.Started, Answer: ev.Answered, End: ev.Ended,
		Direction: direction,
		Type:      calllog.Voice,
	}
	if r.End.IsZero() {
		r.End = time.Now()
	}
	switch ev.Outcome {
	case sip.OutcomeAnswered:
		r.Disposition = calllog.Answered
	case sip.OutcomeBusy:
		r.Disposition = calllog.Busy
	case sip.OutcomeNoAnswer:
		r.Disposition = calllog.NoAnswer
	case sip.OutcomeRejected:
		r.Disposition = calllog.Rejected
	case sip.OutcomeCancelled:
		r.Disposition = calllog.Cancelled
	default:
		r.Disposition = calllog.Failed
	}
	if ev.App == "voicemail" { // answered by the deposit
		r.Disposition = calllog.Voicemail
	}
	operator, transferred := s.vm.takeTransfer(ev.CallID) // the deposit handed the caller on
	if transferred {
		r.Disposition = calllog.Transferred
	}
	for _, p := range []struct {
		ext  string
		role calllog.Role
	}{{ev.From, calllog.Caller}, {callee, calllog.Callee}} {
		if r.FromName != "" && p.role == calllog.Caller || r.ToName != "" && p.role == calllog.Callee {
			r.Parties = append(r.Parties, calllog.Party{Extension: p.ext, Role: p.role})
		}
	}
	if transferred && operator != callee && operator != ev.From {
		r.Parties = append(r.Parties, calllog.Party{Extension: operator, Role: calllog.Callee})
	}
	s.contacts.nameRecord(&r, callee) // after Parties: a contact's name never makes its number a party
	r.Events = append(r.Events, calllog.Event{At: ev.Started, Kind: "call", Detail: fmt.Sprintf("%s dialled %s", ev.From, ev.To)})
	if route != "" {
		r.Events = append(r.Events, calllog.Event{At: ev.Started, Kind: "route", Detail: route})
	}
	if !ev.Answered.IsZero() {
		r.Events = append(r.Events, calllog.Event{At: ev.Answered, Kind: "answered", Detail: "answered on " + ev.Device})
	}
	r.Events = append(r.Events, s.ch.takeFlow(ev.CallID)...)
	detail := ev.Reason
	if ev.Status != 0 {
		detail = fmt.Sprintf("%s (%d)", ev.Reason, ev.Status)
	}
	r.Events = append(r.Events, calllog.Event{At: r.End, Kind: "ended", Detail: detail})
	return r
}

// lamps shows each extension's calls on busy lamps (dialog
// subscriptions). The Notifier keeps the state: each call event changes
// one dialog of each side, which costs a map update when nobody watches.
type lamps struct {
	events *sip.Notifier
	log    *slog.Logger
}

func newLamps(events *sip.Notifier, log *slog.Logger) *lamps {
	return &lamps{events: events, log: log}
}

func (l *lamps) update(ev sip.CallEvent) {
	phase := sip.DialogEarly
	switch ev.State {
	case sip.CallAnswered:
		phase = sip.DialogConfirmed
	case sip.CallEnded:
		phase = sip.DialogTerminated
	}
	for _, side := range [2]struct {
		ext, remote string
		dir         sip.DialogDirection
	}{{ev.From, ev.To, sip.Initiator}, {ev.To, ev.From, sip.Recipient}} {
		d := sip.DialogState{ID: ev.CallID, CallID: ev.CallID, Direction: side.dir, Phase: phase}
		if phase != sip.DialogTerminated {
			d.Remote = sip.Identity{URI: "sip:" + side.remote}
		}
		if err := l.events.UpdateDialog(side.ext, d); err != nil {
			l.log.Debug("busy lamp", "ext", side.ext, "err", err)
		}
	}
}
