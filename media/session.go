package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// DefaultEventPayloadType is the RTP payload type of RFC 4733
// telephone-event used when SessionConfig.EventPayloadType is zero.
const DefaultEventPayloadType = 101

// maxRTPPayload is the largest payload WriteRTP sends: what fits in a
// 1500-byte Ethernet MTU after IPv6, UDP and a 12-byte RTP header.
const maxRTPPayload = 1500 - 40 - 8 - 12

// Errors a Session returns.
var (
	// ErrNoRemote is returned by the send methods while the peer's
	// address is unknown: the SDP gave none and nothing has been latched.
	ErrNoRemote = errors.New("media: rtp session: remote address unknown")
	// ErrPayloadTooLarge is returned when a payload would not fit in one
	// UDP datagram of a 1500-byte MTU.
	ErrPayloadTooLarge = errors.New("media: rtp session: payload too large")
	// errBadRTP is why a datagram is not an RTP packet. ReadRTP drops such
	// datagrams and counts them in Stats.Invalid; it never returns this.
	errBadRTP = errors.New("media: not an RTP packet")
)

// SessionConfig configures a Session. The zero value of every field is a
// useful default except Codec, which must be set.
type SessionConfig struct {
	// Remote is the peer's RTP address from its SDP (c= and m= lines). It
	// may be a private address behind NAT, or invalid when unknown; the
	// latch learns the real one (see Latch).
	Remote netip.AddrPort
	// Codec is the audio codec of the stream: CodecPCMU or CodecPCMA.
	Codec Codec
	// PayloadType is the RTP payload type of Codec; zero means the codec's
	// static payload type (0 for PCMU, 8 for PCMA).
	PayloadType uint8
	// EventPayloadType is the payload type of RFC 4733 telephone-event;
	// zero means DefaultEventPayloadType (101).
	EventPayloadType uint8
	// SSRC is our synchronisation source; zero means a random one from
	// crypto/rand.
	SSRC uint32
	// Latch sets how symmetric RTP learns the peer's real address.
	Latch LatchConfig

	// RTCPMux sends and receives RTCP on the RTP socket (RFC 5761).
	RTCPMux bool
	// RTCPConn is the socket for RTCP when RTCPMux is false. Nil means the
	// session binds the RTP socket's address with port+1 itself. The
	// session owns it once NewSession returns.
	RTCPConn *net.UDPConn
	// RemoteRTCP is the peer's RTCP address (SDP a=rtcp); zero means
	// Remote's port+1, or Remote itself with RTCPMux.
	RemoteRTCP netip.AddrPort
	// NoRTCP turns RTCP off entirely.
	NoRTCP bool
	// RTCPInterval is the mean interval between our RTCP reports; each
	// actual interval is drawn at random from 0.5 to 1.5 times it (RFC
	// 3550 section 6.3.1). Zero means 5 seconds.
	RTCPInterval time.Duration
	// CNAME is the canonical name sent in RTCP SDES; empty means one
	// derived from the SSRC.
	CNAME string

	// Logger receives the session's rare events (latching, peer BYE,
	// malformed RTCP); nil discards them. Nothing is logged per packet.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now. Tests use it to
	// control the latch window and RTCP timing.
	Clock func() time.Time
}

// Packet is one RTP packet received by ReadRTP.
type Packet struct {
	// Header is the parsed RTP header. Its CSRC and Extensions slices are
	// reused by the next ReadRTP: copy them to keep them.
	Header rtp.Header
	// Payload is the packet's payload without padding: a sub-slice of the
	// buffer given to ReadRTP.
	Payload []byte
	// Source is the address the packet came from.
	Source netip.AddrPort
	// Arrival is when the packet was read, by the session's clock.
	Arrival time.Time
}

