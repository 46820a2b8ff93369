package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/pion/rtcp"
)

// bridgeRTCP is one direction's RTCP session with the leg it reads: what
// the leg's reports said and what our next report needs. Guarded by the
// direction's mu.
type bridgeRTCP struct {
	from     netip.AddrPort // source of the leg's RTCP on its RTCP socket
	srSSRC   uint32         // SSRC of the leg's last SR
	lastSR   uint32         // its NTP timestamp, middle 32 bits
	lastSRAt time.Time      // when it arrived
	peer     PeerReport
	peerSR   PeerSenderReport
	rtt      time.Duration
	sentHist [2]uint64 // packets sent to the leg at the report before last, and last
}

// rtcpLoop reads the leg's RTCP socket until the bridge stops. A read
// error other than the stop ends RTCP on the leg, not the call.
func (d *bridgeDir) rtcpLoop(br *Bridge) {
	conn := d.in.cfg.RTCP
	for {
		n, src, err := conn.ReadFromUDPAddrPort(d.rtcpBuf[:])
		if err != nil {
			if !br.stopping.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
				d.log.Warn("bridge: RTCP read; no more RTCP from this leg", "err", err)
			}
			return
		}
		now := d.now()
		d.mu.Lock()
		d.rtcpIn(d.rtcpBuf[:n], src, now, false)
		d.mu.Unlock()
	}
}

// rtcpIn takes what concerns us from a compound RTCP packet the leg sent
// from src at now: the sender report, for the LSR and DLSR of our next
// report and the leg's own counts, and the reception block about our
// stream, with the round-trip time when it echoes our SR. With rtcp-mux
// the source must be the leg's RTP peer, otherwise its IP address. It
// allocates (pion/rtcp parses), once per report. d.mu must be held.
func (d *bridgeDir) rtcpIn(pkt []byte, src netip.AddrPort, now time.Time, mux bool) {
	src = unmap(src)
	remote := d.latch.Remote()
	if mux && src != remote || !mux && src.Addr() != remote.Addr() {
		d.c.droppedLatch++
		return
	}
	pkts, err := rtcp.Unmarshal(pkt)
	if err != nil {
		d.c.droppedInvalid++
		return
	}
	d.c.rtcpReceived++
	r := &d.rtcp
	if !mux {
		r.from = src
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			r.srSSRC, r.lastSR, r.lastSRAt = p.SSRC, MiddleNTP(p.NTPTime), now
			r.peerSR = PeerSenderReport{At: now, SSRC: p.SSRC, NTPTime: p.NTPTime,
				RTPTime: p.RTPTime, Packets: p.PacketCount, Octets: p.OctetCount}
			d.reportBlocks(p.Reports, now)
		case *rtcp.ReceiverReport:
			d.reportBlocks(p.Reports, now)
		}
	}
}

// reportBlocks takes the block about our stream to the leg, if any.
func (d *bridgeDir) reportBlocks(blocks []rtcp.ReceptionReport, now time.Time) {
	for _, b := range blocks {
		if b.SSRC != d.inSSRC0 {
			continue
		}
		lost := int32(b.TotalLost<<8) >> 8 // sign-extend 24 bits
		d.rtcp.peer = PeerReport{At: now, FractionLost: b.FractionLost, Lost: lost, Jitter: tsDuration(b.Jitter)}
		if b.LastSenderReport != 0 {
			// RTT = arrival − LSR − DLSR, in 1/65536 s (RFC 3550 6.4.1).
			rtt := MiddleNTP(NTPTime(now)) - b.LastSenderReport - b.Delay
			if int32(rtt) >= 0 {
				d.rtcp.rtt = time.Duration(uint64(rtt) * uint64(time.Second) >> 16)
			}
		}
	}
}

// reportDue reports whether the report to d's leg is due at t (Unix
// nanoseconds) and, if so, claims it for the caller by moving the next
// one an interval on. Both directions' goroutines call it.
func (d *bridgeDir) reportDue(t int64) bool {
	next := d.nextReport.Load()
	return t >= next && d.nextReport.CompareAndSwap(next, t+int64(d.interval))
}

// sendReport sends the leg d reads its compound report: a sender report
// when the bridge sent it media since the report before last (RFC 3550
// section 6.4), a receiver report otherwise, with a reception block about
// its stream once one arrived, and an SDES CNAME. It allocates, once per
// report.
func (d *bridgeDir) sendReport(now time.Time) {
	// What we send to the leg is the other direction's.
	o := d.other
	o.mu.Lock()
	sent, octets := o.c.relayed, o.c.octets
	outTS, lastOut := o.outTS, o.lastOut
	o.mu.Unlock()

	d.mu.Lock()
	var blocks []rtcp.ReceptionReport
	if d.started {
		var lsr uint32
		var since time.Duration
		if d.rtcp.srSSRC == d.inSSRC && !d.rtcp.lastSRAt.IsZero() {
			lsr, since = d.rtcp.lastSR, now.Sub(d.rtcp.lastSRAt)
		}
		blocks = []rtcp.ReceptionReport{d.stats.Report().ReceptionReport(d.inSSRC, lsr, since)}
	}
	isSender := sent > d.rtcp.sentHist[0]
	d.rtcp.sentHist = [2]uint64{d.rtcp.sentHist[1], sent}
	conn, dst := d.reportDest()
	d.mu.Unlock()
	if conn == nil || !dst.IsValid() || len(blocks) == 0 && !isSender {
		return
	}

	var first rtcp.Packet = &rtcp.ReceiverReport{SSRC: d.inSSRC0, Reports: blocks}
	if isSender {
		first = &rtcp.SenderReport{
			SSRC:        d.inSSRC0,
			NTPTime:     NTPTime(now),
			RTPTime:     outTS + uint32(now.Sub(lastOut)*SampleRate/time.Second),
			PacketCount: uint32(sent),
			OctetCount:  uint32(octets),
			Reports:     blocks,
		}
	}
	b, err := rtcp.Marshal([]rtcp.Packet{first, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: d.inSSRC0,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: fmt.Sprintf("telekit-bridge-%08x", d.inSSRC0)}},
	}}}})
	if err == nil {
		_, err = conn.WriteToUDPAddrPort(b, dst)
	}
	if err != nil {
		d.log.Warn("bridge: RTCP report", "to", dst, "err", err)
		return
	}
	d.mu.Lock()
	d.c.rtcpSent++
	d.mu.Unlock()
}

// reportDest returns the socket and address for reports to the leg: with
// rtcp-mux its RTP peer; otherwise where its RTCP came from (if from the
// peer's IP), else the configured RTCPRemote, else the RTP remote's port
// + 1. d.mu must be held.
func (d *bridgeDir) reportDest() (*net.UDPConn, netip.AddrPort) {
	cfg := &d.in.cfg
	remote := d.latch.Remote()
	switch {
	case cfg.RTCPMux:
		return cfg.Conn, remote
	case cfg.RTCP == nil || !remote.IsValid():
		return nil, netip.AddrPort{}
	case d.rtcp.from.IsValid() && d.rtcp.from.Addr() == remote.Addr():
		return cfg.RTCP, d.rtcp.from
	case cfg.RTCPRemote.IsValid():
		return cfg.RTCP, cfg.RTCPRemote
	}
	return cfg.RTCP, netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
}
