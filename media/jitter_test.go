package media

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// dspJ is one step of a jitter-buffer script: a Push of a 160-byte packet
// filled with code (at atMS), or a Pop when pop.
type dspJ struct {
	atMS int
	pop  bool
	seq  uint16
	ts   uint32
	code byte
}

// dspFrame is what a Pop produced: the result and the µ-law code of its
// first sample.
type dspFrame struct {
	R    JitterResult
	Code byte
}

func dspPkt(atMS int, seq uint16, ts uint32, code byte) dspJ {
	return dspJ{atMS: atMS, seq: seq, ts: ts, code: code}
}

// dspStream returns pushes of packets 0..n-1 (seq seq0+k, ts ts0+160k,
// code 0x10+k) arriving every 20 ms from 0, except those in skip, merged
// with pops every 20 ms from 10 ms to popsUntilMS.
func dspStream(n int, seq0 uint16, ts0 uint32, popsUntilMS int, skip ...int) []dspJ {
	var s []dspJ
	for k := range n {
		if !slices.Contains(skip, k) {
			s = append(s, dspPkt(20*k, seq0+uint16(k), ts0+uint32(160*k), byte(0x10+k)))
		}
	}
	for ms := 10; ms <= popsUntilMS; ms += 20 {
		s = append(s, dspJ{atMS: ms, pop: true})
	}
	slices.SortStableFunc(s, func(a, b dspJ) int { return a.atMS - b.atMS })
	return s
}

func dspRunJitter(t *testing.T, j *JitterBuffer, script []dspJ) []dspFrame {
	t.Helper()
	var out []dspFrame
	payload := make([]byte, FrameSamples)
	dst := make([]int16, FrameSamples)
	script = slices.Clone(script)
	slices.SortStableFunc(script, func(a, b dspJ) int { return a.atMS - b.atMS })
	for _, st := range script {
		if st.pop {
			r := j.Pop(dst, dspAt(st.atMS))
			code := LinearToULaw(dst[0])
			if r == JitterConcealed {
				code = 0 // the fade is tested in TestJitterBufferConcealment
			}
			out = append(out, dspFrame{r, code})
			continue
		}
		for i := range payload {
			payload[i] = st.code
		}
		j.Push(st.seq, st.ts, payload, dspAt(st.atMS))
	}
	return out
}

