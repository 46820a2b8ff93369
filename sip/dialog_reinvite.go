package sip

import (
	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// side is one leg of an answered call with its media state.
type side struct {
	l     *leg
	neg   *Negotiated
	local *Local
}

// sides returns l's side and the other one. Called with c.mu held.
func (c *Call) sides(l *leg) (me, other side) {
	a := side{c.a, &c.negA, &c.localA}
	bb := side{c.winner, &c.negB, &c.localB}
	if l == c.a {
		return a, bb
	}
	return bb, a
}

// onReInvite handles an INVITE inside a dialog: hold, unhold, a media
// change or a session refresh. The offer is relayed to the other leg with
// our address in it; the other side's answer decides the direction we
// answer with, and the bridge's legs are updated in place with what
// changed, so neither phone sees its stream restart.
func (b *B2BUA) onReInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	d, ok := b.dialog(req)
	if !ok {
		b.reply(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	c, l := d.c, d.l
	c.mu.Lock()
	if c.confirming(l) { // not bridged yet: nothing to renegotiate with
		c.mu.Unlock()
		b.respond(tx, b.response(req, 491, "Request Pending", l.localTag, nil))
		return
	}
	if c.ended || !c.answered {
		c.mu.Unlock()
		b.reply(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if c.lateOffer { // our offer is out, its answer not yet in (RFC 3261 section 14.1)
		c.mu.Unlock()
		b.respond(tx, b.response(req, 491, "Request Pending", l.localTag, nil))
		return
	}
	if c.winner == nil { // an application answered: no other leg to ask
		c.mu.Unlock()
		c.reinviteHere(l, req, tx)
		return
	}
	if c.reinviting {
		c.mu.Unlock()
		b.respond(tx, b.response(req, 491, "Request Pending", l.localTag, nil))
		return
	}
	c.reinviting = true
	me, other := c.sides(l)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reinviting = false
		c.mu.Unlock()
	}()
	if !b.track() {
		b.respond(tx, b.response(req, 503, "Service Unavailable", l.localTag, nil))
		return
	}
	defer b.wg.Done()

	cseq := req.CSeq().SeqNo
	if len(req.Body()) == 0 { // a refresh without an offer: repeat our last SDP
		c.mu.Lock()
		sdp := c.lastSDP(me)
		res := b.response(req, 200, "OK", l.localTag, sdp)
		c.finishReinvite(me, req, tx, res, cseq)
		c.mu.Unlock()
		return
	}
	offer, err := ParseSDP(req.Body())
	if err != nil {
		b.respond(tx, b.response(req, 400, "Bad Request", l.localTag, nil))
		return
	}
	n, err := offer.negotiated(offer.Audio(), b.codecs)
	if err != nil {
		b.respond(tx, b.response(req, 488, "Not Acceptable Here", l.localTag, nil))
		return
	}

	// Offer the change to the other leg, in its codec.
	c.mu.Lock()
	ol := *other.local
	ol.Codecs = []media.Codec{other.neg.Codec}
	ol.EventPT = other.neg.EventPT
	ol.Direction = n.Direction
	ol.Origin.Version++
	other.l.localCSeq++
	oreq := b.request(other.l, gosip.INVITE, other.l.localCSeq, ol.Offer().Marshal())
	c.mu.Unlock()
	ores, err := b.do(oreq)
	if err != nil || ores == nil {
		b.respond(tx, b.response(req, 500, "Server Internal Error", l.localTag, nil))
		return
	}
	if !ores.IsSuccess() {
		b.respond(tx, b.response(req, ores.StatusCode, ores.Reason, l.localTag, nil))
		return
	}
	c.mu.Lock()
	ack := b.ackFor(other.l, oreq.CSeq().SeqNo)
	c.mu.Unlock()
	_ = b.cli.WriteRequest(ack, noBuild)
	oans, err := ParseSDP(ores.Body())
	var on Negotiated
	if err == nil {
		on, err = ReadAnswer(oans, b.codecs)
	}
	if err != nil {
		b.respond(tx, b.response(req, 488, "Not Acceptable Here", l.localTag, nil))
		return
	}

	// Answer the offerer with the direction the other side chose.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		b.respond(tx, b.response(req, 481, "Call/Transaction Does Not Exist", l.localTag, nil))
		return
	}
	ml := *me.local
	ml.Direction = on.Direction
	ml.Origin.Version++
	ans, mn, err := ml.Answer(offer)
	if err != nil {
		b.respond(tx, b.response(req, 488, "Not Acceptable Here", l.localTag, nil))
		return
	}
	ml.Direction = DirectionUnknown
	*me.local, *other.local = ml, ol
	other.local.Direction = DirectionUnknown
	keepRemote(me.neg, mn)
	keepRemote(other.neg, on)
	if err := c.startBridge(); err != nil {
		b.log.Warn("sip: bridge update after re-INVITE", "call", c.ID, "err", err)
	}
	if l == c.a {
		c.answerA = ans
	}
	res := b.response(req, 200, "OK", l.localTag, ans.Marshal())
	c.finishReinvite(me, req, tx, res, cseq)
}

// keepRemote takes the new negotiation but keeps the old RTP address
// when the peer put the call on hold the RFC 2543 way (c=0.0.0.0).
func keepRemote(dst *Negotiated, n Negotiated) {
	if unspecified(n.Remote) {
		n.Remote = dst.Remote
	}
	*dst = n
}

// lastSDP is what we last told side me. Called with c.mu held.
func (c *Call) lastSDP(me side) []byte {
	if me.l == c.a {
		return c.answerA.Marshal()
	}
	l := *me.local
	l.Codecs = []media.Codec{me.neg.Codec}
	l.EventPT = me.neg.EventPT
	return l.Offer().Marshal()
}

// finishReinvite sends the 2xx to a re-INVITE and retransmits it until the
// ACK; a refresh from the caller restarts the session timer. Called with
// c.mu held.
func (c *Call) finishReinvite(me side, req *gosip.Request, tx gosip.ServerTransaction, res *gosip.Response, cseq uint32) {
	if me.l == c.a {
		c.sessionHeaders(res)
		c.armSessionTimer()
	}
	c.b.respond(tx, res)
	c.startRetransmit(me.l, res, cseq)
}
