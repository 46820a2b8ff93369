package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// Confirmer asks the person who answered a ring attempt whether they take
// the call, before the caller is connected: follow-me's "press 1 to
// accept" on an outside number, so that a mobile's voicemail or a
// colleague who picked up by chance does not swallow the call. A Target
// with Confirm set makes the B2BUA acknowledge the answering device's
// 200, open media towards it and call Confirm on that callee leg, while
// the caller keeps hearing ringing.
type Confirmer interface {
	// Confirm runs on the answered callee's leg and reports whether the
	// callee accepts the call. leg.Play and leg.Digits talk to the callee
	// (not the caller); leg.Hangup declines. ctx ends when the callee
	// hangs up, Target.ConfirmFor passes, the caller hangs up or the B2BUA
	// closes; Confirm must then return promptly (its answer is ignored)
	// and leave no goroutine using leg. It runs in the caller's INVITE
	// goroutine.
	Confirm(ctx context.Context, leg *AppLeg) bool
}

// ConfirmFunc adapts a function to Confirmer.
type ConfirmFunc func(ctx context.Context, leg *AppLeg) bool

// Confirm calls f.
func (f ConfirmFunc) Confirm(ctx context.Context, leg *AppLeg) bool { return f(ctx, leg) }

// DefaultConfirmFor is how long an answered callee has to accept when
// Target.ConfirmFor is zero.
const DefaultConfirmFor = 10 * time.Second

// confirmation is a callee leg being asked to accept; Call.confirm points
// to it while the Confirmer runs and until the call connects, so that the
// callee's BYE ends only the confirmation.
type confirmation struct {
	l      *leg
	hungUp bool // the callee sent BYE
	cancel context.CancelFunc
}

// errCalleeLeft: the callee hung up before its accepted leg was bridged.
var errCalleeLeft = errors.New("sip: callee hung up before the call was connected")

// calleeLeft tells a confirmation in progress that its callee leg l sent
// BYE, and reports whether l was such a leg (the call itself goes on).
func (c *Call) calleeLeft(l *leg) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cf := c.confirm
	if cf == nil || cf.l != l {
		return false
	}
	cf.hungUp = true
	cf.cancel()
	return true
}

// confirming reports whether l is a callee leg being asked to accept.
// Called with c.mu held.
func (c *Call) confirming(l *leg) bool { return c.confirm != nil && c.confirm.l == l }

