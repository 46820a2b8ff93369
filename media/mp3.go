package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// MP3 decoding is go-mp3's; this file is the front that go-mp3 lacks for
// uploaded files: it skips ID3v2 tags without allocating their declared
// size, skips junk before the first frame (checking that two frames follow
// each other, so a stray 0xFFE in a tag does not count as audio), names the
// variants go-mp3 cannot decode (MPEG-2.5, Layers I and II, free format)
// instead of failing cryptically, and reads lame's Info header so the
// decoded audio has the length of the original, without the encoder's
// delay and padding.

// MP3Error is the error the MP3 decoder returns for a file it cannot
// decode. Err is ErrAudioUnsupported, ErrAudioMalformed or ErrAudioUnknown
// (not an MP3 file at all), so errors.Is works on it.
type MP3Error struct {
	// Offset is the byte offset in the file the problem was found at.
	Offset int64
	// Reason says what is wrong, for a person.
	Reason string
	Err    error
}

func (e *MP3Error) Error() string { return "media: mp3: " + e.Reason }

// Unwrap returns e.Err.
func (e *MP3Error) Unwrap() error { return e.Err }

// Bounds of the MP3 front.
const (
	mp3MaxID3     = 16 << 20 // larger ID3v2 tags are refused
	mp3MaxID3Tags = 8        // consecutive ID3v2 tags skipped
	mp3MaxJunk    = 64 << 10 // bytes scanned for the first frame
	mp3MaxFrame   = 2881     // MPEG-2.5 Layer II, 160 kbit/s, 8 kHz, padded
	mp3BufSize    = 8192     // holds a frame and the next header
)

// mp3Version is the MPEG audio version of a frame.
type mp3Version uint8

const (
	mpeg1 mp3Version = iota + 1
	mpeg2
	mpeg25
)

func (v mp3Version) String() string {
	switch v {
	case mpeg1:
		return "MPEG-1"
	case mpeg2:
		return "MPEG-2"
	case mpeg25:
		return "MPEG-2.5"
	}
	return "MPEG-?"
}

// mp3Header is one decoded MPEG audio frame header.
type mp3Header struct {
	version  mp3Version
	layer    int // 1, 2 or 3
	crc      bool
	bitrate  int // bits per second
	rate     int // samples per second
	padding  bool
	channels int
	frameLen int // bytes, header included
	samples  int // samples per channel in the frame
}

var mp3Bitrates = [...][15]int16{ // kbit/s, index 1..14; [version-row][index]
	{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, // MPEG-1 Layer I
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},    // MPEG-1 Layer II
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},     // MPEG-1 Layer III
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},    // MPEG-2/2.5 Layer I
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},         // MPEG-2/2.5 Layers II, III
}

var mp3Rates = [...][3]int{
	mpeg1:  {44100, 48000, 32000},
	mpeg2:  {22050, 24000, 16000},
	mpeg25: {11025, 12000, 8000},
}

// parseMP3Header decodes the 4-byte frame header at the start of b. It
// reports false for anything that is not a valid header with a known
// bitrate (free-format frames included: their length is not in the header).
func parseMP3Header(b []byte) (mp3Header, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mp3Header{}, false
	}
	var h mp3Header
	switch (b[1] >> 3) & 3 {
	case 0:
		h.version = mpeg25
	case 2:
		h.version = mpeg2
	case 3:
		h.version = mpeg1
	default:
		return mp3Header{}, false
	}
	h.layer = 4 - int((b[1]>>1)&3)
	if h.layer == 4 {
		return mp3Header{}, false
	}
	h.crc = b[1]&1 == 0
	bi := int(b[2] >> 4)
	ri := int((b[2] >> 2) & 3)
	if bi == 0 || bi == 15 || ri == 3 || b[3]&3 == 2 { // free format, bad, reserved, reserved emphasis
		return mp3Header{}, false
	}
	row := h.layer - 1
	if h.version != mpeg1 {
		row = 3 + min(h.layer-1, 1)
	}
	h.bitrate = int(mp3Bitrates[row][bi]) * 1000
	h.rate = mp3Rates[h.version][ri]
	h.padding = b[2]&2 != 0
	h.channels = 2
	if b[3]>>6 == 3 {
		h.channels = 1
	}
	pad := 0
	if h.padding {
		pad = 1
	}
	switch {
	case h.layer == 1:
		h.samples = 384
		h.frameLen = (12*h.bitrate/h.rate + pad) * 4
	case h.layer == 2 || h.version == mpeg1:
		h.samples = 1152
		h.frameLen = 144*h.bitrate/h.rate + pad
	default: // Layer III, MPEG-2 and 2.5
		h.samples = 576
		h.frameLen = 72*h.bitrate/h.rate + pad
	}
	return h, true
}

