package media

import (
	"fmt"
	"net/netip"
)

// Direction is the media direction a peer states in its SDP (RFC 3264
// section 5.1), from that peer's point of view: DirectionSendOnly means it
// sends and wants nothing back, as a phone that puts the call on hold
// says.
type Direction uint8

// The directions. The zero value, DirectionUnknown, is read as sendrecv.
const (
	DirectionUnknown Direction = iota
	DirectionSendRecv
	DirectionSendOnly
	DirectionRecvOnly
	DirectionInactive
)

// String returns the SDP attribute name: "sendrecv", "sendonly",
// "recvonly", "inactive", or "unknown".
func (d Direction) String() string {
	switch d {
	case DirectionSendRecv:
		return "sendrecv"
	case DirectionSendOnly:
		return "sendonly"
	case DirectionRecvOnly:
		return "recvonly"
	case DirectionInactive:
		return "inactive"
	}
	return "unknown"
}

// Reverse returns the direction an answerer uses to agree with an offer of
// d: sendonly ↔ recvonly, the others unchanged (unknown becomes sendrecv).
func (d Direction) Reverse() Direction {
	switch d {
	case DirectionSendOnly:
		return DirectionRecvOnly
	case DirectionRecvOnly:
		return DirectionSendOnly
	case DirectionInactive:
		return DirectionInactive
	}
	return DirectionSendRecv
}

// sends reports whether a peer with this direction sends media.
func (d Direction) sends() bool { return d != DirectionRecvOnly && d != DirectionInactive }

// receives reports whether a peer with this direction wants media.
func (d Direction) receives() bool { return d != DirectionSendOnly && d != DirectionInactive }

// BridgeSide names one leg of a Bridge.
type BridgeSide uint8

// The sides: BridgeA is StartBridge's first leg (in a B2BUA, the caller),
// BridgeB its second.
const (
	BridgeSideUnknown BridgeSide = iota
	BridgeA
	BridgeB
)

// String returns "A", "B" or "unknown".
func (s BridgeSide) String() string {
	switch s {
	case BridgeA:
		return "A"
	case BridgeB:
		return "B"
	}
	return "unknown"
}

// BridgeMedia is what a new offer/answer exchange (a re-INVITE, an
// UPDATE) settled for one leg: the fields of BridgeLeg that SDP decides.
type BridgeMedia struct {
	// Remote is the peer's RTP address from its new SDP. When it differs
	// from the previous SDP address, symmetric-RTP learning starts over
	// (Latch.Relearn) with the leg's LatchConfig; when it is the same, the
	// latch (a NATed phone's learned address) is kept. An invalid or
	// unspecified address (a hold with c=0.0.0.0) keeps the current one.
	Remote netip.AddrPort
	// RTCPRemote is the peer's RTCP address (a=rtcp), used on a leg with
	// an RTCP socket; the zero value keeps the current one, or, when
	// Remote changed, means the new RTP port + 1.
	RTCPRemote netip.AddrPort
	// Codec is the codec to send on this leg: CodecPCMU or CodecPCMA.
	// Changing it turns transcoding on or off at the next packet.
	Codec Codec
	// EventPT is the telephone-event payload type (96–127), 0 for none.
	EventPT uint8
	// Direction is the direction the peer stated; DirectionUnknown means
	// sendrecv. A peer that does not receive gets no media (it holds the
	// call); media from a peer that does not send is dropped.
	Direction Direction
}

// Update changes the negotiated media of one leg in place, without
// stopping the relay: the bridge keeps its goroutines, its SSRC towards
// each leg, its sequence numbers and timestamps (the far side sees one
// stream, with the marker bit set on the first packet after a change of
// codec or address and after a hold, whose timestamp advances by the time
// the hold lasted), its latch unless the address changed, and its
// statistics. Packets read after
// Update returns follow the new media.
//
// It returns an error, and changes nothing, when side or m is invalid.
// Safe for concurrent use with the relay and with Stats; calling it after
// the bridge stopped has no effect.
func (br *Bridge) Update(side BridgeSide, m BridgeMedia) error {
	if err := checkMedia(m.Codec, m.EventPT, m.Direction); err != nil {
		return fmt.Errorf("media: bridge update of leg %v: %w", side, err)
	}
	// reader reads the leg and owns its latch; writer sends to it.
	var reader, writer *bridgeDir
	switch side {
	case BridgeA:
		reader, writer = br.ab, br.ba
	case BridgeB:
		reader, writer = br.ba, br.ab
	default:
		return fmt.Errorf("media: bridge update: unknown side %d", side)
	}
	now := br.now()
	// Lock order: ab before ba, everywhere both are held.
	br.ab.mu.Lock()
	defer br.ab.mu.Unlock()
	br.ba.mu.Lock()
	defer br.ba.mu.Unlock()

	cfg := &reader.in.cfg
	old := *cfg
	if r := unmap(m.Remote); r.IsValid() && !r.Addr().IsUnspecified() && r != cfg.Remote {
		cfg.Remote = r
		cfg.RTCPRemote = netip.AddrPort{}
		reader.rtcp.from = netip.AddrPort{}
		reader.latch.Relearn(r, now)
		reader.pub = reader.latch.Remote()
		pub := reader.pub
		reader.in.remote.Store(&pub)
	}
	if m.RTCPRemote.IsValid() {
		cfg.RTCPRemote = unmap(m.RTCPRemote)
	}
	if m.Direction == DirectionUnknown {
		m.Direction = DirectionSendRecv
	}
	cfg.Codec, cfg.EventPT, cfg.Direction = m.Codec, m.EventPT, m.Direction
	if *cfg == old {
		return nil
	}
	reader.configure()
	writer.configure()
	// What the leg receives changed format or destination: mark it. A
	// change of direction alone marks nothing here; relaying that resumes
	// after a hold starts a new mapping, with the marker, in process.
	if cfg.Codec != old.Codec || cfg.Remote != old.Remote {
		writer.mark = true
	}
	br.log.Info("bridge: leg updated", "side", side, "remote", cfg.Remote, "codec", cfg.Codec,
		"direction", cfg.Direction, "was_remote", old.Remote, "was_codec", old.Codec, "was_direction", old.Direction)
	return nil
}
