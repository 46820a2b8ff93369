package media

import "time"

// RecvStats keeps the RFC 3550 receiver statistics of one incoming RTP
// stream: extended highest sequence number (appendix A.1), packets lost and
// fraction lost since the last report (A.3), and interarrival jitter (A.8).
// It is what RTCP receiver reports carry and what a bridge reports of its
// own loss. The zero value is ready; it does not allocate.
//
// Not safe for concurrent use: one receive loop owns it.
type RecvStats struct {
	started  bool
	maxSeq   uint16
	cycles   uint32
	baseSeq  uint32
	badSeq   uint32
	probe    int
	received uint32

	expectedPrior uint32
	receivedPrior uint32

	transit int64
	jitter  float64 // in timestamp units, times 16 as A.8 keeps it
}

// Constants from RFC 3550 appendix A.1.
const (
	maxDropout    = 3000
	maxMisorder   = 100
	minSequential = 2
	seqMod        = 1 << 16
)

// Update records one packet with sequence number seq and RTP timestamp ts
// that arrived at arrival; clockRate is the stream's RTP clock in Hz. It
// reports whether the packet counts as valid (false for a packet far out of
// sequence, or while a new source is being probed).
func (s *RecvStats) Update(seq uint16, ts uint32, arrival time.Time, clockRate int) bool {
	if !s.started {
		s.started = true
		s.initSeq(seq)
		s.maxSeq = seq - 1
		s.probe = minSequential
	}
	if !s.updateSeq(seq) {
		return false
	}
	// Jitter (A.8): transit time in timestamp units.
	arr := arrival.UnixNano() * int64(clockRate) / int64(time.Second)
	transit := arr - int64(ts)
	if s.received > 1 {
		d := transit - s.transit
		if d < 0 {
			d = -d
		}
		s.jitter += (float64(d) - s.jitter) / 16
	}
	s.transit = transit
	return true
}

func (s *RecvStats) initSeq(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.received = 0
	s.receivedPrior = 0
	s.expectedPrior = 0
}

func (s *RecvStats) updateSeq(seq uint16) bool {
	udelta := seq - s.maxSeq
	if s.probe > 0 {
		if seq == s.maxSeq+1 {
			s.probe--
			s.maxSeq = seq
			if s.probe == 0 {
				s.initSeq(seq)
				s.received++
				return true
			}
		} else {
			s.probe = minSequential - 1
			s.maxSeq = seq
		}
		return false
	}
	switch {
	case udelta < maxDropout:
		if seq < s.maxSeq {
			s.cycles += seqMod
		}
		s.maxSeq = seq
	case udelta <= seqMod-maxMisorder:
		if uint32(seq) == s.badSeq {
			s.initSeq(seq)
		} else {
			s.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
	default:
		// duplicate or reordered packet
	}
	s.received++
	return true
}

// RecvReport is a snapshot of RecvStats in the units of an RTCP reception
// report block.
type RecvReport struct {
	// Received is the number of valid packets received.
	Received uint32
	// ExtHighestSeq is the extended highest sequence number received.
	ExtHighestSeq uint32
	// Lost is the cumulative number of packets lost (negative when
	// duplicates outnumber losses), clamped to 24 bits by the caller.
	Lost int32
	// FractionLost is the fraction lost since the previous Report, in
	// 1/256 units.
	FractionLost uint8
	// Jitter is the interarrival jitter in timestamp units.
	Jitter uint32
}

// Report returns the statistics and starts a new interval for FractionLost.
func (s *RecvStats) Report() RecvReport {
	if !s.started || s.probe > 0 && s.received == 0 {
		return RecvReport{}
	}
	ext := s.cycles + uint32(s.maxSeq)
	expected := ext - s.baseSeq + 1
	lost := int64(expected) - int64(s.received)
	expInt := expected - s.expectedPrior
	recInt := s.received - s.receivedPrior
	s.expectedPrior, s.receivedPrior = expected, s.received
	var frac uint8
	if lostInt := int64(expInt) - int64(recInt); expInt > 0 && lostInt > 0 {
		frac = uint8((lostInt << 8) / int64(expInt))
	}
	return RecvReport{
		Received:      s.received,
		ExtHighestSeq: ext,
		Lost:          int32(max(min(lost, 0x7FFFFF), -0x800000)),
		FractionLost:  frac,
		Jitter:        uint32(s.jitter),
	}
}
