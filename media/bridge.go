package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// BridgeLeg describes one call leg of a Bridge: our RTP socket towards a
// phone or trunk and what its SDP negotiated.
type BridgeLeg struct {
	// Conn is our RTP socket for this leg, bound by the caller. While the
	// bridge runs it alone reads from Conn and sets its read deadline; the
	// bridge never closes it, and clears the read deadline when it stops,
	// so the caller may go on using it (to play a prompt, say).
	Conn *net.UDPConn
	// Remote is the RTP address from the peer's SDP. Symmetric RTP (Latch)
	// may learn another one from the packets that arrive.
	Remote netip.AddrPort
	// Codec is the negotiated audio codec, CodecPCMU or CodecPCMA: what the
	// bridge sends on this leg. Incoming PCMU and PCMA are both accepted.
	Codec Codec
	// EventPT is the negotiated RFC 4733 telephone-event payload type
	// (96–127), or 0 when the leg has none; DTMF events are then dropped
	// rather than sent to it.
	EventPT uint8
	// Direction is the direction the peer stated in its SDP; the zero
	// value means sendrecv. The bridge sends nothing to a peer that does
	// not receive (sendonly, inactive: it put the call on hold) and relays
	// nothing from one that does not send.
	Direction Direction
	// SSRC is the synchronisation source the bridge uses towards this leg;
	// zero picks a random one.
	SSRC uint32
	// Latch configures symmetric-RTP learning of the peer's address.
	Latch LatchConfig

	// RTCPMux sends and reads RTCP on Conn (RFC 5761). Incoming RTCP is
	// never relayed: each leg is its own RTP session.
	RTCPMux bool
	// RTCP, when RTCPMux is false, is our RTCP socket for this leg (by
	// RFC 3550 the RTP port + 1, which the peer sends its reports to). The
	// bridge reads the peer's sender and receiver reports from it and
	// sends its own from it; like Conn it is never closed by the bridge.
	// Nil with RTCPMux false means no RTCP on this leg.
	RTCP *net.UDPConn
	// RTCPRemote is where reports go when RTCP is set; the zero value
	// means where the peer's reports come from, else the RTP remote's
	// port + 1.
	RTCPRemote netip.AddrPort
}

// BridgeConfig holds the optional settings of a Bridge. The zero value is
// ready to use.
type BridgeConfig struct {
	// RTCPInterval is the time between two reports to a leg; zero means 5
	// seconds, negative disables RTCP. A report is sent when a packet
	// from or to the leg passes the bridge after the interval, so a leg
	// with no media in either direction gets none.
	RTCPInterval time.Duration
	// Now returns the current time; nil means time.Now. Tests set it to
	// drive latch windows and RTCP intervals without sleeping.
	Now func() time.Time
	// Logger receives the bridge's rare events (latching, source changes,
	// updates, errors); nil discards them. Nothing is logged per packet.
	Logger *slog.Logger
}

// BridgeLegStats is a snapshot of what a Bridge saw from one leg.
type BridgeLegStats struct {
	// Received is the RFC 3550 receive statistics of the leg's current
	// source (reset when its SSRC changes); FractionLost is since the last
	// RTCP report sent.
	Received RecvReport
	// SSRC is the leg's current source, as received.
	SSRC uint32
	// SentSSRC is our synchronisation source towards the leg.
	SentSSRC uint32
	// Remote is where the bridge sends to the leg: the latched address, or
	// the SDP address while nothing is latched.
	Remote netip.AddrPort
	// Latched reports whether symmetric RTP latched the leg's address.
	Latched bool
	// Relayed counts the packets from this leg sent to the other leg.
	Relayed uint64
	// Held counts the packets from this leg not relayed because of a hold:
	// the leg does not send, or the other leg does not receive.
	Held uint64
	// DroppedLatch counts packets rejected by the latch: from a source that
	// is not the leg's peer (a stranger, or a NAT address still learning),
	// RTP or RTCP.
	DroppedLatch uint64
	// DroppedInvalid counts packets that are not RTP version 2, are
	// malformed, carry a payload type the leg did not negotiate, or are
	// DTMF events the other leg cannot receive, and unparsable RTCP.
	DroppedInvalid uint64
	// SendErrors counts failed writes to the other leg.
	SendErrors uint64
	// RTCPSent counts the reports (SR or RR) sent to this leg.
	RTCPSent uint64
	// RTCPReceived counts the RTCP packets received from this leg, on Conn
	// with RTCPMux or on the RTCP socket.
	RTCPReceived uint64
	// Peer is the leg's view of the stream we send it, from the reception
	// report block about our SSRC in its last SR or RR; zero At if none.
	Peer PeerReport
	// PeerSender is the sender information of the leg's last SR.
	PeerSender PeerSenderReport
	// RTT is the round-trip time to the leg from its last report that
	// echoed one of our sender reports; zero if none.
	RTT time.Duration
}

