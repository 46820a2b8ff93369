package media

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// Stats is a snapshot of a Session's counters, of both directions.
type Stats struct {
	// PacketsSent and OctetsSent count the RTP packets we sent and their
	// payload bytes (as an RTCP sender report does).
	PacketsSent, OctetsSent uint64
	// PacketsReceived and OctetsReceived count the peer's RTP packets we
	// accepted and their payload bytes.
	PacketsReceived, OctetsReceived uint64
	// Lost is the cumulative number of the peer's packets we did not
	// receive (RFC 3550; negative when duplicates outnumber losses).
	Lost int64
	// Jitter is the interarrival jitter of the peer's stream.
	Jitter time.Duration
	// Dropped counts RTP packets rejected by the latch, and RTCP packets
	// ignored, because they came from an address that is not the peer's
	// (RTP-Bleed attempts, stray streams).
	Dropped uint64
	// Invalid counts datagrams on our sockets that were not valid RTP or
	// RTCP.
	Invalid uint64
	// Latched reports whether the peer's address was learned from its
	// packets; Remote is where we send.
	Latched bool
	Remote  netip.AddrPort
	// Peer is what the peer's last RTCP report said of our stream.
	Peer PeerReport
	// PeerSender is what the peer's last RTCP sender report said of its
	// own stream. A peer that only sends (a media server, ffmpeg) reports
	// no reception blocks, so this is the only sign its RTCP arrives.
	PeerSender PeerSenderReport
	// RTT is the round-trip time from the peer's last report that echoed
	// one of our sender reports (RFC 3550 section 6.4.1); zero if none.
	RTT time.Duration
	// PeerBye reports whether the peer sent an RTCP BYE.
	PeerBye bool
}

// PeerReport is the peer's view of our stream, from the reception report
// block about our SSRC in its last RTCP SR or RR.
type PeerReport struct {
	// At is when the report arrived; zero if none has.
	At time.Time
	// FractionLost is the fraction of our packets lost in the peer's last
	// interval, in 1/256 units as RTCP carries it.
	FractionLost uint8
	// Lost is the cumulative number of our packets the peer did not
	// receive.
	Lost int32
	// Jitter is the interarrival jitter the peer measured on our stream.
	Jitter time.Duration
}

// PeerSenderReport is the sender information of the peer's last RTCP
// sender report (RFC 3550 section 6.4.1): the peer's own count of what it
// sent, which a receiver compares with what arrived.
type PeerSenderReport struct {
	// At is when the report arrived; zero if none has.
	At time.Time
	// SSRC is the peer's synchronisation source.
	SSRC uint32
	// NTPTime is the peer's wall clock when it sent the report, as a
	// 64-bit NTP timestamp, and RTPTime the RTP timestamp of that instant.
	NTPTime uint64
	RTPTime uint32
	// Packets and Octets are the RTP packets and payload bytes the peer
	// had sent by then (modulo 2^32, as RTCP carries them).
	Packets, Octets uint32
}

// Stats returns the session's counters. Safe for concurrent use.
func (s *Session) Stats() Stats {
	var st Stats
	s.recvMu.Lock()
	rs := s.recv // Report on a copy: it must not start a new interval
	rep := rs.Report()
	st.PacketsReceived, st.OctetsReceived = s.received, s.recvOctets
	st.Dropped, st.Invalid = s.dropped, s.invalid
	st.Latched = s.latch.Latched()
	s.recvMu.Unlock()
	st.Lost = int64(rep.Lost)
	st.Jitter = tsDuration(rep.Jitter)

	s.sendMu.Lock()
	st.PacketsSent, st.OctetsSent = s.sent.packets, s.sent.octets
	st.Remote = s.sendRemote
	s.sendMu.Unlock()

	if r := s.rtcp; r != nil {
		r.mu.Lock()
		st.Peer, st.RTT, st.PeerBye = r.peer, r.rtt, r.bye
		st.PeerSender = r.peerSR
		st.Invalid += r.invalid
		r.mu.Unlock()
	}
	return st
}

// tsDuration converts a span of 8 kHz RTP timestamp units to a duration.
func tsDuration(ts uint32) time.Duration {
	return time.Duration(uint64(ts) * uint64(time.Second) / SampleRate)
}

