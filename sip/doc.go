// Package sip is telekit's signalling layer on github.com/emiago/sipgo:
// the pieces a PBX needs between phones, each a handler or a client the
// application puts on one sipgo server.
//
//   - DigestAuth authenticates requests (RFC 7616/8760 digest, MD5 and
//     SHA-256, qop=auth, HMAC-bound nonces with stale=true, nonce-count
//     replay refused; an unknown user gets the answer a wrong password
//     gets). Guard bans guessing per (source, extension) and per source,
//     never per extension alone.
//   - Registrar is the registrar and location service (Locator):
//     Expires bounds with 423, several contacts per extension, `*`,
//     rport/received for phones behind NAT, keep-alives.
//   - B2BUA connects calls: each INVITE is routed through the
//     application's Router (ExtensionRouter rings every registered device
//     of an extension), forked, answered with media anchored in a
//     media.Bridge, and reported through OnCallEvent; NextStep decides what
//     follows a busy or unanswered attempt. A Target with Outbound rings a
//     number through a provider, answering its 401/407 with the trunk's
//     credentials. SDP offer/answer (ParseSDP, Local) is tolerant on input
//     and strict on output. A ringing device's 183 with SDP (a carrier's
//     ringback, an announcement) starts the bridge early and reaches the
//     caller as a 183 with our SDP; the first fork to send SDP wins, and
//     another fork that answers takes over the same bridge. An INVITE
//     without SDP (late offer) gets our offer in the 200 and is bridged
//     when its ACK brings the answer; an ACK without one gets a BYE.
//     PRACK (RFC 3262, reliable provisional responses) is not supported.
//   - A Target with App makes the PBX answer the call itself (voicemail,
//     feature-code confirmations, announcements, an auto attendant): the
//     App gets an AppLeg to play, record and read RFC 4733 digits on, then
//     hangs up or hands the caller on to devices, whose bridge takes over
//     the caller's RTP port.
//   - A Target with Confirm ("press 1 to accept", for follow-me) asks the
//     device that answers before the caller is connected: the callee gets
//     an AppLeg on its own leg while the caller still hears ringing; only
//     an acceptance sends the caller its 200, anything else hangs the
//     callee up and the attempt ends as no answer.
//   - Notifier serves SUBSCRIBE/NOTIFY for message-summary (MWI, RFC 3842,
//     with unsolicited NOTIFY for phones that expect it) and dialog (busy
//     lamps, RFC 4235).
//   - TrunkRegistration keeps the PBX registered to an upstream provider;
//     DIDRouter and PickTrunk map incoming numbers to extensions and
//     dialled numbers to trunks.
//   - ParseGuard sits in front of the UDP socket and, with Listener, the
//     TCP and TLS listeners (framing each connection by Content-Length),
//     and answers 400 (and 416, 505, 513) to requests sipgo's parser would
//     drop silently.
//
// sip knows nothing of voicemail, rules or accounts: the application fills
// its hooks — Credentials, Router, NextStep, call events, authorisation
// of subscriptions — and examples/pbx is where that happens.
//
// In this package sipgo's message package is imported as gosip, to keep
// the name sip for ours.
package sip