// BridgeStats is a snapshot of both legs of a Bridge.
type BridgeStats struct {
	A, B BridgeLegStats
}

// Bridge relays RTP between two call legs of a B2BUA, so that each phone
// sees one continuous stream from the bridge whatever happens on the other
// leg: our own SSRC per leg, sequence numbers and timestamps that continue
// across a change of source, a jump of sequence on the other side, a hold
// or a re-INVITE (Update), with the marker bit set there. Payload types
// are mapped between the legs (PCMU 0 ↔ PCMA 8, telephone-event PT ↔ PT);
// when the codecs match the payload is untouched, otherwise it is
// transcoded µ-law ↔ A-law in place.
//
// Each leg is its own RTP session for RTCP: the bridge reads the peer's
// reports (on the RTP socket with rtcp-mux, else on the leg's RTCP
// socket) and sends it a sender report while it sends media to it, a
// receiver report otherwise, so BridgeStats holds both what the bridge
// measured and what each peer measured of the bridge's stream.
//
// Headers are rewritten in place in a buffer reused for the life of the
// bridge: nothing is allocated per packet. One goroutine per direction
// reads a leg's RTP socket, and one per leg its RTCP socket when it has
// one; all are stopped and waited for by Close or when the context given
// to StartBridge ends.
//
// Its methods are safe for concurrent use.
type Bridge struct {
	ab, ba   *bridgeDir
	legs     [2]*bridgeLeg
	log      *slog.Logger
	now      func() time.Time
	stopping atomic.Bool
	stopOnce sync.Once
	done     chan struct{}
	errMu    sync.Mutex
	err      error
	unhook   func() bool
}

// bridgeLeg is the configuration of one leg shared by both directions.
// Its negotiated fields change only in Update, with both directions' mu
// held, so either direction reads them under its own mu. The latch is
// owned by the direction that reads the leg, which publishes the address
// to send to in remote for the other direction.
type bridgeLeg struct {
	cfg    BridgeLeg
	remote atomic.Pointer[netip.AddrPort]
}

// bridgeDir relays packets read from in to out, and keeps the RTCP
// session with in: what we measured of in's stream and what in reported.
// Its buffers are owned by its goroutines; mu guards the rest.
type bridgeDir struct {
	in, out  *bridgeLeg
	other    *bridgeDir // the opposite direction, which sends to in
	outSSRC  uint32     // ours towards out
	inSSRC0  uint32     // ours towards in, the sender SSRC of reports to in
	now      func() time.Time
	interval time.Duration
	log      *slog.Logger
	buf      [1500]byte
	rtcpBuf  [1500]byte
	// nextReport is when the next report to in is due, in Unix
	// nanoseconds; either direction's goroutine claims it.
	nextReport atomic.Int64

	mu      sync.Mutex
	actions [128]ptAction
	open    bool // in sends and out receives: relay
	resync  bool // packets were held: the next relayed one starts a new mapping
	mark    bool // out's media changed: set the marker on the next packet
	latch   *Latch
	stats   RecvStats
	pub     netip.AddrPort // last remote published in in.remote
	c       counters
	started bool
	inSSRC  uint32
	inSeq   uint16 // highest in-order sequence number received
	inTS    uint32
	frame   uint32 // last timestamp step seen between consecutive packets
	seqOff  uint16
	tsOff   uint32
	outSeq  uint16 // last in-order sequence number sent
	outTS   uint32
	lastOut time.Time

	rtcp bridgeRTCP
}

type counters struct {
	relayed, octets, held, droppedLatch, droppedInvalid, sendErrors, rtcpSent, rtcpReceived uint64
}

// ptAction says what to do with one incoming payload type.
type ptAction struct {
	ok      bool
	pt      uint8 // outgoing payload type
	convert func(dst, src []byte) int
}

// Sequence discontinuity limits, as RFC 3550 appendix A.1 uses them.
const (
	bridgeMaxDropout  = 3000
	bridgeMaxMisorder = 100
	ptComfortNoise    = 13
)

