package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/internal/interop"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeAudio recognises files by their bytes and converts them to
// 8 kHz mono of the right length.
func TestDecodeAudio(t *testing.T) {
	tests := []struct {
		file    string
		info    AudioInfo
		samples int // at 8 kHz; -1: not exact
		tone    float64
	}{
		{"sox-44100-stereo.wav", AudioInfo{"WAV", "PCM 16-bit", 44100, 2, 150 * time.Millisecond}, 1200, 1000},
		{"sox-8000-ulaw.wav", AudioInfo{"WAV", "µ-law", 8000, 1, 250 * time.Millisecond}, 2000, 440},
		{"ffmpeg-16000-list.wav", AudioInfo{"WAV", "PCM 16-bit", 16000, 1, 250 * time.Millisecond}, 2000, 1000},
		{"lame-44100-id3.mp3", AudioInfo{"MP3", "MPEG-1 Layer III, 44100 Hz, mono, 32 kbit/s", 44100, 1, 0}, -1, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			// A misleading name does not matter: only the bytes count.
			r, info, err := DecodeAudio(bytes.NewReader(readFixture(t, tc.file)), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.info, info); diff != "" {
				t.Errorf("AudioInfo (-want +got):\n%s", diff)
			}
			got, err := readAllSamples(r, 100, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if tc.samples >= 0 && len(got) != tc.samples {
				t.Errorf("got %d samples at 8 kHz, want %d", len(got), tc.samples)
			}
			checkTone(t, got[len(got)/5:len(got)*4/5], tc.tone)
		})
	}
}

