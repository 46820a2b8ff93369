package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// forkMsg is a response to one forked INVITE, or nil when its transaction
// ended without a final response.
type forkMsg struct {
	l   *leg
	res *gosip.Response
}

// attempt rings every binding of t in parallel (RFC 3261 section 16.7
// forking, done by a B2BUA): provisional responses are relayed to the
// caller, the first 2xx wins and the other forks are cancelled.
func (c *Call) attempt(t Target) Attempt {
	b := c.b
	att := Attempt{Target: t, Outcome: OutcomeUnavailable}
	if len(t.Bindings) == 0 {
		return att
	}
	ringFor := t.RingFor
	if ringFor <= 0 {
		ringFor = b.ring
	}
	if c.rtpB == nil {
		conn, rtcp, err := b.listenRTP()
		if err != nil {
			b.log.Warn("sip: no RTP port for a call", "call", c.ID, "err", err)
			return att
		}
		c.mu.Lock()
		c.rtpB, c.rtcpB = conn, rtcp
		c.mu.Unlock()
	}
	c.mu.Lock()
	// The caller's codec first, to avoid transcoding (none yet after a
	// late offer).
	codecs := preferCodec(c.negA.Codec, b.codecs)
	ev := c.negA.EventPT
	c.mu.Unlock()
	if ev == 0 {
		ev = 101
	}
	c.localB = Local{Addr: udpAddr(c.rtpB, b.rtpIP), Origin: Origin{Username: "-", SessionID: c.localA.Origin.SessionID + 1, Version: 1},
		Codecs: codecs, EventPT: ev, Ptime: 20}
	sdp := c.localB.Offer().Marshal()

	ch := make(chan forkMsg)
	done := make(chan struct{})
	defer close(done)
	var forks []*leg
	auths := map[*leg]*forkAuth{}
	for _, bd := range t.Bindings {
		l, err := c.startFork(t, bd, sdp, ch, done)
		if err != nil {
			b.log.Info("sip: cannot ring device", "call", c.ID, "contact", bd.Contact, "err", err)
			continue
		}
		forks = append(forks, l)
		auths[l] = &forkAuth{outbound: bd.Outbound}
	}
	if len(forks) == 0 {
		return att
	}
	c.mu.Lock()
	rev := c.ev
	c.mu.Unlock()
	rev.State = CallRinging
	b.emit(rev)

	timer := time.NewTimer(ringFor)
	defer timer.Stop()
	defer c.stopEarly(nil) // a no-op once answered
	relayed := map[int]bool{}
	for pending := len(forks); pending > 0; {
		select {
		case m := <-ch:
			if m.res == nil {
				pending--
				c.stopEarly(m.l)
				continue
			}
			code := m.res.StatusCode
			switch {
			case code < 200:
				if c.earlyMedia(t, m.l, m.res) {
					continue // the caller hears the fork's own progress
				}
				if (code == 180 || code == 183) && !relayed[code] && !c.isAnswered() {
					relayed[code] = true
					b.respond(c.tx, b.response(c.Invite, code, m.res.Reason, c.a.localTag, nil))
				}
			case code < 300:
				c.cancelForks(forks, m.l)
				if t.Confirm != nil {
					return c.attemptConfirmed(att, m.l, m.res)
				}
				if err := c.connect(m.l, m.res); err != nil {
					b.log.Info("sip: answered leg dropped", "call", c.ID, "err", err)
					if errors.Is(err, errCallGone) {
						att.Outcome = OutcomeCancelled
						return att
					}
					att.Outcome, att.Status = OutcomeRejected, 488
					return att
				}
				att.Outcome, att.Status = OutcomeAnswered, code
				return att
			default:
				if isChallenge(code) && c.reauthenticate(t, m.l, m.res, auths[m.l], sdp, ch, done) {
					continue // the fork goes on with the authenticated INVITE
				}
				pending--
				c.stopEarly(m.l)
				if o := outcomeOf(code); rank(o) > rank(att.Outcome) || att.Status == 0 {
					att.Outcome, att.Status = o, code
				}
				if code >= 600 { // a global failure ends the search (16.7)
					c.cancelForks(forks, nil)
					return att
				}
			}
		case <-timer.C:
			c.cancelForks(forks, nil)
			att.Outcome, att.Status = OutcomeNoAnswer, 0
			return att
		case <-c.ctx.Done():
			c.cancelForks(forks, nil)
			att.Outcome, att.Status = OutcomeCancelled, 0
			return att
		}
	}
	return att
}