// StartBridge validates the legs and starts relaying between a and b until
// ctx ends or Close is called. The bridge takes over reading both legs'
// sockets (RTP, and RTCP where given) while it runs; it does not close
// them.
func StartBridge(ctx context.Context, a, b BridgeLeg, cfg BridgeConfig) (*Bridge, error) {
	for i, l := range []*BridgeLeg{&a, &b} {
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("media: bridge leg %c: %w", 'A'+i, err)
		}
		if l.SSRC == 0 {
			l.SSRC = rand.Uint32() | 1
		}
		if l.RTCPMux {
			l.RTCP = nil
		}
		l.Remote = unmap(l.Remote)
		if l.Direction == DirectionUnknown {
			l.Direction = DirectionSendRecv
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case cfg.RTCPInterval == 0:
		cfg.RTCPInterval = 5 * time.Second
	case cfg.RTCPInterval < 0:
		cfg.RTCPInterval = 0
	}
	la, lb := &bridgeLeg{cfg: a}, &bridgeLeg{cfg: b}
	br := &Bridge{
		legs: [2]*bridgeLeg{la, lb},
		log:  cfg.Logger,
		now:  cfg.Now,
		done: make(chan struct{}),
	}
	now := cfg.Now()
	br.ab = newBridgeDir(la, lb, cfg, now)
	br.ba = newBridgeDir(lb, la, cfg, now)
	br.ab.other, br.ba.other = br.ba, br.ab

	var wg sync.WaitGroup
	for _, d := range []*bridgeDir{br.ab, br.ba} {
		wg.Go(func() { br.fail(d.run(br)) })
		if d.in.cfg.RTCP != nil {
			wg.Go(func() { d.rtcpLoop(br) })
		}
	}
	go func() {
		wg.Wait()
		for _, l := range br.legs {
			l.cfg.Conn.SetReadDeadline(time.Time{})
			if l.cfg.RTCP != nil {
				l.cfg.RTCP.SetReadDeadline(time.Time{})
			}
		}
		close(br.done)
	}()
	br.unhook = context.AfterFunc(ctx, func() { br.fail(ctx.Err()); br.stop() })
	return br, nil
}

func (l *BridgeLeg) check() error {
	if l.Conn == nil {
		return errors.New("no RTP socket")
	}
	return checkMedia(l.Codec, l.EventPT, l.Direction)
}

func checkMedia(c Codec, eventPT uint8, dir Direction) error {
	if c != CodecPCMU && c != CodecPCMA {
		return fmt.Errorf("unsupported codec %v", c)
	}
	if eventPT != 0 && (eventPT < 96 || eventPT > 127) {
		return fmt.Errorf("telephone-event payload type %d outside 96–127", eventPT)
	}
	if dir > DirectionInactive {
		return fmt.Errorf("unknown direction %d", dir)
	}
	return nil
}

func newBridgeDir(in, out *bridgeLeg, cfg BridgeConfig, now time.Time) *bridgeDir {
	d := &bridgeDir{
		in:       in,
		out:      out,
		outSSRC:  out.cfg.SSRC,
		inSSRC0:  in.cfg.SSRC,
		now:      cfg.Now,
		interval: cfg.RTCPInterval,
		log:      cfg.Logger,
		latch:    NewLatch(in.cfg.Remote, now, in.cfg.Latch),
		frame:    FrameSamples,
		outSeq:   uint16(rand.Uint32()),
		outTS:    rand.Uint32(),
	}
	d.nextReport.Store(now.Add(cfg.RTCPInterval).UnixNano())
	d.pub = d.latch.Remote()
	r := d.pub
	in.remote.Store(&r)
	d.configure()
	return d
}

// configure derives the direction's relay rules from both legs'
// negotiated media. d.mu must be held (or d not yet running).
func (d *bridgeDir) configure() {
	d.actions = ptActions(d.in.cfg, d.out.cfg)
	d.open = d.in.cfg.Direction.sends() && d.out.cfg.Direction.receives()
}

// ptActions maps the payload types a leg may send to what the other leg
// receives.
func ptActions(in, out BridgeLeg) (a [128]ptAction) {
	for _, c := range []Codec{CodecPCMU, CodecPCMA} {
		act := ptAction{ok: true, pt: out.Codec.PayloadType()}
		switch {
		case c == CodecPCMU && out.Codec == CodecPCMA:
			act.convert = ULawToALaw
		case c == CodecPCMA && out.Codec == CodecPCMU:
			act.convert = ALawToULaw
		}
		a[c.PayloadType()] = act
	}
	a[ptComfortNoise] = ptAction{ok: true, pt: ptComfortNoise}
	if in.EventPT != 0 && out.EventPT != 0 {
		a[in.EventPT] = ptAction{ok: true, pt: out.EventPT}
	}
	return a
}

