package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/telekit/telekit/media"

	gosip "github.com/emiago/sipgo/sip"
)

// Router decides who to ring for a new call. It is the application's
// hook: examples/pbx asks its call rules. Route must not block for long
// and should honour ctx, which ends when the caller hangs up.
type Router interface {
	Route(ctx context.Context, c *Call) (Target, error)
}

// RouterFunc adapts a function to Router.
type RouterFunc func(ctx context.Context, c *Call) (Target, error)

// Route calls f.
func (f RouterFunc) Route(ctx context.Context, c *Call) (Target, error) { return f(ctx, c) }

// Target is one step of a call: ring these devices in parallel for
// RingFor, or, with App set, answer the call in the PBX and run App.
type Target struct {
	// Bindings are the devices to ring, all at once; the first to answer
	// wins and the others are cancelled.
	Bindings []Binding
	// RingFor is how long to ring before giving up with OutcomeNoAnswer;
	// zero means the B2BUA's Config.RingTimeout.
	RingFor time.Duration
	// Outbound, when set, makes this a call out through an upstream
	// provider (a trunk): the INVITEs present the trunk's identity and
	// answer the provider's digest challenges. Nil for calls to phones.
	Outbound *Outbound
	// FromDisplay, when set, is the caller's display name shown to the
	// phones this Target rings (e.g. the name the callee gave the caller's
	// number in their contacts); empty keeps the caller's own. Outbound
	// targets use Outbound.FromDisplay instead.
	FromDisplay string
	// App, when set, makes the PBX answer the call itself (200 OK with its
	// own SDP) and run App on the caller's media: voicemail, a feature-code
	// confirmation, an announcement, an auto attendant. Bindings, RingFor
	// and Outbound are then ignored. See AppLeg.
	App App
	// AppName names App in call events (CallEvent.App): "voicemail",
	// "announcement"…. Empty means "app".
	AppName string
	// Confirm, when set, asks whoever answers to accept the call before
	// the caller is connected ("press 1 to accept", see Confirmer). The
	// first device to answer is asked and the other bindings are
	// cancelled at once, so a Target with Confirm usually rings one
	// binding. If the callee does not accept, its leg gets a BYE and the
	// attempt ends OutcomeNoAnswer, for NextStep to go on.
	Confirm Confirmer
	// ConfirmFor is how long the answered callee has to accept; zero
	// means DefaultConfirmFor (10 s).
	ConfirmFor time.Duration
}

// empty reports whether t neither rings nor answers: a hook that returns
// it leaves the decision to DefaultNextStep.
func (t Target) empty() bool { return len(t.Bindings) == 0 && t.App == nil }

// Outcome is how a ring attempt ended.
type Outcome uint8

// The outcomes of a ring attempt.
const (
	OutcomeUnknown Outcome = iota
	// OutcomeAnswered: a device answered; the call is up.
	OutcomeAnswered
	// OutcomeBusy: a device answered 486 or 600 Busy.
	OutcomeBusy
	// OutcomeNoAnswer: nobody answered within RingFor.
	OutcomeNoAnswer
	// OutcomeUnavailable: no device to ring, or every one failed (no
	// response, 408, 480, 5xx).
	OutcomeUnavailable
	// OutcomeRejected: a device declined (603 or another 4xx–6xx).
	OutcomeRejected
	// OutcomeCancelled: the caller hung up while it rang.
	OutcomeCancelled
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case OutcomeAnswered:
		return "answered"
	case OutcomeBusy:
		return "busy"
	case OutcomeNoAnswer:
		return "no answer"
	case OutcomeUnavailable:
		return "unavailable"
	case OutcomeRejected:
		return "rejected"
	case OutcomeCancelled:
		return "cancelled"
	}
	return "unknown"
}

// outcomeOf classifies a final non-2xx status from a device.
func outcomeOf(status int) Outcome {
	switch {
	case status == 486 || status == 600:
		return OutcomeBusy
	case status == 408 || status == 480 || status >= 500 && status < 600:
		return OutcomeUnavailable
	case status >= 300:
		return OutcomeRejected
	}
	return OutcomeUnknown
}

