package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Errors shared by the WAV reader, the MP3 front end and DecodeAudio, so
// that a caller (an upload form, say) can tell "we do not read this kind of
// file" from "this file is broken" with errors.Is, whatever the container.
var (
	// ErrAudioUnsupported reports a file that is well formed but in a format
	// or variant telekit does not decode (WAV MPEG Layer 3, MPEG-2.5 MP3, …).
	ErrAudioUnsupported = errors.New("unsupported audio format")
	// ErrAudioMalformed reports a file whose headers contradict themselves or
	// the file (sizes that lie, missing chunks).
	ErrAudioMalformed = errors.New("malformed audio file")
)

// WAVEncoding is how samples are stored in a WAV file's data chunk.
type WAVEncoding uint8

// The WAV encodings. The reader accepts all of them; the writer writes
// WAVPCM16, WAVULaw and WAVALaw. The zero value is WAVEncodingUnknown.
const (
	WAVEncodingUnknown WAVEncoding = iota
	// WAVPCM16 is signed 16-bit little-endian linear PCM (format 1).
	WAVPCM16
	// WAVULaw is G.711 µ-law, one byte per sample (format 7).
	WAVULaw
	// WAVALaw is G.711 A-law, one byte per sample (format 6).
	WAVALaw
	// WAVPCM8 is unsigned 8-bit linear PCM (format 1, 8 bits), read only.
	WAVPCM8
	// WAVPCM24 is signed 24-bit little-endian PCM, read only (truncated to
	// 16 bits).
	WAVPCM24
	// WAVPCM32 is signed 32-bit little-endian PCM, read only (truncated to
	// 16 bits).
	WAVPCM32
	// WAVFloat32 is 32-bit IEEE float PCM (format 3), read only (clipped to
	// [-1, 1] and scaled to 16 bits).
	WAVFloat32
)

// String returns a short human name of the encoding ("PCM 16-bit", "µ-law").
func (e WAVEncoding) String() string {
	switch e {
	case WAVPCM16:
		return "PCM 16-bit"
	case WAVULaw:
		return "µ-law"
	case WAVALaw:
		return "A-law"
	case WAVPCM8:
		return "PCM 8-bit"
	case WAVPCM24:
		return "PCM 24-bit"
	case WAVPCM32:
		return "PCM 32-bit"
	case WAVFloat32:
		return "float 32-bit"
	}
	return fmt.Sprintf("WAVEncoding(%d)", uint8(e))
}

// bytesPerSample returns the size of one sample of one channel, or 0.
func (e WAVEncoding) bytesPerSample() int {
	switch e {
	case WAVULaw, WAVALaw, WAVPCM8:
		return 1
	case WAVPCM16:
		return 2
	case WAVPCM24:
		return 3
	case WAVPCM32, WAVFloat32:
		return 4
	}
	return 0
}

// WAVFormat describes the audio in a WAV file.
type WAVFormat struct {
	Encoding WAVEncoding
	// Rate is the sample rate in samples per second per channel.
	Rate int
	// Channels is 1 (mono) or 2 (stereo, samples interleaved left first).
	Channels int
}

// The bounds of the WAV formats telekit reads and writes.
const (
	wavMinRate = 1000
	wavMaxRate = 192000
	// wavMaxFmt bounds the fmt chunk: 40 bytes is WAVE_FORMAT_EXTENSIBLE;
	// anything far larger is a lie, not a format.
	wavMaxFmt = 1024
)

func (f WAVFormat) validate() error {
	if f.Encoding.bytesPerSample() == 0 {
		return &WAVError{Reason: fmt.Sprintf("encoding %v is not supported", f.Encoding), Err: ErrAudioUnsupported}
	}
	if f.Channels != 1 && f.Channels != 2 {
		return &WAVError{Reason: fmt.Sprintf("%d channels are not supported (mono or stereo only)", f.Channels), Err: ErrAudioUnsupported}
	}
	if f.Rate < wavMinRate || f.Rate > wavMaxRate {
		return &WAVError{Reason: fmt.Sprintf("sample rate %d Hz is not supported (%d to %d Hz)", f.Rate, wavMinRate, wavMaxRate), Err: ErrAudioUnsupported}
	}
	return nil
}