// Stats returns a snapshot of both legs' statistics.
func (br *Bridge) Stats() BridgeStats {
	return BridgeStats{A: br.ab.snapshot(), B: br.ba.snapshot()}
}

// Done is closed when the bridge has stopped and released the sockets.
func (br *Bridge) Done() <-chan struct{} { return br.done }

// Err returns why the bridge stopped: nil after Close, the context's error,
// or a socket error; nil while it runs.
func (br *Bridge) Err() error {
	br.errMu.Lock()
	defer br.errMu.Unlock()
	return br.err
}

// Close stops both directions, waits for their goroutines to return and
// clears the sockets' read deadlines. It returns the error that stopped the
// bridge first, if any, and is safe to call more than once.
func (br *Bridge) Close() error {
	br.stop()
	<-br.done
	br.unhook()
	return br.Err()
}

func (br *Bridge) stop() {
	br.stopOnce.Do(func() {
		br.stopping.Store(true)
		past := time.Unix(1, 0)
		for _, l := range br.legs {
			l.cfg.Conn.SetReadDeadline(past)
			if l.cfg.RTCP != nil {
				l.cfg.RTCP.SetReadDeadline(past)
			}
		}
	})
}

// fail records err as the reason the bridge stopped, and stops it.
func (br *Bridge) fail(err error) {
	if err == nil {
		return
	}
	br.errMu.Lock()
	if br.err == nil {
		br.err = err
	}
	br.errMu.Unlock()
	br.stop()
}

// run is one direction's receive loop.
func (d *bridgeDir) run(br *Bridge) error {
	conn := d.in.cfg.Conn
	out := d.out.cfg.Conn
	for {
		n, src, err := conn.ReadFromUDPAddrPort(d.buf[:])
		if err != nil {
			if br.stopping.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
				return nil
			}
			return fmt.Errorf("media: bridge: read: %w", err)
		}
		now := d.now()
		m, dst := d.process(d.buf[:n], src, now)
		if m > 0 {
			if _, err := out.WriteToUDPAddrPort(d.buf[:m], dst); err != nil {
				d.mu.Lock()
				d.c.sendErrors++
				first := d.c.sendErrors == 1
				d.mu.Unlock()
				if first {
					d.log.Warn("bridge: send failed", "to", dst, "err", err)
				}
			}
		}
		if d.interval > 0 {
			// Reports to the leg we read and to the leg we send to.
			t := now.UnixNano()
			if d.reportDue(t) {
				d.sendReport(now)
			}
			if d.other.reportDue(t) {
				d.other.sendReport(now)
			}
		}
	}
}

// process handles one packet pkt received from src at now: latch, receive
// statistics, header rewrite and transcoding, all in place. It returns the
// length to send to the other leg and where, or 0 to send nothing. It does
// not allocate for RTP.
func (d *bridgeDir) process(pkt []byte, src netip.AddrPort, now time.Time) (int, netip.AddrPort) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if isRTCP(pkt) {
		if !d.in.cfg.RTCPMux {
			d.c.droppedInvalid++
			return 0, netip.AddrPort{}
		}
		d.rtcpIn(pkt, src, now, true)
		return 0, netip.AddrPort{}
	}
	h, end, ok := rtpHeader(pkt)
	if !ok {
		d.c.droppedInvalid++
		return 0, netip.AddrPort{}
	}
	seq := binary.BigEndian.Uint16(pkt[2:])
	if !d.latch.Accept(src, seq, now) {
		d.c.droppedLatch++
		return 0, netip.AddrPort{}
	}
	if d.latch.Remote() != d.pub {
		d.publish()
	}
	act := d.actions[pkt[1]&0x7F]
	if !act.ok {
		d.c.droppedInvalid++
		return 0, netip.AddrPort{}
	}
	ts := binary.BigEndian.Uint32(pkt[4:])
	ssrc := binary.BigEndian.Uint32(pkt[8:])

	if !d.open {
		// On hold: measure the stream, relay nothing, and start a new
		// mapping when relaying resumes.
		if ssrc != d.inSSRC {
			d.stats = RecvStats{}
			d.inSSRC = ssrc
		}
		d.stats.Update(seq, ts, now, SampleRate)
		d.resync = true
		d.c.held++
		return 0, netip.AddrPort{}
	}

	marker := pkt[1] & 0x80
	if !d.started || ssrc != d.inSSRC || d.resync {
		d.rebase(ssrc, seq, ts, now)
		marker = 0x80
	} else {
		switch delta := seq - d.inSeq; {
		case delta == 0 || delta > seqMod-bridgeMaxMisorder:
			// duplicate or late: relay with the current offsets
		case delta < bridgeMaxDropout:
			if step := ts - d.inTS; delta == 1 && step > 0 && step < SampleRate {
				d.frame = step
			}
			d.inSeq, d.inTS = seq, ts
			d.outSeq, d.outTS = seq+d.seqOff, ts+d.tsOff
			d.lastOut = now
		default:
			d.rebase(ssrc, seq, ts, now)
			marker = 0x80
		}
	}
	if d.mark {
		marker, d.mark = 0x80, false
	}
	d.stats.Update(seq, ts, now, SampleRate)

	pkt[1] = marker | act.pt
	binary.BigEndian.PutUint16(pkt[2:], seq+d.seqOff)
	binary.BigEndian.PutUint32(pkt[4:], ts+d.tsOff)
	binary.BigEndian.PutUint32(pkt[8:], d.outSSRC)
	if act.convert != nil {
		act.convert(pkt[h:end], pkt[h:end])
	}
	d.c.relayed++
	d.c.octets += uint64(end - h)
	return len(pkt), *d.out.remote.Load()
}

