package media

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// audioSine returns n samples of a sine of freq Hz at rate Hz with peak
// amplitude amp, starting at phase 0.
func audioSine(n, rate int, freq, amp float64) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
	return x
}

// audioToneFit fits a sinusoid of freq Hz to x (least squares over whole
// cycles) and returns its peak amplitude and the RMS of what is left,
// both in sample units.
func audioToneFit(x []int16, rate int, freq float64) (amp, residual float64) {
	var ss, sc, cc, xs, xc float64
	for i, v := range x {
		w := 2 * math.Pi * freq * float64(i) / float64(rate)
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		cc += c * c
		sc += s * c
		xs += float64(v) * s
		xc += float64(v) * c
	}
	det := ss*cc - sc*sc
	a := (xs*cc - xc*sc) / det
	b := (xc*ss - xs*sc) / det
	var r float64
	for i, v := range x {
		w := 2 * math.Pi * freq * float64(i) / float64(rate)
		d := float64(v) - a*math.Sin(w) - b*math.Cos(w)
		r += d * d
	}
	return math.Hypot(a, b), math.Sqrt(r / float64(len(x)))
}

func audioRMS(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(1, len(x))))
}

func db(x float64) float64 { return 20 * math.Log10(x) }

// resampleAll converts x in one call plus the flush.
func resampleAll(t testing.TB, r *Resampler, x []int16) []int16 {
	t.Helper()
	out := make([]int16, r.MaxOut(len(x)))
	n, used := r.Resample(out, x)
	if used != len(x) {
		t.Fatalf("Resample consumed %d of %d samples with room to spare", used, len(x))
	}
	n += r.Flush(out[n:])
	if r.Flush(out[n:]) != 0 {
		t.Fatal("Flush wrote more after reporting the end")
	}
	return out[:n]
}

var resampleRates = []int{8000, 16000, 44100, 48000}

// TestResampleSine: a tone inside the pass band keeps its frequency,
// amplitude and phase (the filter delay is compensated), and the output has
// exactly the expected length.
func TestResampleSine(t *testing.T) {
	for _, in := range resampleRates {
		for _, out := range resampleRates {
			if in == out {
				continue
			}
			for _, freq := range []float64{440, 1000, 3400} {
				t.Run(fmt.Sprintf("%d-%d/%gHz", in, out, freq), func(t *testing.T) {
					r, err := NewResampler(in, out)
					if err != nil {
						t.Fatal(err)
					}
					const amp = 10000.0
					x := audioSine(in/2, in, freq, amp) // 0.5 s
					y := resampleAll(t, r, x)
					if want := (len(x)*out + in - 1) / in; len(y) != want {
						t.Fatalf("got %d samples, want %d", len(y), want)
					}
					// The steady state, away from the start and end transients.
					mid := y[len(y)/5 : len(y)*4/5]
					ideal := audioSine(len(y), out, freq, amp)[len(y)/5 : len(y)*4/5]
					var errSum float64
					for i := range mid {
						d := float64(mid[i]) - float64(ideal[i])
						errSum += d * d
					}
					snr := db(amp / math.Sqrt2 / math.Sqrt(errSum/float64(len(mid))))
					gotAmp, _ := audioToneFit(mid, out, freq)
					if g := db(gotAmp / amp); math.Abs(g) > 0.05 {
						t.Errorf("gain %.3f dB, want within ±0.05 dB", g)
					}
					if snr < 60 {
						t.Errorf("output differs from the ideal resampled sine: SNR %.1f dB, want ≥ 60 dB (delay or distortion)", snr)
					}
				})
			}
		}
	}
}

// TestResampleAliasing: tones above the output's Nyquist frequency, which
// would fold back into the telephone band, are attenuated by at least 60 dB.
func TestResampleAliasing(t *testing.T) {
	tests := []struct {
		in, out int
		freq    float64
	}{
		{48000, 8000, 6000},  // would alias to 2000 Hz
		{48000, 8000, 4400},  // just past the band edge, to 3600 Hz
		{44100, 8000, 4500},  // to 3500 Hz
		{44100, 8000, 12000}, // far above
		{16000, 8000, 5000},  // to 3000 Hz
		{44100, 16000, 9000}, // to 7000 Hz
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d-%d/%gHz", tc.in, tc.out, tc.freq), func(t *testing.T) {
			r, err := NewResampler(tc.in, tc.out)
			if err != nil {
				t.Fatal(err)
			}
			const amp = 30000.0
			y := resampleAll(t, r, audioSine(tc.in/2, tc.in, tc.freq, amp))
			mid := y[len(y)/5 : len(y)*4/5]
			a := db(audioRMS(mid) * math.Sqrt2 / amp)
			t.Logf("leak %.1f dB", a)
			if a > -60 {
				t.Errorf("tone leaks through at %.1f dB, want ≤ -60 dB", a)
			}
		})
	}
}

