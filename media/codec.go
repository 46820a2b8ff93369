package media

import (
	"fmt"
	"time"
)

// SampleRate is the internal sample rate of telekit audio, in samples per
// second: 8 kHz mono, the rate of G.711 telephony.
const SampleRate = 8000

// FrameDuration is the packetisation interval used on the wire by default.
const FrameDuration = 20 * time.Millisecond

// FrameSamples is the number of samples in one FrameDuration at SampleRate.
const FrameSamples = SampleRate / 50

// Codec identifies an audio payload format on the wire.
type Codec uint8

// The codecs telekit speaks. The zero value is CodecUnknown.
const (
	CodecUnknown Codec = iota
	// CodecPCMU is G.711 µ-law, static RTP payload type 0.
	CodecPCMU
	// CodecPCMA is G.711 A-law, static RTP payload type 8.
	CodecPCMA
)

// String returns the codec's SDP encoding name ("PCMU", "PCMA").
func (c Codec) String() string {
	switch c {
	case CodecPCMU:
		return "PCMU"
	case CodecPCMA:
		return "PCMA"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// PayloadType returns the codec's static RTP payload type, or 255 when the
// codec has none.
func (c Codec) PayloadType() uint8 {
	switch c {
	case CodecPCMU:
		return 0
	case CodecPCMA:
		return 8
	}
	return 255
}

// ClockRate returns the RTP clock rate of the codec in Hz.
func (c Codec) ClockRate() int { return SampleRate }

// CodecForPayloadType returns the codec of a static RTP payload type, or
// CodecUnknown.
func CodecForPayloadType(pt uint8) Codec {
	switch pt {
	case 0:
		return CodecPCMU
	case 8:
		return CodecPCMA
	}
	return CodecUnknown
}

// Encode encodes linear samples into dst with the codec and returns the
// number of bytes written (one per sample, at most len(dst)). It does not
// allocate.
func (c Codec) Encode(dst []byte, src []int16) (int, error) {
	switch c {
	case CodecPCMU:
		return EncodeULaw(dst, src), nil
	case CodecPCMA:
		return EncodeALaw(dst, src), nil
	}
	return 0, fmt.Errorf("media: encode: unsupported codec %v", c)
}

// Decode decodes codec bytes into dst and returns the number of samples
// written (one per byte, at most len(dst)). It does not allocate.
func (c Codec) Decode(dst []int16, src []byte) (int, error) {
	switch c {
	case CodecPCMU:
		return DecodeULaw(dst, src), nil
	case CodecPCMA:
		return DecodeALaw(dst, src), nil
	}
	return 0, fmt.Errorf("media: decode: unsupported codec %v", c)
}

// SampleReader is the interface that wraps ReadSamples, the io.Reader of
// 8 kHz mono 16-bit audio.
//
// ReadSamples reads up to len(dst) samples into dst and returns the number
// read, with io.EOF at the end of the stream, following io.Reader's rules.
// Implementations must not retain dst.
type SampleReader interface {
	ReadSamples(dst []int16) (n int, err error)
}

// SampleReaderFunc adapts a function to a SampleReader.
type SampleReaderFunc func(dst []int16) (int, error)

// ReadSamples calls f(dst).
func (f SampleReaderFunc) ReadSamples(dst []int16) (int, error) { return f(dst) }

// SampleWriter is the interface that wraps WriteSamples, the io.Writer of
// 8 kHz mono 16-bit audio.
//
// WriteSamples writes len(src) samples and returns the number written and
// an error when that is fewer, following io.Writer's rules.
// Implementations must not retain src after returning.
type SampleWriter interface {
	WriteSamples(src []int16) (n int, err error)
}

// SampleWriterFunc adapts a function to a SampleWriter.
type SampleWriterFunc func(src []int16) (int, error)

// WriteSamples calls f(src).
func (f SampleWriterFunc) WriteSamples(src []int16) (int, error) { return f(src) }