// publish makes the latched remote the address the other direction sends
// to. It allocates, once per latch. d.mu must be held.
func (d *bridgeDir) publish() {
	r := d.latch.Remote()
	d.pub = r
	d.in.remote.Store(&r)
	d.log.Info("bridge: latched", "remote", r)
}

// rebase starts a new mapping of the incoming stream onto ours at a change
// of source, a jump of sequence or the end of a hold: our sequence number
// continues by one and our timestamp by the time elapsed since our last
// packet (at least one frame), so the far side sees one continuous stream.
func (d *bridgeDir) rebase(ssrc uint32, seq uint16, ts uint32, now time.Time) {
	if d.started && ssrc != d.inSSRC {
		d.stats = RecvStats{}
		d.log.Info("bridge: new source", "ssrc", ssrc, "was", d.inSSRC)
	}
	step := d.frame
	if d.started {
		if el := now.Sub(d.lastOut); el > 0 {
			units := uint32(el * SampleRate / time.Second)
			if frames := (units + step/2) / step; frames > 1 {
				step *= frames
			}
		}
	}
	nextSeq, nextTS := d.outSeq+1, d.outTS+step
	d.seqOff, d.tsOff = nextSeq-seq, nextTS-ts
	d.started, d.resync = true, false
	d.inSSRC, d.inSeq, d.inTS = ssrc, seq, ts
	d.outSeq, d.outTS, d.lastOut = nextSeq, nextTS, now
}

// rtpHeader checks the fixed RTP header of pkt (RFC 3550 section 5.1) and
// returns where the payload starts and ends, past the CSRC list, the header
// extension and before any padding.
func rtpHeader(pkt []byte) (start, end int, ok bool) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return 0, 0, false
	}
	start = 12 + 4*int(pkt[0]&0x0F)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < start+4 {
			return 0, 0, false
		}
		start += 4 + 4*int(binary.BigEndian.Uint16(pkt[start+2:]))
	}
	end = len(pkt)
	if pkt[0]&0x20 != 0 {
		pad := int(pkt[end-1])
		if pad == 0 {
			return 0, 0, false
		}
		end -= pad
	}
	if start > end {
		return 0, 0, false
	}
	return start, end, true
}

func (d *bridgeDir) snapshot() BridgeLegStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.stats // a copy: Report on it leaves the RTCP interval alone
	return BridgeLegStats{
		Received:       st.Report(),
		SSRC:           d.inSSRC,
		SentSSRC:       d.inSSRC0,
		Remote:         d.latch.Remote(),
		Latched:        d.latch.Latched(),
		Relayed:        d.c.relayed,
		Held:           d.c.held,
		DroppedLatch:   d.c.droppedLatch,
		DroppedInvalid: d.c.droppedInvalid,
		SendErrors:     d.c.sendErrors,
		RTCPSent:       d.c.rtcpSent,
		RTCPReceived:   d.c.rtcpReceived,
		Peer:           d.rtcp.peer,
		PeerSender:     d.rtcp.peerSR,
		RTT:            d.rtcp.rtt,
	}
}
