package media

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/internal/interop"
)

// dspDTMFParams shapes generated DTMF audio.
type dspDTMFParams struct {
	level   float64 // dBm0 of the row tone
	twist   float64 // dB the column tone is above the row tone
	scale   float64 // frequency factor (1.015 is +1.5%); 0 means 1
	on, off time.Duration
	lead    int // silent samples before the first key
}

// dspDTMFAudio renders keys with the tone generator, each followed by off
// of silence.
func dspDTMFAudio(t testing.TB, keys string, p dspDTMFParams) []int16 {
	t.Helper()
	out := make([]int16, p.lead)
	for i := range len(keys) {
		ev, ok := DTMFEventForDigit(keys[i])
		if !ok {
			t.Fatalf("bad key %q", keys[i])
		}
		plan, err := DTMFTone(ev, p.level, p.on)
		if err != nil {
			t.Fatal(err)
		}
		if p.scale != 0 {
			plan.Components[0].Frequency *= p.scale
			plan.Components[1].Frequency *= p.scale
		}
		plan.Components[1].Level += p.twist
		out = append(out, dspTone(t, plan, p.on)...)
		out = append(out, make([]int16, dspDurationSamples(p.off))...)
	}
	return out
}

// dspDetect runs s through a detector in chunks of chunk samples and
// returns the reports.
func dspDetect(t testing.TB, s []int16, chunk int) []DTMFReport {
	t.Helper()
	var got []DTMFReport
	d, err := NewDTMFDetector(func(r DTMFReport) { got = append(got, r) }, DTMFDetectorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for len(s) > 0 {
		n := min(chunk, len(s))
		if w, err := d.WriteSamples(s[:n]); w != n || err != nil {
			t.Fatalf("WriteSamples = %d, %v", w, err)
		}
		s = s[n:]
	}
	return got
}

// dspKeys returns the keys of the key-down reports, checking that each is
// followed by its release.
func dspKeys(t testing.TB, reports []DTMFReport) string {
	t.Helper()
	var keys []byte
	for i, r := range reports {
		if r.End {
			if i == 0 || reports[i-1].End || reports[i-1].Event != r.Event {
				t.Errorf("release of %v without its key-down: %+v", r.Event, reports)
			}
			continue
		}
		keys = append(keys, r.Event.Digit())
	}
	return string(keys)
}

const dspAllKeys = "0123456789*#ABCD"

func TestDTMFDetectorEveryKey(t *testing.T) {
	for _, level := range []float64{-5, -10, -15, -20, -25} {
		for _, scale := range []float64{0.985, 1, 1.015} {
			t.Run(fmt.Sprintf("%vdBm0 x%v", level, scale), func(t *testing.T) {
				s := dspDTMFAudio(t, dspAllKeys, dspDTMFParams{level: level, scale: scale,
					on: 60 * time.Millisecond, off: 60 * time.Millisecond, lead: 37})
				reports := dspDetect(t, s, 160)
				if got := dspKeys(t, reports); got != dspAllKeys {
					t.Fatalf("detected %q, want %q", got, dspAllKeys)
				}
				for _, r := range reports {
					if r.End && (r.Duration < 45*time.Millisecond || r.Duration > 65*time.Millisecond) {
						t.Errorf("%v lasted %v, want about 60ms", r.Event, r.Duration)
					}
				}
			})
		}
	}
}

// TestDTMFDetectorTimestamps checks the reported start offsets and that
// the chunk size does not matter.
func TestDTMFDetectorTimestamps(t *testing.T) {
	s := dspDTMFAudio(t, "159#", dspDTMFParams{level: -10, on: 100 * time.Millisecond, off: 100 * time.Millisecond, lead: 1000})
	want := dspDetect(t, s, len(s))
	for _, chunk := range []int{1, 7, 160, 1000} {
		if diff := cmp.Diff(want, dspDetect(t, s, chunk)); diff != "" {
			t.Errorf("chunk %d: reports differ (-whole +chunked):\n%s", chunk, diff)
		}
	}
	for i, r := range want {
		if r.End {
			continue
		}
		start := int64(1000 + i/2*1600)
		if d := int64(r.Timestamp) - start; d < -dtmfBlock || d > dtmfBlock {
			t.Errorf("%v reported at sample %d, tone starts at %d", r.Event, r.Timestamp, start)
		}
	}
}

func TestDTMFDetectorNoise(t *testing.T) {
	const level, snr = -20.0, 15.0
	s := dspDTMFAudio(t, dspAllKeys, dspDTMFParams{level: level, on: 70 * time.Millisecond, off: 70 * time.Millisecond})
	rng := rand.New(rand.NewPCG(1, 2))
	amp := dbm0Amplitude(level)
	sigma := math.Sqrt(2 * amp * amp / 2 / math.Pow(10, snr/10)) // both tones' power over SNR
	for i := range s {
		s[i] = int16(math.Round(float64(s[i]) + sigma*rng.NormFloat64()))
	}
	if got := dspKeys(t, dspDetect(t, s, 160)); got != dspAllKeys {
		t.Fatalf("in noise at %v dB SNR detected %q, want %q", snr, got, dspAllKeys)
	}
}

func TestDTMFDetectorTooShort(t *testing.T) {
	for _, lead := range []int{0, 17, 51, 80, 101} {
		for _, d := range []time.Duration{20 * time.Millisecond, 25 * time.Millisecond} {
			s := dspDTMFAudio(t, dspAllKeys, dspDTMFParams{level: -5, on: d, off: 100 * time.Millisecond, lead: lead})
			if got := dspKeys(t, dspDetect(t, s, 160)); got != "" {
				t.Errorf("%v tones (lead %d) detected as %q", d, lead, got)
			}
		}
	}
}

func TestDTMFDetectorPauseAndRepeat(t *testing.T) {
	// The same key twice with a 50 ms pause is two presses; a 1-block
	// dropout inside a tone is not.
	s := dspDTMFAudio(t, "55", dspDTMFParams{level: -10, on: 80 * time.Millisecond, off: 50 * time.Millisecond})
	if got := dspKeys(t, dspDetect(t, s, 160)); got != "55" {
		t.Errorf("two presses: got %q", got)
	}
	s = dspDTMFAudio(t, "5", dspDTMFParams{level: -10, on: 200 * time.Millisecond, off: 50 * time.Millisecond})
	clear(s[800:805]) // 0.6 ms gap
	if got := dspKeys(t, dspDetect(t, s, 160)); got != "5" {
		t.Errorf("tone with a glitch: got %q", got)
	}
}

func TestDTMFDetectorTwist(t *testing.T) {
	tests := []struct {
		twist float64
		want  string
	}{
		{0, "1"}, {7, "1"}, {9.5, ""}, {-3, "1"}, {-5.5, ""},
	}
	for _, tt := range tests {
		s := dspDTMFAudio(t, "1", dspDTMFParams{level: -12, twist: tt.twist, on: 100 * time.Millisecond, off: 50 * time.Millisecond})
		if got := dspKeys(t, dspDetect(t, s, 160)); got != tt.want {
			t.Errorf("twist %+v dB: got %q, want %q", tt.twist, got, tt.want)
		}
	}
}

func TestDTMFDetectorRejects(t *testing.T) {
	single := func(f, level float64) []int16 {
		return dspTone(t, TonePlan{Components: []ToneComponent{{f, level}}}, time.Second)
	}
	tests := []struct {
		name string
		s    []int16
	}{
		{"silence", make([]int16, SampleRate)},
		{"white noise", dspNoise(SampleRate, 3000, 7)},
	}
	for _, f := range append(dtmfRowHz[:], dtmfColHz[:]...) {
		tests = append(tests, struct {
			name string
			s    []int16
		}{fmt.Sprintf("%v Hz alone", f), single(f, -5)})
	}
	tests = append(tests, struct {
		name string
		s    []int16
	}{"dial tone", dspTone(t, NorthAmericanTones().Dial, time.Second)})
	for f0 := 80.0; f0 < 300; f0 += 20 {
		tests = append(tests, struct {
			name string
			s    []int16
		}{fmt.Sprintf("voice from %v Hz", f0), dspVoiceLike(f0, 2*f0, 2*SampleRate)})
	}
	for _, tt := range tests {
		if r := dspDetect(t, tt.s, 160); len(r) != 0 {
			t.Errorf("%s: detected %q", tt.name, dspKeys(t, r))
		}
	}
}

// dspNoise returns n samples of Gaussian white noise of RMS sigma.
func dspNoise(n int, sigma float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, seed))
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(max(-32768, min(32767, math.Round(sigma*rng.NormFloat64()))))
	}
	return s
}

