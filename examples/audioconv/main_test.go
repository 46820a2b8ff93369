package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/media"
)

const fixtures = "../../media/testdata/audio/"

// readWAV returns the format and sample count of a WAV file.
func readWAV(t *testing.T, path string) (media.WAVFormat, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := media.NewWAVReader(f)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	buf := make([]int16, 1000)
	for {
		n, err := r.ReadSamples(buf)
		total += n
		if err == io.EOF {
			return r.Format(), total
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRunFlagOrder: flags work before, between and after the file names.
func TestRunFlagOrder(t *testing.T) {
	in := fixtures + "sox-44100-stereo.wav"
	for _, tc := range []struct {
		name string
		args func(out string) []string
		enc  media.WAVEncoding
	}{
		{"flags first", func(out string) []string { return []string{"-codec", "alaw", in, out} }, media.WAVALaw},
		{"flags last", func(out string) []string { return []string{in, out, "-codec", "alaw"} }, media.WAVALaw},
		{"flags between", func(out string) []string { return []string{in, "-codec=ulaw", out} }, media.WAVULaw},
		{"no flags: pcm", func(out string) []string { return []string{in, out} }, media.WAVPCM16},
		{"after --", func(out string) []string { return []string{"-codec", "ulaw", "--", in, out} }, media.WAVULaw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.wav")
			var stdout, stderr bytes.Buffer
			if err := run(tc.args(out), &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			f, n := readWAV(t, out)
			if diff := cmp.Diff(media.WAVFormat{Encoding: tc.enc, Rate: 8000, Channels: 1}, f); diff != "" {
				t.Errorf("output format (-want +got):\n%s", diff)
			}
			if n != 1200 {
				t.Errorf("output has %d samples, want 1200 (0.15 s)", n)
			}
			if !strings.Contains(stdout.String(), "WAV PCM 16-bit, 44100 Hz, 2 channel(s)") {
				t.Errorf("report %q does not describe the input", stdout.String())
			}
		})
	}
}

func TestRunMP3(t *testing.T) {
	out := filepath.Join(t.TempDir(), "greeting.wav")
	if err := run([]string{fixtures + "lame-44100-id3.mp3", out, "-codec", "ulaw"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, n := readWAV(t, out); n < 4000 || n > 4500 {
		t.Errorf("output has %d samples, want about 4000 (0.5 s)", n)
	}
}

// TestRunBadInput: bad input or arguments give a clear error and leave no
// output file and no temporary file behind, and an existing output is kept.
func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.wav")
	os.WriteFile(text, []byte(strings.Repeat("this is not audio\n", 20)), 0o644)
	wav, _ := os.ReadFile(fixtures + "sox-44100-stereo.wav")
	cut := filepath.Join(dir, "cut.wav")
	os.WriteFile(cut, wav[:len(wav)/2], 0o644)
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"not audio", []string{text, "OUT"}, "not a WAV or MP3 file"},
		{"truncated", []string{cut, "OUT"}, "file truncated"},
		{"MPEG-2.5", []string{fixtures + "lame-8000-mpeg25.mp3", "OUT"}, "MPEG-2.5 at 8000 Hz is not supported"},
		{"too large", []string{fixtures + "sox-44100-stereo.wav", "OUT", "-max-bytes", "1000"}, "too large"},
		{"missing", []string{filepath.Join(dir, "nope.mp3"), "OUT"}, "no such file"},
		{"bad codec", []string{fixtures + "sox-44100-stereo.wav", "OUT", "-codec", "g729"}, `-codec "g729"`},
		{"one name", []string{fixtures + "sox-44100-stereo.wav"}, "want an input and an output file"},
		{"unknown flag after names", []string{fixtures + "sox-44100-stereo.wav", "OUT", "-loud"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".wav")
			os.WriteFile(out, []byte("previous"), 0o644)
			args := append([]string(nil), tc.args...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			err := run(args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want one saying %q", err, tc.msg)
			}
			if b, _ := os.ReadFile(out); string(b) != "previous" {
				t.Errorf("output file changed to %d bytes", len(b))
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestRunHelp(t *testing.T) {
	var stderr bytes.Buffer
	if err := run([]string{"-h"}, io.Discard, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stderr.String(), "usage: audioconv") {
		t.Errorf("-h printed %q", stderr.String())
	}
}