func TestJitterBufferScripts(t *testing.T) {
	const silence = 0xFF // µ-law code of 0
	B, P, C, S := JitterBuffering, JitterPlayed, JitterConcealed, JitterSilence
	f := func(r JitterResult, code byte) dspFrame { return dspFrame{r, code} }
	voice := JitterConfig{MinDepth: 40 * time.Millisecond, MaxDepth: 40 * time.Millisecond}
	fax := JitterConfig{Fax: true, FaxDepth: 40 * time.Millisecond}
	// Pops at 10 and 30 ms buffer; playout starts at 50 ms, when the
	// first packet has waited the 40 ms depth.
	start := []dspFrame{f(B, silence), f(B, silence)}
	tests := []struct {
		name   string
		cfg    JitterConfig
		script []dspJ
		want   []dspFrame
		stats  JitterStats
	}{
		{"in order", voice, dspStream(4, 1, 1000, 110),
			append(start, f(P, 0x10), f(P, 0x11), f(P, 0x12), f(P, 0x13)),
			JitterStats{Played: 4}},
		{"reordered", voice, append(dspStream(4, 1, 1000, 110, 1), dspPkt(45, 2, 1160, 0x11)),
			append(start, f(P, 0x10), f(P, 0x11), f(P, 0x12), f(P, 0x13)),
			JitterStats{Played: 4}},
		{"duplicates", voice, append(dspStream(4, 1, 1000, 110), dspPkt(21, 2, 1160, 0x11), dspPkt(61, 1, 1000, 0x10)),
			append(start, f(P, 0x10), f(P, 0x11), f(P, 0x12), f(P, 0x13)),
			JitterStats{Played: 4, Duplicate: 2}},
		{"loss concealed then silence", voice, dspStream(8, 1, 1000, 190, 2, 3, 4, 5),
			append(start, f(P, 0x10), f(P, 0x11), f(C, 0), f(C, 0), f(C, 0), f(S, silence), f(P, 0x16), f(P, 0x17)),
			JitterStats{Played: 4, Concealed: 3, Silent: 1}},
		{"late packet", voice, append(dspStream(5, 1, 1000, 130, 2), dspPkt(95, 3, 1320, 0x12)),
			append(start, f(P, 0x10), f(P, 0x11), f(C, 0), f(P, 0x13), f(P, 0x14)),
			JitterStats{Played: 4, Concealed: 1, Late: 1}},
		{"sequence and timestamp wrap", voice, dspStream(5, 65534, 0xFFFFFEC0, 130),
			append(start, f(P, 0x10), f(P, 0x11), f(P, 0x12), f(P, 0x13), f(P, 0x14)),
			JitterStats{Played: 5}},
		{"timestamp jump resyncs", voice, append(dspStream(2, 1, 1000, 170),
			dspPkt(80, 3, 500000, 0x30), dspPkt(100, 4, 500160, 0x31), dspPkt(120, 5, 500320, 0x32)),
			append(start, f(P, 0x10), f(P, 0x11), f(B, silence), f(B, silence), f(P, 0x30), f(P, 0x31), f(P, 0x32)),
			JitterStats{Played: 5, Resyncs: 1}},
		{"empty and oversized payloads", voice, []dspJ{{atMS: 0, seq: 1, ts: 0, code: 0x10}},
			nil, JitterStats{}},
		{"fax: in order", fax, dspStream(4, 1, 1000, 110),
			append(start, f(P, 0x10), f(P, 0x11), f(P, 0x12), f(P, 0x13)),
			JitterStats{Played: 4}},
		{"fax: loss is silence", fax, dspStream(4, 1, 1000, 110, 1),
			append(start, f(P, 0x10), f(S, silence), f(P, 0x12), f(P, 0x13)),
			JitterStats{Played: 3, Silent: 1}},
		{"fax: late is silence", fax, append(dspStream(4, 1, 1000, 110, 1), dspPkt(75, 2, 1160, 0x11)),
			append(start, f(P, 0x10), f(S, silence), f(P, 0x12), f(P, 0x13)),
			JitterStats{Played: 3, Silent: 1, Late: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := NewJitterBuffer(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "empty and oversized payloads" {
				j.Push(1, 0, nil, dspT0)
				j.Push(2, 0, make([]byte, 1<<20), dspT0)
				tt.script = nil
			}
			got := dspRunJitter(t, j, tt.script)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("frames (-want +got):\n%s", diff)
			}
			if tt.name == "empty and oversized payloads" {
				tt.stats.Invalid = 2
			}
			ignore := cmpopts.IgnoreFields(JitterStats{}, "Depth", "Target", "Jitter")
			if diff := cmp.Diff(tt.stats, j.Stats(), ignore); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

// dspArrival is one packet of a simulated network.
type dspArrival struct {
	at  time.Duration
	seq uint16
	ts  uint32
	k   int // packet index
}

// dspNetwork sends n 20 ms packets starting at seq0 and ts0 and returns
// them in arrival order, each delayed by jitter(k) on top of a 30 ms
// transit.
func dspNetwork(n int, seq0 uint16, ts0 uint32, jitter func(k int) time.Duration) []dspArrival {
	a := make([]dspArrival, n)
	for k := range a {
		a[k] = dspArrival{
			at:  time.Duration(k)*FrameDuration + 30*time.Millisecond + jitter(k),
			seq: seq0 + uint16(k), ts: ts0 + uint32(k*FrameSamples), k: k,
		}
	}
	slices.SortStableFunc(a, func(x, y dspArrival) int { return int(x.at - y.at) })
	return a
}

// TestJitterBufferFaxIsBitExact plays 60 s of random G.711 bytes through
// a jittery, reordering network in fax mode: the output must be the input,
// sample for sample, with nothing concealed, inserted or dropped.
func TestJitterBufferFaxIsBitExact(t *testing.T) {
	const n = 3000
	rng := rand.New(rand.NewPCG(3, 4))
	in := make([]byte, n*FrameSamples)
	for i := range in {
		in[i] = byte(rng.UintN(256))
	}
	arrivals := dspNetwork(n, 65000, 0xFFFF0000, func(int) time.Duration {
		return time.Duration(rng.Int64N(int64(80 * time.Millisecond)))
	})
	reordered := 0
	for i := 1; i < len(arrivals); i++ {
		if arrivals[i].k < arrivals[i-1].k {
			reordered++
		}
	}
	if reordered < n/10 {
		t.Fatalf("only %d reordered packets; the test needs more", reordered)
	}
	j, err := NewJitterBuffer(JitterConfig{Codec: CodecPCMA, Fax: true, FaxDepth: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	frame := make([]int16, FrameSamples)
	next := 0
	for pop := 7 * time.Millisecond; pop < time.Duration(n+20)*FrameDuration; pop += FrameDuration {
		for ; next < len(arrivals) && arrivals[next].at <= pop; next++ {
			a := arrivals[next]
			j.Push(a.seq, a.ts, in[a.k*FrameSamples:(a.k+1)*FrameSamples], dspT0.Add(a.at))
		}
		if r := j.Pop(frame, dspT0.Add(pop)); r != JitterBuffering {
			out = append(out, frame...)
		}
	}
	want := make([]int16, len(in))
	DecodeALaw(want, in)
	if len(out) < len(want) {
		t.Fatalf("played %d samples, want at least %d", len(out), len(want))
	}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("sample %d: got %d, want %d", i, out[i], want[i])
		}
	}
	for i, v := range out[len(want):] {
		if v != 0 {
			t.Fatalf("sample %d after the end: %d, want silence", len(want)+i, v)
		}
	}
	st := j.Stats()
	if st.Played != n || st.Concealed != 0 || st.Inserted != 0 || st.Dropped != 0 || st.Late != 0 || st.Resyncs != 0 {
		t.Errorf("stats %+v, want %d played and nothing else", st, n)
	}
}

// TestJitterBufferAdapts runs 10 s of calm network, 15 s of up to 150 ms
// of jitter, then 45 s of calm again: the target depth must grow to cover
// the jitter and come back down, and the buffer's depth follow it.
func TestJitterBufferAdapts(t *testing.T) {
	const n = 3500 // 70 s
	rng := rand.New(rand.NewPCG(5, 6))
	spread := func(k int) time.Duration {
		if k >= 500 && k < 1250 {
			return 150 * time.Millisecond
		}
		return 5 * time.Millisecond
	}
	arrivals := dspNetwork(n, 100, 12345, func(k int) time.Duration {
		return time.Duration(rng.Int64N(int64(spread(k))))
	})
	j, err := NewJitterBuffer(JitterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, FrameSamples)
	frame := make([]int16, FrameSamples)
	next := 0
	type snap struct{ depth, target time.Duration }
	var at10, peak, at25, at70 snap
	var late25 uint64
	for p := 0; p < n; p++ {
		pop := time.Duration(p)*FrameDuration + 3*time.Millisecond
		for ; next < len(arrivals) && arrivals[next].at <= pop; next++ {
			a := arrivals[next]
			// Talk for a second, pause for a second: silent frames let
			// the buffer shrink without cutting speech.
			code := byte(0xFF)
			if a.k/50%2 == 0 {
				code = 0x20
			}
			for i := range payload {
				payload[i] = code
			}
			j.Push(a.seq, a.ts, payload, dspT0.Add(a.at))
		}
		j.Pop(frame, dspT0.Add(pop))
		st := j.Stats()
		s := snap{st.Depth, st.Target}
		switch {
		case p == 500:
			at10 = s
		case p == 1250:
			at25, late25 = s, st.Late
		case p == n-1:
			at70 = s
		}
		if p > 500 && p < 1250 && s.target > peak.target {
			peak = s
		}
	}
	st := j.Stats()
	t.Logf("10 s %+v, peak %+v, 25 s %+v, 70 s %+v; stats %+v", at10, peak, at25, at70, st)
	if at10.target > 30*time.Millisecond || at10.depth > 50*time.Millisecond {
		t.Errorf("calm start: %+v, want target ≤ 30ms, depth ≤ 50ms", at10)
	}
	if peak.target < 120*time.Millisecond || at25.depth < 100*time.Millisecond {
		t.Errorf("jittery: peak %+v, at 25 s %+v; want target ≥ 120ms and depth ≥ 100ms", peak, at25)
	}
	if at70.target > 30*time.Millisecond || at70.depth > 60*time.Millisecond {
		t.Errorf("calm again: %+v, want target ≤ 30ms, depth ≤ 60ms", at70)
	}
	if late25 > 750/20 {
		t.Errorf("%d late packets in the jittery phase, want under 5%%", late25)
	}
	if st.Late != late25 {
		t.Errorf("%d late packets after the jitter calmed down", st.Late-late25)
	}
	if st.Inserted == 0 || st.Dropped == 0 {
		t.Errorf("inserted %d, dropped %d: the buffer did not stretch", st.Inserted, st.Dropped)
	}
}

func TestJitterBufferConfigErrors(t *testing.T) {
	for _, cfg := range []JitterConfig{
		{Codec: Codec(9)},
		{MinDepth: 100 * time.Millisecond, MaxDepth: 50 * time.Millisecond},
		{MinDepth: -1},
		{FaxDepth: time.Hour},
	} {
		if _, err := NewJitterBuffer(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestJitterBufferDoesNotAllocate(t *testing.T) {
	j, _ := NewJitterBuffer(JitterConfig{})
	payload := make([]byte, FrameSamples)
	frame := make([]int16, FrameSamples)
	k := 0
	a := testing.AllocsPerRun(1000, func() {
		at := dspT0.Add(time.Duration(k) * FrameDuration)
		j.Push(uint16(k), uint32(k*FrameSamples), payload, at)
		j.Pop(frame, at.Add(5*time.Millisecond))
		k++
	})
	if a != 0 {
		t.Errorf("Push+Pop allocate %v times per frame", a)
	}
}

// BenchmarkJitterBuffer measures one Push and one Pop of a 20 ms frame.
func BenchmarkJitterBuffer(b *testing.B) {
	j, _ := NewJitterBuffer(JitterConfig{})
	payload := make([]byte, FrameSamples)
	frame := make([]int16, FrameSamples)
	b.ReportAllocs()
	b.SetBytes(FrameSamples)
	k := 0
	for b.Loop() {
		at := dspT0.Add(time.Duration(k) * FrameDuration)
		j.Push(uint16(k), uint32(k*FrameSamples), payload, at)
		j.Pop(frame, at.Add(5*time.Millisecond))
		k++
	}
}

// TestJitterBufferConcealment checks the fade of a lost stretch: the last
// 20 ms repeated at full level for 10 ms, fading to silence at 60 ms.
func TestJitterBufferConcealment(t *testing.T) {
	j, _ := NewJitterBuffer(JitterConfig{MinDepth: 40 * time.Millisecond, MaxDepth: 40 * time.Millisecond})
	payload := make([]byte, FrameSamples)
	for i := range payload {
		payload[i] = LinearToULaw(int16(1000 + i)) // a ramp, to see the repetition
	}
	last := make([]int16, FrameSamples)
	DecodeULaw(last, payload)
	j.Push(1, 0, payload, dspAt(0))
	var out []int16
	frame := make([]int16, FrameSamples)
	for ms := 50; ms <= 130; ms += 20 {
		r := j.Pop(frame, dspAt(ms))
		out = append(out, frame...)
		t.Logf("%d ms: %v", ms, r)
	}
	lost := out[FrameSamples:]
	for i := range 4 * FrameSamples {
		want := int32(last[i%FrameSamples])
		if i >= jitterFadeStart {
			want = want * int32(max(0, jitterFadeEnd-i)) / (jitterFadeEnd - jitterFadeStart)
		}
		if int32(lost[i]) != want {
			t.Fatalf("concealed sample %d = %d, want %d", i, lost[i], want)
		}
	}
}