func rank(o Outcome) int {
	switch o {
	case OutcomeBusy:
		return 3
	case OutcomeRejected:
		return 2
	case OutcomeUnavailable:
		return 1
	}
	return 0
}

var errCallGone = errors.New("sip: caller gone before the answer")

// startFork sends one INVITE of target t to binding bd.
func (c *Call) startFork(t Target, bd Binding, sdp []byte, ch chan<- forkMsg, done <-chan struct{}) (*leg, error) {
	t = t.forBinding(bd)
	var target gosip.Uri
	if err := gosip.ParseUri(trimAngle(bd.Contact), &target); err != nil {
		return nil, fmt.Errorf("contact %q: %w", bd.Contact, err)
	}
	dest := bd.Source.String()
	if !bd.Source.IsValid() {
		port := target.Port
		if port == 0 {
			port = 5060
		}
		dest = fmt.Sprintf("%s:%d", target.Host, port)
	}
	l := &leg{side: sideB, callID: gosip.GenerateTagN(20), localTag: gosip.GenerateTagN(10),
		remoteTarget: target, dest: dest, transport: strings.ToUpper(bd.Transport), localCSeq: 1, inviteCSeq: 1, device: bd.Contact}
	l.localURI, l.remoteURI = c.legURIs(t, target)
	if err := c.sendInvite(t, l, 1, sdp, nil, ch, done); err != nil {
		return nil, err
	}
	return l, nil
}

// sendInvite sends fork l's INVITE with CSeq cseq, and cred (an
// Authorization or Proxy-Authorization header) unless nil, in a new client
// transaction whose responses readFork passes on. The leg then names that
// transaction, so a CANCEL goes to it.
func (c *Call) sendInvite(t Target, l *leg, cseq uint32, sdp []byte, cred gosip.Header, ch chan<- forkMsg, done <-chan struct{}) error {
	b := c.b
	c.mu.Lock()
	req := b.request(l, gosip.INVITE, cseq, sdp)
	c.mu.Unlock()
	if from := req.From(); from != nil {
		from.DisplayName = c.fromDisplay(t)
	}
	if mf := c.Invite.MaxForwards(); mf != nil {
		n := gosip.MaxForwardsHeader(mf.Val() - 1)
		req.ReplaceHeader(&n)
	}
	if cred != nil {
		// Before Content-Length, where the other headers are: sipp's
		// verifyauth, for one, does not find credentials after it.
		req.RemoveHeader("Content-Length")
		req.AppendHeader(cred)
		req.AppendHeader(gosip.NewHeader("Content-Length", fmt.Sprint(len(sdp))))
	}
	branch, _ := req.Via().Params.Get("branch")
	b.mu.Lock()
	b.branches[branch] = struct{}{}
	b.mu.Unlock()
	tx, err := b.cli.TransactionRequest(b.ctx, req, noBuild)
	if err != nil {
		b.mu.Lock()
		delete(b.branches, branch)
		b.mu.Unlock()
		return err
	}
	prov := make(chan struct{})
	c.mu.Lock()
	l.branch, l.inviteReq, l.tx, l.inviteCSeq, l.provisional = branch, req, tx, cseq, prov
	c.mu.Unlock()
	// A retransmitted 2xx means our ACK was lost: send it again.
	tx.OnRetransmission(func(res *gosip.Response) {
		if res.IsSuccess() {
			c.mu.Lock()
			ack := b.ackFor(l, cseq)
			c.mu.Unlock()
			if err := b.cli.WriteRequest(ack, noBuild); err != nil {
				b.log.Debug("sip: re-ACK", "call", c.ID, "err", err)
			}
		}
	})
	b.wg.Add(1)
	go c.readFork(l, tx, prov, branch, ch, done)
	return nil
}

