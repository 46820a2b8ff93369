package media

import (
	"fmt"
	"math"
)

// Resampler converts mono 16-bit audio from one sample rate to another with
// a polyphase windowed-sinc (Kaiser) low-pass filter: flat within ±0.01 dB
// up to 0.9 × the Nyquist frequency of the lower rate, at least 70 dB of
// attenuation from that Nyquist frequency up, so nothing above it aliases
// into the band audibly.
//
// The ratio is reduced to up/down (44100 → 8000 is 80/441); the filter has
// up phases and is built once by NewResampler, so converting allocates
// nothing. It keeps its state across calls: audio may arrive in chunks of
// any size and the output is the same as converting it in one piece. The
// filter's delay is compensated: output sample k is the input at time
// k/outRate, and after Flush the output has exactly
// ceil(inputSamples × outRate / inRate) samples.
//
// For stereo, downmix first (DownmixStereo) or use one Resampler per
// channel. A Resampler is not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	up, down        int       // the reduced ratio outRate/inRate = up/down
	taps            int       // filter taps per phase
	center          int       // the prototype filter's centre, in prototype samples
	coef            []float32 // taps per phase, phase q at coef[q*taps:], time-reversed
	hist            []float32 // input window; hist[0] is input sample number base
	n               int       // valid samples in hist
	base            int64
	next            int64 // newest input sample the next output needs
	phase           int   // filter phase of the next output
	in, out         int64 // samples accepted and produced
}

// Bounds of the resampler: the rates of real audio files, and a ratio
// whose filter table stays under 4 MB.
const (
	resampleMinRate  = 1000
	resampleMaxRate  = 192000
	resampleMaxUp    = 2048
	resampleMaxCoefs = 1 << 20
	resampleChunk    = 1024 // input samples accepted per step
	resampleAtten    = 70.0 // stopband attenuation, dB
)

// NewResampler returns a Resampler from inRate to outRate, in samples per
// second, each between 1000 and 192000 Hz. It fails for rate pairs whose
// reduced ratio needs more than 2048 filter phases (e.g. 44100 → 7999);
// every pair of the common rates (8000, 11025, 12000, 16000, 22050, 24000,
// 32000, 44100, 48000, 96000) is fine.
func NewResampler(inRate, outRate int) (*Resampler, error) {
	for _, r := range []int{inRate, outRate} {
		if r < resampleMinRate || r > resampleMaxRate {
			return nil, fmt.Errorf("media: resample: rate %d Hz out of range (%d to %d Hz)", r, resampleMinRate, resampleMaxRate)
		}
	}
	g := gcd(inRate, outRate)
	up, down := outRate/g, inRate/g
	if up > resampleMaxUp {
		return nil, fmt.Errorf("media: resample: %d Hz to %d Hz needs %d filter phases (at most %d)", inRate, outRate, up, resampleMaxUp)
	}
	r := &Resampler{inRate: inRate, outRate: outRate, up: up, down: down}
	if up == 1 && down == 1 {
		r.taps = 1
		r.coef = []float32{1}
	} else {
		// The prototype filter runs at protoRate = up × inRate. Its cutoff
		// sits in the middle of the transition band, which spans 0.9 to
		// 1.0 × the lower Nyquist frequency.
		protoRate := float64(up) * float64(inRate)
		nyq := float64(min(inRate, outRate)) / 2
		cutoff := 0.95 * nyq / protoRate             // cycles per prototype sample
		width := 2 * math.Pi * 0.1 * nyq / protoRate // transition, radians per sample
		n := int(math.Ceil((resampleAtten-7.95)/(2.285*width))) + 1
		n |= 1 // odd, so the centre is a whole sample
		taps := (n + up - 1) / up
		if taps*up > resampleMaxCoefs {
			return nil, fmt.Errorf("media: resample: %d Hz to %d Hz needs a %d-tap filter (at most %d)", inRate, outRate, taps*up, resampleMaxCoefs)
		}
		r.taps = taps
		r.center = (n - 1) / 2
		r.coef = make([]float32, taps*up)
		beta := 0.1102 * (resampleAtten - 8.7)
		i0beta := besselI0(beta)
		for m := range n {
			x := float64(m - r.center)
			h := 2 * cutoff * sinc(2*cutoff*x)
			t := 2*float64(m)/float64(n-1) - 1
			h *= besselI0(beta*math.Sqrt(max(0, 1-t*t))) / i0beta
			h *= float64(up) // each phase then has unity gain at DC
			q, j := m%up, m/up
			r.coef[q*taps+(taps-1-j)] = float32(h)
		}
	}
	r.hist = make([]float32, r.taps-1+resampleChunk)
	r.Reset()
	return r, nil
}

