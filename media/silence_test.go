package media

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSilenceDetector(t *testing.T) {
	tone := func(level float64, d time.Duration) []int16 {
		return dspTone(t, TonePlan{Components: []ToneComponent{{1000, level}}}, d)
	}
	quiet := func(d time.Duration) []int16 { return make([]int16, dspDurationSamples(d)) }
	noise := func(level float64, d time.Duration) []int16 {
		return dspNoise(dspDurationSamples(d), dbm0SinePeak/math.Sqrt2*math.Pow(10, level/20), 11)
	}
	type state struct {
		Silent bool
		For    time.Duration
	}
	ms := time.Millisecond
	tests := []struct {
		name  string
		parts [][]int16
		want  state
	}{
		{"nothing heard yet", [][]int16{quiet(200 * ms)}, state{false, 200 * ms}},
		{"digital silence", [][]int16{quiet(2 * time.Second)}, state{true, 2 * time.Second}},
		{"speech-level tone", [][]int16{tone(-20, time.Second)}, state{false, 0}},
		{"tone then silence", [][]int16{tone(-20, time.Second), quiet(3 * time.Second)}, state{true, 3 * time.Second}},
		{"within hangover", [][]int16{tone(-20, time.Second), quiet(240 * ms)}, state{false, 240 * ms}},
		{"line noise is silence", [][]int16{tone(-20, time.Second), noise(-55, time.Second)}, state{true, time.Second}},
		{"loud noise is sound", [][]int16{quiet(time.Second), noise(-25, time.Second)}, state{false, 0}},
		{"a click does not end silence", [][]int16{quiet(time.Second), tone(0, 20*ms), quiet(time.Second)}, state{true, 2020 * ms}},
		{"a word does", [][]int16{quiet(time.Second), tone(-20, 60*ms), quiet(500 * ms)}, state{true, 500 * ms}},
		{"quiet tone under threshold", [][]int16{tone(-45, time.Second)}, state{true, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunk := range []int{1, 77, 160, 1000} {
				d, err := NewSilenceDetector(SilenceConfig{})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range tt.parts {
					for len(p) > 0 {
						n := min(chunk, len(p))
						d.WriteSamples(p[:n])
						p = p[n:]
					}
				}
				got := state{d.Silent(), d.SilentFor()}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("chunk %d (-want +got):\n%s", chunk, diff)
				}
			}
		})
	}
}

func TestSilenceDetectorLevel(t *testing.T) {
	d, _ := NewSilenceDetector(SilenceConfig{Threshold: -30, Hangover: time.Second})
	d.WriteSamples(dspTone(t, TonePlan{Components: []ToneComponent{{1000, -20}}}, 100*time.Millisecond))
	if got := d.Level(); math.Abs(got+20) > 0.1 {
		t.Errorf("level %.2f dBm0, want -20", got)
	}
	d.Reset()
	if !math.IsInf(d.Level(), -1) || d.SilentSamples() != 0 {
		t.Errorf("Reset kept state")
	}
	if _, err := NewSilenceDetector(SilenceConfig{Threshold: 10}); err == nil {
		t.Errorf("threshold +10 dBm0 accepted")
	}
}

func TestSilenceDetectorDoesNotAllocate(t *testing.T) {
	d, _ := NewSilenceDetector(SilenceConfig{})
	buf := make([]int16, FrameSamples)
	if a := testing.AllocsPerRun(100, func() { d.WriteSamples(buf) }); a != 0 {
		t.Errorf("WriteSamples allocates %v times", a)
	}
}
