package media

import (
	"net/netip"
	"time"
)

// LatchConfig sets how symmetric RTP learns a phone's real address. The zero
// value is the safe default.
type LatchConfig struct {
	// Window is how long after the SDP was exchanged a new source may be
	// learned; zero means 5 seconds. After it, the remote only changes with
	// a new SDP (Relearn).
	Window time.Duration
	// Packets is how many packets in a row, with consecutive sequence
	// numbers, one source must send before it is latched; zero means 4.
	Packets int
	// Off disables latching: only the SDP address is ever used.
	Off bool
}

// Latch decides which source address of incoming RTP is the real peer
// (symmetric RTP, RFC 4961 style, for phones behind NAT) while resisting
// RTP-Bleed (CVE-2017-14099): a stranger who sprays packets at our port must
// not take the stream.
//
// The rules: packets from the address given in the SDP are always accepted
// until a latch, and a packet from it latches at once. Another source is
// learned only inside Window after the SDP, and only after it has sent
// Packets packets in a row with consecutive sequence numbers, uninterrupted
// by any other source. Once latched, only the latched source is accepted,
// and the latch never moves mid-call; a new SDP (re-INVITE) starts learning
// again with Relearn.
//
// Not safe for concurrent use: one receive loop owns it.
type Latch struct {
	cfg      LatchConfig
	sdp      netip.AddrPort
	deadline time.Time
	remote   netip.AddrPort
	latched  bool

	cand    netip.AddrPort
	candSeq uint16
	candN   int
}

// NewLatch returns a Latch expecting media from sdp (the address in the
// peer's SDP, which may be a private address behind NAT, or invalid when
// unknown), with learning open from now for cfg.Window.
func NewLatch(sdp netip.AddrPort, now time.Time, cfg LatchConfig) *Latch {
	if cfg.Window <= 0 {
		cfg.Window = 5 * time.Second
	}
	if cfg.Packets <= 0 {
		cfg.Packets = 4
	}
	l := &Latch{cfg: cfg}
	l.Relearn(sdp, now)
	return l
}

// Relearn starts over after a new SDP gave the address sdp at now.
func (l *Latch) Relearn(sdp netip.AddrPort, now time.Time) {
	l.sdp = unmap(sdp)
	l.remote = l.sdp
	l.latched = false
	l.deadline = now.Add(l.cfg.Window)
	l.cand, l.candN = netip.AddrPort{}, 0
}

// Accept reports whether a packet with sequence number seq, received from
// src at now, belongs to the call, and learns the peer's address as the
// rules above say.
func (l *Latch) Accept(src netip.AddrPort, seq uint16, now time.Time) bool {
	src = unmap(src)
	if l.latched {
		return src == l.remote
	}
	if l.cfg.Off {
		return src == l.sdp
	}
	if src == l.sdp {
		l.latch(src)
		return true
	}
	if now.After(l.deadline) {
		return false
	}
	if src == l.cand && seq == l.candSeq+1 {
		l.candN++
	} else {
		l.cand, l.candN = src, 1
	}
	l.candSeq = seq
	if l.candN >= l.cfg.Packets {
		l.latch(src)
		return true
	}
	return false
}

func (l *Latch) latch(src netip.AddrPort) {
	l.remote, l.latched = src, true
	l.cand, l.candN = netip.AddrPort{}, 0
}

// Remote returns the address to send media to: the latched source, or the
// SDP address while nothing is latched.
func (l *Latch) Remote() netip.AddrPort { return l.remote }

// Latched reports whether a source has been latched.
func (l *Latch) Latched() bool { return l.latched }

// unmap turns an IPv4-mapped IPv6 address into plain IPv4, so that addresses
// from a dual-stack socket compare equal to those from SDP.
func unmap(a netip.AddrPort) netip.AddrPort {
	if a.Addr().Is4In6() {
		return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	}
	return a
}
