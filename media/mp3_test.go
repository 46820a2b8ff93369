package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/internal/interop"
)

func TestParseMP3Header(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want mp3Header
		ok   bool
	}{
		{"MPEG-1 L3 44.1k 32k mono (lame)", []byte{0xFF, 0xFB, 0x10, 0xC4}, mp3Header{version: mpeg1, layer: 3, bitrate: 32000, rate: 44100, channels: 1, frameLen: 104, samples: 1152}, true},
		{"MPEG-1 L3 44.1k 128k padded joint stereo", []byte{0xFF, 0xFB, 0x92, 0x44}, mp3Header{version: mpeg1, layer: 3, bitrate: 128000, rate: 44100, padding: true, channels: 2, frameLen: 418, samples: 1152}, true},
		{"MPEG-2 L3 22.05k 32k mono", []byte{0xFF, 0xF3, 0x40, 0xC4}, mp3Header{version: mpeg2, layer: 3, bitrate: 32000, rate: 22050, channels: 1, frameLen: 104, samples: 576}, true},
		{"MPEG-2.5 L3 8k 16k mono (lame)", []byte{0xFF, 0xE3, 0x28, 0xC4}, mp3Header{version: mpeg25, layer: 3, bitrate: 16000, rate: 8000, channels: 1, frameLen: 144, samples: 576}, true},
		{"MPEG-1 L2 48k 384k with CRC", []byte{0xFF, 0xFC, 0xE4, 0x00}, mp3Header{version: mpeg1, layer: 2, crc: true, bitrate: 384000, rate: 48000, channels: 2, frameLen: 1152, samples: 1152}, true},
		{"MPEG-1 L1 32k 448k", []byte{0xFF, 0xFF, 0xE8, 0x00}, mp3Header{version: mpeg1, layer: 1, bitrate: 448000, rate: 32000, channels: 2, frameLen: 672, samples: 384}, true},
		{"no sync", []byte{0xFF, 0x7B, 0x10, 0xC4}, mp3Header{}, false},
		{"reserved version", []byte{0xFF, 0xEB, 0x10, 0xC4}, mp3Header{}, false},
		{"reserved layer", []byte{0xFF, 0xF9, 0x10, 0xC4}, mp3Header{}, false},
		{"free format", []byte{0xFF, 0xFB, 0x00, 0xC4}, mp3Header{}, false},
		{"bad bitrate", []byte{0xFF, 0xFB, 0xF0, 0xC4}, mp3Header{}, false},
		{"reserved rate", []byte{0xFF, 0xFB, 0x1C, 0xC4}, mp3Header{}, false},
		{"reserved emphasis", []byte{0xFF, 0xFB, 0x10, 0xC6}, mp3Header{}, false},
		{"short", []byte{0xFF, 0xFB}, mp3Header{}, false},
	}
	for _, tc := range tests {
		got, ok := parseMP3Header(tc.b)
		if ok != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.name, ok, tc.ok)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(mp3Header{})); diff != "" {
			t.Errorf("%s: header (-want +got):\n%s", tc.name, diff)
		}
	}
}

// mp3Frames returns n frames with header h4 (a valid header) and zero
// bodies.
func mp3Frames(h4 []byte, n int) []byte {
	h, _ := parseMP3Header(h4)
	var out []byte
	for range n {
		f := make([]byte, h.frameLen)
		copy(f, h4)
		out = append(out, f...)
	}
	return out
}

func id3(size int, footer bool) []byte {
	flags := byte(0)
	ver := byte(3)
	if footer {
		flags, ver = 0x10, 4
	}
	b := []byte{'I', 'D', '3', ver, 0, flags, byte(size >> 21 & 0x7F), byte(size >> 14 & 0x7F), byte(size >> 7 & 0x7F), byte(size & 0x7F)}
	b = append(b, make([]byte, size)...)
	if footer {
		b = append(b, "3DI\x04\x00\x10\x00\x00\x00\x00"...)
	}
	return b
}

