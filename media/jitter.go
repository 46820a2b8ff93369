package media

import (
	"fmt"
	"math"
	"time"
)

// JitterConfig configures a JitterBuffer. The zero value is a voice buffer
// for PCMU adapting between 20 and 200 ms.
type JitterConfig struct {
	// Codec is the G.711 law of the payloads; CodecUnknown means PCMU.
	Codec Codec
	// Fax selects fax (and modem) mode: a fixed depth, no concealment and
	// no time stretching, so that every sample plays exactly where the
	// sender's timestamps put it. A lost frame plays as silence.
	Fax bool
	// MinDepth and MaxDepth bound the adaptive playout delay of voice mode;
	// 0 means 20 ms and 200 ms.
	MinDepth, MaxDepth time.Duration
	// FaxDepth is the fixed playout delay of fax mode; 0 means 100 ms.
	FaxDepth time.Duration
}

// JitterResult says what a JitterBuffer.Pop wrote into its buffer.
type JitterResult uint8

// The results of Pop.
const (
	JitterUnknown JitterResult = iota
	// JitterBuffering: silence, while filling up to the playout depth at
	// the start of a stream or after a resync.
	JitterBuffering
	// JitterPlayed: received audio (a frame partly lost has its gap
	// concealed, in voice mode, or silent, in fax mode).
	JitterPlayed
	// JitterConcealed: the frame was lost or late; voice mode replayed the
	// last audio, fading out.
	JitterConcealed
	// JitterSilence: nothing to play: a loss in fax mode, a loss longer than
	// concealment lasts, or a pause in the sender's stream.
	JitterSilence
	// JitterInserted: voice mode added a frame (concealment-style, or
	// silence) to deepen the buffer after jitter grew.
	JitterInserted
)

// String returns the result's name ("played").
func (r JitterResult) String() string {
	switch r {
	case JitterBuffering:
		return "buffering"
	case JitterPlayed:
		return "played"
	case JitterConcealed:
		return "concealed"
	case JitterSilence:
		return "silence"
	case JitterInserted:
		return "inserted"
	}
	return fmt.Sprintf("JitterResult(%d)", uint8(r))
}

// JitterStats counts what a JitterBuffer did. Frame counters count Pop
// calls; packet counters count Push calls.
type JitterStats struct {
	// Played, Concealed, Silent and Inserted count frames by JitterResult.
	Played, Concealed, Silent, Inserted uint64
	// Dropped counts frames voice mode skipped to shrink the buffer.
	Dropped uint64
	// Late counts packets that arrived after their time to play; Duplicate,
	// packets already received; Invalid, empty or oversized payloads.
	Late, Duplicate, Invalid uint64
	// Resyncs counts restarts on a timestamp jump (new talkspurt or
	// source, or, in voice mode, a run of late packets).
	Resyncs uint64
	// Depth is the current playout delay above the fastest packet's
	// transit, as of the last Pop: how long audio waits in the buffer.
	Depth time.Duration
	// Target is the depth voice mode aims for (the fixed depth in fax mode).
	Target time.Duration
	// Jitter is the RFC 3550 interarrival jitter estimate.
	Jitter time.Duration
}

// Tuning of the voice-mode depth estimate.
const (
	jitterPeakDecay  = 3.0           // seconds: time constant of the peak delay's decay
	jitterDrift      = 1e-3          // samples of baseline creep per sample: 1000 ppm clock drift
	jitterMargin     = 40            // samples (5 ms) added to the peak delay for the player's timing
	jitterLateResync = 4             // consecutive late packets that force a voice resync
	jitterFadeStart  = 80            // concealment plays the last audio at full level for 10 ms,
	jitterFadeEnd    = 480           // then fades to silence at 60 ms
	jitterSilentMS   = 160.0 * 160.0 // mean square below which a frame may be dropped (about -40 dBm0)
)

