// Command gen makes the default prompt set of package media/prompt from the
// list in media/prompt/internal/texts: for each spoken prompt it runs
//
//	espeak-ng -v en-us -s 175 --stdout TEXT | sox (trim silence, 8 kHz mono)
//
// (175 words a minute is espeak-ng's default; at 150 the set would be 2.4 MB,
// over its 2 MB budget), shortens pauses inside a prompt to 200 ms, keeps
// 30 ms of silence at the end, sets the level (active speech at -18 dBFS RMS, peaks no higher than -1
// dBFS), and writes an 8 kHz mono µ-law WAV file through package media. The
// beep is a 1000 Hz, 400 ms sine at -10 dBFS RMS with 5 ms fades, made with
// sox synth; the silence is digital silence. It then writes manifest.tsv
// (name, duration in milliseconds, text) and removes WAV files that are no
// longer on the list, so the directory is exactly what the list says.
//
// It runs from `go generate ./media/prompt` (or `make prompts`, which also
// installs espeak-ng and sox when missing):
//
//	go run ./internal/gen -out sounds/en
//
// espeak-ng's output varies between versions, so CI does not regenerate the
// set; the manifest's header records the versions that made it.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/media/prompt/internal/texts"
)

// Levels, in dBFS relative to a full-scale int16 sine's peak.
const (
	speechLevel = -18.0 // active speech RMS
	peakCeiling = -1.0  // highest sample
	toneLevel   = -10.0 // beep RMS
)

