package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// DTMFEvent is an RFC 4733 telephone-event code. Codes 0–15 are the DTMF
// keys and 16 is hook flash; other codes are events telekit does not
// generate (the receiver ignores them). Being a wire value, its zero value
// is the key "0", not an unknown.
type DTMFEvent uint8

// The DTMF events of RFC 4733 section 3.2.
const (
	DTMF0 DTMFEvent = iota
	DTMF1
	DTMF2
	DTMF3
	DTMF4
	DTMF5
	DTMF6
	DTMF7
	DTMF8
	DTMF9
	DTMFStar
	DTMFPound
	DTMFA
	DTMFB
	DTMFC
	DTMFD
	DTMFFlash
)

const dtmfDigits = "0123456789*#ABCD"

// String returns the key ("0"–"9", "*", "#", "A"–"D"), "flash", or
// "DTMFEvent(n)" for other codes.
func (e DTMFEvent) String() string {
	switch {
	case e < 16:
		return dtmfDigits[e : e+1]
	case e == DTMFFlash:
		return "flash"
	}
	return fmt.Sprintf("DTMFEvent(%d)", uint8(e))
}

// Digit returns the key's character ('0'–'9', '*', '#', 'A'–'D'), or 0 for
// flash and other codes.
func (e DTMFEvent) Digit() byte {
	if e < 16 {
		return dtmfDigits[e]
	}
	return 0
}

// DTMFEventForDigit returns the event of a key character ('0'–'9', '*',
// '#', 'A'–'D' or 'a'–'d'); ok is false for any other character.
func DTMFEventForDigit(c byte) (ev DTMFEvent, ok bool) {
	if c >= 'a' && c <= 'd' {
		c -= 'a' - 'A'
	}
	for i := range len(dtmfDigits) {
		if dtmfDigits[i] == c {
			return DTMFEvent(i), true
		}
	}
	return 0, false
}

// DTMFPayloadSize is the size in bytes of an RFC 4733 event payload.
const DTMFPayloadSize = 4

// ErrDTMFPayload is wrapped by the errors of DTMFPayload.Unmarshal and
// Marshal for a payload that is not a valid RFC 4733 event.
var ErrDTMFPayload = errors.New("media: invalid RFC 4733 event payload")

// DTMFPayload is the payload of one RFC 4733 telephone-event RTP packet
// (section 2.3). The reserved R bit is sent as zero and ignored on
// receipt.
type DTMFPayload struct {
	// Event is the event code.
	Event DTMFEvent
	// End is the E bit: this packet reports the end of the event.
	End bool
	// Volume is the power level of the tone in -dBm0, 0 to 63 (10 means
	// -10 dBm0).
	Volume uint8
	// Duration is how long the event has lasted so far, in RTP timestamp
	// units (samples at 8 kHz) since the packet's RTP timestamp.
	Duration uint16
}

// MarshalTo writes the 4-byte payload into dst and returns 4. It fails,
// without allocating, when dst is shorter than DTMFPayloadSize or Volume
// does not fit in 6 bits.
func (p DTMFPayload) MarshalTo(dst []byte) (int, error) {
	if len(dst) < DTMFPayloadSize {
		return 0, errDTMFShortBuffer
	}
	if p.Volume > 63 {
		return 0, errDTMFVolume
	}
	dst[0] = byte(p.Event)
	dst[1] = p.Volume
	if p.End {
		dst[1] |= 0x80
	}
	binary.BigEndian.PutUint16(dst[2:4], p.Duration)
	return DTMFPayloadSize, nil
}

var (
	errDTMFShortBuffer = fmt.Errorf("%w: buffer shorter than %d bytes", ErrDTMFPayload, DTMFPayloadSize)
	errDTMFVolume      = fmt.Errorf("%w: volume above 63", ErrDTMFPayload)
)

// Marshal returns the payload as a new 4-byte slice.
func (p DTMFPayload) Marshal() ([]byte, error) {
	b := make([]byte, DTMFPayloadSize)
	if _, err := p.MarshalTo(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Unmarshal parses a 4-byte RFC 4733 payload. It returns an error
// wrapping ErrDTMFPayload when b is not exactly 4 bytes long (telekit does
// not accept RFC 2198 redundancy in this payload type); it does not keep
// b.
func (p *DTMFPayload) Unmarshal(b []byte) error {
	if len(b) != DTMFPayloadSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrDTMFPayload, len(b), DTMFPayloadSize)
	}
	*p = DTMFPayload{
		Event:    DTMFEvent(b[0]),
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}
	return nil
}