// dspVoiceLike returns n samples of a crude voiced sound: all harmonics of
// a fundamental gliding from f0 to f1 Hz, falling 6 dB per octave, at
// about -12 dBm0.
func dspVoiceLike(f0, f1 float64, n int) []int16 {
	s := make([]int16, n)
	var phase float64
	for i := range s {
		f := f0 + (f1-f0)*float64(i)/float64(n)
		phase += 2 * math.Pi * f / SampleRate
		var v float64
		for k := 1; float64(k)*f < SampleRate/2; k++ {
			v += math.Sin(float64(k)*phase) / float64(k)
		}
		s[i] = int16(3000 * v)
	}
	return s
}

func TestDTMFDetectorDoesNotAllocate(t *testing.T) {
	s := dspDTMFAudio(t, "1", dspDTMFParams{level: -10, on: 100 * time.Millisecond, off: 100 * time.Millisecond})
	d, _ := NewDTMFDetector(func(DTMFReport) {}, DTMFDetectorConfig{})
	i := 0
	a := testing.AllocsPerRun(100, func() {
		d.WriteSamples(s[i*16 : i*16+160])
		i = (i + 1) % 80
	})
	if a != 0 {
		t.Errorf("WriteSamples allocates %v times per frame", a)
	}
}

func BenchmarkDTMFDetector(b *testing.B) {
	s := dspDTMFAudio(b, dspAllKeys, dspDTMFParams{level: -10, on: 100 * time.Millisecond, off: 100 * time.Millisecond})
	d, _ := NewDTMFDetector(func(DTMFReport) {}, DTMFDetectorConfig{})
	b.ReportAllocs()
	b.SetBytes(2 * FrameSamples)
	i := 0
	for b.Loop() {
		d.WriteSamples(s[i : i+FrameSamples])
		i = (i + FrameSamples) % (len(s) - FrameSamples)
	}
}