// sameStream reports whether g can follow h in one stream.
func (h mp3Header) sameStream(g mp3Header) bool {
	return h.version == g.version && h.layer == g.layer && h.rate == g.rate
}

// String names the format: "MPEG-1 Layer III, 44100 Hz, mono, 128 kbit/s".
func (h mp3Header) String() string {
	ch := "stereo"
	if h.channels == 1 {
		ch = "mono"
	}
	return fmt.Sprintf("%v Layer %s, %d Hz, %s, %d kbit/s", h.version, [...]string{"", "I", "II", "III"}[h.layer], h.rate, ch, h.bitrate/1000)
}

// mp3Front is what the front end learned before the first audio frame.
type mp3Front struct {
	first  mp3Header
	offset int64 // of the first frame
	// From lame's Info (Xing) header frame, when present: the frame holds no
	// audio and is skipped; delay and padding are the encoder's, in samples.
	info           bool
	frames         int64 // audio frames, 0 when unknown
	delay, padding int
}

// skipID3 skips ID3v2 tags at the start of br and returns the bytes
// skipped.
func skipID3(br *bufio.Reader) (int64, error) {
	var off int64
	for range mp3MaxID3Tags {
		b, err := br.Peek(10)
		if len(b) < 3 || string(b[:3]) != "ID3" {
			return off, nil
		}
		if err != nil {
			return off, &MP3Error{Offset: off, Reason: "file ends inside an ID3v2 tag header", Err: io.ErrUnexpectedEOF}
		}
		if b[3] == 0xFF || b[4] == 0xFF || (b[6]|b[7]|b[8]|b[9])&0x80 != 0 {
			return off, &MP3Error{Offset: off, Reason: "corrupt ID3v2 tag header (size not syncsafe)", Err: ErrAudioMalformed}
		}
		size := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
		if size > mp3MaxID3 {
			return off, &MP3Error{Offset: off, Reason: fmt.Sprintf("ID3v2 tag of %d bytes is larger than the %d allowed", size, mp3MaxID3), Err: ErrAudioUnsupported}
		}
		size += 10
		if b[3] == 4 && b[5]&0x10 != 0 { // ID3v2.4 footer
			size += 10
		}
		n, err := br.Discard(int(size))
		off += int64(n)
		if err != nil {
			return off, &MP3Error{Offset: off, Reason: fmt.Sprintf("ID3v2 tag declares %d bytes but the file ends after %d", size, n), Err: io.ErrUnexpectedEOF}
		}
	}
	return off, nil
}

// findMP3Frame skips ID3v2 tags and up to maxJunk bytes of anything else
// in br, up to the first frame header that is followed by another of the
// same stream (or by the end of the file, or an ID3v1 tag). It leaves br
// at that frame. Variants go-mp3 cannot decode are errors naming them.
func findMP3Frame(br *bufio.Reader, maxJunk int) (mp3Front, error) {
	off, err := skipID3(br)
	if err != nil {
		return mp3Front{}, err
	}
	for junk := 0; junk <= maxJunk; junk++ {
		b, _ := br.Peek(4)
		if len(b) < 4 {
			break
		}
		h, ok := parseMP3Header(b)
		if ok {
			f, _ := br.Peek(h.frameLen + 4)
			switch {
			case len(f) == h.frameLen+4:
				g, ok := parseMP3Header(f[h.frameLen:])
				ok = ok && h.sameStream(g)
				if !ok && string(f[h.frameLen:h.frameLen+3]) != "TAG" {
					break
				}
				fallthrough
			case len(f) == h.frameLen: // the only frame in the file
				return checkMP3Front(h, off, f[:h.frameLen])
			}
		}
		if _, err := br.Discard(1); err != nil {
			break
		}
		off++
	}
	return mp3Front{}, &MP3Error{Offset: off, Reason: fmt.Sprintf("not an MP3 file: no MPEG audio frame in the first %d bytes", off), Err: ErrAudioUnknown}
}

func checkMP3Front(h mp3Header, off int64, frame []byte) (mp3Front, error) {
	switch {
	case h.version == mpeg25:
		return mp3Front{}, &MP3Error{Offset: off, Reason: fmt.Sprintf("MPEG-2.5 at %d Hz is not supported by the MP3 decoder; re-export at 16 kHz or higher, or as WAV", h.rate), Err: ErrAudioUnsupported}
	case h.layer != 3:
		return mp3Front{}, &MP3Error{Offset: off, Reason: fmt.Sprintf("%v Layer %s is not supported (only Layer III, MP3); re-export as MP3 or WAV", h.version, [...]string{"", "I", "II"}[h.layer]), Err: ErrAudioUnsupported}
	}
	fr := mp3Front{first: h, offset: off}
	fr.parseInfo(frame)
	return fr, nil
}

