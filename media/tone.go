package media

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// dbm0SinePeak is the peak amplitude, in 16-bit linear units, of a sine
// wave at 0 dBm0. It follows the G.711 µ-law convention that a full-scale
// sine (peak 32768) is +3.17 dBm0.
const dbm0SinePeak = 22754.0

// dbm0Amplitude returns the peak amplitude of a sine at level dBm0.
func dbm0Amplitude(level float64) float64 {
	return dbm0SinePeak * math.Pow(10, level/20)
}

// dbm0OfMeanSquare returns the level in dBm0 of a signal whose mean square
// (in 16-bit linear units squared) is ms; -inf for silence.
func dbm0OfMeanSquare(ms float64) float64 {
	return 10 * math.Log10(ms/(dbm0SinePeak*dbm0SinePeak/2))
}

// ToneComponent is one sine wave of a tone.
type ToneComponent struct {
	// Frequency is in Hz, above 0 and below 4000 (the Nyquist frequency of
	// SampleRate).
	Frequency float64
	// Level is the component's power in dBm0 (for example -13 for North
	// American dial tone), at most +3 dBm0.
	Level float64
}

// TonePlan describes a call-progress or signalling tone: the sum of up to
// four sine components, switched on and off by a cadence.
type TonePlan struct {
	// Name names the tone for logs ("busy").
	Name string
	// Components are the sines that sound together, at most four.
	Components []ToneComponent
	// Cadence alternates on and off durations, starting with on: {500ms,
	// 500ms} is half a second of tone then half a second of silence. Empty
	// means a continuous tone. Durations are rounded to whole samples.
	Cadence []time.Duration
	// Cycles is how many times the cadence plays before the tone ends; 0
	// repeats it forever. A continuous tone ignores it.
	Cycles int
}

// ToneSet is the tones of one region's telephone network.
type ToneSet struct {
	Dial, Ringback, Busy, Congestion, CallWaiting, Confirmation TonePlan
}