// Attempt is a finished ring attempt that did not connect, given to the
// NextStep hook.
type Attempt struct {
	// Target is what was rung.
	Target Target
	// Outcome is how it ended.
	Outcome Outcome
	// Status is the final status that decided the outcome (486, 603…), 0
	// for a ring timeout or when nothing could be rung.
	Status int
}

// NextStep decides what happens after a ring attempt that did not
// connect: another Target to ring (forward, follow-me), or an error to
// answer the caller with (a *StatusError, or ErrBusy, ErrUnavailable…).
// Returning a nil error and a Target without bindings is the same as
// DefaultNextStep's answer.
type NextStep func(ctx context.Context, c *Call, a Attempt) (Target, error)

// DefaultNextStep answers the caller with what the attempt's outcome
// means: busy → 486, rejected → the device's status, no answer and
// unavailable → 480. A provider's 401/407 (its challenge could not be
// answered, or the answer was refused) becomes 403: the caller could not
// answer a challenge meant for the PBX.
func DefaultNextStep(_ context.Context, _ *Call, a Attempt) (Target, error) {
	switch a.Outcome {
	case OutcomeBusy:
		return Target{}, ErrBusy
	case OutcomeRejected:
		if a.Status == 401 || a.Status == 407 {
			return Target{}, ErrForbidden
		}
		if a.Status >= 400 && a.Status < 700 {
			return Target{}, &StatusError{Code: a.Status, Reason: "Declined"}
		}
	}
	return Target{}, ErrUnavailable
}

// StatusError is a routing decision that ends the call with a SIP status.
type StatusError struct {
	// Code is the SIP status, 300–699.
	Code int
	// Reason is the reason phrase sent with it.
	Reason string
}

// Error returns "sip: <code> <reason>".
func (e *StatusError) Error() string { return fmt.Sprintf("sip: %d %s", e.Code, e.Reason) }

// The common routing errors.
var (
	// ErrNotFound: no such extension (404).
	ErrNotFound = &StatusError{Code: 404, Reason: "Not Found"}
	// ErrUnavailable: the extension exists but no device can ring (480).
	ErrUnavailable = &StatusError{Code: 480, Reason: "Temporarily Unavailable"}
	// ErrBusy: the extension is busy (486).
	ErrBusy = &StatusError{Code: 486, Reason: "Busy Here"}
	// ErrForbidden: the caller may not make this call (403), e.g. an
	// outside call without the privilege, or a provider refusing the
	// trunk's credentials.
	ErrForbidden = &StatusError{Code: 403, Reason: "Forbidden"}
)

// statusOf maps a routing error to the status the caller gets: a
// *StatusError's own, 500 for anything else.
func statusOf(err error) (int, string) {
	var se *StatusError
	if errors.As(err, &se) && se.Code >= 300 && se.Code < 700 {
		return se.Code, se.Reason
	}
	return 500, "Server Internal Error"
}

// ExtensionRouter is a Router that rings every registered device of the
// dialled extension: 404 when exists says there is no such extension, 480
// when it has no device registered. now may be nil for time.Now.
func ExtensionRouter(loc Locator, exists func(ext string) bool, ringFor time.Duration, now func() time.Time) Router {
	if now == nil {
		now = time.Now
	}
	return RouterFunc(func(_ context.Context, c *Call) (Target, error) {
		if exists != nil && !exists(c.To) {
			return Target{}, ErrNotFound
		}
		bs := loc.Lookup(c.To, now())
		if len(bs) == 0 {
			return Target{}, ErrUnavailable
		}
		return Target{Bindings: bs, RingFor: ringFor}, nil
	})
}

// CallState is where a call is in its life, as CallEvent reports it.
type CallState uint8

// The call states.
const (
	CallStateUnknown CallState = iota
	// CallRinging: a ring attempt started.
	CallRinging
	// CallAnswered: a device answered and media flows through the PBX.
	CallAnswered
	// CallEnded: the call is over; Reason and Outcome say why.
	CallEnded
)

// String returns the state's name.
func (s CallState) String() string {
	switch s {
	case CallRinging:
		return "ringing"
	case CallAnswered:
		return "answered"
	case CallEnded:
		return "ended"
	}
	return "unknown"
}