// Session is one RTP stream pair (RFC 3550) over a UDP socket: it sends our
// audio to the peer and receives the peer's, with symmetric RTP latching
// (Latch), receive statistics (RecvStats) and RTCP sender and receiver
// reports.
//
// The send methods (WriteAudio, WriteRTP, MarkTalkspurt, SkipSamples) are
// safe for concurrent use with each other and with ReadRTP; ReadRTP must
// be called from one goroutine at a time. Stats is safe for concurrent use.
type Session struct {
	conn  *net.UDPConn
	codec Codec
	pt    uint8
	evPT  uint8
	ssrc  uint32
	log   *slog.Logger
	clock func() time.Time

	// Send side, guarded by sendMu.
	sendMu     sync.Mutex
	sendBuf    [1500]byte
	sendHdr    rtp.Header
	sendRemote netip.AddrPort
	seq        uint16
	ts         uint32 // RTP timestamp of the next audio sample
	talkspurt  bool
	sent       senderInfo

	// Receive side, guarded by recvMu. hdr is only used by ReadRTP.
	recvMu     sync.Mutex
	hdr        rtp.Header
	latch      *Latch
	recv       RecvStats
	peerSSRC   uint32
	havePeer   bool
	received   uint64
	recvOctets uint64
	dropped    uint64
	invalid    uint64

	rtcp   *rtcpState // nil with NoRTCP
	closed atomic.Bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// senderInfo is what an RTCP sender report says of our stream.
type senderInfo struct {
	packets, octets uint64
	lastTS          uint32    // RTP timestamp of the last packet sent
	lastAt          time.Time // when it was sent
}

// NewSession starts an RTP session on conn, a UDP socket the caller has
// bound. The session owns conn (and cfg.RTCPConn) from then on and closes
// them in Close. Unless cfg.NoRTCP, it starts one goroutine sending RTCP
// reports, and one reading the RTCP socket when RTCP is not multiplexed.
func NewSession(conn *net.UDPConn, cfg SessionConfig) (*Session, error) {
	if conn == nil {
		return nil, errors.New("media: new rtp session: nil conn")
	}
	if cfg.Codec.PayloadType() == 255 {
		return nil, fmt.Errorf("media: new rtp session: unsupported codec %v", cfg.Codec)
	}
	pt := cfg.PayloadType
	if pt == 0 {
		pt = cfg.Codec.PayloadType()
	}
	evPT := cfg.EventPayloadType
	if evPT == 0 {
		evPT = DefaultEventPayloadType
	}
	if pt > 127 || evPT > 127 || pt == evPT {
		return nil, fmt.Errorf("media: new rtp session: bad payload types %d and %d", pt, evPT)
	}
	var rnd [10]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("media: new rtp session: %w", err)
	}
	ssrc := cfg.SSRC
	for ssrc == 0 {
		ssrc = binary.BigEndian.Uint32(rnd[0:])
		if ssrc == 0 {
			rnd[0]++
		}
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Session{
		conn:      conn,
		codec:     cfg.Codec,
		pt:        pt,
		evPT:      evPT,
		ssrc:      ssrc,
		log:       log.With("ssrc", ssrc),
		clock:     clock,
		seq:       binary.BigEndian.Uint16(rnd[4:]), // RFC 3550: random start
		ts:        binary.BigEndian.Uint32(rnd[6:]),
		talkspurt: true,
		latch:     NewLatch(cfg.Remote, clock(), cfg.Latch),
	}
	s.sendRemote = s.latch.Remote()
	s.sendHdr = rtp.Header{Version: 2, SSRC: ssrc}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if !cfg.NoRTCP {
		r, err := newRTCPState(s, conn, cfg)
		if err != nil {
			cancel()
			return nil, err
		}
		s.rtcp = r
		s.wg.Add(1)
		go func() { defer s.wg.Done(); r.sendLoop(ctx) }()
		if !cfg.RTCPMux {
			s.wg.Add(1)
			go func() { defer s.wg.Done(); r.readLoop() }()
		}
	}
	return s, nil
}

// SSRC returns our synchronisation source identifier.
func (s *Session) SSRC() uint32 { return s.ssrc }

// Codec returns the session's audio codec.
func (s *Session) Codec() Codec { return s.codec }

// PayloadType returns the RTP payload type of the audio codec.
func (s *Session) PayloadType() uint8 { return s.pt }

// EventPayloadType returns the RTP payload type of telephone-event.
func (s *Session) EventPayloadType() uint8 { return s.evPT }

// LocalAddr returns the address of the RTP socket.
func (s *Session) LocalAddr() netip.AddrPort {
	return unmap(s.conn.LocalAddr().(*net.UDPAddr).AddrPort())
}

// Remote returns where the session sends RTP: the latched source or the
// SDP address.
func (s *Session) Remote() netip.AddrPort {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.sendRemote
}

// Relearn tells the session a new SDP gave the peer's address as remote
// (a re-INVITE): latching starts again from it.
func (s *Session) Relearn(remote netip.AddrPort) {
	s.recvMu.Lock()
	s.latch.Relearn(remote, s.clock())
	r := s.latch.Remote()
	s.recvMu.Unlock()
	s.sendMu.Lock()
	s.sendRemote = r
	s.sendMu.Unlock()
}

// MarkTalkspurt sets the marker bit on the next audio packet, as RFC 3551
// asks for the first packet after silence. The first packet of a session
// is marked anyway.
func (s *Session) MarkTalkspurt() {
	s.sendMu.Lock()
	s.talkspurt = true
	s.sendMu.Unlock()
}

// SkipSamples advances the audio clock by n samples without sending, for
// a pause in which nothing was sent (silence suppression, mute), so that
// the peer sees the gap in the timestamps. It also marks a talkspurt.
func (s *Session) SkipSamples(n int) {
	s.sendMu.Lock()
	s.ts += uint32(n)
	s.talkspurt = true
	s.sendMu.Unlock()
}

// Timestamp returns the RTP timestamp the next audio sample will carry,
// which an RFC 4733 event beginning now uses as its timestamp.
func (s *Session) Timestamp() uint32 {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.ts
}

// WriteAudio sends payload, already encoded with the session's codec (one
// byte per sample for G.711), as the next audio packet: next sequence
// number, the audio clock's timestamp, which then advances by the
// payload's sample count, and the marker bit on the first packet of a
// talkspurt. It does not keep payload and does not allocate.
func (s *Session) WriteAudio(payload []byte) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	ts := s.ts
	s.ts += uint32(len(payload))
	marker := s.talkspurt
	s.talkspurt = false
	return s.writeLocked(s.pt, ts, marker, payload)
}

