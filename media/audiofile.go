package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

var (
	// ErrAudioUnknown reports input that is neither WAV nor MP3.
	ErrAudioUnknown = errors.New("not a WAV or MP3 file")
	// ErrAudioTooLarge reports input longer than DecodeOptions.MaxBytes.
	ErrAudioTooLarge = errors.New("audio file too large")
)

// DefaultMaxAudioBytes is the input size DecodeAudio accepts when
// DecodeOptions.MaxBytes is zero: 10 MB, the voicemail greeting limit.
const DefaultMaxAudioBytes = 10 << 20

// DecodeOptions configures DecodeAudio. The zero value is ready to use.
type DecodeOptions struct {
	// MaxBytes is the most bytes DecodeAudio reads from its input; longer
	// input fails with an error wrapping ErrAudioTooLarge (up front when a
	// WAV header declares more, else when the limit is reached). Zero
	// means DefaultMaxAudioBytes; negative means no limit.
	MaxBytes int64
}

// AudioInfo describes the source of a decoded audio stream.
type AudioInfo struct {
	// Container is "WAV" or "MP3".
	Container string
	// Format names the encoding: "PCM 16-bit", "µ-law",
	// "MPEG-1 Layer III, 44100 Hz, stereo, 128 kbit/s".
	Format string
	// SampleRate is the source's rate in Hz, before conversion to 8 kHz.
	SampleRate int
	// Channels is the source's channel count, before the downmix to mono.
	Channels int
	// Duration is the length of the audio as the file's headers declare
	// it, or 0 when they do not (streaming WAV, MP3 without an Info frame).
	Duration time.Duration
}

// DecodeAudio reads a WAV or MP3 file from r, recognised by its content
// (not its name), and returns a reader of its audio as 8 kHz mono 16-bit
// samples (SampleRate), downmixed and resampled as needed. Input that is
// neither fails with an error wrapping ErrAudioUnknown that names what it
// looks like when it can ("looks like Ogg"); files it recognises but
// cannot decode fail with *WAVError or *MP3Error (see ErrAudioUnsupported,
// ErrAudioMalformed). A truncated file yields the audio present, then an
// error wrapping io.ErrUnexpectedEOF.
//
// The returned reader reads r as it goes; it is not safe for concurrent use.
func DecodeAudio(r io.Reader, opts DecodeOptions) (SampleReader, AudioInfo, error) {
	limit := opts.MaxBytes
	if limit == 0 {
		limit = DefaultMaxAudioBytes
	}
	if limit > 0 {
		r = &sizeLimitReader{r: r, left: limit, max: limit}
	}
	br := bufio.NewReaderSize(r, mp3BufSize)
	var head []byte
	if b, _ := br.Peek(12); len(b) > 0 {
		head = append(make([]byte, 0, 12), b...) // Peek's slice changes as br reads
	}
	switch {
	case len(head) >= 4 && (string(head[:4]) == "RIFF" || string(head[:4]) == "RF64" || string(head[:4]) == "RIFX"):
		w, err := NewWAVReader(br)
		if err != nil {
			return nil, AudioInfo{}, err
		}
		f := w.Format()
		info := AudioInfo{Container: "WAV", Format: f.Encoding.String(), SampleRate: f.Rate, Channels: f.Channels}
		if size, ok := w.DataSize(); ok && limit > 0 && size > limit {
			return nil, info, fmt.Errorf("media: WAV declares %d bytes of audio, more than the %d allowed: %w", size, limit, ErrAudioTooLarge)
		}
		if frames, ok := w.Frames(); ok {
			info.Duration = durationOf(frames, f.Rate)
		}
		tr, err := newTelephonyReader(w.ReadSamples, f.Channels, f.Rate, 0, -1)
		if err != nil {
			return nil, info, err
		}
		return tr, info, nil
	}
	m, err := newMP3Reader(br, 16<<10)
	if errors.Is(err, ErrAudioUnknown) {
		return nil, AudioInfo{}, fmt.Errorf("media: %w%s", ErrAudioUnknown, sniffHint(head))
	}
	if err != nil {
		return nil, AudioInfo{}, err
	}
	return m, m.Info(), nil
}