// TestMP3Front finds the first frame behind tags and junk, and names what
// it cannot decode.
func TestMP3Front(t *testing.T) {
	mpeg1 := []byte{0xFF, 0xFB, 0x10, 0xC4}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name   string
		file   []byte
		offset int64
		err    error
		msg    string
	}{
		{"bare frames", mp3Frames(mpeg1, 3), 0, nil, ""},
		{"one frame only", mp3Frames(mpeg1, 1), 0, nil, ""},
		{"ID3v2.3 tag", cat(id3(300, false), mp3Frames(mpeg1, 2)), 310, nil, ""},
		{"ID3v2.4 tag with footer, then a second tag", cat(id3(20, true), id3(5, false), mp3Frames(mpeg1, 2)), 40 + 15, nil, ""},
		{"junk with a false sync before the frames", cat([]byte("junk\xff\xfb\x10\xc4junk"), mp3Frames(mpeg1, 2)), 12, nil, ""},
		{"frame then ID3v1", cat(mp3Frames(mpeg1, 1), []byte("TAG"), make([]byte, 125)), 0, nil, ""},
		{"MPEG-2.5", mp3Frames([]byte{0xFF, 0xE3, 0x28, 0xC4}, 2), 0, ErrAudioUnsupported, "MPEG-2.5 at 8000 Hz is not supported by the MP3 decoder; re-export at 16 kHz or higher, or as WAV"},
		{"Layer II", mp3Frames([]byte{0xFF, 0xFD, 0x84, 0x00}, 2), 0, ErrAudioUnsupported, "MPEG-1 Layer II is not supported"},
		{"text", []byte(strings.Repeat("hello, world ", 100)), 0, ErrAudioUnknown, "not an MP3 file"},
		{"empty", nil, 0, ErrAudioUnknown, "not an MP3 file"},
		{"ID3 size not syncsafe", cat([]byte("ID3\x03\x00\x00\x00\x00\x80\x00"), mp3Frames(mpeg1, 2)), 0, ErrAudioMalformed, "not syncsafe"},
		{"ID3 larger than the bound", []byte("ID3\x03\x00\x00\x7f\x7f\x7f\x7f"), 0, ErrAudioUnsupported, "ID3v2 tag of 268435455 bytes"},
		{"ID3 beyond the file", cat([]byte("ID3\x03\x00\x00\x00\x00\x10\x00"), mp3Frames(mpeg1, 2)), 0, io.ErrUnexpectedEOF, "ID3v2 tag declares 2058 bytes but the file ends after 218"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fr, err := findMP3Frame(bufio.NewReaderSize(bytes.NewReader(tc.file), mp3BufSize), mp3MaxJunk)
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if fr.offset != tc.offset {
					t.Errorf("first frame at %d, want %d", fr.offset, tc.offset)
				}
				return
			}
			var me *MP3Error
			if !errors.Is(err, tc.err) || !errors.As(err, &me) {
				t.Fatalf("error %v (%T), want an *MP3Error wrapping %v", err, err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// TestMP3Fixtures decodes the committed lame files without lame.
func TestMP3Fixtures(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "audio", "lame-44100-id3.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewMP3Reader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := AudioInfo{Container: "MP3", Format: "MPEG-1 Layer III, 44100 Hz, mono, 32 kbit/s", SampleRate: 44100, Channels: 1}
	if diff := cmp.Diff(want, r.Info()); diff != "" {
		t.Errorf("Info (-want +got):\n%s", diff)
	}
	got, err := readAllSamples(r, FrameSamples, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	// 0.5 s; no Info frame (too small at 32 kbit/s), so the encoder's
	// delay and padding stay: at most two MP3 frames more.
	if extra := len(got) - 4000; extra < 0 || extra > 2*1152*8000/44100 {
		t.Errorf("decoded %d samples, want 4000 plus at most two frames", len(got))
	}
	checkTone(t, got[1000:3500], 1000)

	b, err = os.ReadFile(filepath.Join("testdata", "audio", "lame-8000-mpeg25.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewMP3Reader(bytes.NewReader(b))
	if !errors.Is(err, ErrAudioUnsupported) || !strings.Contains(err.Error(), "MPEG-2.5 at 8000 Hz") {
		t.Errorf("MPEG-2.5 file: error %v, want the clear MPEG-2.5 error", err)
	}
}

// checkTone fails unless x (8 kHz) is mostly a sine of freq Hz: the part
// that is not that sine is at least 26 dB down.
func checkTone(t *testing.T, x []int16, freq float64) {
	t.Helper()
	amp, res := audioToneFit(x, SampleRate, freq)
	if amp < 1000 || res*math.Sqrt2 > amp/20 {
		t.Errorf("%g Hz tone: amplitude %.0f, residual %.0f RMS; want a clean tone", freq, amp, res)
	}
}

// TestMP3Lame decodes files lame makes at every MPEG-1 and MPEG-2 rate, CBR
// and VBR, mono and stereo: the 1 kHz tone survives, and with lame's Info
// frame the length is the original's to the sample (±1 frame of 20 ms
// allowed). At 8 kHz lame writes MPEG-2.5, which must give the clear error.
func TestMP3Lame(t *testing.T) {
	sox := interop.LookPath(t, "sox", "sox")
	lame := interop.LookPath(t, "lame", "lame")
	dir := t.TempDir()
	src := filepath.Join(dir, "tone.wav")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run(sox, "-n", "-r", "48000", "-c", "2", "-b", "16", src, "synth", "1", "sine", "1000", "vol", "0.5")
	for _, tc := range []struct {
		rate string
		mode string // lame -m: m mono, j joint stereo
		vbr  bool
	}{
		{"16", "m", true}, {"22.05", "j", true}, {"24", "m", false},
		{"32", "j", false}, {"44.1", "m", true}, {"48", "j", true}, {"44.1", "j", false},
	} {
		t.Run(fmt.Sprintf("%skHz-%s-vbr=%v", tc.rate, tc.mode, tc.vbr), func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("%s-%s-%v.mp3", tc.rate, tc.mode, tc.vbr))
			rate := []string{"-b", "128"}
			if tc.vbr {
				rate = []string{"-V", "4"}
			}
			run(lame, append(rate, "--quiet", "-m", tc.mode, "--resample", tc.rate, src, out)...)
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, info, err := DecodeAudio(f, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAllSamples(r, FrameSamples, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if info.Duration != 0 {
				if d := len(got) - SampleRate; d < -FrameSamples || d > FrameSamples {
					t.Errorf("decoded %d samples, want %d ± %d (%+v)", len(got), SampleRate, FrameSamples, info)
				}
			} else if d := len(got) - SampleRate; d < 0 || d > 2*1152*SampleRate/info.SampleRate+1105 {
				t.Errorf("decoded %d samples without an Info frame, want %d plus at most the encoder's delay and padding", len(got), SampleRate)
			}
			checkTone(t, got[len(got)/5:len(got)*4/5], 1000)
		})
	}
	// go-mp3 misreads padded MPEG-2 frames at some bit rates (see
	// mp3Misread) and would turn them into noise: such a file must be
	// refused with a clear error, while the others decode to the tone.
	for _, tc := range []struct {
		kbps    string
		refused bool
	}{{"8", true}, {"32", true}, {"40", false}, {"96", true}, {"112", false}} {
		t.Run("22.05kHz-"+tc.kbps+"kbps", func(t *testing.T) {
			out := filepath.Join(dir, "22k-"+tc.kbps+".mp3")
			run(lame, "--quiet", "-m", "m", "-b", tc.kbps, "--resample", "22.05", src, out)
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, _, err := DecodeAudio(f, DecodeOptions{})
			var got []int16
			if err == nil {
				got, err = readAllSamples(r, FrameSamples, 1<<20)
			}
			if !tc.refused {
				if err != nil {
					t.Fatal(err)
				}
				checkTone(t, got[len(got)/5:len(got)*4/5], 1000)
				return
			}
			want := "MPEG-2 Layer III, 22050 Hz, mono, " + tc.kbps + " kbit/s has padded frames that the MP3 decoder reads wrongly"
			if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrAudioUnsupported) {
				t.Errorf("error %v, want one containing %q", err, want)
			}
		})
	}
	t.Run("8kHz is MPEG-2.5", func(t *testing.T) {
		out := filepath.Join(dir, "8k.mp3")
		run(lame, "--quiet", "-m", "m", "--resample", "8", src, out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _, err = DecodeAudio(f, DecodeOptions{})
		const want = "media: mp3: MPEG-2.5 at 8000 Hz is not supported by the MP3 decoder; re-export at 16 kHz or higher, or as WAV"
		if err == nil || err.Error() != want || !errors.Is(err, ErrAudioUnsupported) {
			t.Errorf("error %v, want %q", err, want)
		}
	})
}

// FuzzMP3Front feeds arbitrary bytes to the MP3 front end and decoder.
// Whatever the front accepts is a real frame header, in the file, of a
// variant the decoder handles, with a frame length within bounds; the
// decoder then never panics and never produces more audio than the input
// could hold.
func FuzzMP3Front(f *testing.F) {
	for _, name := range []string{"lame-44100-id3.mp3", "lame-8000-mpeg25.mp3"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "audio", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add(append(id3(20, true), mp3Frames([]byte{0xFF, 0xFB, 0x10, 0xC4}, 2)...))
	f.Add(mp3Frames([]byte{0xFF, 0xFD, 0x84, 0x00}, 2))
	f.Fuzz(func(t *testing.T, file []byte) {
		if h, ok := parseMP3Header(file); ok {
			if h.frameLen < 4 || h.frameLen > mp3MaxFrame {
				t.Fatalf("header % x: frame length %d out of bounds", file[:4], h.frameLen)
			}
			if h.samples != 384 && h.samples != 576 && h.samples != 1152 {
				t.Fatalf("header % x: %d samples per frame", file[:4], h.samples)
			}
		}
		fr, err := findMP3Frame(bufio.NewReaderSize(bytes.NewReader(file), mp3BufSize), mp3MaxJunk)
		if err != nil {
			var me *MP3Error
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not an *MP3Error", err)
			}
			return
		}
		if fr.offset < 0 || fr.offset+int64(fr.first.frameLen) > int64(len(file)) {
			t.Fatalf("first frame at %d, %d bytes, outside a %d-byte file", fr.offset, fr.first.frameLen, len(file))
		}
		again, ok := parseMP3Header(file[fr.offset:])
		if !ok || again != fr.first {
			t.Fatalf("header at %d parses as %+v, front said %+v", fr.offset, again, fr.first)
		}
		if fr.first.version == mpeg25 || fr.first.layer != 3 {
			t.Fatalf("front accepted %v", fr.first)
		}
		r, err := NewMP3Reader(bytes.NewReader(file))
		if err != nil {
			return
		}
		// Each frame of at least 24 bytes decodes to at most 1152 samples at
		// 16 kHz or more, i.e. at most 576 at 8 kHz, plus the resampler's tail.
		limit := (len(file)/24+2)*576 + 1000
		got, _ := readAllSamples(r, FrameSamples, limit+1)
		if len(got) > limit {
			t.Fatalf("%d-byte file decoded to more than %d samples", len(file), limit)
		}
	})
}

// TestMP3Misread checks the rule against go-mp3's frame-length arithmetic
// without any encoder: only padded MPEG-2 Layer III frames whose length
// go-mp3 computes one byte short are refused.
func TestMP3Misread(t *testing.T) {
	type frame struct {
		Version mp3Version
		Rate    int
		Kbps    int
		Padding bool
	}
	var got []frame
	for _, f := range []frame{
		{mpeg2, 22050, 32, true}, {mpeg2, 22050, 32, false}, {mpeg2, 22050, 40, true},
		{mpeg2, 22050, 96, true}, {mpeg2, 22050, 112, true}, {mpeg2, 22050, 160, true},
		{mpeg2, 16000, 32, true}, {mpeg2, 24000, 96, true}, {mpeg1, 44100, 128, true},
	} {
		h := mp3Header{version: f.Version, layer: 3, rate: f.Rate, bitrate: f.Kbps * 1000, padding: f.Padding}
		if mp3Misread(h) != "" {
			got = append(got, f)
		}
	}
	// 16 and 24 kHz frames are whole numbers of bytes, so encoders never
	// pad them; were one padded, go-mp3 would misread it too.
	want := []frame{{mpeg2, 22050, 32, true}, {mpeg2, 22050, 96, true}, {mpeg2, 22050, 160, true},
		{mpeg2, 16000, 32, true}, {mpeg2, 24000, 96, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refused frames (-want +got):\n%s", diff)
	}
}