// WriteRTP sends one packet with payload type pt, timestamp ts and the
// marker bit, taking the next sequence number from the same space as
// WriteAudio but leaving the audio clock alone. The RFC 4733 sender uses
// it for telephone-event packets, whose timestamp is the event's start.
// It does not keep payload and does not allocate.
func (s *Session) WriteRTP(pt uint8, ts uint32, marker bool, payload []byte) error {
	if pt > 127 {
		return fmt.Errorf("media: write rtp: payload type %d out of range", pt)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.writeLocked(pt, ts, marker, payload)
}

func (s *Session) writeLocked(pt uint8, ts uint32, marker bool, payload []byte) error {
	if len(payload) > maxRTPPayload {
		return ErrPayloadTooLarge
	}
	if !s.sendRemote.IsValid() {
		return ErrNoRemote
	}
	h := &s.sendHdr
	h.PayloadType, h.Timestamp, h.Marker, h.SequenceNumber = pt, ts, marker, s.seq
	n, err := h.MarshalTo(s.sendBuf[:])
	if err != nil {
		return fmt.Errorf("media: write rtp: %w", err)
	}
	n += copy(s.sendBuf[n:], payload)
	s.seq++
	now := s.clock()
	if _, err := s.conn.WriteToUDPAddrPort(s.sendBuf[:n], s.sendRemote); err != nil {
		if s.closed.Load() {
			return net.ErrClosed
		}
		return fmt.Errorf("media: write rtp: %w", err)
	}
	s.sent.packets++
	s.sent.octets += uint64(len(payload))
	s.sent.lastTS, s.sent.lastAt = ts, now
	return nil
}

// SetReadDeadline sets the deadline for ReadRTP, as net.Conn's does; a
// zero time means none. Setting it to a past time wakes a blocked ReadRTP,
// which is how a context is honoured (see Recorder).
func (s *Session) SetReadDeadline(t time.Time) error { return s.conn.SetReadDeadline(t) }

// ReadRTP reads the next RTP packet from the peer into buf, which should
// hold 1500 bytes. Datagrams that are not RTP, and packets the latch
// rejects (strangers, RTP-Bleed), are dropped and counted in Stats; with
// RTCPMux, RTCP packets are handled and skipped, so someone must keep
// reading for RTCP to be received. The packet's payload is a sub-slice of
// buf; see Packet for what else is reused.
//
// ReadRTP returns net.ErrClosed once the session is closed, and
// os.ErrDeadlineExceeded when the read deadline passes. It does not
// allocate. Call it from one goroutine at a time.
func (s *Session) ReadRTP(buf []byte) (Packet, error) {
	for {
		n, src, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.closed.Load() {
				return Packet{}, net.ErrClosed
			}
			return Packet{}, err
		}
		b := buf[:n]
		now := s.clock()
		if s.rtcp != nil && s.rtcp.mux && isRTCP(b) {
			s.rtcp.receive(b, unmap(src), now)
			continue
		}
		if p, ok := s.accept(b, unmap(src), now); ok {
			return p, nil
		}
	}
}