// readFork passes the fork's responses to the ring loop until its final
// one. A 2xx arriving after the loop is over (another device answered
// first, or the caller left) is acknowledged and hung up.
func (c *Call) readFork(l *leg, tx gosip.ClientTransaction, prov chan struct{}, branch string, ch chan<- forkMsg, done <-chan struct{}) {
	b := c.b
	defer b.wg.Done()
	provisional := false
	for {
		select {
		case res := <-tx.Responses():
			if res.StatusCode < 200 && !provisional {
				provisional = true
				close(prov) // a CANCEL may go now
			}
			select {
			case ch <- forkMsg{l, res}:
			case <-done:
				if res.IsSuccess() {
					c.dropLateAnswer(l, tx, branch, res)
				}
			}
			if res.StatusCode >= 200 {
				if !res.IsSuccess() {
					tx.Terminate()
					b.mu.Lock()
					delete(b.branches, branch)
					b.mu.Unlock()
				}
				return
			}
		case <-tx.Done():
			select {
			case ch <- forkMsg{l, nil}:
			case <-done:
			}
			return
		}
	}
}

// dropLateAnswer acknowledges a 2xx nobody wants and ends that dialog.
func (c *Call) dropLateAnswer(l *leg, tx gosip.ClientTransaction, branch string, res *gosip.Response) {
	b := c.b
	c.mu.Lock()
	l.remoteTag, _ = res.To().Params.Get("tag")
	if ct := res.Contact(); ct != nil {
		l.remoteTarget = ct.Address
	}
	ack := b.ackFor(l, res.CSeq().SeqNo)
	l.localCSeq++
	cseq := l.localCSeq
	c.mu.Unlock()
	_ = b.cli.WriteRequest(ack, noBuild)
	b.sendBye(l, cseq)
	tx.Terminate()
	b.mu.Lock()
	delete(b.branches, branch)
	b.mu.Unlock()
}

// cancelForks sends CANCEL to every fork but keep.
func (c *Call) cancelForks(forks []*leg, keep *leg) {
	b := c.b
	for _, l := range forks {
		if l == keep {
			continue
		}
		select {
		case <-l.tx.Done():
			continue
		default:
		}
		req, tx, prov := cancelFor(l.inviteReq), l.tx, l.provisional
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			// RFC 3261 section 9.1: no CANCEL before a provisional
			// response (the device may not have the INVITE yet); a final
			// response instead ends the fork without one. At shutdown it
			// goes at once.
			select {
			case <-prov:
			case <-tx.Done():
				return
			case <-b.ctx.Done():
			}
			if _, err := b.do(req); err != nil {
				b.log.Debug("sip: CANCEL", "call", c.ID, "err", err)
			}
		}()
	}
}

// connect completes the call with the fork l that answered res: ACK it,
// bridge the media and answer the caller.
func (c *Call) connect(l *leg, res *gosip.Response) error {
	negB, err := c.ackAnswer(l, res)
	if err != nil {
		c.byeCallee(l)
		return err
	}
	return c.connectAnswered(l, negB)
}

// ackAnswer acknowledges fork l's 2xx res, takes its dialog identity and
// reads its SDP answer.
func (c *Call) ackAnswer(l *leg, res *gosip.Response) (Negotiated, error) {
	b := c.b
	c.mu.Lock()
	l.remoteTag, _ = res.To().Params.Get("tag")
	if ct := res.Contact(); ct != nil {
		l.remoteTarget = ct.Address
	}
	ack := b.ackFor(l, l.inviteCSeq)
	early, isEarly := c.earlyAnswer(l)
	c.mu.Unlock()
	if err := b.cli.WriteRequest(ack, noBuild); err != nil {
		b.log.Debug("sip: ACK", "call", c.ID, "err", err)
	}
	if len(res.Body()) == 0 && isEarly {
		return early, nil // the answer came with the early media
	}
	ans, err := ParseSDP(res.Body())
	if err != nil {
		return Negotiated{}, err
	}
	return ReadAnswer(ans, b.codecs)
}

