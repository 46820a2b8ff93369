package sip

import (
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// Outbound is how a ring attempt reaches a number outside the PBX through
// an upstream provider (a trunk): whom the provider sees calling, and the
// credentials that answer its digest challenges. Put it in
// Target.Outbound, with a Binding whose Contact is the provider's
// Request-URI for the number, e.g. "sip:5551234567@sip.provider.net:5060";
// or in that Binding's own Outbound, to ring it beside the Target's other
// bindings (phones, or numbers through other trunks).
type Outbound struct {
	// Username and Password are the account at the provider. They answer a
	// 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) challenge to the
	// INVITE: MD5 or SHA-256, qop=auth or none. AuthUsername, when the
	// provider issued a separate digest user name, is used in the answer
	// instead of Username.
	Username, AuthUsername, Password string
	// FromUser is the caller identity in From, what providers check and
	// show: the trunk account or one of its DIDs. Empty means Username.
	FromUser string
	// FromDisplay is From's display name; empty keeps the caller's.
	FromDisplay string
	// Domain is the provider's SIP domain, the host of From and To. Empty
	// means the host of the binding's Contact.
	Domain string
}

// maxAuthRounds bounds the challenges one fork answers: the first, and
// one more only when the provider says the nonce went stale.
const maxAuthRounds = 2

// forkAuth is what a fork of an outbound attempt remembers of the
// provider's challenges.
type forkAuth struct {
	answered int       // challenges answered so far
	outbound *Outbound // the binding's own Outbound, if any
}

// forBinding returns t as it applies to the fork that rings bd: with bd's
// own Outbound, when it has one, in place of t's.
func (t Target) forBinding(bd Binding) Target {
	return t.withOutbound(bd.Outbound)
}

func (t Target) withOutbound(o *Outbound) Target {
	if o != nil {
		t.Outbound = o
	}
	return t
}

// legURIs returns the From and To URIs of a B leg of target t to the
// device at uri: for a phone, the caller and the dialled number at the
// PBX; for an outbound call, the trunk identity and the number at the
// provider's domain.
func (c *Call) legURIs(t Target, uri gosip.Uri) (from, to gosip.Uri) {
	host := c.b.addr.Addr().String()
	if o := t.Outbound; o != nil {
		domain := o.Domain
		if domain == "" {
			domain = uri.Host
		}
		user := o.FromUser
		if user == "" {
			user = o.Username
		}
		return gosip.Uri{Scheme: "sip", User: user, Host: domain}, gosip.Uri{Scheme: "sip", User: uri.User, Host: domain}
	}
	return gosip.Uri{Scheme: "sip", User: c.From, Host: host}, gosip.Uri{Scheme: "sip", User: c.To, Host: host}
}

// fromDisplay is the display name of a B leg's From.
func (c *Call) fromDisplay(t Target) string {
	if t.Outbound != nil && t.Outbound.FromDisplay != "" {
		return t.Outbound.FromDisplay
	}
	if t.Outbound == nil && t.FromDisplay != "" {
		return t.FromDisplay
	}
	if f := c.Invite.From(); f != nil {
		return f.DisplayName
	}
	return ""
}

// reauthenticate handles a 401 or 407 to fork l of an outbound attempt:
// when t carries credentials and the challenge may be answered, it sends
// the INVITE again with them (same Call-ID and From tag, next CSeq, a new
// branch, as RFC 3261 section 22.2 says) and reports true, the fork going
// on. sipgo's client transaction has already acknowledged the challenge
// (section 17.1.1.3). A second challenge after an answer is a refusal,
// unless it says the nonce was stale.
func (c *Call) reauthenticate(t Target, l *leg, res *gosip.Response, fa *forkAuth, sdp []byte, ch chan<- forkMsg, done <-chan struct{}) bool {
	b := c.b
	t = t.withOutbound(fa.outbound)
	o := t.Outbound
	if o == nil || o.Password == "" {
		return false
	}
	chal, err := parseChallenge(res)
	if err != nil {
		b.log.Info("sip: provider's challenge cannot be answered", "call", c.ID, "status", res.StatusCode, "err", err)
		return false
	}
	if fa.answered >= maxAuthRounds || fa.answered > 0 && !chal.stale {
		b.log.Warn("sip: provider refused the trunk's credentials", "call", c.ID, "status", res.StatusCode, "user", o.Username)
		return false
	}
	fa.answered++
	user := o.AuthUsername
	if user == "" {
		user = o.Username
	}
	c.mu.Lock()
	l.localCSeq++
	cseq := l.localCSeq
	uri := l.remoteTarget.String()
	c.mu.Unlock()
	cred := gosip.NewHeader(chal.credentialsHeader(), chal.answer(user, o.Password, string(gosip.INVITE), uri))
	if err := c.sendInvite(t, l, cseq, sdp, cred, ch, done); err != nil {
		b.log.Info("sip: cannot send the authenticated INVITE", "call", c.ID, "err", err)
		return false
	}
	return true
}

// isChallenge reports whether status asks for credentials.
func isChallenge(status int) bool { return status == 401 || status == 407 }

// trimAngle strips the angle brackets and spaces around a Contact URI.
func trimAngle(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
}