// accept parses b and applies the latch and statistics.
func (s *Session) accept(b []byte, src netip.AddrPort, now time.Time) (Packet, bool) {
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	payload, err := parseRTP(&s.hdr, b)
	if err != nil {
		s.invalid++
		return Packet{}, false
	}
	wasLatched := s.latch.Latched()
	if !s.latch.Accept(src, s.hdr.SequenceNumber, now) {
		s.dropped++
		return Packet{}, false
	}
	if !wasLatched && s.latch.Latched() {
		r := s.latch.Remote()
		s.sendMu.Lock()
		s.sendRemote = r
		s.sendMu.Unlock()
		s.log.Info("rtp: latched peer address", "remote", r)
	}
	if !s.havePeer || s.hdr.SSRC != s.peerSSRC {
		// A new source: its statistics start over (RFC 3550 A.1).
		s.peerSSRC, s.havePeer = s.hdr.SSRC, true
		s.recv = RecvStats{}
	}
	s.recv.Update(s.hdr.SequenceNumber, s.hdr.Timestamp, now, s.codec.ClockRate())
	s.received++
	s.recvOctets += uint64(len(payload))
	return Packet{Header: s.hdr, Payload: payload, Source: src, Arrival: now}, true
}

// parseRTP parses an RTP packet into h, reusing h's CSRC and Extensions
// slices, and returns the payload without padding as a sub-slice of b.
func parseRTP(h *rtp.Header, b []byte) ([]byte, error) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return nil, errBadRTP
	}
	n, err := h.Unmarshal(b)
	if err != nil {
		return nil, errBadRTP
	}
	end := len(b)
	h.PaddingSize = 0
	if h.Padding {
		if end == n {
			return nil, errBadRTP
		}
		pad := int(b[end-1])
		if pad == 0 || end-pad < n {
			return nil, errBadRTP
		}
		end -= pad
		h.PaddingSize = byte(pad)
	}
	return b[n:end:end], nil
}

// isRTCP reports whether a datagram on a multiplexed socket is RTCP: RFC
// 5761 section 4 tells them apart by the second octet, which for RTCP is
// a packet type from 192 to 223 (SR 200 … APP 204 among them).
func isRTCP(b []byte) bool {
	return len(b) >= 8 && b[0]>>6 == 2 && b[1] >= 192 && b[1] <= 223
}

// Close sends an RTCP BYE, stops the session's goroutines, closes its
// sockets and waits for the goroutines to end. A blocked ReadRTP returns
// net.ErrClosed. Close is idempotent.
func (s *Session) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.cancel()
	var errs []error
	if s.rtcp != nil {
		if err := s.rtcp.sendBye(); err != nil && !errors.Is(err, ErrNoRemote) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.conn.Close())
	if s.rtcp != nil && !s.rtcp.mux {
		errs = append(errs, s.rtcp.conn.Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}