// JitterBuffer reorders the G.711 packets of one RTP stream and plays them
// out at a steady pace, hiding network jitter and loss.
//
// It stores payload bytes, not decoded samples, in a ring indexed by RTP
// timestamp: half the memory of linear samples, and each sample is decoded
// once, when it plays; late and duplicate packets are never decoded. Being
// indexed by timestamp, it takes packets of any size and plays frames of
// any size (up to a quarter of the ring, about 250 ms at the default
// depths).
//
// Push copies each packet in; Pop, called by the player every frame
// (usually 20 ms), writes the next frame. Both take the time of the call,
// and neither allocates.
//
// In voice mode the target depth follows the measured delay variation: the
// peak of each packet's transit time above the fastest packet's, rising at
// once when a packet comes later than that and decaying with a 3 s time
// constant, plus 5 ms, clamped to [MinDepth, MaxDepth]. Pop inserts a frame
// when the buffer is shallower than the target and drops one when it is a
// frame deeper, preferably a silent frame (a frame at speech level is
// dropped only when the buffer is two frames too deep). A lost frame is
// concealed, in the spirit of G.711 Appendix I but simpler: the last 20 ms
// of received audio is repeated, at full level for 10 ms and then fading
// linearly to silence at 60 ms.
//
// In fax mode the depth is fixed, nothing is concealed, inserted or
// dropped: the output is the sender's samples, bit for bit, with silence
// where packets were lost.
//
// Packets played already are dropped and counted as late; duplicates (by
// sequence number) are ignored; sequence numbers and timestamps wrap. A
// packet too far ahead to fit in the ring (a new talkspurt after a pause
// of a second, or a new source), two consecutive packets far behind, or
// (voice mode) four consecutive late packets restart the buffer.
//
// Not safe for concurrent use: one goroutine pushes and pops, or the
// caller locks.
type JitterBuffer struct {
	fax      bool
	decode   *[256]int16
	minDepth float64 // samples
	maxDepth float64
	faxDepth float64

	ring      []byte
	valid     []bool
	mask      int64
	maxPacket int
	seen      [256]uint16 // sequence numbers received, by seq%256
	seenOK    [256]bool

	started, playing bool
	epoch            time.Time
	playExt          int64 // extended timestamp of the next sample to play
	highEnd          int64 // extended timestamp just past the newest data
	lateRun          int
	farSeq           uint16 // last packet far behind, for resync
	farOK            bool

	haveTransit bool
	minTransit  float64 // samples
	lastTransit float64
	lastArr     float64
	peak        float64 // peak transit above minTransit, samples
	jitter      float64 // RFC 3550 J, samples

	hist     [FrameSamples]int16 // last received samples, a ring
	histPos  int
	lossN    int // samples concealed since the last received one
	lossBase int

	stats JitterStats
}

// NewJitterBuffer returns an empty buffer. It fails for a codec other than
// PCMU or PCMA, negative depths, or MinDepth above MaxDepth.
func NewJitterBuffer(cfg JitterConfig) (*JitterBuffer, error) {
	j := &JitterBuffer{fax: cfg.Fax}
	switch cfg.Codec {
	case CodecUnknown, CodecPCMU:
		j.decode = &ulawDecodeTable
	case CodecPCMA:
		j.decode = &alawDecodeTable
	default:
		return nil, fmt.Errorf("media: jitter buffer: unsupported codec %v", cfg.Codec)
	}
	if cfg.MinDepth == 0 {
		cfg.MinDepth = 20 * time.Millisecond
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = 200 * time.Millisecond
	}
	if cfg.FaxDepth == 0 {
		cfg.FaxDepth = 100 * time.Millisecond
	}
	if cfg.MinDepth < 0 || cfg.MaxDepth < cfg.MinDepth || cfg.FaxDepth < 0 || cfg.MaxDepth > 10*time.Second || cfg.FaxDepth > 10*time.Second {
		return nil, fmt.Errorf("media: jitter buffer: bad depths min %v max %v fax %v", cfg.MinDepth, cfg.MaxDepth, cfg.FaxDepth)
	}
	j.minDepth = float64(dspDurationSamples(cfg.MinDepth))
	j.maxDepth = float64(dspDurationSamples(cfg.MaxDepth))
	j.faxDepth = float64(dspDurationSamples(cfg.FaxDepth))
	size := 1
	for size < int(max(j.maxDepth, j.faxDepth))+SampleRate/2 {
		size <<= 1
	}
	j.ring = make([]byte, size)
	j.valid = make([]bool, size)
	j.mask = int64(size - 1)
	j.maxPacket = size / 4
	j.lossN = jitterFadeEnd
	return j, nil
}