// Reset forgets all input, so the Resampler can convert a new stream.
func (r *Resampler) Reset() {
	clear(r.hist)
	r.n = r.taps - 1
	r.base = -int64(r.taps - 1)
	r.next = int64(r.center / r.up)
	r.phase = r.center % r.up
	r.in, r.out = 0, 0
}

// InRate returns the input sample rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate returns the output sample rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// MaxOut returns the most output samples that in more input samples can
// produce, including the tail Flush writes: a safe size for dst.
func (r *Resampler) MaxOut(in int) int {
	return int((int64(in)+int64(r.taps))*int64(r.up)/int64(r.down)) + 1
}

// Resample converts the input samples src and writes output samples into
// dst. It returns the number of samples written to dst and the number
// consumed from src. It consumes all of src unless dst fills up first;
// the caller passes the rest of src (and more room) in the next call. The
// output lags the input by the filter's half length (about 3 ms): Flush
// writes the tail at the end of the stream. It does not allocate and does
// not retain src or dst.
func (r *Resampler) Resample(dst, src []int16) (nDst, nSrc int) {
	for {
		nDst += r.produce(dst[nDst:])
		if nDst == len(dst) || nSrc == len(src) {
			return nDst, nSrc
		}
		r.compact()
		k := min(len(src)-nSrc, len(r.hist)-r.n)
		for i, s := range src[nSrc : nSrc+k] {
			r.hist[r.n+i] = float32(s)
		}
		r.n += k
		r.in += int64(k)
		nSrc += k
	}
}

// Flush writes the end of the output, the samples still inside the
// filter, as if the input were followed by silence. Call it at the end of
// the stream until it returns 0; then call Reset before converting another
// stream.
func (r *Resampler) Flush(dst []int16) int {
	// The outputs whose time k×down/up lies before the end of the input.
	total := (r.in*int64(r.up) + int64(r.down) - 1) / int64(r.down)
	done := 0
	for done < len(dst) && r.out < total {
		room := int(min(int64(len(dst)-done), total-r.out))
		k := r.produce(dst[done : done+room])
		done += k
		if k == 0 {
			r.compact()
			clear(r.hist[r.n:])
			r.n = len(r.hist)
		}
	}
	return done
}

// produce writes outputs while the input they need is in hist.
func (r *Resampler) produce(dst []int16) int {
	k := 0
	taps := r.taps
	for k < len(dst) {
		end := int(r.next-r.base) + 1
		if end > r.n {
			break
		}
		x := r.hist[end-taps : end]
		c := r.coef[r.phase*taps : r.phase*taps+taps]
		dst[k] = clamp16(dot(c, x))
		k++
		r.out++
		r.phase += r.down
		r.next += int64(r.phase / r.up)
		r.phase %= r.up
	}
	return k
}

// compact drops input samples no output needs any more.
func (r *Resampler) compact() {
	drop := int(r.next - int64(r.taps-1) - r.base)
	if drop <= 0 {
		return
	}
	drop = min(drop, r.n)
	copy(r.hist, r.hist[drop:r.n])
	r.n -= drop
	r.base += int64(drop)
}

func dot(c, x []float32) float32 {
	x = x[:len(c)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(c); i += 4 {
		s0 += c[i] * x[i]
		s1 += c[i+1] * x[i+1]
		s2 += c[i+2] * x[i+2]
		s3 += c[i+3] * x[i+3]
	}
	for ; i < len(c); i++ {
		s0 += c[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func clamp16(v float32) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the modified Bessel function of the first kind, order 0, by
// its power series (converges quickly for the β of a Kaiser window).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 200; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// DownmixStereo mixes interleaved stereo samples src (left, right, left, …)
// to mono in dst, each output the mean of a left-right pair, and returns
// the number of mono samples written: min(len(dst), len(src)/2). dst may be
// src itself (the mix is done in place). It does not allocate.
func DownmixStereo(dst, src []int16) int {
	n := min(len(dst), len(src)/2)
	for i := range n {
		dst[i] = int16((int32(src[2*i]) + int32(src[2*i+1])) >> 1)
	}
	return n
}