// WAVError is the error the WAV reader and writer return for a file they
// cannot handle. Err is ErrAudioUnsupported, ErrAudioMalformed or
// io.ErrUnexpectedEOF (for a file shorter than its header says), so
// errors.Is works on it.
type WAVError struct {
	// Reason says what is wrong, for a person: "WAV format 0x0055 (MPEG
	// Layer 3) is not supported".
	Reason string
	Err    error
}

func (e *WAVError) Error() string { return "media: wav: " + e.Reason }

// Unwrap returns e.Err.
func (e *WAVError) Unwrap() error { return e.Err }

// wavFormatNames names the registered WAVE format tags people meet, for
// error messages.
func wavFormatName(tag uint16) string {
	switch tag {
	case 0x0002:
		return "Microsoft ADPCM"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0031:
		return "GSM 6.10"
	case 0x0040:
		return "G.721 ADPCM"
	case 0x0050:
		return "MPEG"
	case 0x0055:
		return "MPEG Layer 3"
	case 0x0064:
		return "G.726 ADPCM"
	case 0x0092:
		return "Dolby AC-3"
	case 0x00FF, 0x1610:
		return "AAC"
	case 0x0161:
		return "Windows Media Audio"
	case 0xF1AC:
		return "FLAC"
	}
	return "unknown"
}

const (
	wavTagPCM        = 0x0001
	wavTagFloat      = 0x0003
	wavTagALaw       = 0x0006
	wavTagULaw       = 0x0007
	wavTagExtensible = 0xFFFE
)

// streamingSize marks a data chunk whose size the writer did not know.
const streamingSize = 0xFFFFFFFF

// WAVReader reads the samples of a RIFF/WAVE file: PCM 8/16/24/32-bit,
// float 32-bit, µ-law and A-law, plain or WAVE_FORMAT_EXTENSIBLE, mono or
// stereo, 1 to 192 kHz. It converts every encoding to 16-bit linear and
// does not resample: see DecodeAudio for 8 kHz mono.
//
// A WAVReader is not safe for concurrent use.
type WAVReader struct {
	r      io.Reader
	format WAVFormat
	bps    int   // bytes per sample of one channel
	frame  int   // bytes per sample frame (all channels)
	left   int64 // data bytes left to read, or -1 when reading to EOF
	total  int64 // declared data bytes, or -1
	buf    [4096]byte
	lo, hi int   // undecoded bytes are buf[lo:hi]
	err    error // sticky error from the underlying reader
	got    int64 // data bytes read so far
}

// NewWAVReader reads the WAV header from r, up to the start of the audio,
// and returns a reader of its samples. It skips chunks it does not need
// (LIST, fact, cue, …). A data chunk size of 0 or 0xFFFFFFFF, as streaming
// writers leave it, means the audio runs to the end of r.
//
// Errors are *WAVError: ErrAudioUnsupported for formats it does not read
// (compressed formats, more than two channels), ErrAudioMalformed for
// inconsistent headers, io.ErrUnexpectedEOF for a header cut short. It
// never allocates more than a fixed amount, whatever the header says.
func NewWAVReader(r io.Reader) (*WAVReader, error) {
	w := &WAVReader{r: r}
	if err := w.readHeader(); err != nil {
		return nil, err
	}
	return w, nil
}

func malformed(format string, args ...any) error {
	return &WAVError{Reason: fmt.Sprintf(format, args...), Err: ErrAudioMalformed}
}

func truncatedHeader(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &WAVError{Reason: "file ends inside the " + what, Err: io.ErrUnexpectedEOF}
	}
	return fmt.Errorf("media: wav: reading the %s: %w", what, err)
}