// Reset empties the buffer, as for a new stream; statistics are kept.
func (j *JitterBuffer) Reset() {
	clear(j.valid)
	j.started, j.playing, j.haveTransit = false, false, false
	j.lossN = jitterFadeEnd
}

// Push copies one packet into the buffer: RTP sequence number seq and
// timestamp ts, the G.711 payload, and the arrival time at. The buffer does
// not keep payload. Payloads longer than a quarter of the ring (2048 bytes
// at the default depths) are counted invalid and dropped.
func (j *JitterBuffer) Push(seq uint16, ts uint32, payload []byte, at time.Time) {
	n := int64(len(payload))
	if n == 0 || n > int64(j.maxPacket) {
		j.stats.Invalid++
		return
	}
	if !j.started {
		j.restart(ts, at)
	}
	if k := seq & 0xff; j.seenOK[k] && j.seen[k] == seq {
		j.stats.Duplicate++
		return
	}
	ext := j.playExt + int64(int32(ts-uint32(j.playExt)))
	end := ext + n
	size := int64(len(j.ring))
	switch {
	case end-j.playExt > size:
		// Too far ahead to fit: a jump in timestamps.
		j.resync(ts, at)
		ext, end = j.playExt, j.playExt+n
	case ext < j.playExt && !j.playing && j.highEnd-ext <= size:
		// Reordered before the first packet while buffering: start here.
		j.playExt = ext
	case end <= j.playExt:
		far := j.playExt-end > size/2
		j.lateRun++
		if far && j.farOK && seq == j.farSeq+1 || !j.fax && j.lateRun >= jitterLateResync {
			j.resync(ts, at)
			ext, end = j.playExt, j.playExt+n
			break
		}
		j.farSeq, j.farOK = seq, far
		j.stats.Late++
		if !far {
			j.observe(ext, at)
		}
		return
	}
	j.lateRun, j.farOK = 0, false
	for i := max(ext, j.playExt); i < end; i++ {
		k := i & j.mask
		j.ring[k] = payload[i-ext]
		j.valid[k] = true
	}
	j.highEnd = max(j.highEnd, end)
	j.seen[seq&0xff], j.seenOK[seq&0xff] = seq, true
	j.observe(ext, at)
}

// restart empties the buffer to start at timestamp ts.
func (j *JitterBuffer) restart(ts uint32, at time.Time) {
	clear(j.valid)
	clear(j.seenOK[:])
	if j.epoch.IsZero() {
		j.epoch = at
	}
	j.started, j.playing, j.haveTransit = true, false, false
	j.playExt = int64(ts)
	j.highEnd = j.playExt
	j.lateRun, j.farOK = 0, false
	j.lossN = jitterFadeEnd
}

func (j *JitterBuffer) resync(ts uint32, at time.Time) {
	j.stats.Resyncs++
	j.restart(ts, at)
}

// observe updates the delay estimates with a packet of extended timestamp
// ext that arrived at at.
func (j *JitterBuffer) observe(ext int64, at time.Time) {
	arr := float64(at.Sub(j.epoch)) * SampleRate / float64(time.Second)
	transit := arr - float64(ext)
	if !j.haveTransit {
		j.haveTransit = true
		j.minTransit, j.lastTransit, j.lastArr = transit, transit, arr
		return
	}
	if dt := arr - j.lastArr; dt > 0 {
		// The baseline creeps up to follow a sender whose clock is
		// slower than ours; the peak decays.
		creep := dt * jitterDrift
		j.minTransit += creep
		j.peak = max(0, j.peak-creep) * math.Exp(-dt/(jitterPeakDecay*SampleRate))
		j.lastArr = arr
	}
	if transit < j.minTransit {
		j.peak += j.minTransit - transit
		j.minTransit = transit
	}
	j.peak = max(j.peak, transit-j.minTransit)
	j.jitter += (math.Abs(transit-j.lastTransit) - j.jitter) / 16
	j.lastTransit = transit
}

