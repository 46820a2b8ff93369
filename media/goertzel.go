package media

import (
	"errors"
	"math"
)

// goertzelPower returns the power of the freq component of src (Hz at
// SampleRate) as the mean square, in 16-bit units squared, that a sine of
// that frequency alone would have: A²/2 for a sine of peak A on a bin.
func goertzelPower(src []int16, freq float64) float64 {
	if len(src) == 0 {
		return 0
	}
	c := 2 * math.Cos(2*math.Pi*freq/SampleRate)
	var s1, s2 float64
	for _, x := range src {
		s1, s2 = float64(x)+c*s1-s2, s1
	}
	n := float64(len(src))
	return 2 * (s1*s1 + s2*s2 - c*s1*s2) / (n * n)
}

// ToneLevel returns the level in dBm0 of the freq (Hz) component of src,
// measured with a Goertzel filter over all of src: the frequency
// resolution is about SampleRate/len(src) Hz. It returns -Inf for silence.
// It does not allocate.
func ToneLevel(src []int16, freq float64) float64 {
	return dbm0OfMeanSquare(goertzelPower(src, freq))
}

// DTMF detector parameters. Blocks of 102 samples (12.75 ms) give 78 Hz
// resolution, enough to separate the 697/770 Hz rows with a ±1.5% offset,
// and a fine enough grain for the duration rules.
const (
	dtmfBlock       = 102
	dtmfMinHits     = 3    // consecutive blocks to report a key: ≥ 38 ms
	dtmfMaxMisses   = 2    // consecutive blocks without the key that end it
	dtmfMinPause    = 2    // blocks with no key before a new key: ≥ 25 ms
	dtmfNormalTwist = 8.0  // dB the high (column) tone may exceed the low
	dtmfRevTwist    = 4.0  // dB the low (row) tone may exceed the high
	dtmfGroupMargin = 8.0  // dB a tone must exceed the others of its group
	dtmfPurity      = 0.7  // share of the block's power the two tones hold
	dtmfHarmonic    = 10.0 // dB the column's 2nd harmonic must be below it
)

// DTMFDetectorConfig configures a DTMFDetector. The zero value is ready.
type DTMFDetectorConfig struct {
	// MinLevel is the lowest level of each of the two tones, in dBm0, that
	// is detected; 0 means -33 dBm0.
	MinLevel float64
}

// DTMFDetector finds in-band DTMF keys in 8 kHz audio. It implements
// SampleWriter: write audio in chunks of any size and it reports each key
// twice through the report function (see DTMFReport), synchronously from
// WriteSamples; Timestamp is the sample offset of the first block holding
// the key, within one block (102 samples) of the tone's start.
//
// Each 102-sample block (12.75 ms) is run through Goertzel filters at the
// eight DTMF frequencies and the second harmonics of the four column
// frequencies. A block holds a key when: both tones reach MinLevel; the
// twist is within 8 dB (column louder) or 4 dB (row louder); each tone
// exceeds the others of its group by 8 dB; the two tones hold 70% of the
// block's power (speech and music spread theirs); and the column tone's
// second harmonic is 10 dB below it (speech is rich in harmonics; the
// rows' harmonics are not checked because they fall within a bin of the
// column tones). A key is reported after three consecutive blocks (tones
// of 45 ms or more are always found, tones under 30 ms never are), ends
// after two blocks without it, and a new key needs two blocks with no key
// before it (a pause of about 25 ms).
//
// Not safe for concurrent use; WriteSamples does not allocate.
type DTMFDetector struct {
	report   func(DTMFReport)
	minPower float64

	coef   [12]float64 // 4 rows, 4 columns, 4 column harmonics
	s1, s2 [12]float64
	n      int     // samples in the current block
	energy float64 // sum of squares in the current block
	pos    int64   // samples before the current block

	cand       int // key seen in the last blocks, -1 none
	candHits   int
	candStart  int64
	candPaused bool // enough pause came before cand
	active     int  // key reported and still down, -1 none
	activeN    int  // blocks the active key has held
	activeAt   int64
	misses     int
	pause      int // consecutive blocks with no key
}

