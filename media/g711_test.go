package media

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The golden files in testdata/g711 were produced by compiling the ITU-T
// G.191 STL g711.c (see testdata/README.md) and running it over every
// 16-bit input and every code.

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/g711/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func allSamples() []int16 {
	s := make([]int16, 65536)
	for i := range s {
		s[i] = int16(i - 32768)
	}
	return s
}

func TestEncodeMatchesG191(t *testing.T) {
	for _, tc := range []struct {
		golden string
		encode func([]byte, []int16) int
		one    func(int16) uint8
	}{
		{"ulaw_encode.golden", EncodeULaw, LinearToULaw},
		{"alaw_encode.golden", EncodeALaw, LinearToALaw},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			want := readGolden(t, tc.golden)
			in := allSamples()
			got := make([]byte, len(in))
			if n := tc.encode(got, in); n != len(in) {
				t.Fatalf("encoded %d samples, want %d", n, len(in))
			}
			var bad int
			for i := range want {
				if got[i] != want[i] {
					if bad < 10 {
						t.Errorf("input %d: got code %#02x, G.191 gives %#02x", in[i], got[i], want[i])
					}
					bad++
				}
				if c := tc.one(in[i]); c != want[i] && bad < 10 {
					t.Errorf("single-sample input %d: got %#02x, want %#02x", in[i], c, want[i])
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of 65536 inputs differ from G.191", bad)
			}
		})
	}
}

func TestDecodeMatchesG191(t *testing.T) {
	for _, tc := range []struct {
		golden string
		decode func([]int16, []byte) int
	}{
		{"ulaw_decode.golden", DecodeULaw},
		{"alaw_decode.golden", DecodeALaw},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			raw := readGolden(t, tc.golden)
			want := make([]int16, 256)
			for i := range want {
				want[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
			}
			codes := make([]byte, 256)
			for i := range codes {
				codes[i] = byte(i)
			}
			got := make([]int16, 256)
			tc.decode(got, codes)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decode mismatch with G.191 (-want +got):\n%s", diff)
			}
		})
	}
}

// Spot values from the G.711 tables themselves, so a wrong golden file
// cannot pass unnoticed.
func TestG711KnownCodes(t *testing.T) {
	type pair struct {
		In   int16
		ULaw uint8
		ALaw uint8
	}
	got := []pair{}
	want := []pair{
		{0, 0xFF, 0xD5},
		{-1, 0x7F, 0x55},
		{32767, 0x80, 0xAA},
		{-32768, 0x00, 0x2A},
	}
	for _, p := range want {
		got = append(got, pair{p.In, LinearToULaw(p.In), LinearToALaw(p.In)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if v := ULawToLinear(0xFF); v != 0 {
		t.Errorf("µ-law 0xFF decodes to %d, want 0", v)
	}
	if v := ALawToLinear(0xD5); v != 8 {
		t.Errorf("A-law 0xD5 decodes to %d, want 8", v)
	}
}

func TestTranscodeEqualsDecodeEncode(t *testing.T) {
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	lin := make([]int16, 256)
	want := make([]byte, 256)
	got := make([]byte, 256)

	DecodeULaw(lin, codes)
	EncodeALaw(want, lin)
	ULawToALaw(got, codes)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("µ-law→A-law (-want +got):\n%s", diff)
	}
	DecodeALaw(lin, codes)
	EncodeULaw(want, lin)
	ALawToULaw(got, codes)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("A-law→µ-law (-want +got):\n%s", diff)
	}
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	// Every code must survive decode then encode (the decoded value lies in
	// the code's own interval), except µ-law's negative zero 0x7F, which
	// G.711 folds onto 0xFF.
	for c := range 256 {
		if got := LinearToULaw(ULawToLinear(uint8(c))); got != uint8(c) && c != 0x7F {
			t.Errorf("µ-law %#02x round-trips to %#02x", c, got)
		}
		if got := LinearToALaw(ALawToLinear(uint8(c))); got != uint8(c) {
			t.Errorf("A-law %#02x round-trips to %#02x", c, got)
		}
	}
}

func TestG711HotPathDoesNotAllocate(t *testing.T) {
	in := make([]int16, FrameSamples)
	enc := make([]byte, FrameSamples)
	out := make([]int16, FrameSamples)
	allocs := testing.AllocsPerRun(100, func() {
		EncodeULaw(enc, in)
		DecodeULaw(out, enc)
		EncodeALaw(enc, in)
		DecodeALaw(out, enc)
		ULawToALaw(enc, enc)
	})
	if allocs != 0 {
		t.Errorf("G.711 kernels allocate %v times per frame, want 0", allocs)
	}
}

func BenchmarkEncodeULaw(b *testing.B) { benchEncode(b, EncodeULaw) }
func BenchmarkEncodeALaw(b *testing.B) { benchEncode(b, EncodeALaw) }
func BenchmarkDecodeULaw(b *testing.B) { benchDecode(b, DecodeULaw) }
func BenchmarkDecodeALaw(b *testing.B) { benchDecode(b, DecodeALaw) }

// The benchmarks code one second of audio per op; SetBytes counts the 16-bit
// linear samples (2 bytes each), so MB/s reads as linear audio per second.
func benchEncode(b *testing.B, f func([]byte, []int16) int) {
	in := make([]int16, SampleRate)
	for i := range in {
		in[i] = int16(i * 7919)
	}
	out := make([]byte, len(in))
	b.SetBytes(int64(2 * len(in)))
	b.ReportAllocs()
	for b.Loop() {
		f(out, in)
	}
}

func benchDecode(b *testing.B, f func([]int16, []byte) int) {
	in := make([]byte, SampleRate)
	for i := range in {
		in[i] = byte(i)
	}
	out := make([]int16, len(in))
	b.SetBytes(int64(2 * len(in)))
	b.ReportAllocs()
	for b.Loop() {
		f(out, in)
	}
}

// BenchmarkEncodeULawComputed is the comparison for the table-driven
// kernels: the same G.191 rule computed per sample, without the table.
func BenchmarkEncodeULawComputed(b *testing.B) {
	benchEncode(b, func(dst []byte, src []int16) int {
		for i, s := range src {
			dst[i] = ulawCompress(s)
		}
		return len(src)
	})
}

// BenchmarkULawToALaw measures the bridge's in-place transcoding per byte.
func BenchmarkULawToALaw(b *testing.B) {
	buf := make([]byte, SampleRate)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		ULawToALaw(buf, buf)
	}
}
