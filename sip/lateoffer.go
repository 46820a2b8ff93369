package sip

import (
	"errors"
	"fmt"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// A late offer (RFC 3261 section 13.2.1, RFC 3264): the caller's INVITE
// carries no SDP, so the offer is ours, in the 200 we answer the caller
// with, and the caller's ACK carries the answer. The callee legs are
// offered our codecs as usual; the caller is offered the codec the callee
// chose first, so that the bridge need not transcode. Media to the caller
// starts only when the ACK's answer has been read: an ACK without SDP, or
// with an answer that names nothing we offered, ends the call with a BYE
// on both legs (RFC 3261 section 13.2.2.4 tells the caller to do the
// same if our offer does not suit it).

// errNoAnswer: the caller's ACK to our offer carried no SDP.
var errNoAnswer = errors.New("sip: the ACK to our offer carries no SDP answer")

// offerCaller sets answerA to the offer for the caller's leg of a
// late-offer call: our codecs, first the one in use on the other leg
// (first, when CodecUnknown, means none). Called with c.mu held.
func (c *Call) offerCaller(first media.Codec) {
	codecs := preferCodec(first, c.b.codecs)
	c.localA.Codecs = codecs
	c.answerA = c.localA.Offer()
}

// preferCodec returns codecs with first (when it is one of them) moved to
// the front, in a new slice.
func preferCodec(first media.Codec, codecs []media.Codec) []media.Codec {
	out := make([]media.Codec, 0, len(codecs))
	for _, cd := range codecs {
		if cd == first {
			out = append(out, cd)
		}
	}
	for _, cd := range codecs {
		if cd != first {
			out = append(out, cd)
		}
	}
	return out
}

// acked handles an ACK on leg l for the INVITE with CSeq cseq: it stops
// the 2xx retransmission and, when it answers our late offer to the
// caller, negotiates the caller's leg and starts the media. An ACK that
// does not answer the offer hangs the call up.
func (c *Call) acked(l *leg, cseq uint32, ack *gosip.Request) {
	c.mu.Lock()
	if cseq != l.inviteCSeq {
		c.mu.Unlock()
		return
	}
	l.stopRetransmit()
	l.confirmed = true
	if l != c.a || !c.lateOffer || !c.answered || c.ended {
		c.mu.Unlock()
		return
	}
	err := c.takeAnswer(ack.Body())
	c.mu.Unlock()
	if err != nil {
		c.b.log.Warn("sip: late offer: caller's ACK has no usable answer, hanging up", "call", c.ID, "err", err)
		c.hangup("no SDP answer in ACK", nil)
	}
}

// takeAnswer reads the caller's answer to our offer answerA, from the
// body of its ACK, and starts the media: the bridge when a callee is
// connected, else whatever waits on offerAnswered (an App). Called with
// c.mu held.
func (c *Call) takeAnswer(body []byte) error {
	if len(body) == 0 {
		return errNoAnswer
	}
	ans, err := ParseSDP(body)
	if err != nil {
		return err
	}
	n, err := ReadAnswer(ans, c.localA.Codecs)
	if err != nil {
		return err
	}
	c.negA = n
	c.lateOffer = false
	close(c.offerAnswered)
	if c.winner != nil {
		if err := c.startBridge(); err != nil {
			return fmt.Errorf("bridge: %w", err)
		}
	}
	return nil
}

// waitOfferAnswered waits for the caller's ACK to answer our late offer,
// and reports false when the call ended first.
func (c *Call) waitOfferAnswered() bool {
	select {
	case <-c.offerAnswered:
		return true
	case <-c.ctx.Done():
		return false
	}
}
