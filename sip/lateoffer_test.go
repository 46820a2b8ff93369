package sip

import (
	"context"
	"net/netip"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/media"
)

// inviteLate sends an INVITE for ext to the PBX without SDP (a late
// offer), without waiting.
func (p *phone) inviteLate(pbx netip.AddrPort, ext string) *outCall {
	p.t.Helper()
	req := gosip.NewRequest(gosip.INVITE, gosip.Uri{Scheme: "sip", User: ext, Host: pbx.Addr().String(), Port: int(pbx.Port())})
	req.AppendHeader(&gosip.FromHeader{Address: gosip.Uri{Scheme: "sip", User: "101", Host: p.addr.Addr().String()},
		Params: tagParam(gosip.GenerateTagN(8))})
	req.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: "101", Host: p.addr.Addr().String(), Port: int(p.addr.Port())}})
	tx, err := p.cli.TransactionRequest(context.Background(), req)
	if err != nil {
		p.t.Fatal(err)
	}
	return &outCall{p: p, invite: req, tx: tx}
}

// waitOffer reads responses until the 200, which must carry an offer,
// and returns the offer without acknowledging it.
func (c *outCall) waitOffer() *SessionDescription {
	c.p.t.Helper()
	res := c.until(200)
	c.final = res
	offer, err := ParseSDP(res.Body())
	if err != nil {
		c.p.t.Fatalf("200 to a late-offer INVITE: %v\n%s", err, res.Body())
	}
	return offer
}

// ackWith acknowledges the 200 with body in the ACK.
func (c *outCall) ackWith(body []byte) {
	c.p.t.Helper()
	ack := c.inDialog(gosip.ACK, c.invite.CSeq().SeqNo)
	if body != nil {
		ct := gosip.ContentTypeHeader("application/sdp")
		ack.AppendHeader(&ct)
		ack.SetBody(body)
	}
	if err := c.p.cli.WriteRequest(ack); err != nil {
		c.p.t.Fatal(err)
	}
}

// answerOffer answers offer in PCMU from the phone's RTP address, starts
// its session towards the PBX and acknowledges the 200 with the answer.
func (p *rtpPhone) answerOffer(oc *outCall, offer *SessionDescription) {
	p.t.Helper()
	ans, n, err := (Local{Addr: p.rtp, Origin: Origin{Username: "caller", SessionID: 3, Version: 1}, Codecs: []media.Codec{media.CodecPCMU}}).Answer(offer)
	if err != nil {
		p.t.Fatal(err)
	}
	p.s, err = media.NewSession(p.conn, media.SessionConfig{Remote: n.Remote, Codec: n.Codec, EventPayloadType: n.EventPT, NoRTCP: true})
	if err != nil {
		p.t.Fatal(err)
	}
	oc.ackWith(ans.Marshal())
}

// An INVITE without SDP: the PBX rings the callee with its own offer,
// answers the caller with an offer whose first codec is the callee's, and
// bridges once the ACK brings the answer; the caller hears the callee.
func TestLateOfferCall(t *testing.T) {
	callee := newToneDevice(t, 0, 600)
	close(callee.answer)
	p := pbxFor(t, Config{Codecs: []media.Codec{media.CodecPCMA, media.CodecPCMU}}, callee.phone)
	caller := newRTPPhone(t, 0)
	oc := caller.inviteLate(p.addr, "201")
	o := oc.waitOffer()
	if a := o.Audio(); a == nil || !cmp.Equal(a.Formats, []string{"0", "8", "101"}) {
		t.Errorf("offer to the caller: %s\nwant formats 0 8 101: PCMU (the callee's choice) first, though the PBX prefers PCMA", o.Marshal())
	}
	c := <-p.calls
	if _, ok := c.BridgeStats(); ok {
		t.Error("bridge runs before the caller answered our offer")
	}
	caller.answerOffer(oc, o)
	caller.hearsTone(time.Second, 600, 1000, "late-offer call")
	if r := oc.bye(); r.StatusCode != 200 {
		t.Errorf("BYE: %d", r.StatusCode)
	}
	if e := p.ended(t); e.Outcome != OutcomeAnswered || e.Reason != "caller hung up" {
		t.Errorf("ended event = %+v, want answered, caller hung up", e)
	}
}

// An ACK that does not answer our offer ends the call with a BYE on both
// legs (RFC 3261 section 13.2.2.4 from our side).
func TestLateOfferBadACKHangsUp(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  []byte
	}{
		{"no SDP", nil},
		{"no common codec", []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n")},
		{"not SDP", []byte("hello")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			callee := newPhone(t, 200, 0)
			p := pbxFor(t, Config{}, callee)
			caller := newPhone(t, 0, 0)
			oc := caller.inviteLate(p.addr, "201")
			oc.waitOffer()
			oc.ackWith(tc.ack)
			waitWithin(t, 5*time.Second, "BYE to both phones", func() bool { return caller.byeCount() == 1 && callee.byeCount() == 1 })
			if e := p.ended(t); e.Reason != "no SDP answer in ACK" {
				t.Errorf("ended event = %+v, want reason no SDP answer in ACK", e)
			}
			waitWithin(t, 5*time.Second, "the call to go", func() bool { return p.b.Calls() == 0 })
		})
	}
}

// An application answers a late-offer INVITE: its 200 carries our offer,
// the ACK the answer, and only then does the application's audio flow.
func TestLateOfferApp(t *testing.T) {
	p := startPBX(t, Config{Router: appRouter("announce", func(ctx context.Context, leg *AppLeg) AppResult {
		leg.Play(ctx, tone(t, 1000, 2*time.Second))
		return AppResult{Reason: "done"}
	})})
	caller := newRTPPhone(t, 0)
	oc := caller.inviteLate(p.addr, "*97")
	o := oc.waitOffer()
	caller.answerOffer(oc, o)
	caller.hearsTone(time.Second, 1000, 600, "application after a late offer")
	if e := p.ended(t); e.App != "announce" || e.Reason != "done" {
		t.Errorf("ended event = %+v, want the announce application's end", e)
	}
}

// A late-offer caller and a Target with Confirm: the callee accepts, and
// only then does the caller get our 200 with the offer; its ACK's answer
// starts the bridge, and the caller hears the callee.
func TestLateOfferConfirmed(t *testing.T) {
	callee := newToneDevice(t, 0, 600)
	close(callee.answer)
	confirmed := make(chan struct{})
	p := startPBX(t, Config{Router: RouterFunc(func(context.Context, *Call) (Target, error) {
		return Target{Bindings: []Binding{callee.binding("201")}, Confirm: ConfirmFunc(func(context.Context, *AppLeg) bool {
			close(confirmed)
			return true
		})}, nil
	})})
	caller := newRTPPhone(t, 0)
	oc := caller.inviteLate(p.addr, "201")
	o := oc.waitOffer()
	select {
	case <-confirmed:
	default:
		t.Fatal("the caller got the 200 before the callee accepted")
	}
	caller.answerOffer(oc, o)
	caller.hearsTone(time.Second, 600, 1000, "confirmed late-offer call")
	oc.bye()
	if e := p.ended(t); e.Outcome != OutcomeAnswered {
		t.Errorf("ended event = %+v, want answered", e)
	}
}