// DTMFReport is one notification of a key press, from a DTMFReceiver (RFC
// 4733 events) or a DTMFDetector (in-band tones). Each press produces
// exactly two reports: one when the key goes down (End false) and one when
// it is released (End true, with the final Duration).
type DTMFReport struct {
	// Event is the key.
	Event DTMFEvent
	// End is false for the key-down report and true for the release.
	End bool
	// Timestamp is where the press started: the event's RTP timestamp for
	// a DTMFReceiver, the sample offset from the start of the stream
	// (modulo 2^32) for a DTMFDetector.
	Timestamp uint32
	// Duration is how long the key was down: known so far in a key-down
	// report, final in a release.
	Duration time.Duration
	// Volume is the level the sender reported, in -dBm0 (DTMFReceiver
	// only).
	Volume uint8
}

// dspSamplesDuration converts a number of samples at SampleRate to a
// duration.
func dspSamplesDuration(n int64) time.Duration {
	return time.Duration(n * int64(time.Second) / SampleRate)
}

// DTMFSenderConfig configures a DTMFSender. The zero value follows RFC
// 4733's recommendations.
type DTMFSenderConfig struct {
	// Interval is the time between packets of one event; 0 means 50 ms,
	// the period RFC 4733 section 2.5.1.2 recommends. A Session may set
	// its audio packet interval (20 ms) instead.
	Interval time.Duration
	// Volume is the level reported in every packet, in -dBm0 (0–63); 0
	// means 10 (-10 dBm0), a typical DTMF level.
	Volume uint8
}

// DTMFPacket is one RTP packet of telephone-event payload for the caller
// to send: the RTP timestamp to put in the header, the marker bit, and the
// payload bytes.
type DTMFPacket struct {
	Timestamp uint32
	Marker    bool
	Payload   [DTMFPayloadSize]byte
}

// ErrDTMFBusy is returned by DTMFSender.Start while an event is still
// being sent.
var ErrDTMFBusy = errors.New("media: DTMF sender busy with another event")

// dtmfMaxSegment is the longest duration one RTP timestamp can report
// (RFC 4733 section 2.5.1.3).
const dtmfMaxSegment = 0xFFFF

// dtmfEndCopies is how many times the final packet of an event or of a
// segment is sent (RFC 4733 section 2.5.1.4).
const dtmfEndCopies = 3

// DTMFSender produces the RFC 4733 packets of one event at a time, driven
// by the caller's clock: Start an event, then call Next whenever time
// passes (for example every 10 or 20 ms) and send each packet it returns.
//
// The packets follow RFC 4733 section 2.5.1: all packets of an event (of a
// segment, for events longer than 65535 samples) carry the event's start
// timestamp; the first has the marker bit; updates every Interval report
// the growing duration; the final packet has the E bit and is sent three
// times, Interval apart, with the same duration. An event longer than
// 65535 samples (about 8.2 s) is split into segments: the last packet of a
// segment reports 65535 without the E bit, sent three times, and the next
// segment's packets carry the timestamp advanced by 65535 and no marker.
//
// DTMFSender starts no goroutine and does not allocate after
// NewDTMFSender. Not safe for concurrent use.
type DTMFSender struct {
	interval int64 // samples
	volume   uint8

	active     bool
	ev         DTMFEvent
	startTS    uint32
	startAt    time.Time
	total      int64 // event length in samples, -1 until Stop
	next       int64 // due time of the next packet, samples after startAt
	reported   int64 // longest total duration reported so far
	segStart   int64 // offset of the current segment from startTS
	marker     bool
	segRepeats int // segment-final copies still to send
	endRepeats int // end copies still to send
}

// NewDTMFSender returns an idle sender. It fails when the configured
// Interval is below 5 ms or Volume above 63.
func NewDTMFSender(cfg DTMFSenderConfig) (*DTMFSender, error) {
	if cfg.Interval == 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	if cfg.Volume == 0 {
		cfg.Volume = 10
	}
	if cfg.Interval < 5*time.Millisecond {
		return nil, fmt.Errorf("media: DTMF sender: interval %v below 5 ms", cfg.Interval)
	}
	if cfg.Volume > 63 {
		return nil, fmt.Errorf("media: DTMF sender: volume %d above 63", cfg.Volume)
	}
	return &DTMFSender{interval: int64(dspDurationSamples(cfg.Interval)), volume: cfg.Volume}, nil
}

