// Command audioconv converts a WAV or MP3 file into an 8 kHz mono
// telephony WAV, the format telekit plays to callers (greetings, prompts,
// announcements).
//
// Usage:
//
//	go run ./examples/audioconv IN OUT.wav [-codec pcm|ulaw|alaw] [-max-bytes N]
//
// The input's kind is recognised from its content, not its name: WAV (PCM
// 8/16/24/32-bit, float, µ-law, A-law; any rate from 1 to 192 kHz; mono or
// stereo) or MP3 (MPEG-1/2 Layer III; MPEG-2.5, which lame writes at 8 to
// 12 kHz, is refused with a message saying how to re-export). Stereo is
// mixed down; the rate is converted with a band-limited resampler.
//
// -codec chooses the output encoding. The default is pcm (16-bit linear):
// it keeps full resolution, so the same file can be sent to PCMU and PCMA
// calls without companding twice. ulaw and alaw make a file half the size,
// ready to send as-is on calls with that codec.
//
// Flags may come before or after the file names. The output is written to
// a temporary file beside OUT and renamed into place only when the whole
// conversion succeeded, so a bad input never leaves a half-written OUT.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/telekit/telekit/internal/cli"
	"github.com/telekit/telekit/media"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "audioconv:", err)
		os.Exit(1)
	}
}

// run converts as the command line args say, reporting on stdout.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audioconv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	codec := fs.String("codec", "pcm", "output encoding: pcm (16-bit linear), ulaw (G.711 µ-law) or alaw (G.711 A-law)")
	maxBytes := fs.Int64("max-bytes", media.DefaultMaxAudioBytes, "refuse inputs larger than this many bytes (-1: no limit)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: audioconv IN.(wav|mp3) OUT.wav [-codec pcm|ulaw|alaw] [-max-bytes N]")
		fs.PrintDefaults()
	}
	files, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		fs.Usage()
		return fmt.Errorf("want an input and an output file, got %d names", len(files))
	}
	var enc media.WAVEncoding
	switch *codec {
	case "pcm":
		enc = media.WAVPCM16
	case "ulaw":
		enc = media.WAVULaw
	case "alaw":
		enc = media.WAVALaw
	default:
		return fmt.Errorf("-codec %q: want pcm, ulaw or alaw", *codec)
	}
	if *maxBytes == 0 {
		return errors.New("-max-bytes 0: want a positive size or -1 for no limit")
	}
	in, out := files[0], files[1]
	info, samples, err := convert(in, out, enc, *maxBytes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s %s, %d Hz, %d channel(s) -> %s: %v, 8000 Hz, mono, %.2f s\n",
		in, info.Container, info.Format, info.SampleRate, info.Channels, out, enc, float64(samples)/media.SampleRate)
	return nil
}

// convert decodes in and writes it to out as an 8 kHz mono WAV, durably:
// a temporary file in out's directory, synced, renamed over out, and the
// directory synced. On any error out is untouched and the temporary file
// removed.
func convert(in, out string, enc media.WAVEncoding, maxBytes int64) (media.AudioInfo, int64, error) {
	src, err := os.Open(in)
	if err != nil {
		return media.AudioInfo{}, 0, err
	}
	defer src.Close()
	r, info, err := media.DecodeAudio(src, media.DecodeOptions{MaxBytes: maxBytes})
	if err != nil {
		return info, 0, fmt.Errorf("%s: %w", in, err)
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return info, 0, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w, err := media.NewWAVWriter(tmp, media.WAVFormat{Encoding: enc, Rate: media.SampleRate, Channels: 1})
	if err != nil {
		return info, 0, err
	}
	var total int64
	buf := make([]int16, 4096)
	for {
		n, rerr := r.ReadSamples(buf)
		if _, err := w.WriteSamples(buf[:n]); err != nil {
			return info, 0, fmt.Errorf("%s: %w", tmp.Name(), err)
		}
		total += int64(n)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return info, 0, fmt.Errorf("%s: %w (nothing written to %s)", in, rerr, out)
		}
	}
	if err := w.Close(); err != nil {
		return info, 0, err
	}
	if err := tmp.Sync(); err != nil {
		return info, 0, err
	}
	if err := tmp.Close(); err != nil {
		return info, 0, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return info, 0, err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync() // make the rename itself durable
		d.Close()
		if err != nil {
			return info, total, fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return info, total, nil
}
