package media

// Interop tests of Session, Recorder and Player against ffmpeg, an RTP
// peer written by nobody here: ffmpeg's RTP muxer sends to a Session, and
// ffmpeg's SDP demuxer receives from one. The audio is checked by what a
// listener would notice: length, pitch, level, and clicks.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// errFFPortTaken means ffmpeg could not bind a port we picked for it
// (another process took it after we found it free); the run is retried.
var errFFPortTaken = errors.New("ffmpeg: port taken")

// ffLog keeps ffmpeg's stderr for failure messages. Safe for concurrent
// use: exec copies into it from its own goroutine.
type ffLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *ffLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *ffLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ffPeer is one ffmpeg process, killed at the test's cleanup at the
// latest.
type ffPeer struct {
	cmd  *exec.Cmd
	log  ffLog
	done chan struct{}
	err  error // ffmpeg's exit; read only after done is closed
}

// startFFmpeg starts ffmpeg with args; it skips the test when ffmpeg is
// not installed (fails under TELEKIT_INTEROP=required).
func startFFmpeg(t *testing.T, args ...string) *ffPeer {
	t.Helper()
	bin := interop.LookPath(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	p := &ffPeer{done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, bin, append([]string{"-hide_banner", "-nostdin", "-nostats", "-y"}, args...)...)
	p.cmd.Stderr = &p.log
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start ffmpeg: %v", err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cancel(); <-p.done })
	return p
}

// wait waits up to d for ffmpeg to exit and returns its exit error, or
// an error saying it is still running. A bind failure is errFFPortTaken.
func (p *ffPeer) wait(d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		if !p.exited() {
			return fmt.Errorf("ffmpeg still running after %v\nffmpeg stderr:\n%s", d, p.log.String())
		}
	}
	if p.err != nil {
		if strings.Contains(p.log.String(), "Address already in use") {
			return errFFPortTaken
		}
		return fmt.Errorf("ffmpeg: %v\nffmpeg stderr:\n%s", p.err, p.log.String())
	}
	return nil
}

// exited reports whether ffmpeg has exited.
func (p *ffPeer) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ffFreePortPair returns an even port P on 127.0.0.1 such that P and P+1
// (RTP and RTCP) were both free a moment ago. Someone may take them
// before ffmpeg binds them; callers retry on errFFPortTaken.
func ffFreePortPair(t *testing.T) int {
	t.Helper()
	lo := net.IPv4(127, 0, 0, 1)
	for range 100 {
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: lo})
		if err != nil {
			t.Fatal(err)
		}
		port := a.LocalAddr().(*net.UDPAddr).Port
		if port%2 != 0 || port+1 > 65535 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP("udp", &net.UDPAddr{IP: lo, Port: port + 1})
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return port
	}
	t.Fatal("no free UDP port pair on 127.0.0.1")
	return 0
}