func (w *WAVReader) readHeader() error {
	var h [12]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &WAVError{Reason: "not a WAV file: shorter than a RIFF header", Err: ErrAudioMalformed}
		}
		return fmt.Errorf("media: wav: reading the RIFF header: %w", err)
	}
	switch string(h[0:4]) {
	case "RIFF":
	case "RF64":
		return &WAVError{Reason: "RF64 (WAV over 4 GB) is not supported", Err: ErrAudioUnsupported}
	case "RIFX":
		return &WAVError{Reason: "big-endian RIFX WAV is not supported", Err: ErrAudioUnsupported}
	default:
		return &WAVError{Reason: "not a WAV file: no RIFF header", Err: ErrAudioMalformed}
	}
	if string(h[8:12]) != "WAVE" {
		return &WAVError{Reason: fmt.Sprintf("not a WAV file: RIFF form %q", h[8:12]), Err: ErrAudioMalformed}
	}
	riffSize := int64(binary.LittleEndian.Uint32(h[4:8]))
	used := int64(4) // "WAVE"
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(w.r, ch[:]); err != nil {
			if errors.Is(err, io.EOF) && haveFmt {
				return &WAVError{Reason: "no data chunk", Err: ErrAudioMalformed}
			}
			if errors.Is(err, io.EOF) {
				return &WAVError{Reason: "no fmt chunk", Err: ErrAudioMalformed}
			}
			return truncatedHeader("chunk header", err)
		}
		id := string(ch[0:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		used += 8
		switch id {
		case "fmt ":
			if haveFmt {
				return malformed("two fmt chunks")
			}
			if size < 16 || size > wavMaxFmt {
				return malformed("fmt chunk size %d is impossible (16 to %d bytes)", size, wavMaxFmt)
			}
			var b [wavMaxFmt + 1]byte // +1: the pad byte of an odd size
			n := size + size&1
			if _, err := io.ReadFull(w.r, b[:n]); err != nil {
				return truncatedHeader("fmt chunk", err)
			}
			if err := w.parseFmt(b[:size]); err != nil {
				return err
			}
			haveFmt = true
			used += n
		case "data":
			if !haveFmt {
				return malformed("data chunk before the fmt chunk")
			}
			used += size
			if size == 0 || size == streamingSize {
				w.left, w.total = -1, -1
			} else {
				if riffSize != 0 && riffSize != streamingSize && riffSize < used {
					// A RIFF size shorter than its own chunks, and not a
					// streaming placeholder: one of the sizes lies and we
					// cannot know which.
					return malformed("RIFF size %d is smaller than its chunks (%d bytes up to the end of data)", riffSize, used)
				}
				w.left, w.total = size, size
			}
			return nil
		default:
			n := size + size&1
			got, err := io.CopyN(io.Discard, w.r, n)
			if err != nil {
				if errors.Is(err, io.EOF) {
					return &WAVError{Reason: fmt.Sprintf("chunk %q declares %d bytes but the file ends after %d", id, size, got), Err: io.ErrUnexpectedEOF}
				}
				return fmt.Errorf("media: wav: skipping chunk %q: %w", id, err)
			}
			used += n
		}
	}
}

