package main

import (
	"errors"
	"math"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// rtpEcho is the callee's media in the load test: the sipp callee's SDP
// names its port, so the PBX's bridge relays the caller's RTP here. It
// sends every RTP packet back to where it came from (the bridge's port
// for that call), so media flows both ways through the bridge, and it
// keeps, per call (per bridge address), what a phone would measure of
// the relayed stream: packets, sequence gaps and RFC 3550 interarrival
// jitter. The bridge sends its own RTCP receiver reports here too
// (rtcp-mux): they say what the bridge received of the echoed stream,
// and the last one of each call is kept.
//
// Safe for concurrent use; one goroutine reads the socket until Close.
type rtpEcho struct {
	conn *net.UDPConn
	now  func() time.Time
	done chan struct{}

	mu      sync.Mutex
	streams map[streamKey]*echoStream
	badRTP  uint64 // datagrams that were neither RTP nor RTCP
}

// streamKey tells calls apart: the PBX reuses its RTP ports from call to
// call, but each call's bridge has its own SSRC towards the callee (and
// reports from that SSRC).
type streamKey struct {
	src  netip.AddrPort
	ssrc uint32
}

// echoStream is what the echo saw of one call's relayed stream.
type echoStream struct {
	Packets  uint64
	firstSeq uint32 // extended
	maxSeq   uint32 // extended highest sequence number
	started  bool
	transit  float64 // previous relative transit, in timestamp units
	Jitter   float64 // RFC 3550 interarrival jitter, in timestamp units (8 kHz)
	Reports  int     // RTCP receiver reports the bridge sent
	LastRR   rtcp.ReceptionReport
}

// Expected is the packets the sequence numbers say were sent.
func (s *echoStream) Expected() uint64 {
	if !s.started {
		return 0
	}
	return uint64(s.maxSeq-s.firstSeq) + 1
}

// listenEcho starts an echo on addr (port 0 picks one).
func listenEcho(addr netip.AddrPort) (*rtpEcho, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, err
	}
	conn.SetReadBuffer(4 << 20)
	e := &rtpEcho{conn: conn, now: time.Now, done: make(chan struct{}), streams: map[streamKey]*echoStream{}}
	go e.serve()
	return e, nil
}

// Addr is where the echo listens.
func (e *rtpEcho) Addr() netip.AddrPort {
	return e.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Close stops the echo and waits for its goroutine.
func (e *rtpEcho) Close() error {
	err := e.conn.Close()
	<-e.done
	return err
}

func (e *rtpEcho) serve() {
	defer close(e.done)
	buf := make([]byte, 2048)
	for {
		n, src, err := e.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if e.note(buf[:n], src, e.now()) {
			e.conn.WriteToUDPAddrPort(buf[:n], src)
		}
	}
}

// note records one datagram from src received at now, and reports
// whether it is RTP to send back.
func (e *rtpEcho) note(pkt []byte, src netip.AddrPort, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(pkt) >= 2 && pkt[1] >= 200 && pkt[1] <= 204 { // RTCP (RFC 5761 §4)
		ps, err := rtcp.Unmarshal(pkt)
		if err != nil {
			e.badRTP++
			return false
		}
		for _, p := range ps {
			if rr, ok := p.(*rtcp.ReceiverReport); ok && len(rr.Reports) > 0 {
				s := e.stream(streamKey{src, rr.SSRC})
				s.Reports++
				s.LastRR = rr.Reports[0]
			}
		}
		return false
	}
	var h rtp.Header
	if _, err := h.Unmarshal(pkt); err != nil {
		e.badRTP++
		return false
	}
	s := e.stream(streamKey{src, h.SSRC})
	s.Packets++
	// Arrival in the stream's 8 kHz timestamp units.
	arrival := float64(now.UnixNano()) * 8000 / 1e9
	transit := arrival - float64(h.Timestamp)
	if !s.started {
		s.started = true
		s.firstSeq, s.maxSeq = uint32(h.SequenceNumber), uint32(h.SequenceNumber)
		s.transit = transit
		return true
	}
	// Extend the 16-bit sequence number to the one nearest the highest.
	ext := s.maxSeq&^0xffff | uint32(h.SequenceNumber)
	switch d := int64(ext) - int64(s.maxSeq); {
	case d < -0x8000:
		ext += 0x10000
	case d > 0x8000 && ext >= 0x10000:
		ext -= 0x10000
	}
	if ext > s.maxSeq {
		s.maxSeq = ext
	}
	d := math.Abs(transit - s.transit)
	s.transit = transit
	s.Jitter += (d - s.Jitter) / 16
	return true
}

// stream returns the stream of k, new if unknown. Called with e.mu held.
func (e *rtpEcho) stream(k streamKey) *echoStream {
	s := e.streams[k]
	if s == nil {
		s = &echoStream{}
		e.streams[k] = s
	}
	return s
}

// mediaSummary is what the echoes saw over a run, across calls.
type mediaSummary struct {
	Streams   int     // calls whose relayed RTP reached the echo
	Received  uint64  // RTP packets relayed to the callee
	Expected  uint64  // the same by sequence numbers
	PerCall   float64 // median packets received per call
	JitterMed float64 // median over calls of the final interarrival jitter, ms
	JitterMax float64 // ms
	// The bridge's own receiver reports of the echoed stream (the
	// callee leg), the last of each call.
	Reported     int     // calls with at least one report
	BridgeLost   int64   // cumulative lost, summed over calls
	BridgeJitMed float64 // median jitter, ms
	BridgeJitMax float64 // ms
	BadDatagrams uint64  // neither RTP nor parseable RTCP
}

// LossPct is the share of relayed packets missing at the callee, by
// sequence numbers, in percent.
func (m mediaSummary) LossPct() float64 {
	if m.Expected == 0 {
		return 0
	}
	return 100 * float64(int64(m.Expected)-int64(m.Received)) / float64(m.Expected)
}

// summarizeEchoes adds up what the echoes saw.
func summarizeEchoes(es []*rtpEcho) mediaSummary {
	var m mediaSummary
	var jit, bjit, per []float64
	for _, e := range es {
		e.mu.Lock()
		m.BadDatagrams += e.badRTP
		for _, s := range e.streams {
			if s.started {
				m.Streams++
				m.Received += s.Packets
				m.Expected += s.Expected()
				per = append(per, float64(s.Packets))
				jit = append(jit, s.Jitter/8) // 8 timestamp units per ms
			}
			if s.Reports > 0 {
				m.Reported++
				m.BridgeLost += int64(s.LastRR.TotalLost)
				bjit = append(bjit, float64(s.LastRR.Jitter)/8)
			}
		}
		e.mu.Unlock()
	}
	m.PerCall = median(per)
	m.JitterMed, m.JitterMax = median(jit), maxOf(jit)
	m.BridgeJitMed, m.BridgeJitMax = median(bjit), maxOf(bjit)
	return m
}

func maxOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Max(xs)
}