// mp3Misread says why go-mp3 v0.3.4 would misread the frame h, or ""
// when it reads it right. go-mp3 computes an MPEG-2/2.5 frame's length as
// (144·bitrate/rate + padding) >> 1 where the standard has 72·bitrate/rate
// + padding; the two differ for a padded frame when the fractional part of
// 72·bitrate/rate is below one half (at 22050 Hz: 8–32, 80, 96, 144 and
// 160 kbit/s), and go-mp3 then reads every later frame one byte off, which
// turns the audio into noise (measured on lame files: 0.3–24 % of a 1 kHz
// tone's energy survives, against 99.7–100 % with mpg123). Sample rates
// whose frames never need padding (16 and 24 kHz) and files without padded
// frames (lame's VBR) are unaffected.
func mp3Misread(h mp3Header) string {
	if h.version != mpeg2 || h.layer != 3 || !h.padding {
		return ""
	}
	if (144*h.bitrate/h.rate+1)>>1 == 72*h.bitrate/h.rate+1 {
		return ""
	}
	return fmt.Sprintf("%v has padded frames that the MP3 decoder reads wrongly; re-export at 16 or 24 kHz, as VBR, at another bit rate (40–64 or 112–128 kbit/s at 22050 Hz), or as WAV", h)
}

// parseInfo reads a Xing/Info header frame and lame's extension of it: the
// frame count and the encoder delay and padding, in samples.
func (fr *mp3Front) parseInfo(frame []byte) {
	h := fr.first
	p := 4
	if h.crc {
		p += 2
	}
	switch {
	case h.version == mpeg1 && h.channels == 1:
		p += 17
	case h.version == mpeg1:
		p += 32
	case h.channels == 1:
		p += 9
	default:
		p += 17
	}
	if len(frame) < p+8 {
		return
	}
	if tag := string(frame[p : p+4]); tag != "Xing" && tag != "Info" {
		return
	}
	fr.info = true
	flags := binary.BigEndian.Uint32(frame[p+4:])
	p += 8
	if flags&1 != 0 && len(frame) >= p+4 {
		fr.frames = int64(binary.BigEndian.Uint32(frame[p:]))
	}
	for _, f := range []struct {
		bit  uint32
		size int
	}{{1, 4}, {2, 4}, {4, 100}, {8, 4}} {
		if flags&f.bit != 0 {
			p += f.size
		}
	}
	// The LAME extension: a 9-byte encoder name, then at offset 21 the
	// delay and padding as two 12-bit numbers.
	if len(frame) < p+24 {
		return
	}
	if name := string(frame[p : p+4]); name != "LAME" && name != "Lavc" && name != "Lavf" {
		return
	}
	d := frame[p+21:]
	fr.delay = int(d[0])<<4 | int(d[1])>>4
	fr.padding = int(d[1]&0x0F)<<8 | int(d[2])
}

// mp3DecoderDelay is the delay of the MP3 synthesis filter bank, in
// samples, which lame's delay and padding figures leave out.
const mp3DecoderDelay = 529

// MP3Reader decodes an MP3 file (MPEG-1 or MPEG-2 Layer III, mono or
// stereo, 16 to 48 kHz) to 8 kHz mono 16-bit audio, through go-mp3 and a
// Resampler. It is a SampleReader. It is not safe for concurrent use.
//
// go-mp3 allocates its output per frame; the conversion after it does not.
type MP3Reader struct {
	tr    *telephonyReader
	dec   *mp3.Decoder
	src   *onlyReader
	raw   [4 * 1152]byte
	carry int // bytes at the start of raw kept from the last read
	info  AudioInfo
}

// NewMP3Reader reads r up to the first MP3 frame and returns a reader of
// its audio at 8 kHz mono. Errors are *MP3Error: ErrAudioUnknown when r
// holds no MPEG audio in its first 64 KB (after ID3v2 tags),
// ErrAudioUnsupported for variants the decoder cannot read (MPEG-2.5,
// which lame writes for 8 to 12 kHz, Layers I and II).
func NewMP3Reader(r io.Reader) (*MP3Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < mp3BufSize {
		br = bufio.NewReaderSize(r, mp3BufSize)
	}
	return newMP3Reader(br, mp3MaxJunk)
}

