package media

import (
	"time"

	"github.com/pion/rtcp"
)

// ReceptionReport returns the RTCP reception report block (RFC 3550
// section 6.4.1) about the source ssrc for these statistics. lastSR is the
// middle 32 bits of the NTP timestamp of the last sender report received
// from that source (zero if none) and sinceSR the time since it arrived;
// the block's delay is expressed in 1/65536 seconds as the RFC says.
func (r RecvReport) ReceptionReport(ssrc uint32, lastSR uint32, sinceSR time.Duration) rtcp.ReceptionReport {
	lost := uint32(r.Lost) & 0xFFFFFF // 24-bit two's complement
	var delay uint32
	if lastSR != 0 {
		delay = uint32(sinceSR * 65536 / time.Second)
	}
	return rtcp.ReceptionReport{
		SSRC:               ssrc,
		FractionLost:       r.FractionLost,
		TotalLost:          lost,
		LastSequenceNumber: r.ExtHighestSeq,
		Jitter:             r.Jitter,
		LastSenderReport:   lastSR,
		Delay:              delay,
	}
}

// NTPTime returns t as a 64-bit NTP timestamp (seconds since 1900 in the
// high 32 bits, the fraction in the low 32), as RTCP sender reports carry it.
func NTPTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// MiddleNTP returns the middle 32 bits of an NTP timestamp, the form in
// which reception reports echo the last sender report (LSR).
func MiddleNTP(ntp uint64) uint32 { return uint32(ntp >> 16) }
