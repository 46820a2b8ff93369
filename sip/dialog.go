package sip

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// legSide tells the caller's leg from the callee's.
type legSide uint8

const (
	sideA legSide = iota + 1 // the caller's leg: we are its UAS
	sideB                    // a callee's leg: we are its UAC
)

// leg is the dialog state of one call leg, as RFC 3261 section 12 keeps
// it, from our side. It is guarded by its call's mutex.
type leg struct {
	side            legSide
	callID          string
	localTag        string
	remoteTag       string
	localURI        gosip.Uri // our From in requests we send on this leg
	remoteURI       gosip.Uri // their To
	remoteTarget    gosip.Uri // their Contact
	dest            string    // host:port we send requests to
	transport       string    // "UDP", "TCP" or "TLS": how the phone reached us
	localCSeq       uint32
	inviteCSeq      uint32 // CSeq of the INVITE whose 2xx awaits an ACK
	device          string // the contact rung (B legs)
	branch          string // Via branch of our INVITE (B legs), for loop detection
	inviteReq       *gosip.Request
	tx              gosip.ClientTransaction // our INVITE (B legs)
	provisional     chan struct{}           // closed at tx's first 1xx (B legs)
	retrans         *ownedTimer             // 2xx retransmission until ACK (A side of an INVITE we answered)
	retransRes      *gosip.Response
	retransInterval time.Duration
	retransGiveUp   time.Time
	confirmed       bool
}

// key is the dialog's identity in the B2BUA's table: Call-ID and our tag.
func (l *leg) key() string { return l.callID + "\x00" + l.localTag }

// request builds an in-dialog request (or, before the dialog exists, the
// initial INVITE) from the leg's state.
func (b *B2BUA) request(l *leg, method gosip.RequestMethod, cseq uint32, body []byte) *gosip.Request {
	req := gosip.NewRequest(method, l.remoteTarget)
	tr := l.transport
	if tr == "" {
		tr = "UDP"
	}
	via := &gosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: tr,
		Host: b.addr.Addr().String(), Port: int(b.addr.Port()), Params: gosip.NewParams()}
	via.Params.Add("branch", gosip.GenerateBranchN(16))
	req.AppendHeader(via)
	mf := gosip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	from := &gosip.FromHeader{Address: l.localURI, Params: gosip.NewParams()}
	from.Params.Add("tag", l.localTag)
	req.AppendHeader(from)
	to := &gosip.ToHeader{Address: l.remoteURI, Params: gosip.NewParams()}
	if l.remoteTag != "" {
		to.Params.Add("tag", l.remoteTag)
	}
	req.AppendHeader(to)
	cid := gosip.CallIDHeader(l.callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: cseq, MethodName: method})
	if method == gosip.INVITE {
		req.AppendHeader(b.contact())
	}
	if body != nil {
		ct := gosip.ContentTypeHeader("application/sdp")
		req.AppendHeader(&ct)
	}
	req.SetBody(body)
	// Over TCP and TLS sipgo reuses the connection the phone opened to
	// us (its pool is keyed by the phone's address), which is the only way
	// to reach a phone behind NAT on a stream transport.
	req.SetTransport(tr)
	req.SetDestination(l.dest)
	if tr == "UDP" {
		req.Laddr = b.laddr
	}
	return req
}

func (b *B2BUA) contact() *gosip.ContactHeader {
	return &gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", Host: b.addr.Addr().String(), Port: int(b.addr.Port())}}
}

// ackFor builds the ACK for a 2xx to our INVITE with CSeq cseq (RFC 3261
// section 13.2.2.4): a new transaction, to the dialog's remote target.
func (b *B2BUA) ackFor(l *leg, cseq uint32) *gosip.Request {
	return b.request(l, gosip.ACK, cseq, nil)
}

// cancelFor builds the CANCEL of our INVITE inv (RFC 3261 section 9.1):
// the same Via branch, Request-URI, Call-ID, From, To and CSeq number.
func cancelFor(inv *gosip.Request) *gosip.Request {
	req := gosip.NewRequest(gosip.CANCEL, inv.Recipient)
	if v := inv.Via(); v != nil {
		req.AppendHeader(v.Clone())
	}
	mf := gosip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	for _, name := range []string{"From", "To", "Call-ID"} {
		if h := inv.GetHeader(name); h != nil {
			req.AppendHeader(gosip.HeaderClone(h))
		}
	}
	if cs := inv.CSeq(); cs != nil {
		req.AppendHeader(&gosip.CSeqHeader{SeqNo: cs.SeqNo, MethodName: gosip.CANCEL})
	}
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	req.Laddr = inv.Laddr
	return req
}

