package sip

import (
	gosip "github.com/emiago/sipgo/sip"
)

// Early media: a ringing device or provider that answers 183 Session
// Progress (or any provisional response) with SDP sends audio before the
// call is answered: a carrier's ringback tone, "the number you have
// dialled…". The B2BUA reads that SDP as the answer to the fork's offer,
// starts the bridge between the caller and that fork at once, and sends
// the caller a 183 with our answer for its leg (the same SDP its 200 will
// carry), so the caller hears the far end's progress instead of nothing.
//
// Only one fork plays early media at a time: the first provisional
// response with SDP wins, and the others' are ignored (their 180/183 are
// not relayed either once early media flows, so that the caller's phone
// does not switch to a local ringback over it). If that fork fails, the
// bridge stops and the next fork to send SDP takes over. When another
// fork answers 200, the bridge's callee side is re-pointed to it
// (media.Bridge.Update) and the early fork is cancelled; a 200 from the
// early fork keeps the bridge as it is. A CANCEL, a ring timeout or a
// failed attempt stops the bridge.
//
// Not done: early media towards a caller that made no offer (a late
// offer: our offer would need a reliable 183, RFC 3262, which we do not
// send), on a Target with Confirm (the caller keeps its own ringback
// while the callee is asked), and after an application answered the
// caller (the caller's dialog is confirmed; it hears the application's
// silence until a device answers). PRACK (RFC 3262) is not supported:
// 183s are relayed unreliably, as most phones and carriers accept.

// earlyMedia handles a provisional response res from fork l of target t.
// If it carries SDP and early media may start (or already flows from l),
// it bridges the caller with l and, the first time, sends the caller a 183
// with our SDP. It reports whether early media flows, in which case res
// must not be relayed to the caller.
func (c *Call) earlyMedia(t Target, l *leg, res *gosip.Response) bool {
	b := c.b
	c.mu.Lock()
	early, ok := c.early, !c.answered && !c.lateOffer && !c.ended && t.Confirm == nil
	c.mu.Unlock()
	if !ok || early != nil && early != l {
		return early != nil
	}
	if len(res.Body()) == 0 {
		return early != nil
	}
	sd, err := ParseSDP(res.Body())
	var neg Negotiated
	if err == nil {
		neg, err = ReadAnswer(sd, b.codecs)
	}
	if err != nil {
		b.log.Info("sip: early media refused", "call", c.ID, "device", l.device, "status", res.StatusCode, "err", err)
		return early != nil
	}

	c.mu.Lock()
	if c.answered || c.ended || c.ctx.Err() != nil || c.early != early {
		c.mu.Unlock()
		return early != nil
	}
	c.early, c.negB = l, neg
	if err := c.startBridge(); err != nil {
		c.early, c.negB = nil, Negotiated{}
		br := c.bridge
		c.bridge = nil
		c.mu.Unlock()
		if br != nil {
			br.Close()
		}
		b.log.Warn("sip: early media: bridge", "call", c.ID, "err", err)
		return false
	}
	if early == nil {
		b.respond(c.tx, b.response(c.Invite, 183, "Session Progress", c.a.localTag, c.answerA.Marshal()))
		b.log.Info("sip: early media", "call", c.ID, "device", l.device, "status", res.StatusCode, "remote", neg.Remote, "codec", neg.Codec)
	}
	c.mu.Unlock()
	return true
}

// stopEarly stops the early-media bridge of fork l (of any fork when l is
// nil), when one runs and the call is not answered.
func (c *Call) stopEarly(l *leg) {
	c.mu.Lock()
	if c.early == nil || l != nil && c.early != l || c.answered {
		c.mu.Unlock()
		return
	}
	c.early = nil
	c.negB = Negotiated{}
	br := c.bridge
	c.bridge = nil
	c.mu.Unlock()
	if br != nil {
		br.Close()
	}
}

// earlyAnswer is the negotiation of fork l from its early media, for a
// 2xx from l without SDP (the answer came in the 183). Called with c.mu
// held.
func (c *Call) earlyAnswer(l *leg) (Negotiated, bool) {
	if c.early != l || l == nil {
		return Negotiated{}, false
	}
	return c.negB, true
}
