package media

import (
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"
)

// dspReadAll reads r to io.EOF in 100-sample chunks, failing after max
// samples.
func dspReadAll(t testing.TB, r SampleReader, max int) []int16 {
	t.Helper()
	var out []int16
	buf := make([]int16, 100)
	for len(out) <= max {
		n, err := r.ReadSamples(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("reader gave more than %d samples", max)
	return nil
}

// dspTone generates plan for d.
func dspTone(t testing.TB, plan TonePlan, d time.Duration) []int16 {
	t.Helper()
	g, err := NewToneGenerator(plan, d)
	if err != nil {
		t.Fatal(err)
	}
	return dspReadAll(t, g, dspDurationSamples(d)+1)
}

// dspRuns returns the lengths of alternating on (non-zero) and off (zero)
// runs in s, starting with on. A tone crosses zero now and then, so runs of
// zeros shorter than minOff count as on.
func dspRuns(s []int16, minOff int) []int {
	var runs []int
	cur := 0
	for i := 0; i < len(s); {
		if s[i] != 0 {
			cur++
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == 0 {
			j++
		}
		if j-i >= minOff {
			runs = append(runs, cur, j-i)
			cur = 0
		} else {
			cur += j - i
		}
		i = j
	}
	if cur > 0 {
		runs = append(runs, cur)
	}
	return runs
}

func TestToneFrequencyAndLevel(t *testing.T) {
	na, eu := NorthAmericanTones(), EuropeanTones()
	for _, plan := range []TonePlan{na.Dial, na.Ringback, na.Busy, na.CallWaiting, eu.Dial, eu.Busy} {
		t.Run(fmt.Sprint(plan.Components[0].Frequency, " ", plan.Name), func(t *testing.T) {
			// 200 ms: a whole number of cycles of every component's
			// frequency, and within every plan's first "on" step.
			s := dspTone(t, plan, 200*time.Millisecond)
			if len(s) != 1600 {
				t.Fatalf("got %d samples, want 1600", len(s))
			}
			for _, c := range plan.Components {
				if got := ToneLevel(s, c.Frequency); math.Abs(got-c.Level) > 0.2 {
					t.Errorf("%v Hz at %.2f dBm0, want %v", c.Frequency, got, c.Level)
				}
				if got := ToneLevel(s, c.Frequency+100); got > c.Level-30 {
					t.Errorf("%v Hz: %.1f dBm0 leaks 100 Hz away", c.Frequency, got)
				}
			}
		})
	}
}

func TestToneCadence(t *testing.T) {
	na, eu := NorthAmericanTones(), EuropeanTones()
	tests := []struct {
		plan TonePlan
		d    time.Duration
		want []int // samples: on, off, on, off…
	}{
		{na.Busy, 2 * time.Second, []int{4000, 4000, 4000, 4000}},
		{na.Congestion, time.Second, []int{2000, 2000, 2000, 2000}},
		{na.Ringback, 7 * time.Second, []int{16000, 32000, 8000}},
		{na.CallWaiting, 0, []int{2400}},
		{na.Confirmation, 0, []int{800, 800, 800, 800, 800, 800}},
		{eu.Ringback, 6 * time.Second, []int{8000, 32000, 8000}},
		{eu.CallWaiting, 5 * time.Second, []int{1600, 1600, 1600, 27200, 1600, 1600, 1600, 3200}},
		{eu.Dial, 300 * time.Millisecond, []int{2400}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.plan.Components[0].Frequency, " ", tt.plan.Name), func(t *testing.T) {
			g, err := NewToneGenerator(tt.plan, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			s := dspReadAll(t, g, 10*SampleRate)
			// Off samples are exactly zero; on runs have no 8-sample
			// stretch of zeros (a tone crosses zero, but not for 1 ms).
			total := 0
			for _, n := range tt.want {
				total += n
			}
			if len(s) != total {
				t.Fatalf("got %d samples, want %d", len(s), total)
			}
			at := 0
			for i, n := range tt.want {
				run := s[at : at+n]
				if i%2 == 1 {
					for k, v := range run {
						if v != 0 {
							t.Fatalf("off step %d: sample %d is %d", i, at+k, v)
						}
					}
				} else if r := dspRuns(run, 8); len(r) != 1 || r[0] != n {
					t.Fatalf("on step %d at sample %d has gaps: %v", i, at, r)
				}
				at += n
			}
		})
	}
}

// TestTonePhaseContinuous reads the same tone in odd chunk sizes and in one
// go: the samples must be identical, so no click at chunk boundaries.
func TestTonePhaseContinuous(t *testing.T) {
	plan := NorthAmericanTones().Busy
	whole := dspTone(t, plan, 3*time.Second)
	g, _ := NewToneGenerator(plan, 3*time.Second)
	var chunked []int16
	for i := 1; ; i = i%97 + 1 {
		buf := make([]int16, i)
		n, err := g.ReadSamples(buf)
		chunked = append(chunked, buf[:n]...)
		if err == io.EOF {
			break
		}
	}
	if len(chunked) != len(whole) {
		t.Fatalf("chunked read gave %d samples, want %d", len(chunked), len(whole))
	}
	for i := range whole {
		if chunked[i] != whole[i] {
			t.Fatalf("sample %d: chunked %d, whole %d", i, chunked[i], whole[i])
		}
	}
	// After 3 s the oscillator (renormalised every 256 samples) keeps its
	// level: the last "on" half second measures like the first.
	last := whole[len(whole)-8000 : len(whole)-4000]
	if got := ToneLevel(last, 480); math.Abs(got+24) > 0.2 {
		t.Errorf("480 Hz after 2.5 s at %.2f dBm0, want -24", got)
	}
}

func TestToneGeneratorErrors(t *testing.T) {
	tests := []struct {
		name string
		plan TonePlan
	}{
		{"no components", TonePlan{}},
		{"five components", TonePlan{Components: make([]ToneComponent, 5)}},
		{"zero frequency", TonePlan{Components: []ToneComponent{{0, -10}}}},
		{"above Nyquist", TonePlan{Components: []ToneComponent{{4000, -10}}}},
		{"NaN frequency", TonePlan{Components: []ToneComponent{{math.NaN(), -10}}}},
		{"too loud", TonePlan{Components: []ToneComponent{{1000, 4}}}},
		{"clips", TonePlan{Components: []ToneComponent{{1000, 0}, {1200, 0}}}},
		{"negative cadence", TonePlan{Components: []ToneComponent{{1000, -10}}, Cadence: []time.Duration{-1}}},
	}
	for _, tt := range tests {
		if _, err := NewToneGenerator(tt.plan, 0); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestToneGeneratorDoesNotAllocate(t *testing.T) {
	g, _ := NewToneGenerator(NorthAmericanTones().Ringback, 0)
	buf := make([]int16, FrameSamples)
	if a := testing.AllocsPerRun(100, func() { g.ReadSamples(buf) }); a != 0 {
		t.Errorf("ReadSamples allocates %v times per frame", a)
	}
}

func BenchmarkToneGenerator(b *testing.B) {
	g, _ := NewToneGenerator(NorthAmericanTones().Dial, 0)
	buf := make([]int16, FrameSamples)
	b.ReportAllocs()
	b.SetBytes(2 * FrameSamples)
	for b.Loop() {
		g.ReadSamples(buf)
	}
}