// rtcpState is a Session's RTCP side (RFC 3550 section 6): the report
// timer, what the peer reported, and the last sender report it sent.
type rtcpState struct {
	s        *Session
	mux      bool
	conn     *net.UDPConn // the RTP conn when mux
	interval time.Duration
	cname    string
	remote   netip.AddrPort // from SDP, or derived; zero: RTP remote port+1

	mu       sync.Mutex
	learned  netip.AddrPort // source of the peer's RTCP
	srSSRC   uint32         // SSRC of the peer's last SR
	lastSR   uint32         // its NTP timestamp, middle 32 bits
	lastSRAt time.Time      // when it arrived
	peer     PeerReport
	peerSR   PeerSenderReport
	rtt      time.Duration
	bye      bool
	invalid  uint64
	sentHist [2]uint64 // packets sent at the report before last, and last
}

func newRTCPState(s *Session, conn *net.UDPConn, cfg SessionConfig) (*rtcpState, error) {
	r := &rtcpState{
		s:        s,
		mux:      cfg.RTCPMux,
		conn:     conn,
		interval: cfg.RTCPInterval,
		cname:    cfg.CNAME,
		remote:   unmap(cfg.RemoteRTCP),
	}
	if r.interval <= 0 {
		r.interval = 5 * time.Second
	}
	if r.cname == "" {
		r.cname = fmt.Sprintf("telekit-%08x", s.ssrc)
	}
	if !r.mux {
		r.conn = cfg.RTCPConn
		if r.conn == nil {
			la, _ := conn.LocalAddr().(*net.UDPAddr)
			if la == nil {
				return nil, errors.New("media: new rtp session: rtp socket has no local address")
			}
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: la.IP, Port: la.Port + 1, Zone: la.Zone})
			if err != nil {
				return nil, fmt.Errorf("media: new rtp session: rtcp socket: %w", err)
			}
			r.conn = c
		}
	}
	return r, nil
}

// next returns the time to the next report: the interval scaled at random
// by 0.5 to 1.5 (RFC 3550 section 6.3.1), so that peers do not synchronise.
func (r *rtcpState) next() time.Duration {
	return time.Duration(float64(r.interval) * (0.5 + rand.Float64()))
}

// sendLoop sends a report at each randomized interval until ctx is done.
func (r *rtcpState) sendLoop(ctx context.Context) {
	t := time.NewTimer(r.next())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := r.send(false); err != nil && !errors.Is(err, ErrNoRemote) && !r.s.closed.Load() {
			r.s.log.Debug("rtcp: send report", "err", err)
		}
		t.Reset(r.next())
	}
}

// readLoop reads the separate RTCP socket until it is closed.
func (r *rtcpState) readLoop() {
	buf := make([]byte, 1500)
	for {
		n, src, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if r.s.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			r.s.log.Debug("rtcp: read", "err", err)
			continue
		}
		r.receive(buf[:n], unmap(src), r.s.clock())
	}
}

// receive parses one compound RTCP packet from src and takes what concerns
// us from it. Packets from an address other than the peer's are ignored:
// with rtcp-mux the source must be the RTP peer's address, otherwise its
// IP address.
func (r *rtcpState) receive(b []byte, src netip.AddrPort, now time.Time) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		r.mu.Lock()
		r.invalid++
		r.mu.Unlock()
		return
	}
	remote := r.s.Remote()
	if r.mux && src != remote || !r.mux && src.Addr() != remote.Addr() {
		r.s.recvMu.Lock()
		r.s.dropped++
		r.s.recvMu.Unlock()
		return
	}
	r.handle(pkts, src, now)
}

// handle applies parsed RTCP packets that arrived from src at now.
func (r *rtcpState) handle(pkts []rtcp.Packet, src netip.AddrPort, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learned = src
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			r.srSSRC, r.lastSR, r.lastSRAt = p.SSRC, MiddleNTP(p.NTPTime), now
			r.peerSR = PeerSenderReport{At: now, SSRC: p.SSRC, NTPTime: p.NTPTime,
				RTPTime: p.RTPTime, Packets: p.PacketCount, Octets: p.OctetCount}
			r.blocks(p.Reports, now)
		case *rtcp.ReceiverReport:
			r.blocks(p.Reports, now)
		case *rtcp.Goodbye:
			for _, ssrc := range p.Sources {
				if ssrc != r.s.ssrc && !r.bye {
					r.bye = true
					r.s.log.Info("rtcp: peer sent BYE", "peer_ssrc", ssrc, "reason", p.Reason)
				}
			}
		}
	}
}