func (w *WAVReader) parseFmt(b []byte) error {
	tag := binary.LittleEndian.Uint16(b[0:2])
	channels := int(binary.LittleEndian.Uint16(b[2:4]))
	rate := int64(binary.LittleEndian.Uint32(b[4:8]))
	blockAlign := int(binary.LittleEndian.Uint16(b[12:14]))
	bits := int(binary.LittleEndian.Uint16(b[14:16]))
	if tag == wavTagExtensible {
		if len(b) < 40 {
			return malformed("WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes (needs 40)", len(b))
		}
		if cb := int(binary.LittleEndian.Uint16(b[16:18])); cb < 22 || 18+cb > len(b) {
			return malformed("WAVE_FORMAT_EXTENSIBLE extension size %d does not fit a %d-byte fmt chunk", cb, len(b))
		}
		valid := int(binary.LittleEndian.Uint16(b[18:20]))
		if valid != 0 && valid != bits {
			return &WAVError{Reason: fmt.Sprintf("%d valid bits in %d-bit containers are not supported", valid, bits), Err: ErrAudioUnsupported}
		}
		// The sub-format GUID is the format tag followed by the fixed
		// KSDATAFORMAT suffix 00000000-0010-0080-00AA00389B71.
		guid := b[24:40]
		if string(guid[2:]) != "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71" {
			return &WAVError{Reason: fmt.Sprintf("WAVE_FORMAT_EXTENSIBLE sub-format % x is not supported", guid), Err: ErrAudioUnsupported}
		}
		tag = binary.LittleEndian.Uint16(guid[0:2])
	}
	var enc WAVEncoding
	switch tag {
	case wavTagPCM:
		switch bits {
		case 8:
			enc = WAVPCM8
		case 16:
			enc = WAVPCM16
		case 24:
			enc = WAVPCM24
		case 32:
			enc = WAVPCM32
		default:
			return &WAVError{Reason: fmt.Sprintf("%d-bit PCM is not supported", bits), Err: ErrAudioUnsupported}
		}
	case wavTagFloat:
		if bits != 32 {
			return &WAVError{Reason: fmt.Sprintf("%d-bit float PCM is not supported", bits), Err: ErrAudioUnsupported}
		}
		enc = WAVFloat32
	case wavTagULaw, wavTagALaw:
		if bits != 8 {
			return malformed("G.711 with %d bits per sample (must be 8)", bits)
		}
		enc = WAVULaw
		if tag == wavTagALaw {
			enc = WAVALaw
		}
	default:
		return &WAVError{Reason: fmt.Sprintf("WAV format 0x%04X (%s) is not supported", tag, wavFormatName(tag)), Err: ErrAudioUnsupported}
	}
	if rate > wavMaxRate {
		rate = wavMaxRate + 1 // keep it an int on 32-bit; validate rejects it
	}
	f := WAVFormat{Encoding: enc, Rate: int(rate), Channels: channels}
	if err := f.validate(); err != nil {
		return err
	}
	if want := channels * enc.bytesPerSample(); blockAlign != want {
		return malformed("block align %d does not match %d channels of %d bits", blockAlign, channels, bits)
	}
	w.format = f
	w.bps = enc.bytesPerSample()
	w.frame = blockAlign
	return nil
}

// Format returns the format of the audio.
func (w *WAVReader) Format() WAVFormat { return w.format }

// DataSize returns the size of the audio data in bytes as the header
// declares it, and false when the file was written by a streaming tool and
// runs to the end of the input.
func (w *WAVReader) DataSize() (int64, bool) { return w.total, w.total >= 0 }

// Frames returns the number of sample frames (one sample per channel) the
// header declares, and false when unknown (streaming file).
func (w *WAVReader) Frames() (int64, bool) {
	if w.total < 0 {
		return 0, false
	}
	return w.total / int64(w.frame), true
}

// ReadSamples reads up to len(dst) samples into dst, converted to 16-bit
// linear, interleaved left-first for stereo, and returns the number read:
// always a whole number of frames (a multiple of Format().Channels), so
// len(dst) must be at least Channels. At the end of the audio it returns
// io.EOF. When the file ends before the size its header declares, it
// returns the samples present and then a *WAVError wrapping
// io.ErrUnexpectedEOF. It does not allocate and does not retain dst.
func (w *WAVReader) ReadSamples(dst []int16) (int, error) {
	ch := w.format.Channels
	if len(dst) < ch {
		if len(dst) == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("media: wav: ReadSamples needs room for %d samples (one frame), got %d", ch, len(dst))
	}
	want := len(dst) / ch // frames
	n := 0
	for n < want {
		avail := (w.hi - w.lo) / w.frame
		if avail == 0 {
			if err := w.fill(); err != nil {
				if n > 0 {
					return n * ch, nil
				}
				return 0, err
			}
			continue
		}
		k := min(avail, want-n)
		w.decode(dst[n*ch:(n+k)*ch], w.buf[w.lo:w.lo+k*w.frame])
		w.lo += k * w.frame
		n += k
	}
	return n * ch, nil
}