// NewDTMFDetector returns a detector that calls report for each key-down
// and release. report must not be nil.
func NewDTMFDetector(report func(DTMFReport), cfg DTMFDetectorConfig) (*DTMFDetector, error) {
	if report == nil {
		return nil, errors.New("media: DTMF detector: nil report function")
	}
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -33
	}
	d := &DTMFDetector{report: report, minPower: math.Pow(10, cfg.MinLevel/10) * dbm0SinePeak * dbm0SinePeak / 2}
	for i := range 4 {
		d.coef[i] = 2 * math.Cos(2*math.Pi*dtmfRowHz[i]/SampleRate)
		d.coef[4+i] = 2 * math.Cos(2*math.Pi*dtmfColHz[i]/SampleRate)
		d.coef[8+i] = 2 * math.Cos(2*math.Pi*2*dtmfColHz[i]/SampleRate)
	}
	d.Reset()
	return d, nil
}

// Reset forgets the audio written so far, without reporting a key that is
// down, and restarts sample offsets at 0.
func (d *DTMFDetector) Reset() {
	d.s1, d.s2 = [12]float64{}, [12]float64{}
	d.n, d.energy, d.pos = 0, 0, 0
	d.cand, d.candHits, d.active, d.misses = -1, 0, -1, 0
	d.pause = dtmfMinPause
}

// WriteSamples runs src through the detector; it always consumes all of
// src and returns len(src), nil.
func (d *DTMFDetector) WriteSamples(src []int16) (int, error) {
	n := len(src)
	for len(src) > 0 {
		k := min(len(src), dtmfBlock-d.n)
		for _, x := range src[:k] {
			v := float64(x)
			d.energy += v * v
			for i := range d.coef {
				d.s1[i], d.s2[i] = v+d.coef[i]*d.s1[i]-d.s2[i], d.s1[i]
			}
		}
		d.n += k
		src = src[k:]
		if d.n == dtmfBlock {
			d.block(d.classify())
			d.s1, d.s2 = [12]float64{}, [12]float64{}
			d.n, d.energy = 0, 0
			d.pos += dtmfBlock
		}
	}
	return n, nil
}

// classify returns the key the finished block holds, or -1.
func (d *DTMFDetector) classify() int {
	var p [12]float64
	for i := range p {
		p[i] = 2 * (d.s1[i]*d.s1[i] + d.s2[i]*d.s2[i] - d.coef[i]*d.s1[i]*d.s2[i]) / (dtmfBlock * dtmfBlock)
	}
	r, c := dtmfStrongest(p[0:4]), 4+dtmfStrongest(p[4:8])
	pr, pc := p[r], p[c]
	if pr < d.minPower || pc < d.minPower {
		return -1
	}
	if pc > pr*dtmfDBRatio(dtmfNormalTwist) || pr > pc*dtmfDBRatio(dtmfRevTwist) {
		return -1
	}
	for i := range 4 {
		if (i != r && p[i]*dtmfDBRatio(dtmfGroupMargin) > pr) || (4+i != c && p[4+i]*dtmfDBRatio(dtmfGroupMargin) > pc) {
			return -1
		}
	}
	if pr+pc < dtmfPurity*d.energy/dtmfBlock {
		return -1
	}
	if p[c+4]*dtmfDBRatio(dtmfHarmonic) > pc {
		return -1
	}
	return int(dtmfKeypad[r][c-4])
}

// block advances the duration state machine with the key of one block.
func (d *DTMFDetector) block(key int) {
	start := d.pos
	if key < 0 {
		d.cand, d.candHits = -1, 0
	} else if key == d.cand {
		d.candHits++
	} else {
		d.cand, d.candHits, d.candStart = key, 1, start
		d.candPaused = d.pause >= dtmfMinPause
	}
	if key < 0 {
		d.pause++
	} else {
		d.pause = 0
	}

	if d.active >= 0 {
		if key == d.active {
			d.activeN++
			d.misses = 0
			return
		}
		d.misses++
		if d.misses < dtmfMaxMisses {
			return
		}
		d.report(DTMFReport{Event: DTMFEvent(d.active), End: true, Timestamp: uint32(d.activeAt),
			Duration: dspSamplesDuration(int64(d.activeN) * dtmfBlock)})
		d.active = -1
		return
	}
	if d.cand >= 0 && d.candHits >= dtmfMinHits && d.candPaused {
		d.active, d.activeN, d.activeAt, d.misses = d.cand, d.candHits, d.candStart, 0
		d.cand, d.candHits = -1, 0
		d.report(DTMFReport{Event: DTMFEvent(d.active), Timestamp: uint32(d.activeAt),
			Duration: dspSamplesDuration(int64(d.activeN) * dtmfBlock)})
	}
}

func dtmfStrongest(p []float64) int {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// dtmfDBRatio returns the power ratio of db decibels.
func dtmfDBRatio(db float64) float64 { return math.Pow(10, db/10) }

var _ SampleWriter = (*DTMFDetector)(nil)