// TestDTMFDetectorSox detects keys that sox synthesised: two sines mixed
// to mono, 100 ms each with 100 ms gaps, written as raw 16-bit samples.
func TestDTMFDetectorSox(t *testing.T) {
	sox := interop.LookPath(t, "sox", "sox")
	var s []int16
	for i := range len(dspAllKeys) {
		ev, _ := DTMFEventForDigit(dspAllKeys[i])
		plan, _ := DTMFTone(ev, -10, 0)
		out, err := exec.Command(sox, "-n", "-r", "8000", "-c", "1", "-t", "raw", "-e", "signed", "-b", "16", "-",
			"synth", "0.1", "sin", fmt.Sprint(plan.Components[0].Frequency), "sin", fmt.Sprint(plan.Components[1].Frequency),
			"remix", "-", "gain", "-n", "-6", "pad", "0", "0.1").Output()
		if err != nil {
			t.Fatalf("sox: %v", err)
		}
		for k := 0; k+1 < len(out); k += 2 {
			s = append(s, int16(uint16(out[k])|uint16(out[k+1])<<8))
		}
	}
	if len(s) != len(dspAllKeys)*1600 {
		t.Fatalf("sox gave %d samples, want %d", len(s), len(dspAllKeys)*1600)
	}
	if got := dspKeys(t, dspDetect(t, s, 160)); got != dspAllKeys {
		t.Fatalf("detected %q in sox's DTMF, want %q", got, dspAllKeys)
	}
}
