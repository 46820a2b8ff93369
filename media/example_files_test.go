package media_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/telekit/telekit/media"
)

// memFile is an in-memory io.WriteSeeker; a real program writes an
// *os.File.
type memFile struct {
	bytes.Buffer
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	b := m.Bytes()
	if m.off < int64(len(b)) {
		n := copy(b[m.off:], p)
		m.off += int64(n)
		p = p[n:]
	}
	n, err := m.Buffer.Write(p)
	m.off += int64(n)
	return n, err
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += m.off
	case io.SeekEnd:
		off += int64(m.Len())
	}
	m.off = off
	return off, nil
}

func ExampleNewWAVReader() {
	// Write one 20 ms frame of µ-law, then read it back.
	var file memFile
	w, err := media.NewWAVWriter(&file, media.WAVFormat{Encoding: media.WAVULaw, Rate: 8000, Channels: 1})
	if err != nil {
		log.Fatal(err)
	}
	frame := make([]int16, media.FrameSamples)
	frame[0] = 1000
	if _, err := w.WriteSamples(frame); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := media.NewWAVReader(bytes.NewReader(file.Bytes()))
	if err != nil {
		log.Fatal(err)
	}
	f := r.Format()
	frames, _ := r.Frames()
	buf := make([]int16, 400)
	n, _ := r.ReadSamples(buf)
	fmt.Printf("%v, %d Hz, %d channel, %d frames, %d bytes\n", f.Encoding, f.Rate, f.Channels, frames, file.Len())
	fmt.Println(n, "samples, first", buf[0])
	// Output:
	// µ-law, 8000 Hz, 1 channel, 160 frames, 206 bytes
	// 160 samples, first 988
}

func ExampleDecodeAudio() {
	// A 0.15 s 1 kHz tone in 44.1 kHz stereo, made by sox.
	f, err := os.Open("testdata/audio/sox-44100-stereo.wav")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	r, info, err := media.DecodeAudio(f, media.DecodeOptions{MaxBytes: 10 << 20})
	if err != nil {
		log.Fatal(err)
	}
	total := 0
	buf := make([]int16, media.FrameSamples)
	for {
		n, err := r.ReadSamples(buf)
		total += n
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%s %s, %d Hz, %d channels, %v\n", info.Container, info.Format, info.SampleRate, info.Channels, info.Duration)
	fmt.Println(total, "samples at 8 kHz mono")

	_, _, err = media.DecodeAudio(bytes.NewReader([]byte("OggS\x00\x02 a voice note")), media.DecodeOptions{})
	fmt.Println(err)
	// Output:
	// WAV PCM 16-bit, 44100 Hz, 2 channels, 150ms
	// 1200 samples at 8 kHz mono
	// media: not a WAV or MP3 file (looks like Ogg (Vorbis or Opus))
}

func ExampleResampler() {
	// 44.1 kHz to 8 kHz: 441 input samples make 80 output samples.
	r, err := media.NewResampler(44100, 8000)
	if err != nil {
		log.Fatal(err)
	}
	in := make([]int16, 441*100) // 1 s of silence
	out := make([]int16, r.MaxOut(len(in)))
	n, used := r.Resample(out, in)
	n += r.Flush(out[n:])
	fmt.Println(used, "in,", n, "out")
	// Output:
	// 44100 in, 8000 out
}