// blocks takes the report block about our SSRC, if any: the peer's view
// of our stream, and the round-trip time when it echoes our last SR.
func (r *rtcpState) blocks(reports []rtcp.ReceptionReport, now time.Time) {
	for _, b := range reports {
		if b.SSRC != r.s.ssrc {
			continue
		}
		lost := int32(b.TotalLost<<8) >> 8 // sign-extend 24 bits
		r.peer = PeerReport{At: now, FractionLost: b.FractionLost, Lost: lost, Jitter: tsDuration(b.Jitter)}
		if b.LastSenderReport != 0 {
			// RTT = arrival − LSR − DLSR, all in 1/65536 s (RFC 3550 6.4.1).
			rtt := MiddleNTP(NTPTime(now)) - b.LastSenderReport - b.Delay
			if int32(rtt) >= 0 {
				r.rtt = time.Duration(uint64(rtt) * uint64(time.Second) >> 16)
			}
		}
	}
}

// send sends one compound report: SR or RR, SDES CNAME, and BYE if bye.
func (r *rtcpState) send(bye bool) error {
	b, dst, err := r.build(r.s.clock(), bye)
	if err != nil {
		return err
	}
	if _, err := r.conn.WriteToUDPAddrPort(b, dst); err != nil {
		return fmt.Errorf("media: send rtcp: %w", err)
	}
	return nil
}

func (r *rtcpState) sendBye() error { return r.send(true) }

// build marshals the compound report due at now and returns where it goes.
func (r *rtcpState) build(now time.Time, bye bool) ([]byte, netip.AddrPort, error) {
	s := r.s
	s.recvMu.Lock()
	havePeer, peerSSRC := s.havePeer, s.peerSSRC
	var rep RecvReport
	if havePeer {
		rep = s.recv.Report()
	}
	s.recvMu.Unlock()
	s.sendMu.Lock()
	sent, rtpRemote := s.sent, s.sendRemote
	s.sendMu.Unlock()

	r.mu.Lock()
	var blocks []rtcp.ReceptionReport
	if havePeer {
		var lsr uint32
		var since time.Duration
		if r.srSSRC == peerSSRC && !r.lastSRAt.IsZero() {
			lsr, since = r.lastSR, now.Sub(r.lastSRAt)
		}
		blocks = []rtcp.ReceptionReport{rep.ReceptionReport(peerSSRC, lsr, since)}
	}
	// We are a sender if we sent RTP since the report before last.
	isSender := sent.packets > r.sentHist[0]
	r.sentHist = [2]uint64{r.sentHist[1], sent.packets}
	dst := r.dest(rtpRemote)
	r.mu.Unlock()
	if !dst.IsValid() {
		return nil, dst, ErrNoRemote
	}

	var first rtcp.Packet = &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: blocks}
	if isSender {
		// The RTP timestamp that corresponds to now, extrapolated from the
		// last packet sent.
		rtpTS := sent.lastTS + uint32(now.Sub(sent.lastAt)*SampleRate/time.Second)
		first = &rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     NTPTime(now),
			RTPTime:     rtpTS,
			PacketCount: uint32(sent.packets),
			OctetCount:  uint32(sent.octets),
			Reports:     blocks,
		}
	}
	pkts := []rtcp.Packet{first, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: s.ssrc,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: r.cname}},
	}}}}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		return nil, dst, fmt.Errorf("media: build rtcp: %w", err)
	}
	return b, dst, nil
}

// dest returns where RTCP goes: with mux the RTP peer; otherwise where the
// peer's RTCP came from, else the SDP's a=rtcp, else RTP port+1.
// r.mu must be held.
func (r *rtcpState) dest(rtpRemote netip.AddrPort) netip.AddrPort {
	switch {
	case r.mux:
		return rtpRemote
	case r.learned.IsValid() && r.learned.Addr() == rtpRemote.Addr():
		return r.learned
	case r.remote.IsValid():
		return r.remote
	case rtpRemote.IsValid():
		return netip.AddrPortFrom(rtpRemote.Addr(), rtpRemote.Port()+1)
	}
	return netip.AddrPort{}
}