func main() {
	out := flag.String("out", "sounds/en", "directory for the WAV files and manifest.tsv")
	voice := flag.String("voice", "en-us", "espeak-ng voice")
	speed := flag.Int("speed", 175, "espeak-ng speed in words per minute")
	flag.Parse()
	if err := run(*out, *voice, *speed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, voice string, speed int) error {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (Debian package %s; `make prompts` installs it)", tool, tool)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	entries := texts.English()
	var manifest bytes.Buffer
	fmt.Fprintf(&manifest, "# Default prompt set, written by media/prompt/internal/gen: do not edit.\n")
	fmt.Fprintf(&manifest, "# espeak-ng %s, voice %s, %d words/min; %s\n", version("espeak-ng", "--version"), voice, speed, version("sox", "--version"))
	fmt.Fprintf(&manifest, "# Speech at %.0f dBFS RMS (active), peaks <= %.0f dBFS; 8 kHz mono µ-law WAV.\n", speechLevel, peakCeiling)
	fmt.Fprintf(&manifest, "# name\tmilliseconds\ttext\n")
	keep := map[string]bool{"manifest.tsv": true}
	var total int64
	for _, e := range entries {
		var pcm []int16
		var err error
		switch e.Kind {
		case texts.Speech:
			pcm, err = speak(e.Text, voice, speed)
			if err == nil {
				pcm = level(pcm)
			}
		case texts.Tone:
			pcm, err = soxRaw(nil, "-n", "synth", "0.4", "sine", "1000", "fade", "0.005", "0.4", "0.005")
			if err == nil {
				gain(pcm, toneLevel-rmsDB(pcm))
			}
		case texts.Silence:
			pcm = make([]int16, media.SampleRate/2)
		default:
			err = fmt.Errorf("unknown kind %v", e.Kind)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
		file := e.Name + ".wav"
		keep[file] = true
		size, err := writeWAV(filepath.Join(out, file), pcm)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
		total += size
		ms := len(pcm) * 1000 / media.SampleRate
		fmt.Fprintf(&manifest, "%s\t%d\t%s\n", e.Name, ms, e.Text)
	}
	if err := os.WriteFile(filepath.Join(out, "manifest.tsv"), manifest.Bytes(), 0o644); err != nil {
		return err
	}
	// Remove what the list no longer names.
	files, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, f := range files {
		if !keep[f.Name()] && strings.HasSuffix(f.Name(), ".wav") {
			if err := os.Remove(filepath.Join(out, f.Name())); err != nil {
				return err
			}
		}
	}
	fmt.Printf("gen: %d prompts, %d bytes in %s\n", len(entries), total, out)
	return nil
}

// speak runs espeak-ng and sox: trimmed speech at 8 kHz, 16-bit, with
// 30 ms of silence after it so that words joined into a phrase do not run
// into each other.
func speak(text, voice string, speed int) ([]int16, error) {
	cmd := exec.Command("espeak-ng", "-v", voice, "-s", fmt.Sprint(speed), "--stdout", text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	wav, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("espeak-ng: %w: %s", err, stderr.Bytes())
	}
	return soxRaw(wav, "-t", "wav", "-",
		"highpass", "120",
		// Trim the start, shorten pauses inside to 200 ms, trim the end.
		"silence", "-l", "1", "0.01", "0.5%", "-1", "0.2", "0.5%",
		"reverse", "silence", "1", "0.01", "0.5%", "reverse",
		"pad", "0", "0.03")
}

// soxRaw runs sox with the input arguments in (ending with effects), with
// stdin as input, and returns its output as 8 kHz mono 16-bit samples.
func soxRaw(stdin []byte, in ...string) ([]int16, error) {
	// sox INPUT OUTPUT EFFECTS: split the effects off the input.
	inArgs, effects := in, []string(nil)
	if i := slices.Index(in, "-"); i >= 0 {
		inArgs, effects = in[:i+1], in[i+1:]
	} else if in[0] == "-n" {
		inArgs, effects = in[:1], in[1:]
	}
	// -D: no dither, so that the set is the same on every run.
	args := append([]string{"-D", "-R"}, inArgs...)
	args = append(args, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-r", "8000", "-c", "1", "-")
	args = append(args, effects...)
	cmd := exec.Command("sox", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sox %s: %w: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	pcm := make([]int16, len(raw)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	if len(pcm) == 0 {
		return nil, fmt.Errorf("sox made no audio")
	}
	return pcm, nil
}

// level brings active speech to speechLevel, unless that would push a peak
// above peakCeiling. Active speech is the 20 ms frames within 30 dB of the
// loudest one, a simple stand-in for ITU-T P.56's active level.
func level(pcm []int16) []int16 {
	const n = media.FrameSamples
	var frames []float64
	maxPow := 0.0
	for i := 0; i+n <= len(pcm); i += n {
		p := power(pcm[i : i+n])
		frames = append(frames, p)
		maxPow = max(maxPow, p)
	}
	if maxPow == 0 {
		return pcm
	}
	sum, count := 0.0, 0
	for _, p := range frames {
		if p >= maxPow/1000 {
			sum += p
			count++
		}
	}
	active := 10 * math.Log10(sum/float64(count)/fullScale())
	peak := 0
	for _, s := range pcm {
		peak = max(peak, abs(int(s)))
	}
	peakDB := 20 * math.Log10(float64(peak)/32767)
	gain(pcm, min(speechLevel-active, peakCeiling-peakDB))
	return pcm
}

// gain scales pcm by db decibels, saturating.
func gain(pcm []int16, db float64) {
	g := math.Pow(10, db/20)
	for i, s := range pcm {
		v := math.Round(float64(s) * g)
		pcm[i] = int16(max(-32768, min(32767, v)))
	}
}

// rmsDB is the level of pcm in dBFS.
func rmsDB(pcm []int16) float64 { return 10 * math.Log10(power(pcm)/fullScale()) }

// fullScale is the power of a full-scale sine, the 0 dBFS reference.
func fullScale() float64 { return 32767.0 * 32767.0 / 2 }

func power(pcm []int16) float64 {
	sum := 0.0
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return sum / float64(len(pcm))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// writeWAV writes pcm as an 8 kHz mono µ-law WAV file and returns its size.
func writeWAV(path string, pcm []int16) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	w, err := media.NewWAVWriter(f, media.WAVFormat{Encoding: media.WAVULaw, Rate: media.SampleRate, Channels: 1})
	if err == nil {
		_, err = w.WriteSamples(pcm)
	}
	if err == nil {
		err = w.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(tmp)
	if err != nil {
		return 0, err
	}
	return st.Size(), os.Rename(tmp, path)
}

// version returns the first line of a tool's version output.
func version(tool, flag string) string {
	out, err := exec.Command(tool, flag).CombinedOutput()
	if err != nil {
		return tool + " (version unknown)"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	line = strings.TrimSpace(strings.TrimPrefix(line, tool+":"))
	line, _, _ = strings.Cut(line, "Data at:") // espeak-ng's data path
	return strings.Join(strings.Fields(line), " ")
}