func newMP3Reader(br *bufio.Reader, maxJunk int) (*MP3Reader, error) {
	fr, err := findMP3Frame(br, maxJunk)
	if err != nil {
		return nil, err
	}
	if fr.info {
		// The Info frame decodes to a frame of silence; drop it here.
		if _, err := br.Discard(fr.first.frameLen); err != nil {
			return nil, &MP3Error{Offset: fr.offset, Reason: "file ends inside the first frame", Err: io.ErrUnexpectedEOF}
		}
	}
	m := &MP3Reader{info: AudioInfo{
		Container:  "MP3",
		Format:     fr.first.String(),
		SampleRate: fr.first.rate,
		Channels:   fr.first.channels,
	}}
	// go-mp3 must not see an io.Seeker: it would read the whole file
	// ahead to index the frames.
	m.src = &onlyReader{r: br}
	m.dec, err = decodeMP3Safely(func() (*mp3.Decoder, error) { return mp3.NewDecoder(m.src) })
	if err != nil {
		if m.src.err != nil && errors.Is(err, m.src.err) {
			return nil, fmt.Errorf("media: mp3: reading: %w", err)
		}
		return nil, &MP3Error{Offset: fr.offset, Reason: "decoding the first frame: " + err.Error(), Err: ErrAudioMalformed}
	}
	if m.dec.SampleRate() != fr.first.rate {
		return nil, &MP3Error{Offset: fr.offset, Reason: fmt.Sprintf("decoder found %d Hz where the first frame says %d Hz", m.dec.SampleRate(), fr.first.rate), Err: ErrAudioMalformed}
	}
	var skip, length int64 = 0, -1
	if fr.delay > 0 || fr.padding > 0 {
		skip = int64(fr.delay + mp3DecoderDelay)
		if fr.frames > 0 {
			length = fr.frames*int64(fr.first.samples) - int64(fr.delay) - int64(fr.padding)
		}
	}
	if length >= 0 {
		m.info.Duration = durationOf(length, fr.first.rate)
	}
	m.tr, err = newTelephonyReader(m.readStereo, 2, fr.first.rate, skip, length)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// onlyReader hides every method of an io.Reader but Read, and keeps the
// last error other than io.EOF, to tell go-mp3's errors from the input's.
//
// It also follows the frame headers on their way to go-mp3 and stops the
// stream, with a clear error, at the first frame go-mp3 would misread (see
// mp3Misread), so that such a file is refused instead of being stored as
// noise. When it loses the frame sync (junk between frames, a free-format
// frame, the ID3v1 tag) it stops following; go-mp3 resyncs by itself.
type onlyReader struct {
	r   io.Reader
	err error

	pos, next int64   // stream offsets of p[0] and of the next header
	hdr       [4]byte // the next header's bytes gathered so far
	nhdr      int
	lost      bool
}

func (o *onlyReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if err != nil && err != io.EOF {
		o.err = err
	}
	if ferr := o.follow(p[:n]); ferr != nil {
		o.err = ferr
		return 0, ferr
	}
	return n, err
}

func (o *onlyReader) follow(b []byte) error {
	end := o.pos + int64(len(b))
	for !o.lost && o.next+int64(o.nhdr) < end {
		o.hdr[o.nhdr] = b[o.next+int64(o.nhdr)-o.pos]
		o.nhdr++
		if o.nhdr < 4 {
			continue
		}
		o.nhdr = 0
		h, ok := parseMP3Header(o.hdr[:])
		if !ok || h.frameLen == 0 {
			o.lost = true
			break
		}
		if reason := mp3Misread(h); reason != "" {
			return &MP3Error{Offset: o.next, Reason: reason, Err: ErrAudioUnsupported}
		}
		o.next += int64(h.frameLen)
	}
	o.pos = end
	return nil
}

// decodeMP3Safely runs f, turning a panic inside go-mp3 on corrupt input
// into an error: the decoder reads files uploaded by users, and one bad
// file must not stop the server.
func decodeMP3Safely[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder failed on corrupt data: %v", p)
		}
	}()
	return f()
}

// readStereo reads interleaved stereo samples at the source rate from
// go-mp3.
func (m *MP3Reader) readStereo(dst []int16) (int, error) {
	want := min(len(dst)*2, len(m.raw))
	want -= want % 4
	if want == 0 {
		return 0, nil
	}
	n, err := decodeMP3Safely(func() (int, error) { return m.dec.Read(m.raw[m.carry:want]) })
	n += m.carry
	whole := n - n%4
	for i := range whole / 2 {
		dst[i] = int16(binary.LittleEndian.Uint16(m.raw[2*i:]))
	}
	m.carry = copy(m.raw[:], m.raw[whole:n])
	switch {
	case err == nil || err == io.EOF:
	case m.src.err != nil && errors.Is(err, m.src.err):
		err = fmt.Errorf("media: mp3: reading: %w", err) // the input's error, not the decoder's
	default:
		err = &MP3Error{Reason: "decoding: " + err.Error(), Err: ErrAudioMalformed}
	}
	return whole / 2, err
}

// ReadSamples reads up to len(dst) samples of 8 kHz mono audio into dst,
// returning io.EOF at the end. It does not retain dst.
func (m *MP3Reader) ReadSamples(dst []int16) (int, error) { return m.tr.ReadSamples(dst) }

// Info describes the MP3 stream, from its first frame.
func (m *MP3Reader) Info() AudioInfo { return m.info }

var _ SampleReader = (*MP3Reader)(nil)
