package sip

import (
	"net/netip"
	"time"
)

// Binding is one registered device (contact) of an address of record,
// what a phone's REGISTER left in the location service.
type Binding struct {
	// AOR is the address of record's user part: the extension, e.g. "101".
	AOR string
	// Contact is the device's Contact URI as it registered it.
	Contact string
	// Source is where the REGISTER came from (received/rport): the
	// address to send requests to when the phone is behind NAT.
	Source netip.AddrPort
	// Transport is the transport the phone registered over: "udp", "tcp"
	// or "tls".
	Transport string
	// UserAgent is the device's User-Agent header.
	UserAgent string
	// CallID and CSeq identify the registration (RFC 3261 section 10.3).
	CallID string
	CSeq   uint32
	// Registered is when the binding was first made; Expires when it lapses
	// unless refreshed.
	Registered, Expires time.Time
	// Outbound, when set, makes the ring of this binding a call out through
	// an upstream provider, whatever Target.Outbound says: it lets one
	// Target ring the desk phones and an outside number through a trunk
	// at once (twinning, follow-me). The registrar never sets it.
	Outbound *Outbound
}

// Locator finds the registered devices of an address of record. The
// registrar implements it; the call layer uses it to ring an extension.
type Locator interface {
	// Lookup returns the unexpired bindings of aor at now, oldest first.
	Lookup(aor string, now time.Time) []Binding
}