func toneMs(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// NorthAmericanTones returns the North American precise tone plan (ANSI
// T1.401 / Telcordia): dial 350+440 Hz continuous; ringback 440+480 Hz, 2 s
// on 4 s off; busy 480+620 Hz, 0.5 s on 0.5 s off; reorder 480+620 Hz,
// 0.25 s on 0.25 s off; call waiting 440 Hz once for 0.3 s; confirmation
// 350+440 Hz, three 0.1 s bursts.
func NorthAmericanTones() ToneSet {
	two := func(name string, f1, f2, level float64, cadence []time.Duration, cycles int) TonePlan {
		return TonePlan{Name: name, Components: []ToneComponent{{f1, level}, {f2, level}}, Cadence: cadence, Cycles: cycles}
	}
	return ToneSet{
		Dial:        two("dial", 350, 440, -13, nil, 0),
		Ringback:    two("ringback", 440, 480, -19, []time.Duration{toneMs(2000), toneMs(4000)}, 0),
		Busy:        two("busy", 480, 620, -24, []time.Duration{toneMs(500), toneMs(500)}, 0),
		Congestion:  two("reorder", 480, 620, -24, []time.Duration{toneMs(250), toneMs(250)}, 0),
		CallWaiting: TonePlan{Name: "call waiting", Components: []ToneComponent{{440, -13}}, Cadence: []time.Duration{toneMs(300)}, Cycles: 1},
		Confirmation: two("confirmation", 350, 440, -13,
			[]time.Duration{toneMs(100), toneMs(100), toneMs(100), toneMs(100), toneMs(100), toneMs(100)}, 1),
	}
}

// EuropeanTones returns the ETSI (ETS 300 295 / TR 101 041) common tone
// plan, 425 Hz at -10 dBm0: dial continuous; ringback 1 s on 4 s off; busy
// 0.5 s on 0.5 s off; congestion 0.25 s on 0.25 s off; call waiting 0.2 s
// on 0.2 s off 0.2 s on, repeated every 4 s; confirmation three 0.1 s
// bursts.
func EuropeanTones() ToneSet {
	one := func(name string, cadence []time.Duration, cycles int) TonePlan {
		return TonePlan{Name: name, Components: []ToneComponent{{425, -10}}, Cadence: cadence, Cycles: cycles}
	}
	return ToneSet{
		Dial:         one("dial", nil, 0),
		Ringback:     one("ringback", []time.Duration{toneMs(1000), toneMs(4000)}, 0),
		Busy:         one("busy", []time.Duration{toneMs(500), toneMs(500)}, 0),
		Congestion:   one("congestion", []time.Duration{toneMs(250), toneMs(250)}, 0),
		CallWaiting:  one("call waiting", []time.Duration{toneMs(200), toneMs(200), toneMs(200), toneMs(3400)}, 0),
		Confirmation: one("confirmation", []time.Duration{toneMs(100), toneMs(100), toneMs(100), toneMs(100), toneMs(100), toneMs(100)}, 1),
	}
}

// dtmfRowHz and dtmfColHz are the DTMF low (row) and high (column) group
// frequencies in Hz.
var (
	dtmfRowHz = [4]float64{697, 770, 852, 941}
	dtmfColHz = [4]float64{1209, 1336, 1477, 1633}
)

// dtmfKeypad maps row and column to the event code.
var dtmfKeypad = [4][4]DTMFEvent{
	{DTMF1, DTMF2, DTMF3, DTMFA},
	{DTMF4, DTMF5, DTMF6, DTMFB},
	{DTMF7, DTMF8, DTMF9, DTMFC},
	{DTMFStar, DTMF0, DTMFPound, DTMFD},
}

// DTMFTone returns the plan of one in-band DTMF digit: its row and column
// frequencies, each at level dBm0 (typical senders use -6 to -10), sounding
// once for the given duration.
func DTMFTone(ev DTMFEvent, level float64, duration time.Duration) (TonePlan, error) {
	for r := range dtmfKeypad {
		for c := range dtmfKeypad[r] {
			if dtmfKeypad[r][c] == ev {
				return TonePlan{
					Name:       "DTMF " + ev.String(),
					Components: []ToneComponent{{dtmfRowHz[r], level}, {dtmfColHz[c], level}},
					Cadence:    []time.Duration{duration},
					Cycles:     1,
				}, nil
			}
		}
	}
	return TonePlan{}, fmt.Errorf("media: DTMF tone: event %v has no in-band tone", ev)
}

// maxToneComponents bounds TonePlan.Components.
const maxToneComponents = 4

// ErrToneClips is returned by NewToneGenerator when the components' peaks
// add up to more than 16-bit full scale.
var ErrToneClips = errors.New("media: tone: components add up to more than full scale")

// toneOsc is a recursive quadrature oscillator: (re, im) rotates by (c, s)
// each sample.
type toneOsc struct {
	re, im, c, s, amp float64
}

// ToneGenerator plays a TonePlan as 8 kHz samples. It implements
// SampleReader; ReadSamples is phase-continuous across calls (the
// oscillators keep running through cadence gaps) and does not allocate.
//
// Not safe for concurrent use.
type ToneGenerator struct {
	osc     [maxToneComponents]toneOsc
	nosc    int
	steps   []int // cadence durations in samples
	step    int   // index in steps
	left    int   // samples left in steps[step]
	cycles  int   // cycles to play, 0 = forever
	cycle   int   // cycles completed
	limit   int64 // total samples to play, -1 = unlimited
	played  int64
	renormN int
}

// NewToneGenerator returns a generator that plays plan for duration, or
// until the plan's cadence cycles end when duration is 0 (forever for a
// repeating plan). It returns an error for an invalid plan: no components
// or more than four, a frequency outside (0, 4000) Hz, a level above +3
// dBm0, a negative cadence step, or components that would clip.
func NewToneGenerator(plan TonePlan, duration time.Duration) (*ToneGenerator, error) {
	if n := len(plan.Components); n == 0 || n > maxToneComponents {
		return nil, fmt.Errorf("media: tone %q: %d components, want 1 to %d", plan.Name, n, maxToneComponents)
	}
	if duration < 0 || plan.Cycles < 0 {
		return nil, fmt.Errorf("media: tone %q: negative duration or cycles", plan.Name)
	}
	g := &ToneGenerator{nosc: len(plan.Components), cycles: plan.Cycles, limit: -1}
	var peak float64
	for i, c := range plan.Components {
		if !(c.Frequency > 0 && c.Frequency < SampleRate/2) {
			return nil, fmt.Errorf("media: tone %q: frequency %v Hz outside (0, %d)", plan.Name, c.Frequency, SampleRate/2)
		}
		if !(c.Level <= 3) {
			return nil, fmt.Errorf("media: tone %q: level %v dBm0 above +3", plan.Name, c.Level)
		}
		w := 2 * math.Pi * c.Frequency / SampleRate
		a := dbm0Amplitude(c.Level)
		g.osc[i] = toneOsc{re: 1, c: math.Cos(w), s: math.Sin(w), amp: a}
		peak += a
	}
	if peak > 32767 {
		return nil, fmt.Errorf("%w (%q: peak %.0f)", ErrToneClips, plan.Name, peak)
	}
	for _, d := range plan.Cadence {
		if d < 0 {
			return nil, fmt.Errorf("media: tone %q: negative cadence step %v", plan.Name, d)
		}
		g.steps = append(g.steps, dspDurationSamples(d))
	}
	if len(g.steps) > 0 {
		g.left = g.steps[0]
	}
	if duration > 0 {
		g.limit = int64(dspDurationSamples(duration))
	}
	return g, nil
}

// dspDurationSamples converts d to a whole number of samples at SampleRate,
// rounding to nearest.
func dspDurationSamples(d time.Duration) int {
	return int((int64(d)*SampleRate + int64(time.Second)/2) / int64(time.Second))
}

// ReadSamples writes the next len(dst) samples of the tone into dst. It
// returns io.EOF once the duration or the plan's cycles are over.
func (g *ToneGenerator) ReadSamples(dst []int16) (int, error) {
	n := 0
	for n < len(dst) {
		if g.limit >= 0 && g.played >= g.limit {
			break
		}
		on := true
		run := len(dst) - n
		if len(g.steps) > 0 {
			for g.left == 0 {
				g.step++
				if g.step == len(g.steps) {
					g.step = 0
					g.cycle++
				}
				if g.cycles > 0 && g.cycle >= g.cycles {
					break
				}
				g.left = g.steps[g.step]
			}
			if g.cycles > 0 && g.cycle >= g.cycles {
				break
			}
			on = g.step%2 == 0
			run = min(run, g.left)
		}
		if g.limit >= 0 {
			run = int(min(int64(run), g.limit-g.played))
		}
		g.synth(dst[n:n+run], on)
		n += run
		g.played += int64(run)
		if len(g.steps) > 0 {
			g.left -= run
		}
	}
	if n == 0 && len(dst) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// synth runs the oscillators over dst, writing their sum when on and
// silence when off.
func (g *ToneGenerator) synth(dst []int16, on bool) {
	for i := range dst {
		var v float64
		for k := 0; k < g.nosc; k++ {
			o := &g.osc[k]
			v += o.amp * o.im
			o.re, o.im = o.re*o.c-o.im*o.s, o.re*o.s+o.im*o.c
		}
		g.renormN++
		if g.renormN == 256 {
			// Keep |(re, im)| at 1 against rounding drift.
			g.renormN = 0
			for k := 0; k < g.nosc; k++ {
				o := &g.osc[k]
				f := (3 - (o.re*o.re + o.im*o.im)) / 2
				o.re *= f
				o.im *= f
			}
		}
		if on {
			dst[i] = int16(math.Round(v))
		} else {
			dst[i] = 0
		}
	}
}

var _ SampleReader = (*ToneGenerator)(nil)