// CallEvent reports a change of a call's state, for the call log and busy
// lamps.
type CallEvent struct {
	// CallID is the caller's Call-ID, the call's identity.
	CallID string
	// From is the caller (the authenticated user, else the From user), To
	// the dialled number.
	From, To string
	// State is the state the call entered.
	State CallState
	// Outcome is how the call ended (CallEnded only): answered calls end
	// OutcomeAnswered whoever hangs up.
	Outcome Outcome
	// Status is the final status sent to the caller (CallEnded of an
	// unanswered call), 0 otherwise.
	Status int
	// Reason says in words why the call ended: "caller hung up", "callee
	// hung up", "cancelled", "session expired", "no ACK", "shutdown"….
	Reason string
	// Device is the contact that answered or is ringing, when one did.
	Device string
	// App is the name (Target.AppName) of the PBX application that
	// answered the call, empty when a device answered. A call an
	// application hands on to a device reports CallAnswered again, with
	// Device set and App empty.
	App string
	// Started, Answered and Ended are when the INVITE arrived, when it was
	// answered (zero if never) and when it ended (zero until then).
	Started, Answered, Ended time.Time
}

// Call is a call through the B2BUA as the hooks see it. Its exported
// fields are set before Route is called and not changed after.
type Call struct {
	// ID is the caller's Call-ID.
	ID string
	// From is the caller: the user the Authenticator named, else the
	// From URI's user part.
	From string
	// To is the dialled number: the Request-URI's user part.
	To string
	// Invite is the caller's INVITE; hooks must not modify it.
	Invite *gosip.Request

	b      *B2BUA
	tx     gosip.ServerTransaction // the caller's INVITE
	ctx    context.Context         // ends when the caller cancels or the B2BUA closes
	cancel context.CancelFunc

	mu              sync.Mutex // guards everything below and the legs
	callerCancelled bool
	ended           bool
	answered        bool // the caller got our 200: BYE ends it, not a final response
	reinviting      bool
	se              time.Duration // session interval the caller refreshes, 0 for none
	sessTimer       *ownedTimer
	a, winner       *leg
	rtpA, rtpB      *net.UDPConn
	rtcpA, rtcpB    *net.UDPConn // RTP port + 1, for peers without rtcp-mux
	localA, localB  Local
	negA, negB      Negotiated
	answerA         *SessionDescription
	bridge          *media.Bridge
	ssrcA, ssrcB    uint32
	app             *AppLeg       // the application running on the caller's leg, if any
	confirm         *confirmation // the callee leg being asked to accept, if any
	early           *leg          // the ringing fork whose early media is bridged, if any
	// lateOffer: the caller's INVITE had no SDP, so negA is unknown until
	// the ACK to our 200 (which carries our offer, answerA) brings the
	// answer; offerAnswered is closed then.
	lateOffer     bool
	offerAnswered chan struct{}
	ev            CallEvent
}

// newCall sets up the caller's leg: its RTP socket and our answer to its
// offer, or, when offer is nil (a late-offer INVITE), what we will offer
// in our 200. It returns nil and the status to answer with when it cannot.
func (b *B2BUA) newCall(req *gosip.Request, tx gosip.ServerTransaction, caller string, offer *SessionDescription) (*Call, int) {
	c := &Call{ID: req.CallID().Value(), From: caller, To: req.Recipient.User, Invite: req, b: b, tx: tx}
	rtp, rtcp, err := b.listenRTP()
	if err != nil {
		b.log.Warn("sip: no RTP port for a call", "call", c.ID, "err", err)
		return nil, 503
	}
	c.rtpA, c.rtcpA = rtp, rtcp
	c.localA = Local{Addr: udpAddr(rtp, b.rtpIP), Origin: Origin{Username: "-", SessionID: rand.Uint64() >> 2, Version: 1},
		Codecs: b.codecs, EventPT: 101, Ptime: 20}
	if offer == nil {
		c.lateOffer, c.offerAnswered = true, make(chan struct{})
	} else if c.answerA, c.negA, err = c.localA.Answer(offer); err != nil {
		b.closeRTP(rtp, rtcp)
		b.log.Info("sip: caller's offer refused", "call", c.ID, "err", err)
		return nil, 488
	}
	ft, _ := req.From().Params.Get("tag")
	c.a = &leg{side: sideA, callID: c.ID, localTag: gosip.GenerateTagN(10), remoteTag: ft,
		localURI: req.To().Address, remoteURI: req.From().Address, remoteTarget: req.From().Address,
		dest: req.Source(), transport: strings.ToUpper(req.Transport()), inviteCSeq: req.CSeq().SeqNo}
	if ct := req.Contact(); ct != nil {
		c.a.remoteTarget = ct.Address
	}
	c.ctx, c.cancel = context.WithCancel(b.ctx)
	c.ssrcA, c.ssrcB = rand.Uint32()|1, rand.Uint32()|1
	c.ev = CallEvent{CallID: c.ID, From: c.From, To: c.To, Started: b.now()}
	b.mu.Lock()
	b.calls[c] = struct{}{}
	b.mu.Unlock()
	return c, 0
}