// TestResampleStreaming: converting in odd-size pieces, with odd-size
// output room, gives exactly the output of converting in one piece.
func TestResampleStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]int16, 20000)
	for i := range x {
		x[i] = int16(rng.IntN(20000) - 10000)
	}
	for _, pair := range [][2]int{{44100, 8000}, {8000, 44100}, {48000, 16000}, {8000, 16000}} {
		t.Run(fmt.Sprintf("%d-%d", pair[0], pair[1]), func(t *testing.T) {
			one, _ := NewResampler(pair[0], pair[1])
			want := resampleAll(t, one, x)

			r, _ := NewResampler(pair[0], pair[1])
			var got []int16
			buf := make([]int16, 37)
			sizes := []int{1, 7, 441, 13, 2000, 3}
			src := x
			for i := 0; len(src) > 0; i++ {
				k := min(sizes[i%len(sizes)], len(src))
				chunk := src[:k]
				for len(chunk) > 0 {
					n, used := r.Resample(buf[:1+i%len(buf)], chunk)
					got = append(got, buf[:n]...)
					chunk = chunk[used:]
				}
				src = src[k:]
			}
			for {
				n := r.Flush(buf[:5])
				if n == 0 {
					break
				}
				got = append(got, buf[:n]...)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("streamed output differs from one-shot (-want +got):\n%s", diff)
			}

			// Reset makes the Resampler as good as new.
			r.Reset()
			if diff := cmp.Diff(want, resampleAll(t, r, x)); diff != "" {
				t.Errorf("output after Reset differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResampleSameRate(t *testing.T) {
	r, err := NewResampler(8000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	x := []int16{1, -2, 3, 32767, -32768}
	if diff := cmp.Diff(x, resampleAll(t, r, x)); diff != "" {
		t.Errorf("8000→8000 is not the identity (-want +got):\n%s", diff)
	}
}

func TestNewResamplerErrors(t *testing.T) {
	tests := []struct {
		in, out int
		ok      bool
	}{
		{44100, 8000, true},
		{11025, 8000, true},
		{22050, 8000, true},
		{8000, 44100, true},
		{96000, 8000, true},
		{999, 8000, false},
		{8000, 200000, false},
		{44100, 7999, false}, // 7999/44100 does not reduce
	}
	for _, tc := range tests {
		_, err := NewResampler(tc.in, tc.out)
		if (err == nil) != tc.ok {
			t.Errorf("NewResampler(%d, %d) error %v, want ok=%v", tc.in, tc.out, err, tc.ok)
		}
	}
}

func TestDownmixStereo(t *testing.T) {
	src := []int16{100, 300, -100, -301, 32767, 32767, -32768, -32768, 7}
	got := make([]int16, 8)
	n := DownmixStereo(got, src)
	if diff := cmp.Diff([]int16{200, -201, 32767, -32768}, got[:n]); diff != "" {
		t.Errorf("DownmixStereo (-want +got):\n%s", diff)
	}
	// In place.
	n = DownmixStereo(src, src)
	if diff := cmp.Diff([]int16{200, -201, 32767, -32768}, src[:n]); diff != "" {
		t.Errorf("DownmixStereo in place (-want +got):\n%s", diff)
	}
}

func TestResampleAllocs(t *testing.T) {
	r, _ := NewResampler(44100, 8000)
	src := audioSine(882, 44100, 1000, 8000)
	dst := make([]int16, r.MaxOut(len(src)))
	allocs := testing.AllocsPerRun(100, func() {
		r.Resample(dst, src)
		DownmixStereo(src, src)
	})
	if allocs != 0 {
		t.Errorf("Resample allocates %.1f times per call, want 0", allocs)
	}
}

// BenchmarkResample44kStereoTo8kMono converts 20 ms frames of 44.1 kHz
// stereo (the usual greeting upload) to 8 kHz mono: downmix then resample.
// It reports how many times faster than real time one core runs.
func BenchmarkResample44kStereoTo8kMono(b *testing.B) {
	r, _ := NewResampler(44100, 8000)
	stereo := make([]int16, 2*882)
	copy(stereo, audioSine(len(stereo), 44100, 1000, 8000))
	mono := make([]int16, 882)
	out := make([]int16, r.MaxOut(882))
	b.ReportAllocs()
	b.SetBytes(int64(2 * len(stereo)))
	b.ResetTimer()
	for b.Loop() {
		n := DownmixStereo(mono, stereo)
		r.Resample(out, mono[:n])
	}
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(20e6/perFrame, "x-realtime")
}