// Start begins sending ev, which started at time at and whose first
// packet carries RTP timestamp ts (the caller's audio clock at that
// moment). duration is how long the key is held, rounded to whole samples;
// 0 means until Stop. The first packet is due at once. Start fails with
// ErrDTMFBusy while a previous event's packets are still due.
func (s *DTMFSender) Start(ev DTMFEvent, duration time.Duration, ts uint32, at time.Time) error {
	if s.active {
		return ErrDTMFBusy
	}
	if duration < 0 {
		return fmt.Errorf("media: DTMF sender: negative duration %v", duration)
	}
	total := int64(-1)
	if duration > 0 {
		total = max(int64(dspDurationSamples(duration)), 1)
	}
	*s = DTMFSender{
		interval: s.interval, volume: s.volume,
		active: true, ev: ev, startTS: ts, startAt: at, total: total, marker: true,
	}
	return nil
}

// Stop ends the current event as of time at (the key was released): the
// end packets follow from the next call to Next. It does nothing when no
// event is being sent or the event is already ending.
func (s *DTMFSender) Stop(at time.Time) {
	if !s.active || s.endRepeats > 0 {
		return
	}
	el := max(int64(dspDurationSamples(at.Sub(s.startAt))), s.reported, 1)
	if s.total < 0 || el < s.total {
		s.total = el
	}
	s.next = min(s.next, s.total)
}

// Busy reports whether an event's packets are still due.
func (s *DTMFSender) Busy() bool { return s.active }

// NextAt returns when the next packet is due; ok is false when the sender
// is idle.
func (s *DTMFSender) NextAt() (at time.Time, ok bool) {
	if !s.active {
		return time.Time{}, false
	}
	return s.startAt.Add(dspSamplesDuration(s.next)), true
}

// Next returns the next packet when it is due at time at; ok is false when
// none is due (call again later). When several are overdue, each call
// returns one, so callers loop until ok is false.
func (s *DTMFSender) Next(at time.Time) (pkt DTMFPacket, ok bool) {
	if !s.active || at.Before(s.startAt.Add(dspSamplesDuration(s.next))) {
		return DTMFPacket{}, false
	}
	pkt.Timestamp = s.startTS + uint32(s.segStart)
	pkt.Marker = s.marker
	s.marker = false
	p := DTMFPayload{Event: s.ev, Volume: s.volume}
	switch {
	case s.endRepeats > 0:
		p.End = true
		p.Duration = uint16(s.total - s.segStart)
		s.endRepeats--
		s.active = s.endRepeats > 0
		s.next += s.interval
	case s.segRepeats > 0:
		p.Duration = dtmfMaxSegment
		s.segRepeats--
		if s.segRepeats == 0 {
			s.segStart += dtmfMaxSegment
		}
		s.next += s.interval
	default:
		e := s.next
		ending := s.total >= 0 && e >= s.total
		if ending {
			e = s.total
		}
		switch {
		case e-s.segStart > dtmfMaxSegment:
			p.Duration = dtmfMaxSegment
			s.segRepeats = dtmfEndCopies - 1
			s.reported = s.segStart + dtmfMaxSegment
			s.next += s.interval
		case ending:
			p.End = true
			p.Duration = uint16(e - s.segStart)
			s.reported = e
			s.endRepeats = dtmfEndCopies - 1
			s.next = e + s.interval
		default:
			p.Duration = uint16(e - s.segStart)
			s.reported = e
			s.next += s.interval
			if s.total >= 0 && s.next > s.total {
				s.next = s.total
			}
		}
	}
	p.MarshalTo(pkt.Payload[:]) // cannot fail: volume checked in NewDTMFSender
	return pkt, true
}

// DTMFReceiverConfig configures a DTMFReceiver. The zero value is ready.
type DTMFReceiverConfig struct {
	// Timeout ends an event whose end packets were all lost: when no packet
	// of the event arrived for Timeout, the next Receive or Tick reports
	// its release. 0 means 150 ms, three of RFC 4733's 50 ms update
	// intervals.
	Timeout time.Duration
}