// ffWaitListening waits until process pid has a UDP socket bound to port
// on 127.0.0.1 (from /proc/net/udp and the process's fds), so that what
// we send is queued for it rather than lost.
func ffWaitListening(p *ffPeer, port int, d time.Duration) error {
	deadline := time.Now().Add(d)
	fdDir := fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid)
	for {
		if p.exited() {
			if err := p.wait(0); err != nil {
				return err
			}
			return fmt.Errorf("ffmpeg exited before listening\nffmpeg stderr:\n%s", p.log.String())
		}
		if inode, ok := udpInode(port); ok {
			ents, _ := os.ReadDir(fdDir)
			for _, e := range ents {
				if l, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && l == "socket:["+inode+"]" {
					return nil
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ffmpeg not listening on UDP port %d after %v\nffmpeg stderr:\n%s", port, d, p.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// udpInode returns the inode of the IPv4 UDP socket bound to port on
// 127.0.0.1 or the wildcard address, from /proc/net/udp.
func udpInode(port int) (string, bool) {
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return "", false
	}
	defer f.Close()
	want := []string{fmt.Sprintf("0100007F:%04X", port), fmt.Sprintf("00000000:%04X", port)}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 || (fs[1] != want[0] && fs[1] != want[1]) {
			continue
		}
		return fs[9], true
	}
	return "", false
}

// ffRetry runs attempt up to three times while it fails with
// errFFPortTaken, and fails the test on any other error.
func ffRetry(t *testing.T, attempt func() error) {
	t.Helper()
	var err error
	for range 3 {
		if err = attempt(); !errors.Is(err, errFFPortTaken) {
			break
		}
		t.Logf("retrying: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// ffTone returns the amplitude and phase of the component of x at hz, by
// a single-bin DFT: x[n] ≈ amp·cos(2π·hz·n/SampleRate + phase).
func ffTone(x []int16, hz float64) (amp, phase float64) {
	var re, im float64
	w := 2 * math.Pi * hz / SampleRate
	for n, v := range x {
		re += float64(v) * math.Cos(w*float64(n))
		im -= float64(v) * math.Sin(w*float64(n))
	}
	k := 2 / float64(len(x))
	return k * math.Hypot(re, im), math.Atan2(im, re)
}

// ffGoertzel returns the power of x at hz, by the Goertzel recurrence, in
// the same units for every frequency (enough to pick the strongest).
func ffGoertzel(x []int16, hz float64) float64 {
	c := 2 * math.Cos(2*math.Pi*hz/SampleRate)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// ffDominant returns the frequency, from 50 Hz to 3950 Hz in 10 Hz steps,
// at which x is strongest.
func ffDominant(x []int16) float64 {
	best, bestP := 0.0, -1.0
	for hz := 50.0; hz < 3960; hz += 10 {
		if p := ffGoertzel(x, hz); p > bestP {
			best, bestP = hz, p
		}
	}
	return best
}

// ffMeanSquare returns the mean of x².
func ffMeanSquare(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e / float64(len(x))
}

// ffContinuity is a PacketReader between a Session and a Recorder that
// notes every break in the RTP sequence numbers and timestamps.
type ffContinuity struct {
	PacketReader
	packets int
	ssrc    uint32
	seq     uint16
	next    uint32 // timestamp expected next
	breaks  []string
}

func (c *ffContinuity) ReadRTP(buf []byte) (Packet, error) {
	p, err := c.PacketReader.ReadRTP(buf)
	if err != nil {
		return p, err
	}
	h := p.Header
	if c.packets > 0 {
		switch {
		case h.SSRC != c.ssrc:
			c.breaks = append(c.breaks, fmt.Sprintf("packet %d: SSRC %08x after %08x", c.packets, h.SSRC, c.ssrc))
		case h.SequenceNumber != c.seq+1:
			c.breaks = append(c.breaks, fmt.Sprintf("packet %d: seq %d after %d", c.packets, h.SequenceNumber, c.seq))
		case h.Timestamp != c.next:
			c.breaks = append(c.breaks, fmt.Sprintf("packet %d: timestamp %d, want %d", c.packets, h.Timestamp, c.next))
		}
	}
	c.packets++
	c.ssrc, c.seq, c.next = h.SSRC, h.SequenceNumber, h.Timestamp+uint32(len(p.Payload))
	return p, nil
}

// TestFFmpegSendsToSession has ffmpeg's RTP muxer send two seconds of a
// 1 kHz sine, in real time, to a Session whose Recorder records it; the
// recording must be that sine, whole, and ffmpeg's RTCP sender report and
// BYE must reach the session.
func TestFFmpegSendsToSession(t *testing.T) {
	interop.LookPath(t, "ffmpeg", "ffmpeg")
	tests := []struct {
		name   string
		codec  Codec
		acodec string
		// frame is the samples per packet ffmpeg sends; 0 leaves ffmpeg's
		// default (1024 samples, 128 ms).
		frame int
		// sdpRemote gives the session ffmpeg's address, as an SDP would;
		// without it the latch must learn it from the packets.
		sdpRemote bool
	}{
		{name: "PCMU/20ms/sdp", codec: CodecPCMU, acodec: "pcm_mulaw", frame: FrameSamples, sdpRemote: true},
		{name: "PCMA/20ms/sdp", codec: CodecPCMA, acodec: "pcm_alaw", frame: FrameSamples, sdpRemote: true},
		{name: "PCMU/128ms/latched", codec: CodecPCMU, acodec: "pcm_mulaw"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ffRetry(t, func() error {
				return ffSendToSession(t, tc.codec, tc.acodec, tc.frame, tc.sdpRemote)
			})
		})
	}
}

// ffSendToSession is one run of TestFFmpegSendsToSession. It returns
// errFFPortTaken when ffmpeg could not bind the ports picked for it; it
// reports failures of the session on t.
func ffSendToSession(t *testing.T, codec Codec, acodec string, frame int, sdpRemote bool) error {
	const (
		seconds = 2
		hz      = 1000
		// ffmpeg's sine source has an amplitude of 1/8 full scale.
		wantAmp = 32767.0 / 8
	)
	rtpConn, rtcpConn := listenUDP(t), listenUDP(t)
	cfg := SessionConfig{Codec: codec, RTCPConn: rtcpConn, RTCPInterval: 200 * time.Millisecond}
	url := fmt.Sprintf("rtp://127.0.0.1:%d?rtcpport=%d", addrOf(rtpConn).Port(), addrOf(rtcpConn).Port())
	// Packets the latch holds back before it learns an unannounced source.
	drops := 0
	if sdpRemote {
		port := ffFreePortPair(t)
		cfg.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
		url += fmt.Sprintf("&localrtpport=%d&localrtcpport=%d", port, port+1)
	} else {
		drops = 4 - 1 // LatchConfig.Packets defaults to 4
	}
	s, err := NewSession(rtpConn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var got []int16
	cont := &ffContinuity{PacketReader: s}
	rec := NewRecorder(s, SampleWriterFunc(func(src []int16) (int, error) {
		got = append(got, src...)
		return len(src), nil
	}), RecorderConfig{Source: cont})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		n   int64
		err error
	}
	recorded := make(chan result, 1)
	go func() {
		n, err := rec.Record(ctx)
		recorded <- result{n, err}
	}()

	sine := fmt.Sprintf("sine=frequency=%d:sample_rate=%d", hz, SampleRate)
	if frame > 0 {
		sine += fmt.Sprintf(":samples_per_frame=%d", frame)
	} else {
		frame = 1024
	}
	ff := startFFmpeg(t, "-re", "-f", "lavfi", "-i", sine, "-t", strconv.Itoa(seconds),
		"-acodec", acodec, "-ar", strconv.Itoa(SampleRate), "-ac", "1",
		"-rtpflags", "send_bye", "-f", "rtp", url)
	if err := ff.wait(10 * time.Second); err != nil {
		cancel()
		<-recorded
		return err
	}

	// ffmpeg's last RTCP packet is an SR with its final counts, then BYE:
	// wait for it and for every packet it counts.
	deadline := time.Now().Add(3 * time.Second)
	st := s.Stats()
	for !(st.PeerBye && !st.PeerSender.At.IsZero() &&
		uint64(st.PeerSender.Packets) == st.PacketsReceived+uint64(drops)) {
		if time.Now().After(deadline) {
			t.Fatalf("ffmpeg's final RTCP and packets not all received: %+v\nffmpeg stderr:\n%s", st, ff.log.String())
		}
		time.Sleep(5 * time.Millisecond)
		st = s.Stats()
	}
	cancel()
	r := <-recorded
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Record: %d samples, %v", r.n, r.err)
	}

	// Every packet ffmpeg sent arrived, in order, with no gap.
	if len(cont.breaks) > 0 {
		t.Errorf("RTP stream breaks: %q", cont.breaks)
	}
	if st.Lost != 0 || st.Invalid != 0 {
		t.Errorf("Stats: lost %d, invalid %d; want 0 on loopback", st.Lost, st.Invalid)
	}
	if st.PeerSender.SSRC != cont.ssrc {
		t.Errorf("sender report from SSRC %08x, RTP from %08x", st.PeerSender.SSRC, cont.ssrc)
	}
	if want := uint64(st.PeerSender.Octets) - uint64(drops*frame); st.OctetsReceived != want {
		t.Errorf("received %d octets; ffmpeg's SR says %d sent, %d of them before the latch", st.OctetsReceived, st.PeerSender.Octets, drops*frame)
	}
	if !st.Latched || st.Dropped < uint64(drops) {
		t.Errorf("latched %v, dropped %d; want latched after %d dropped", st.Latched, st.Dropped, drops)
	}
	t.Logf("%d packets of %d samples; %d dropped (latch learning, RTCP before it); SR: %+v", st.PacketsReceived, frame, st.Dropped, st.PeerSender)

	// ffmpeg's wall clock in its SR is ours: both read this machine's.
	if d := int64(st.PeerSender.NTPTime>>32) - int64(NTPTime(st.PeerSender.At)>>32); d < -2 || d > 2 {
		t.Errorf("SR NTP time %x is %d s from its arrival", st.PeerSender.NTPTime, d)
	}

	// The recording is the whole sine: every sample ffmpeg says it sent
	// (one byte each in G.711) after the latch, about two seconds' worth.
	if sent := int(st.PeerSender.Octets); sent < seconds*SampleRate-frame || sent > seconds*SampleRate+frame {
		t.Errorf("ffmpeg's SR says %d samples sent, want %d ± %d", sent, seconds*SampleRate, frame)
	}
	if want := int(st.PeerSender.Octets) - drops*frame; len(got) != want || r.n != int64(want) {
		t.Fatalf("recorded %d samples (Record says %d), want %d", len(got), r.n, want)
	}
	if f := ffDominant(got); math.Abs(f-hz) > 10 {
		t.Errorf("dominant frequency %v Hz, want %d Hz", f, hz)
	}
	amp, _ := ffTone(got, hz)
	if math.Abs(amp-wantAmp)/wantAmp > 0.05 {
		t.Errorf("1 kHz amplitude %.0f, want %.0f ± 5%%", amp, wantAmp)
	}
	// Nearly all the energy is in the tone: no clicks, gaps or noise.
	if frac := amp * amp / 2 / ffMeanSquare(got); frac < 0.99 {
		t.Errorf("1 kHz holds %.4f of the energy, want ≥ 0.99", frac)
	}
	return nil
}

// ffSineReader returns a reader of n samples of a sine of hz at amplitude
// amp, then io.EOF.
func ffSineReader(n int, hz, amp float64) SampleReader {
	i := 0
	return SampleReaderFunc(func(dst []int16) (int, error) {
		k := 0
		for ; k < len(dst) && i < n; k, i = k+1, i+1 {
			dst[k] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/SampleRate))
		}
		if i == n {
			return k, io.EOF
		}
		return k, nil
	})
}

// TestSessionSendsToFFmpeg has our Player play 1.5 s of a 440 Hz tone
// through a Session to ffmpeg's SDP demuxer, which decodes it to a raw
// file; the file must hold that tone, whole and without clicks, and
// ffmpeg must end on our RTCP BYE.
func TestSessionSendsToFFmpeg(t *testing.T) {
	interop.LookPath(t, "ffmpeg", "ffmpeg")
	for _, codec := range []Codec{CodecPCMU, CodecPCMA} {
		t.Run(codec.String(), func(t *testing.T) {
			t.Parallel()
			ffRetry(t, func() error { return ffReceiveFromSession(t, codec) })
		})
	}
}

// ffReceiveFromSession is one run of TestSessionSendsToFFmpeg; it returns
// errFFPortTaken when ffmpeg could not bind the port picked for it.
func ffReceiveFromSession(t *testing.T, codec Codec) error {
	const (
		hz      = 440
		amp     = 10000
		samples = 3 * SampleRate / 2
	)
	dir := t.TempDir()
	port := ffFreePortPair(t)
	sdp := fmt.Sprintf("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=telekit\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP %d\r\na=rtpmap:%d %s/%d\r\n",
		port, codec.PayloadType(), codec.PayloadType(), codec, SampleRate)
	sdpPath, outPath := filepath.Join(dir, "stream.sdp"), filepath.Join(dir, "out.raw")
	if err := os.WriteFile(sdpPath, []byte(sdp), 0o644); err != nil {
		t.Fatal(err)
	}
	ff := startFFmpeg(t, "-protocol_whitelist", "file,udp,rtp", "-sdp_flags", "rtcp_to_source",
		"-i", sdpPath, "-f", "s16le", "-acodec", "pcm_s16le", "-ar", strconv.Itoa(SampleRate), "-ac", "1", outPath)
	if err := ffWaitListening(ff, port, 5*time.Second); err != nil {
		return err
	}

	cfg := SessionConfig{
		Codec:        codec,
		Remote:       netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port)),
		RTCPConn:     listenUDP(t),
		RTCPInterval: 100 * time.Millisecond,
	}
	s, err := NewSession(listenUDP(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := NewPlayer(s, PlayerConfig{}).Play(ctx, ffSineReader(samples, hz, amp)); err != nil {
		t.Fatalf("Play: %v", err)
	}
	// ffmpeg's demuxer sends its first receiver report only after some
	// 280 kB (about 35 s of G.711), so Stats.Peer stays empty here; that
	// ffmpeg ends on our BYE below is what proves it parses our RTCP.
	if st := s.Stats(); st.PacketsSent != samples/FrameSamples {
		t.Errorf("sent %d packets, want %d", st.PacketsSent, samples/FrameSamples)
	}
	// Our BYE tells ffmpeg the stream is over.
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := ff.wait(5 * time.Second); err != nil {
		t.Fatalf("ffmpeg did not end on our RTCP BYE: %v", err)
	}

	raw, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int16, len(raw)/2)
	for i := range got {
		got[i] = int16(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
	}
	// The whole tone. ffmpeg may still drop the last packet when its read
	// of it and of our BYE race on a loaded machine (they were 20 ms apart;
	// before Play waited out its last frame they were not, and ffmpeg lost
	// the tail in 10 runs of 16), so one frame short is tolerated.
	if len(got) < samples-FrameSamples || len(got) > samples {
		t.Fatalf("ffmpeg wrote %d samples, want %d (or one frame less)\nffmpeg stderr:\n%s", len(got), samples, ff.log.String())
	}
	if f := ffDominant(got); math.Abs(f-hz) > 10 {
		t.Errorf("dominant frequency %v Hz, want %d Hz", f, hz)
	}
	a, phase := ffTone(got, hz)
	if math.Abs(a-amp)/amp > 0.05 {
		t.Errorf("440 Hz amplitude %.0f, want %d ± 5%%", a, amp)
	}
	// Our sine starts at sample 0 with phase 0 (a cosine's −π/2): the file
	// starts with our first frame, none lost or delayed.
	if d := math.Remainder(phase+math.Pi/2, 2*math.Pi); math.Abs(d) > 0.05 {
		t.Errorf("tone phase %.3f rad, want −π/2: the start of the tone is missing or shifted", phase)
	}
	// The file is one continuous sine: the residual after the best-fitting
	// sine is G.711's quantisation noise only (a lost, repeated or
	// misplaced packet would break the phase and leave a loud residual).
	var resid float64
	w := 2 * math.Pi * hz / SampleRate
	for n, v := range got {
		d := float64(v) - a*math.Cos(w*float64(n)+phase)
		resid += d * d
	}
	if snr := 10 * math.Log10(a*a/2/(resid/float64(len(got)))); snr < 30 {
		t.Errorf("tone to residual %.1f dB, want ≥ 30 dB (G.711 gives about 38)", snr)
	} else {
		t.Logf("%d samples, %.0f amplitude, tone to residual %.1f dB", len(got), a, snr)
	}
	// No click: a 440 Hz sine of amplitude amp moves at most amp·ω per
	// sample; allow for G.711's step size at the peaks.
	maxStep := amp*w*1.1 + 0.05*amp
	for n := 1; n < len(got); n++ {
		if d := math.Abs(float64(got[n]) - float64(got[n-1])); d > maxStep {
			t.Errorf("click at sample %d (%.3f s): jump %.0f > %.0f", n, float64(n)/SampleRate, d, maxStep)
			break
		}
	}
	return nil
}