// confirmAnswer asks the callee on fork l, which answered res, to accept
// the call with t.Confirm. It returns the callee's negotiation when the
// callee accepted (the call is then connected by connectAnswered, which
// ends the confirmation), else the outcome that ends the attempt: no
// answer when the callee declined, hung up or let ConfirmFor pass,
// cancelled when the caller left, rejected when the answer was unusable.
// The callee's leg is hung up in every case but acceptance.
func (c *Call) confirmAnswer(t Target, l *leg, res *gosip.Response) (Negotiated, Outcome, error) {
	b := c.b
	negB, err := c.ackAnswer(l, res)
	if err != nil {
		c.byeCallee(l)
		return Negotiated{}, OutcomeRejected, err
	}
	confirmFor := t.ConfirmFor
	if confirmFor <= 0 {
		confirmFor = DefaultConfirmFor
	}
	ctx, cancel := context.WithTimeout(c.ctx, confirmFor)
	defer cancel()
	cf := &confirmation{l: l, cancel: cancel}
	c.mu.Lock()
	if c.ctx.Err() != nil || c.ended {
		c.mu.Unlock()
		c.byeCallee(l)
		return Negotiated{}, OutcomeCancelled, errCallGone
	}
	c.confirm = cf
	conn, port := c.rtpB, c.rtpB.LocalAddr().(*net.UDPAddr).AddrPort()
	b.mu.Lock()
	b.dialogs[l.key()] = dialogRef{c, l}
	b.mu.Unlock()
	c.mu.Unlock()

	ok := false
	// Its own SSRC: the bridge that may follow is another stream.
	s, err := media.NewSession(conn, media.SessionConfig{Remote: negB.Remote, Codec: negB.Codec, EventPayloadType: negB.EventPT,
		SSRC: rand.Uint32() | 1, Latch: b.latch, NoRTCP: true, Logger: b.log, Clock: b.now})
	if err != nil {
		b.log.Warn("sip: confirm: media session", "call", c.ID, "err", err)
	} else {
		done := make(chan struct{})
		leg := &AppLeg{Call: c, Name: "confirm", s: s, c: c, digits: make(chan byte, appDigitBuffer),
			src: newPacketSource(done), done: done, player: media.NewPlayer(s, media.PlayerConfig{}), hangup: cancel}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			leg.receive()
		}()
		ok = t.Confirm.Confirm(ctx, leg)
		if ctx.Err() != nil {
			ok = false // too late, or the callee hung up
		}
		s.Close()
		<-leg.done
	}

	// The session closed the callee's socket: bind the same port again
	// for the bridge (the callee's SDP points at it), or, if the leg is
	// declined, leave the next attempt to take a fresh one.
	var nc *net.UDPConn
	if ok {
		if nc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(port)); err != nil {
			b.log.Warn("sip: confirm: rebind RTP port for the bridge", "call", c.ID, "port", port, "err", err)
			ok = false
		}
	}
	c.mu.Lock()
	if ok && !cf.hungUp && c.ctx.Err() == nil && !c.ended {
		c.rtpB = nc
		c.mu.Unlock()
		return negB, OutcomeAnswered, nil // connectAnswered ends the confirmation
	}
	if nc != nil {
		nc.Close()
	}
	c.confirm = nil
	if c.rtpB == conn {
		c.rtpB = nil
	}
	rtcp := c.rtcpB
	c.rtcpB = nil
	hungUp := cf.hungUp
	b.mu.Lock()
	delete(b.dialogs, l.key())
	delete(b.held, int(port.Port()))
	b.mu.Unlock()
	c.mu.Unlock()
	if rtcp != nil {
		rtcp.Close()
	}
	if s == nil {
		conn.Close()
	}
	switch {
	case c.ctx.Err() != nil:
		if !hungUp {
			c.byeCallee(l)
		}
		return Negotiated{}, OutcomeCancelled, errCallGone
	case hungUp:
		c.endCalleeTx(l)
		return Negotiated{}, OutcomeNoAnswer, errCalleeLeft
	}
	c.byeCallee(l)
	if ctx.Err() != nil {
		return Negotiated{}, OutcomeNoAnswer, fmt.Errorf("sip: callee did not accept within %v", confirmFor)
	}
	return Negotiated{}, OutcomeNoAnswer, errors.New("sip: callee declined")
}

// byeCallee ends callee leg l, which answered, with a BYE.
func (c *Call) byeCallee(l *leg) {
	c.mu.Lock()
	l.localCSeq++
	cseq := l.localCSeq
	c.mu.Unlock()
	c.b.sendBye(l, cseq)
	c.endCalleeTx(l)
}

// endCalleeTx forgets callee leg l's INVITE transaction.
func (c *Call) endCalleeTx(l *leg) {
	l.tx.Terminate()
	c.b.mu.Lock()
	delete(c.b.branches, l.branch)
	c.b.mu.Unlock()
}

// attemptConfirmed finishes attempt att, whose fork l answered res, for a
// Target with Confirm: the call connects only if the callee accepts.
func (c *Call) attemptConfirmed(att Attempt, l *leg, res *gosip.Response) Attempt {
	b := c.b
	negB, o, err := c.confirmAnswer(att.Target, l, res)
	if err == nil {
		err = c.connectAnswered(l, negB)
		switch {
		case err == nil:
			att.Outcome, att.Status = OutcomeAnswered, res.StatusCode
			return att
		case errors.Is(err, errCallGone):
			o = OutcomeCancelled
		case errors.Is(err, errCalleeLeft):
			o = OutcomeNoAnswer
		default: // the bridge failed and connectAnswered hung up
			o = OutcomeCancelled
		}
	}
	b.log.Info("sip: answered leg not connected", "call", c.ID, "device", l.device, "err", err)
	switch o {
	case OutcomeRejected:
		att.Outcome, att.Status = o, 488
	default:
		att.Outcome, att.Status = o, 0
	}
	return att
}