func TestDecodeAudioErrors(t *testing.T) {
	wav := readFixture(t, "sox-44100-stereo.wav")
	tests := []struct {
		name string
		file []byte
		opts DecodeOptions
		err  error
		msg  string
	}{
		{"ogg", append([]byte("OggS\x00\x02"), make([]byte, 100)...), DecodeOptions{}, ErrAudioUnknown, "media: not a WAV or MP3 file (looks like Ogg (Vorbis or Opus))"},
		{"m4a", append([]byte("\x00\x00\x00\x20ftypM4A "), make([]byte, 100)...), DecodeOptions{}, ErrAudioUnknown, "(looks like MP4/M4A (AAC))"},
		{"text", []byte(strings.Repeat("not audio ", 50)), DecodeOptions{}, ErrAudioUnknown, "media: not a WAV or MP3 file"},
		{"empty", nil, DecodeOptions{}, ErrAudioUnknown, "(empty input)"},
		{"MPEG-2.5", readFixture(t, "lame-8000-mpeg25.mp3"), DecodeOptions{}, ErrAudioUnsupported, "MPEG-2.5 at 8000 Hz"},
		{"WAV over the limit", wav, DecodeOptions{MaxBytes: 10000}, ErrAudioTooLarge, "WAV declares 26460 bytes of audio, more than the 10000 allowed"},
		{"RIFF but not WAVE", []byte("RIFF\x04\x00\x00\x00AVI "), DecodeOptions{}, ErrAudioMalformed, "not a WAV file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeAudio(bytes.NewReader(tc.file), tc.opts)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want one wrapping %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// TestDecodeAudioLimitStreaming: a file whose size is not declared up front
// fails when it passes the limit, rather than being silently cut.
func TestDecodeAudioLimitStreaming(t *testing.T) {
	streaming := buildWAV(0, fmtChunk(1, 1, 8000, 16), wavChunk{id: "data", size: 0, body: make([]byte, 20000)})
	mp3 := readFixture(t, "lame-44100-id3.mp3")
	for name, file := range map[string][]byte{"streaming WAV": streaming, "MP3": mp3} {
		r, _, err := DecodeAudio(bytes.NewReader(file), DecodeOptions{MaxBytes: int64(len(file) - 200)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := readAllSamples(r, 100, 1<<20); !errors.Is(err, ErrAudioTooLarge) {
			t.Errorf("%s: reading past the limit gave %v, want ErrAudioTooLarge", name, err)
		}
		// Exactly at the limit is fine; no limit is fine.
		for _, max := range []int64{int64(len(file)), -1} {
			r, _, err := DecodeAudio(bytes.NewReader(file), DecodeOptions{MaxBytes: max})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if _, err := readAllSamples(r, 100, 1<<20); err != nil {
				t.Errorf("%s with MaxBytes %d: %v", name, max, err)
			}
		}
	}
}

// TestDecodeAudioTruncated: a cut-off upload gives its audio, then an
// error saying so.
func TestDecodeAudioTruncated(t *testing.T) {
	wav := readFixture(t, "sox-44100-stereo.wav")
	r, _, err := DecodeAudio(bytes.NewReader(wav[:len(wav)/2]), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAllSamples(r, 100, 1<<20)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "file truncated") {
		t.Errorf("error %v, want a truncation error", err)
	}
	// Half of 0.15 s is 600 samples at 8 kHz, less the header's share.
	if len(got) < 590 || len(got) > 600 {
		t.Errorf("got %d samples before the error, want about 600", len(got))
	}
}

func TestDecodeAudioAllocs(t *testing.T) {
	x := audioSine(1<<18, 44100, 1000, 8000)
	file := buildWAV(-1, fmtChunk(1, 2, 44100, 16), data(pcm16Bytes(x...)))
	r, _, err := DecodeAudio(bytes.NewReader(file), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, FrameSamples)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := r.ReadSamples(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("reading a 44.1 kHz stereo WAV as 8 kHz mono allocates %.1f times per frame, want 0", allocs)
	}
}

// TestDecodeAudioSox converts WAVs sox makes at the rates and encodings
// people upload: the length is exact at 8 kHz and the tone survives.
func TestDecodeAudioSox(t *testing.T) {
	sox := interop.LookPath(t, "sox", "sox")
	dir := t.TempDir()
	for _, tc := range []struct {
		rate, channels int
		args           []string // encoding options
		format         string
	}{
		{44100, 2, []string{"-b", "16"}, "PCM 16-bit"},
		{48000, 1, []string{"-b", "16"}, "PCM 16-bit"},
		{16000, 1, []string{"-b", "16"}, "PCM 16-bit"},
		{11025, 1, []string{"-b", "16"}, "PCM 16-bit"},
		{22050, 2, []string{"-b", "24"}, "PCM 24-bit"},
		{8000, 1, []string{"-e", "a-law"}, "A-law"},
		{32000, 1, []string{"-e", "floating-point", "-b", "32"}, "float 32-bit"},
		{8000, 1, []string{"-b", "8", "-e", "unsigned"}, "PCM 8-bit"},
	} {
		name := fmt.Sprintf("%d-%d-%s", tc.rate, tc.channels, strings.Join(tc.args, ""))
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".wav")
			args := append([]string{"-n", "-r", fmt.Sprint(tc.rate), "-c", fmt.Sprint(tc.channels)}, tc.args...)
			args = append(args, out, "synth", "0.7", "sine", "1000", "vol", "0.5")
			if b, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
				t.Fatalf("sox %v: %v\n%s", args, err, b)
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, info, err := DecodeAudio(f, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := AudioInfo{"WAV", tc.format, tc.rate, tc.channels, 700 * time.Millisecond}
			info.Duration = info.Duration.Round(time.Millisecond) // 0.7 s is not whole samples at 11025 Hz
			if diff := cmp.Diff(want, info); diff != "" {
				t.Errorf("AudioInfo (-want +got):\n%s", diff)
			}
			got, err := readAllSamples(r, FrameSamples, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 5600 {
				t.Errorf("got %d samples, want 5600 (0.7 s at 8 kHz)", len(got))
			}
			checkTone(t, got[1000:4600], 1000)
		})
	}
}