func udpAddr(c *net.UDPConn, ip netip.Addr) netip.AddrPort {
	return netip.AddrPortFrom(ip, c.LocalAddr().(*net.UDPAddr).AddrPort().Port())
}

// maxSteps bounds the ring attempts of one call, so a NextStep hook that
// forwards in a circle cannot ring forever.
const maxSteps = 16

// run rings targets until one answers or the hooks give up, in the
// caller's INVITE handler goroutine.
func (c *Call) run() {
	b := c.b
	target, err := b.router.Route(c.ctx, c)
	last := OutcomeUnknown
	var why Attempt // the last ring attempt that did not connect, for apps
	for step := 0; ; step++ {
		if c.ctx.Err() != nil {
			c.endUnanswered(487, "Request Terminated", OutcomeCancelled)
			return
		}
		if err != nil {
			code, reason := statusOf(err)
			o := last
			if o == OutcomeUnknown {
				o = outcomeOf(code)
			}
			c.endUnanswered(code, reason, o)
			return
		}
		if step >= maxSteps {
			err = ErrUnavailable
			continue
		}
		if target.App != nil {
			next, ok := c.runApp(target, why)
			if !ok {
				return
			}
			target, err = next, nil
			continue
		}
		att := c.attempt(target)
		switch att.Outcome {
		case OutcomeAnswered:
			return
		case OutcomeCancelled:
			continue // ends above
		}
		last, why = att.Outcome, att
		target, err = b.next(c.ctx, c, att)
		if err == nil && target.empty() {
			target, err = DefaultNextStep(c.ctx, c, att)
		}
	}
}

// endUnanswered ends a call that never connected: the caller gets code
// (unless it cancelled, and sipgo already sent 487), the sockets go.
func (c *Call) endUnanswered(code int, reason string, o Outcome) {
	b := c.b
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	if c.answered {
		// An application answered and handed the call on; the hand-over
		// failed, so the caller, already connected, gets a BYE.
		c.mu.Unlock()
		c.hangup("hand-over "+o.String(), nil)
		return
	}
	c.ended = true
	why := reason
	switch {
	case c.callerCancelled:
		code, o, why = 487, OutcomeCancelled, "cancelled"
	case c.ctx.Err() != nil:
		code, reason, why = 503, "Service Unavailable", "shutdown"
	}
	ev := c.ev
	c.mu.Unlock()
	// Release before answering, so that a caller who sees the final
	// response never finds the call still in the table.
	c.release()
	if !c.callerCancelled {
		b.respond(c.tx, b.response(c.Invite, code, reason, c.a.localTag, nil))
	}
	ev.State, ev.Outcome, ev.Status, ev.Reason, ev.Ended = CallEnded, o, code, why, b.now()
	b.emit(ev)
}

// release frees the call's sockets and table entries.
func (c *Call) release() {
	b := c.b
	c.mu.Lock()
	br := c.bridge
	c.bridge = nil
	app := c.app
	legs := []*leg{c.a, c.winner}
	c.mu.Unlock()
	if br != nil {
		br.Close()
	}
	if app != nil {
		app.s.Close()
	}
	c.mu.Lock()
	rtpA, rtcpA, rtpB, rtcpB := c.rtpA, c.rtcpA, c.rtpB, c.rtcpB
	c.mu.Unlock()
	b.closeRTP(rtpA, rtcpA)
	b.closeRTP(rtpB, rtcpB)
	b.mu.Lock()
	for _, l := range legs {
		if l != nil {
			delete(b.dialogs, l.key())
			delete(b.branches, l.branch)
		}
	}
	delete(b.calls, c)
	b.mu.Unlock()
	c.cancel()
}