// DTMFReceiver turns the RFC 4733 telephone-event packets of one RTP
// stream into key presses, reporting each press exactly once when it
// starts and once when it ends (see DTMFReport), despite redundant end
// packets, retransmissions, reordering and loss:
//
//   - packets are grouped by RTP timestamp, the event's start: packets of
//     an event already reported, or of an older event, only update it;
//   - the marker bit is not needed: the first packet seen of a new event
//     reports it, even when the start packets were lost;
//   - a new event ends the previous one, and an event with no packet for
//     Timeout ends by Tick (its end packets were lost);
//   - a segment of a long event (timestamp advanced by 65535, same key, no
//     marker) continues the event instead of starting a new one.
//
// The Session calls Receive for each packet of the telephone-event payload
// type, and Tick periodically. Receive and Tick call the report function
// synchronously, at most twice each. Not safe for concurrent use; does not
// allocate on valid packets.
type DTMFReceiver struct {
	report  func(DTMFReport)
	timeout time.Duration

	active     bool
	ev         DTMFEvent
	ts         uint32 // event start
	segTS      uint32 // current segment's timestamp
	segOff     int64  // current segment's offset from ts, samples
	dur        int64  // longest total duration seen, samples
	vol        uint8
	lastAt     time.Time
	haveNewest bool
	newest     uint32 // newest segment timestamp seen
}

// NewDTMFReceiver returns a receiver that calls report for each key-down
// and release. report must not be nil.
func NewDTMFReceiver(report func(DTMFReport), cfg DTMFReceiverConfig) (*DTMFReceiver, error) {
	if report == nil {
		return nil, errors.New("media: DTMF receiver: nil report function")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 150 * time.Millisecond
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("media: DTMF receiver: negative timeout %v", cfg.Timeout)
	}
	return &DTMFReceiver{report: report, timeout: cfg.Timeout}, nil
}

// Receive handles one telephone-event packet with RTP timestamp ts and
// marker bit, arriving at time at. It returns an error wrapping
// ErrDTMFPayload for a malformed payload, and ignores events above
// DTMFFlash. It does not keep payload.
func (r *DTMFReceiver) Receive(ts uint32, marker bool, payload []byte, at time.Time) error {
	var p DTMFPayload
	if err := p.Unmarshal(payload); err != nil {
		return err
	}
	r.Tick(at)
	if p.Event > DTMFFlash {
		return nil
	}
	if r.active && ts == r.segTS && p.Event == r.ev {
		r.update(p, at)
		return nil
	}
	if r.haveNewest && int32(ts-r.newest) <= 0 {
		// A copy of an end packet, a retransmission, or a reordered
		// packet of an event already reported or superseded.
		return nil
	}
	r.newest, r.haveNewest = ts, true
	if r.active && p.Event == r.ev && !marker && ts == r.segTS+dtmfMaxSegment {
		r.segTS = ts
		r.segOff += dtmfMaxSegment
		r.update(p, at)
		return nil
	}
	if r.active {
		r.end()
	}
	r.active = true
	r.ev, r.ts, r.segTS, r.segOff = p.Event, ts, ts, 0
	r.dur, r.vol, r.lastAt = int64(p.Duration), p.Volume, at
	r.report(DTMFReport{Event: r.ev, Timestamp: r.ts, Duration: dspSamplesDuration(r.dur), Volume: r.vol})
	if p.End {
		r.end()
	}
	return nil
}

func (r *DTMFReceiver) update(p DTMFPayload, at time.Time) {
	r.dur = max(r.dur, r.segOff+int64(p.Duration))
	r.lastAt = at
	if p.End {
		r.end()
	}
}

func (r *DTMFReceiver) end() {
	r.active = false
	r.report(DTMFReport{Event: r.ev, End: true, Timestamp: r.ts, Duration: dspSamplesDuration(r.dur), Volume: r.vol})
}

// Tick ends, as of time at, an event whose packets stopped arriving more
// than Timeout ago, reporting its release with the longest duration seen.
func (r *DTMFReceiver) Tick(at time.Time) {
	if r.active && at.Sub(r.lastAt) > r.timeout {
		r.end()
	}
}

// Reset forgets all events without reporting, for a new RTP source (SSRC
// change), whose timestamps are unrelated to the old one's.
func (r *DTMFReceiver) Reset() {
	*r = DTMFReceiver{report: r.report, timeout: r.timeout}
}