// sniffHint names common non-WAV, non-MP3 formats by their magic bytes.
func sniffHint(head []byte) string {
	for _, m := range []struct {
		at    int
		magic string
		name  string
	}{
		{0, "OggS", "Ogg (Vorbis or Opus)"},
		{0, "fLaC", "FLAC"},
		{4, "ftyp", "MP4/M4A (AAC)"},
		{0, "#!AMR", "AMR"},
		{0, "FORM", "AIFF"},
		{0, ".snd", "Sun/NeXT .au"},
		{0, "\x1aE\xdf\xa3", "WebM/Matroska"},
		{0, "%PDF", "PDF"},
	} {
		if len(head) >= m.at+len(m.magic) && bytes.Equal(head[m.at:m.at+len(m.magic)], []byte(m.magic)) {
			return " (looks like " + m.name + ")"
		}
	}
	if len(head) == 0 {
		return " (empty input)"
	}
	return ""
}

func durationOf(samples int64, rate int) time.Duration {
	return time.Duration(samples * int64(time.Second) / int64(rate))
}

// sizeLimitReader reads at most max bytes of r and fails with
// ErrAudioTooLarge when r has more.
type sizeLimitReader struct {
	r         io.Reader
	left, max int64
	probe     [1]byte
}

func (l *sizeLimitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		n, err := l.r.Read(l.probe[:])
		if n > 0 {
			return 0, fmt.Errorf("media: audio input longer than %d bytes: %w", l.max, ErrAudioTooLarge)
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// telephonyReader turns interleaved 16-bit audio of any supported rate
// and channel count into 8 kHz mono: downmix, then resample. It can drop
// the first skip source frames and stop after length (-1: all). It
// allocates nothing per call.
type telephonyReader struct {
	read     func([]int16) (int, error)
	channels int
	rs       *Resampler // nil at 8 kHz
	skip     int64
	left     int64
	in       [2048]int16
	mono     [1024]int16
	lo, hi   int
	err      error
}

func newTelephonyReader(read func([]int16) (int, error), channels, rate int, skip, length int64) (*telephonyReader, error) {
	t := &telephonyReader{read: read, channels: channels, skip: skip, left: length}
	if rate != SampleRate {
		rs, err := NewResampler(rate, SampleRate)
		if err != nil {
			return nil, err
		}
		t.rs = rs
	}
	return t, nil
}

// ReadSamples reads up to len(dst) samples of 8 kHz mono audio, returning
// io.EOF at the end, or the source's error after the audio before it.
func (t *telephonyReader) ReadSamples(dst []int16) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	for zero := 0; ; {
		if t.lo < t.hi {
			if t.rs == nil {
				n := copy(dst, t.mono[t.lo:t.hi])
				t.lo += n
				return n, nil
			}
			n, used := t.rs.Resample(dst, t.mono[t.lo:t.hi])
			t.lo += used
			if n > 0 {
				return n, nil
			}
			continue
		}
		if t.err != nil {
			if t.rs != nil {
				if n := t.rs.Flush(dst); n > 0 {
					return n, nil
				}
			}
			return 0, t.err
		}
		if t.fill() == 0 {
			if zero++; zero > 100 {
				t.err = io.ErrNoProgress
			}
		}
	}
}

// fill reads the next block of source audio into mono.
func (t *telephonyReader) fill() int {
	n, err := t.read(t.in[:len(t.mono)*t.channels])
	frames := n / t.channels
	if t.channels == 2 {
		DownmixStereo(t.mono[:], t.in[:2*frames])
	} else {
		copy(t.mono[:], t.in[:frames])
	}
	t.lo, t.hi = 0, frames
	if t.skip > 0 {
		k := int(min(t.skip, int64(frames)))
		t.skip -= int64(k)
		t.lo = k
	}
	if t.left >= 0 {
		k := int(min(t.left, int64(t.hi-t.lo)))
		t.hi = t.lo + k
		t.left -= int64(k)
		if t.left == 0 && err == nil {
			err = io.EOF
		}
	}
	if err != nil {
		t.err = err
	}
	return frames
}