// delay returns the playout delay at time at, in samples: how much later
// than the fastest packet's transit the next sample plays.
func (j *JitterBuffer) delay(at time.Time) float64 {
	if !j.haveTransit {
		return 0
	}
	return float64(at.Sub(j.epoch))*SampleRate/float64(time.Second) - float64(j.playExt) - j.minTransit
}

func (j *JitterBuffer) target() float64 {
	if j.fax {
		return j.faxDepth
	}
	return min(max(j.peak+jitterMargin, j.minDepth), j.maxDepth)
}

// Pop writes the next len(dst) samples to play at time at into dst and
// says what they are. dst is filled entirely, with silence where there is
// nothing to play; samples beyond a quarter of the ring (2048 at the
// default depths) are always silence. Pop does not keep dst.
func (j *JitterBuffer) Pop(dst []int16, at time.Time) JitterResult {
	if len(dst) > j.maxPacket {
		clear(dst[j.maxPacket:])
		dst = dst[:j.maxPacket]
	}
	n := int64(len(dst))
	if !j.started {
		clear(dst)
		return JitterBuffering
	}
	delay, target := j.delay(at), j.target()
	j.stats.Depth = dspSamplesDuration(int64(delay))
	if !j.playing {
		if delay < target {
			clear(dst)
			return JitterBuffering
		}
		j.playing = true
	}
	if !j.fax && n > 0 {
		if delay < target {
			// Stretch the audio like a loss would, without losing data.
			for i := range dst {
				dst[i] = j.concealSample()
			}
			j.stats.Inserted++
			return JitterInserted
		}
		if delay >= target+float64(n) && (delay >= target+float64(2*n) || j.silent(n)) {
			for i := j.playExt; i < j.playExt+n; i++ {
				j.valid[i&j.mask] = false
			}
			j.playExt += n
			j.stats.Dropped++
		}
	}
	got := 0
	lossAtStart := j.lossN
	for i := range dst {
		k := (j.playExt + int64(i)) & j.mask
		switch {
		case j.valid[k]:
			v := j.decode[j.ring[k]]
			j.valid[k] = false
			dst[i] = v
			got++
			j.lossN = 0
			j.hist[j.histPos] = v
			j.histPos = (j.histPos + 1) % len(j.hist)
		case j.fax:
			dst[i] = 0
		default:
			dst[i] = j.concealSample()
		}
	}
	j.playExt += n
	switch {
	case got > 0:
		j.stats.Played++
		return JitterPlayed
	case !j.fax && lossAtStart < jitterFadeEnd:
		j.stats.Concealed++
		return JitterConcealed
	}
	j.stats.Silent++
	return JitterSilence
}

// concealSample returns the next sample replacing lost audio: the last
// FrameSamples received, repeated, at full level for jitterFadeStart
// samples and then fading linearly to zero at jitterFadeEnd.
func (j *JitterBuffer) concealSample() int16 {
	if j.lossN >= jitterFadeEnd {
		return 0
	}
	if j.lossN == 0 {
		j.lossBase = j.histPos
	}
	v := int32(j.hist[(j.lossBase+j.lossN)%len(j.hist)])
	if j.lossN >= jitterFadeStart {
		v = v * int32(jitterFadeEnd-j.lossN) / (jitterFadeEnd - jitterFadeStart)
	}
	j.lossN++
	return int16(v)
}

// silent reports whether the next n samples are quiet enough to drop.
func (j *JitterBuffer) silent(n int64) bool {
	var sum int64
	for i := j.playExt; i < j.playExt+n; i++ {
		if k := i & j.mask; j.valid[k] {
			v := int64(j.decode[j.ring[k]])
			sum += v * v
		}
	}
	return float64(sum)/float64(n) < jitterSilentMS
}

// Stats returns the counters and the current depth, target and jitter.
func (j *JitterBuffer) Stats() JitterStats {
	s := j.stats
	s.Target = dspSamplesDuration(int64(j.target()))
	s.Jitter = dspSamplesDuration(int64(j.jitter))
	return s
}