// hangup ends the call: an answered call sends BYE on every leg but from
// (the one that hung up, nil for none) and stops its bridge; a ringing call
// is cancelled and its ring loop answers the caller.
func (c *Call) hangup(reason string, from *leg) {
	b := c.b
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	if !c.answered {
		c.mu.Unlock()
		c.cancel()
		return
	}
	c.ended = true
	for _, l := range []*leg{c.a, c.winner} {
		if l == nil { // answered by an application: no callee leg
			continue
		}
		l.stopRetransmit()
		if l != from {
			l.localCSeq++
			b.sendBye(l, l.localCSeq)
		}
	}
	if c.sessTimer != nil {
		c.sessTimer.Stop()
	}
	if c.winner != nil && c.winner.tx != nil {
		c.winner.tx.Terminate()
	}
	ev := c.ev
	c.mu.Unlock()
	c.release()
	ev.State, ev.Outcome, ev.Reason, ev.Ended = CallEnded, OutcomeAnswered, reason, b.now()
	b.emit(ev)
}

// armSessionTimer (re)starts the RFC 4028 timer: without a refresh from
// the caller, the call ends min(32 s, SE/3) before the interval is up
// (section 10). Called with c.mu held.
func (c *Call) armSessionTimer() {
	if c.se <= 0 {
		return
	}
	if c.sessTimer != nil {
		c.sessTimer.Stop()
	}
	d := c.se - min(32*time.Second, c.se/3)
	c.sessTimer = c.b.afterFunc(d, func() { c.hangup("session expired", nil) })
}

// sessionHeaders adds Session-Expires and Require to a 2xx for the caller.
func (c *Call) sessionHeaders(res *gosip.Response) {
	if c.se > 0 {
		res.AppendHeader(gosip.NewHeader("Session-Expires", fmt.Sprintf("%d;refresher=uac", int(c.se/time.Second))))
		res.AppendHeader(gosip.NewHeader("Require", "timer"))
	}
}

// startBridge starts relaying between the legs with what was negotiated,
// or, when the bridge runs, changes its legs in place (a re-INVITE), so
// that each phone's stream, latch and statistics go on. Called with c.mu
// held.
func (c *Call) startBridge() error {
	if c.bridge != nil {
		if err := c.bridge.Update(media.BridgeA, bridgeMedia(c.negA)); err != nil {
			return err
		}
		return c.bridge.Update(media.BridgeB, bridgeMedia(c.negB))
	}
	legOf := func(conn, rtcp *net.UDPConn, n Negotiated, l Local, ssrc uint32) media.BridgeLeg {
		m := bridgeMedia(n)
		return media.BridgeLeg{Conn: conn, Remote: m.Remote, Codec: m.Codec, EventPT: m.EventPT, Direction: m.Direction,
			SSRC: ssrc, Latch: c.b.latch, RTCPMux: n.RTCPMux && l.RTCPMux, RTCP: rtcp}
	}
	br, err := media.StartBridge(c.b.ctx, legOf(c.rtpA, c.rtcpA, c.negA, c.localA, c.ssrcA),
		legOf(c.rtpB, c.rtcpB, c.negB, c.localB, c.ssrcB), media.BridgeConfig{Logger: c.b.log, Now: c.b.now})
	if err != nil {
		return err
	}
	c.bridge = br
	return nil
}

// bridgeMedia is a leg's negotiation as the bridge takes it.
func bridgeMedia(n Negotiated) media.BridgeMedia {
	return media.BridgeMedia{Remote: n.Remote, Codec: n.Codec, EventPT: n.EventPT, Direction: n.Direction}
}

// BridgeStats returns the call's media statistics (A is the caller's
// leg), and false while no bridge runs: before the call is answered (or
// a ringing device sends early media) and after it ended.
func (c *Call) BridgeStats() (media.BridgeStats, bool) {
	c.mu.Lock()
	br := c.bridge
	c.mu.Unlock()
	if br == nil {
		return media.BridgeStats{}, false
	}
	return br.Stats(), true
}