// connectAnswered bridges the caller with fork l, answered and
// acknowledged with negotiation negB, and answers the caller; it ends a
// confirmation of l.
func (c *Call) connectAnswered(l *leg, negB Negotiated) error {
	b := c.b
	c.mu.Lock()
	cf := c.confirm
	c.confirm = nil
	var err error
	switch {
	case c.ctx.Err() != nil:
		err = errCallGone
	case cf != nil && cf.hungUp:
		err = errCalleeLeft
	}
	if err != nil {
		c.mu.Unlock()
		if cf != nil {
			b.mu.Lock()
			delete(b.dialogs, l.key())
			b.mu.Unlock()
		}
		if err == errCallGone {
			c.byeCallee(l)
		} else {
			c.endCalleeTx(l)
		}
		return err
	}
	c.winner, c.negB = l, negB
	c.early = nil // the bridge, if early media started it, goes on with l
	l.confirmed = true
	handOver := c.answered // an application answered the caller earlier
	c.answered = true
	if c.lateOffer {
		// Our 200 carries the offer; the bridge starts with the ACK's
		// answer (acked). An early-media bridge cannot run: there was no
		// caller SDP to run it with.
		c.offerCaller(negB.Codec)
	} else if err := c.startBridge(); err != nil {
		c.mu.Unlock()
		c.hangup("media failed", nil)
		return fmt.Errorf("bridge: %w", err)
	}
	if handOver {
		c.ev.Device, c.ev.App = l.device, ""
		ev := c.ev
		b.mu.Lock()
		b.dialogs[l.key()] = dialogRef{c, l}
		b.mu.Unlock()
		c.mu.Unlock()
		ev.State = CallAnswered
		b.emit(ev)
		return nil
	}
	c.ev.Device = l.device
	c.send200(l)
	return nil
}

// send200 answers the caller's INVITE with our 200 (retransmitted until
// the ACK, session timer armed), enters the caller's dialog and callee
// (nil for an application answering) in the table, and reports the call
// answered; it reports whether the call goes on. Called with c.mu held,
// which it releases.
func (c *Call) send200(callee *leg) bool {
	b := c.b
	res200 := b.response(c.Invite, 200, "OK", c.a.localTag, c.answerA.Marshal())
	c.sessionHeaders(res200)
	c.ev.Answered = b.now()
	ev := c.ev
	b.mu.Lock()
	b.dialogs[c.a.key()] = dialogRef{c, c.a}
	if callee != nil {
		b.dialogs[callee.key()] = dialogRef{c, callee}
	}
	b.mu.Unlock()
	rerr := c.tx.Respond(res200)
	c.startRetransmit(c.a, res200, c.a.inviteCSeq)
	c.armSessionTimer()
	c.mu.Unlock()
	if !c.answeredCaller(rerr) {
		return false
	}
	ev.State = CallAnswered
	b.emit(ev)
	return true
}

// answeredCaller follows our 200 to the caller's INVITE (sent with error
// rerr): it watches for an ACK that matches the INVITE transaction, and
// hangs up if the caller cancelled or the B2BUA closed as the 200 went
// out, reporting whether the call goes on.
func (c *Call) answeredCaller(rerr error) bool {
	b := c.b
	// An ACK reusing the INVITE's Via branch (RFC 2543 phones) matches the
	// INVITE transaction, and sipgo hands it over on Acks, not to OnAck.
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		select {
		case ack := <-c.tx.Acks():
			c.acked(c.a, c.Invite.CSeq().SeqNo, ack)
		case <-c.tx.Done():
		case <-c.ctx.Done():
		}
	}()
	if rerr != nil || c.ctx.Err() != nil { // the caller cancelled, or the B2BUA closed, as the 200 went out
		why := "cancelled"
		b.mu.Lock()
		if b.closed {
			why = "shutdown"
		}
		b.mu.Unlock()
		c.hangup(why, nil)
		return false
	}
	return true
}

// isAnswered reports whether the caller has our 200.
func (c *Call) isAnswered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}

// unspecified reports whether a is the old-style hold address.
func unspecified(a netip.AddrPort) bool { return a.Addr().IsUnspecified() }