// respond builds a response to req carrying our tag tag in To, and our
// Contact on 1xx/2xx to INVITE.
func (b *B2BUA) response(req *gosip.Request, code int, reason, tag string, body []byte) *gosip.Response {
	res := gosip.NewResponseFromRequest(req, code, reason, body)
	if to := res.To(); to != nil && tag != "" && code > 100 {
		to.Params.Add("tag", tag)
	}
	if req.IsInvite() && code > 100 && code < 300 {
		res.AppendHeader(b.contact())
	}
	if body != nil {
		ct := gosip.ContentTypeHeader("application/sdp")
		res.AppendHeader(&ct)
	}
	return res
}

// startRetransmit sends 2xx res to leg l's peer again until the ACK for
// it arrives, every T1 doubling up to T2, and gives up after 64×T1 (RFC
// 3261 section 13.3.1.4) by ending the call. sipgo's own timer does not
// double, so we own it here. Called with the call's lock held.
func (c *Call) startRetransmit(l *leg, res *gosip.Response, cseq uint32) {
	b := c.b
	l.stopRetransmit()
	l.inviteCSeq = cseq
	l.retransRes = res
	l.retransInterval = b.timers.T1
	l.retransGiveUp = b.now().Add(64 * b.timers.T1)
	var tick func()
	tick = func() {
		c.mu.Lock()
		if l.retransRes != res { // ACKed or replaced
			c.mu.Unlock()
			return
		}
		if !b.now().Before(l.retransGiveUp) {
			l.retransRes = nil
			c.mu.Unlock()
			c.hangup("no ACK", nil)
			return
		}
		if err := b.srv.WriteResponse(res); err != nil {
			b.log.Debug("sip: retransmit 2xx", "call", c.ID, "err", err)
		}
		l.retransInterval = min(2*l.retransInterval, b.timers.T2)
		l.retransmitAfter(b, l.retransInterval, tick)
		c.mu.Unlock()
	}
	l.retransmitAfter(b, l.retransInterval, tick)
}

func (l *leg) retransmitAfter(b *B2BUA, d time.Duration, f func()) {
	l.retrans = b.afterFunc(d, f)
}

// stopRetransmit ends 2xx retransmission: the ACK came, or the call ended.
func (l *leg) stopRetransmit() {
	l.retransRes = nil
	if l.retrans != nil {
		l.retrans.Stop()
		l.retrans = nil
	}
}

// sessionExpires reads RFC 4028's Session-Expires (delta seconds and
// refresher; "x" is its compact form) and Min-SE from req. se is 0 when
// the header is absent.
func sessionExpires(req *gosip.Request) (se time.Duration, refresher string, minSE time.Duration, err error) {
	h := req.GetHeader("Session-Expires")
	if h == nil {
		h = req.GetHeader("x")
	}
	if h != nil {
		num, params, _ := strings.Cut(h.Value(), ";")
		n, perr := strconv.ParseUint(strings.TrimSpace(num), 10, 32)
		if perr != nil || n == 0 {
			return 0, "", 0, fmt.Errorf("bad Session-Expires %q", h.Value())
		}
		se = time.Duration(n) * time.Second
		for _, p := range strings.Split(params, ";") {
			if k, v, _ := strings.Cut(strings.TrimSpace(p), "="); strings.EqualFold(k, "refresher") {
				refresher = strings.ToLower(strings.TrimSpace(v))
			}
		}
	}
	if h := req.GetHeader("Min-SE"); h != nil {
		num, _, _ := strings.Cut(h.Value(), ";")
		n, perr := strconv.ParseUint(strings.TrimSpace(num), 10, 32)
		if perr != nil {
			return 0, "", 0, fmt.Errorf("bad Min-SE %q", h.Value())
		}
		minSE = time.Duration(n) * time.Second
	}
	return se, refresher, minSE, nil
}
