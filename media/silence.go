package media

import (
	"fmt"
	"math"
	"time"
)

// SilenceConfig configures a SilenceDetector. The zero value is ready.
type SilenceConfig struct {
	// Threshold is the level, in dBm0 (RMS over a 20 ms frame), below
	// which a frame is silent; 0 means -40 dBm0, above line noise and
	// below quiet speech.
	Threshold float64
	// Hangover is how long silence must last before Silent reports it, so
	// that pauses between words do not count; 0 means 300 ms.
	Hangover time.Duration
}

// silenceClickFrames is how many consecutive loud frames are sound: a
// shorter burst (a click, a key press) does not interrupt silence.
const silenceClickFrames = 2

// SilenceDetector measures how long the audio written to it has been
// silent, for "record until N seconds of silence" and "hang up on a silent
// line". It implements SampleWriter.
//
// It measures the RMS level of each 20 ms frame (FrameSamples) against
// Threshold. Silence starts counting at the start of the stream and after
// each sound; a sound is two or more consecutive loud frames (40 ms), so a
// single click does not reset the count.
//
// Not safe for concurrent use; WriteSamples does not allocate.
type SilenceDetector struct {
	threshold float64 // mean square
	hangover  int64   // samples

	n       int     // samples in the current frame
	sum     float64 // sum of squares in the current frame
	run     int64   // samples of silence so far
	loudRun int     // consecutive loud frames
	level   float64 // last frame's level, dBm0
}

// NewSilenceDetector returns a detector that has heard nothing yet (and so
// counts silence from the first sample). It fails for a threshold above
// +3 dBm0 or a negative hangover.
func NewSilenceDetector(cfg SilenceConfig) (*SilenceDetector, error) {
	if cfg.Threshold == 0 {
		cfg.Threshold = -40
	}
	if cfg.Hangover == 0 {
		cfg.Hangover = 300 * time.Millisecond
	}
	if !(cfg.Threshold <= 3) || cfg.Hangover < 0 {
		return nil, fmt.Errorf("media: silence detector: bad threshold %v dBm0 or hangover %v", cfg.Threshold, cfg.Hangover)
	}
	return &SilenceDetector{
		threshold: math.Pow(10, cfg.Threshold/10) * dbm0SinePeak * dbm0SinePeak / 2,
		hangover:  int64(dspDurationSamples(cfg.Hangover)),
		level:     math.Inf(-1),
	}, nil
}

// WriteSamples measures src; it always consumes all of it and returns
// len(src), nil.
func (d *SilenceDetector) WriteSamples(src []int16) (int, error) {
	for _, x := range src {
		v := float64(x)
		d.sum += v * v
		d.n++
		if d.n < FrameSamples {
			continue
		}
		ms := d.sum / FrameSamples
		d.level = dbm0OfMeanSquare(ms)
		d.n, d.sum = 0, 0
		if ms < d.threshold {
			d.loudRun = 0
			d.run += FrameSamples
			continue
		}
		d.loudRun++
		if d.loudRun >= silenceClickFrames {
			d.run = 0
		} else {
			d.run += FrameSamples // maybe a click; undone if loud again
		}
	}
	return len(src), nil
}

// Silent reports whether the audio has been silent for at least the
// hangover.
func (d *SilenceDetector) Silent() bool { return d.run >= d.hangover }

// SilentSamples returns how long the audio has been silent, in samples
// (whole 20 ms frames): since the last sound, or since the start.
func (d *SilenceDetector) SilentSamples() int64 { return d.run }

// SilentFor returns SilentSamples as a duration.
func (d *SilenceDetector) SilentFor() time.Duration { return dspSamplesDuration(d.run) }

// Level returns the level of the last complete frame in dBm0, -Inf for
// digital silence or before the first frame.
func (d *SilenceDetector) Level() float64 { return d.level }

// Reset starts over, as for a new recording.
func (d *SilenceDetector) Reset() {
	d.n, d.sum, d.run, d.loudRun, d.level = 0, 0, 0, 0, math.Inf(-1)
}

var _ SampleWriter = (*SilenceDetector)(nil)
