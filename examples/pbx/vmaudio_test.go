package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"testing"

	"github.com/telekit/telekit/media"
)

// Audio helpers for the voicemail end-to-end tests: what sipp sent (a
// pcap of G.711 RTP) as samples, WAV files as samples, and finding one
// sound inside another by its energy envelope and then sample by sample.

// pcapAudio decodes the G.711 RTP of a pcap file (Ethernet, IPv4, UDP)
// into 8 kHz samples laid out by RTP timestamp, gaps silent, as a
// receiver that fills lost packets with silence records them.
func pcapAudio(t *testing.T, name string) []int16 {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", name)
	}
	var out []int16
	var ts0 uint32
	first := true
	pcm := make([]int16, 1500)
	for off := 24; off+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		pkt := b[off+16 : off+16+n]
		off += 16 + n
		ihl := int(pkt[14]&0xf) * 4
		rtp := pkt[14+ihl+8:]
		cc := int(rtp[0] & 0xf)
		pt := rtp[1] & 0x7f
		payload := rtp[12+4*cc:]
		if pt != 0 && pt != 8 {
			continue
		}
		ts := binary.BigEndian.Uint32(rtp[4:])
		if first {
			ts0, first = ts, false
		}
		at := int(ts - ts0)
		var k int
		if pt == 8 {
			k = media.DecodeALaw(pcm, payload)
		} else {
			k = media.DecodeULaw(pcm, payload)
		}
		if need := at + k; need > len(out) {
			out = append(out, make([]int16, need-len(out))...)
		}
		copy(out[at:], pcm[:k])
	}
	return out
}

// wavSamples decodes a WAV file's samples.
func wavSamples(t *testing.T, b []byte) []int16 {
	t.Helper()
	r, err := media.NewWAVReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a WAV file: %v", err)
	}
	if f := r.Format(); f.Rate != media.SampleRate || f.Channels != 1 {
		t.Fatalf("WAV format %+v, want 8 kHz mono", f)
	}
	var out []int16
	buf := make([]int16, 4096)
	for {
		n, err := r.ReadSamples(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// envFrame is the envelope's frame: 10 ms.
const envFrame = 80

// envelope is the RMS level of each 10 ms frame.
func envelope(x []int16) []float64 {
	out := make([]float64, len(x)/envFrame)
	for i := range out {
		var s float64
		for _, v := range x[i*envFrame : (i+1)*envFrame] {
			s += float64(v) * float64(v)
		}
		out[i] = math.Sqrt(s / envFrame)
	}
	return out
}

// correlation is the normalised correlation of a and b (same length):
// 1 for the same shape, whatever the level.
func correlation(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// find looks for needle in hay, from sample from on: the best envelope
// match first, then the best sample alignment within a frame of it. It
// returns where needle starts in hay and the sample-level correlation
// there (1: identical waveform; G.711 twice stays above 0.95).
func find(hay, needle []int16, from int) (at int, corr float64) {
	he, ne := envelope(hay), envelope(needle)
	best, bestC := -1, -1.0
	for i := from / envFrame; i+len(ne) <= len(he); i++ {
		if c := correlation(he[i:i+len(ne)], ne); c > bestC {
			best, bestC = i, c
		}
	}
	if best < 0 {
		return -1, 0
	}
	nf := toFloat(needle)
	corr = -1
	for s := max(0, best*envFrame-envFrame); s <= best*envFrame+envFrame && s+len(needle) <= len(hay); s++ {
		if c := correlation(toFloat(hay[s:s+len(needle)]), nf); c > corr {
			at, corr = s, c
		}
	}
	return at, corr
}

func toFloat(x []int16) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// trimSilence drops the quiet start and end of x (10 ms frames under
// level).
func trimSilence(x []int16, level float64) []int16 {
	e := envelope(x)
	i, j := 0, len(e)
	for i < j && e[i] < level {
		i++
	}
	for j > i && e[j-1] < level {
		j--
	}
	return x[i*envFrame : j*envFrame]
}

func TestFindLocatesASound(t *testing.T) {
	needle := make([]int16, 8000)
	for i := range needle {
		needle[i] = int16(8000 * math.Sin(float64(i)*0.05) * math.Sin(float64(i)/900))
	}
	hay := make([]int16, 30000)
	copy(hay[12345:], needle)
	at, c := find(hay, needle, 0)
	if at != 12345 || c < 0.999 {
		t.Errorf("find = %d, %.3f; want 12345, 1", at, c)
	}
	if at, _ := find(hay, needle, 20000); at == 12345 {
		t.Error("find looked before from")
	}
}