// fill reads more data bytes into buf. It returns an error only when no
// whole frame can be made from what is left.
func (w *WAVReader) fill() error {
	if w.err != nil {
		return w.err
	}
	// Move the partial frame to the front.
	copy(w.buf[:], w.buf[w.lo:w.hi])
	w.hi -= w.lo
	w.lo = 0
	room := int64(len(w.buf) - w.hi)
	room -= room % int64(w.frame) // keep reads frame sized when possible
	if w.left >= 0 {
		room = min(room, w.left)
	}
	if room == 0 {
		w.err = io.EOF
		return w.err
	}
	n, err := w.r.Read(w.buf[w.hi : w.hi+int(room)])
	w.hi += n
	w.got += int64(n)
	if w.left >= 0 {
		w.left -= int64(n)
	}
	if err == io.EOF && w.left > 0 {
		w.err = &WAVError{
			Reason: fmt.Sprintf("file truncated: header declares %d bytes of audio, file has %d", w.total, w.got),
			Err:    io.ErrUnexpectedEOF,
		}
	} else if err != nil {
		w.err = err
	}
	if n > 0 {
		return nil
	}
	if w.err == nil {
		return nil // a zero read without error; try again
	}
	return w.err
}

func (w *WAVReader) decode(dst []int16, src []byte) {
	switch w.format.Encoding {
	case WAVPCM16:
		for i := range dst {
			dst[i] = int16(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case WAVULaw:
		DecodeULaw(dst, src)
	case WAVALaw:
		DecodeALaw(dst, src)
	case WAVPCM8:
		for i := range dst {
			dst[i] = int16(src[i]-0x80) << 8
		}
	case WAVPCM24:
		for i := range dst {
			dst[i] = int16(binary.LittleEndian.Uint16(src[3*i+1:]))
		}
	case WAVPCM32:
		for i := range dst {
			dst[i] = int16(binary.LittleEndian.Uint16(src[4*i+2:]))
		}
	case WAVFloat32:
		for i := range dst {
			v := math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
			dst[i] = floatToInt16(v)
		}
	}
}

func floatToInt16(v float32) int16 {
	switch {
	case v != v: // NaN
		return 0
	case v >= 1:
		return math.MaxInt16
	case v <= -1:
		return math.MinInt16
	}
	return int16(math.Round(float64(v) * 32768))
}

// WAVWriter writes a WAV file: PCM 16-bit, µ-law or A-law, mono or stereo.
// It writes a header with placeholder sizes first and patches them on
// Close, so the file is complete only after Close returns nil.
//
// A WAVWriter is not safe for concurrent use.
type WAVWriter struct {
	w      io.WriteSeeker
	format WAVFormat
	buf    [4096]byte
	data   int64 // data bytes written
	closed bool
	err    error
}

// NewWAVWriter writes the header of a WAV file of format f to w and returns
// a writer for its samples. f.Encoding must be WAVPCM16, WAVULaw or
// WAVALaw. The caller owns w and closes it after Close.
func NewWAVWriter(w io.WriteSeeker, f WAVFormat) (*WAVWriter, error) {
	switch f.Encoding {
	case WAVPCM16, WAVULaw, WAVALaw:
	default:
		return nil, &WAVError{Reason: fmt.Sprintf("writing %v is not supported (PCM 16-bit, µ-law, A-law)", f.Encoding), Err: ErrAudioUnsupported}
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	ww := &WAVWriter{w: w, format: f}
	hdr := ww.header(streamingSize)
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("media: wav: writing header: %w", err)
	}
	return ww, nil
}

// header returns the 44- or 46-byte header for dataSize bytes of audio
// (streamingSize while unknown). G.711 gets an 18-byte fmt chunk with
// cbSize 0 and no fact chunk, which every reader we know accepts.
func (w *WAVWriter) header(dataSize uint32) []byte {
	f := w.format
	bps := f.Encoding.bytesPerSample()
	tag := uint16(wavTagPCM)
	fmtSize := uint32(16)
	switch f.Encoding {
	case WAVULaw:
		tag, fmtSize = wavTagULaw, 18
	case WAVALaw:
		tag, fmtSize = wavTagALaw, 18
	}
	h := w.buf[:0]
	h = append(h, "RIFF"...)
	riff := uint32(streamingSize)
	if dataSize != streamingSize {
		riff = 4 + 8 + fmtSize + 8 + dataSize + dataSize&1
	}
	h = binary.LittleEndian.AppendUint32(h, riff)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, fmtSize)
	h = binary.LittleEndian.AppendUint16(h, tag)
	h = binary.LittleEndian.AppendUint16(h, uint16(f.Channels))
	h = binary.LittleEndian.AppendUint32(h, uint32(f.Rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(f.Rate*f.Channels*bps))
	h = binary.LittleEndian.AppendUint16(h, uint16(f.Channels*bps))
	h = binary.LittleEndian.AppendUint16(h, uint16(8*bps))
	if fmtSize == 18 {
		h = binary.LittleEndian.AppendUint16(h, 0)
	}
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, dataSize)
	return h
}

// Format returns the format being written.
func (w *WAVWriter) Format() WAVFormat { return w.format }

// WriteSamples encodes and writes src, interleaved left-first for stereo,
// and returns the number of samples written. It does not retain src and
// does not allocate. A WAV file is limited to 4 GB; writing past it fails.
func (w *WAVWriter) WriteSamples(src []int16) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("media: wav: write after Close")
	}
	bps := w.format.Encoding.bytesPerSample()
	if w.data+int64(len(src)*bps) > math.MaxUint32-64 {
		return 0, &WAVError{Reason: "file would exceed the 4 GB WAV limit", Err: ErrAudioUnsupported}
	}
	done := 0
	for done < len(src) {
		k := min(len(src)-done, len(w.buf)/bps)
		chunk := src[done : done+k]
		b := w.buf[:k*bps]
		switch w.format.Encoding {
		case WAVPCM16:
			for i, s := range chunk {
				binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
			}
		case WAVULaw:
			EncodeULaw(b, chunk)
		case WAVALaw:
			EncodeALaw(b, chunk)
		}
		n, err := w.w.Write(b)
		w.data += int64(n)
		done += n / bps
		if err != nil {
			w.err = fmt.Errorf("media: wav: writing samples: %w", err)
			return done, w.err
		}
	}
	return done, nil
}

// Close pads the data chunk to an even size and writes the real sizes into
// the header. It does not close the underlying writer.
func (w *WAVWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if w.data&1 == 1 {
		if _, err := w.w.Write([]byte{0}); err != nil {
			w.err = fmt.Errorf("media: wav: writing pad byte: %w", err)
			return w.err
		}
	}
	hdr := w.header(uint32(w.data))
	if _, err := w.w.Seek(0, io.SeekStart); err != nil {
		w.err = fmt.Errorf("media: wav: seeking to patch the header: %w", err)
		return w.err
	}
	if _, err := w.w.Write(hdr); err != nil {
		w.err = fmt.Errorf("media: wav: patching the header: %w", err)
		return w.err
	}
	if _, err := w.w.Seek(0, io.SeekEnd); err != nil {
		w.err = fmt.Errorf("media: wav: seeking to the end: %w", err)
	}
	return w.err
}
