package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// The voicemail load: the goal of 200 simultaneous recordings on
// 2 cores with no lost audio. Not part of `make test` (it loads the
// machine for half a minute): run it with
//
//	TELEKIT_VM_LOAD=1 go test ./examples/pbx -run TestVoicemail200Recordings -count 3 -v
//
// and put the figures it logs in BENCHMARKS.md.

const (
	loadMailboxes  = 10 // 301 to 310
	loadPerMailbox = 20 // calls into each, from one sipp each
)

// TestVoicemail200Recordings: ten sipp processes, each from its own
// loopback address (the PBX takes at most 100 datagrams a second from one
// address), make 20 calls each at once into ten mailboxes: 200 callers
// skip the greeting with # (RFC 4733), send sipp's 7 s of A-law speech
// 2 s later and hang up 7.5 s after that, so all 200 record at the same
// time. Then every message must be there, as long as the RTP sipp sent
// (the recorder writes what arrives: the pcap's 7.05 s, give or take a
// packet, and at most half a second more), with every 20-ms frame of the
// speech in it (compared with what sipp sent, frame by frame); a frame
// missing or garbled is lost audio. It logs the PBX's CPU (the test process, which is the PBX
// and an idle test) per second of audio recorded, and the spread of the
// calls' start times, which must be under a call's length for the 200 to
// overlap.
func TestVoicemail200Recordings(t *testing.T) {
	if os.Getenv("TELEKIT_VM_LOAD") == "" {
		t.Skip("a load test of half a minute: set TELEKIT_VM_LOAD=1 to run it")
	}
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	args := [][]string{{"ext", "add", "201", "-name", "Caller", "-password", "caller-secret-201", "-portal-password", "Portal-pass-201"}}
	for i := range loadMailboxes {
		ext := fmt.Sprint(301 + i)
		args = append(args, []string{"ext", "add", ext, "-name", "Box " + ext, "-password", "box-secret-" + ext, "-portal-password", "Portal-pass-" + ext})
	}
	for _, a := range args {
		if out, err := runCLI(t, append(a, "-data", data)...); err != nil {
			t.Fatalf("%q: %v\n%s", a, err, out)
		}
	}
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")

	dir := t.TempDir()
	inf := filepath.Join(dir, "caller.csv")
	os.WriteFile(inf, []byte("SEQUENTIAL\n201;[authentication username=201 password=caller-secret-201]\n"), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), scaled(90*time.Second))
	defer cancel()

	load0, _ := os.ReadFile("/proc/loadavg")
	cpu0 := processCPU(t)
	wall0 := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, loadMailboxes)
	for i := range loadMailboxes {
		ip := fmt.Sprintf("127.0.3.%d", i+1)
		port := freePortOn(t, ip)
		errLog := filepath.Join(dir, fmt.Sprintf("errors-%d.log", i))
		cmd := exec.CommandContext(ctx, sipp, p.sip, "-sf", filepath.Join("testdata", "sipp", "vm_load.xml"),
			"-s", fmt.Sprint(301+i), "-inf", inf, "-i", ip, "-p", fmt.Sprint(port),
			"-m", fmt.Sprint(loadPerMailbox), "-l", fmt.Sprint(loadPerMailbox), "-r", fmt.Sprint(loadPerMailbox),
			"-timeout", fmt.Sprintf("%ds", int(scaled(60*time.Second).Seconds())), "-timeout_error", "-nostdin", "-trace_err", "-error_file", errLog)
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				b, _ := os.ReadFile(errLog)
				errs[i] = fmt.Errorf("sipp %s: %v\n%s\n%s", ip, err, trimTo(b, 2000), trimTo(out, 1000))
			}
		})
	}
	wg.Wait()
	wall := time.Since(wall0)
	cpu := processCPU(t) - cpu0
	load1, _ := os.ReadFile("/proc/loadavg")
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	full := pcapAudio(t, "/usr/share/sip-tester/g711a.pcap")
	sent := trimSilence(full, 100)
	wantSec := float64(len(full)) / 8000
	var (
		recorded       float64 // seconds
		messages, bad  int
		lost, frames   int
		first, last    time.Time
		worstCorr      = 1.0
		shortest, long = math.Inf(1), 0.0
	)
	for i := range loadMailboxes {
		ext := fmt.Sprint(301 + i)
		c := &apiClient{t: t, base: p.http, user: ext, pass: "Portal-pass-" + ext}
		var l vmList
		waitForCond(t, "the messages in "+ext, func() bool {
			code, body := c.do("GET", "/api/v1/voicemail/messages?limit=100", nil)
			l = vmList{}
			return code == http.StatusOK && json.Unmarshal(body, &l) == nil && l.Total >= loadPerMailbox
		})
		if l.Total != loadPerMailbox {
			t.Errorf("mailbox %s has %d messages, want %d", ext, l.Total, loadPerMailbox)
		}
		for _, m := range l.Messages {
			messages++
			recorded += m.Seconds
			shortest, long = min(shortest, m.Seconds), max(long, m.Seconds)
			if first.IsZero() || m.Received.Before(first) {
				first = m.Received
			}
			if m.Received.After(last) {
				last = m.Received
			}
			code, wav := c.do("GET", "/api/v1/voicemail/messages/"+m.ID+"/audio", nil)
			if code != http.StatusOK {
				t.Fatalf("GET audio: %d %s", code, wav)
			}
			got := wavSamples(t, wav)
			at, corr := find(got, sent, 0)
			worstCorr = min(worstCorr, corr)
			l, n := lostFrames(got, sent, at)
			lost, frames = lost+l, frames+n
			if m.Seconds < wantSec-0.02 || m.Seconds > wantSec+0.5 || l > 0 {
				bad++
				if bad <= 5 {
					t.Errorf("message %s in %s: %.2f s (want %.2f), %d of %d speech frames lost, correlation %.3f at %.2f s",
						m.ID, ext, m.Seconds, wantSec, l, n, corr, float64(at)/8000)
				}
			}
		}
	}
	spread := last.Sub(first)
	t.Logf("%d messages, %.0f s recorded (%.2f to %.2f s each), calls started within %v; speech frames lost %d of %d, worst whole-message correlation %.3f",
		messages, recorded, shortest, long, spread.Round(time.Millisecond), lost, frames, worstCorr)
	t.Logf("PBX CPU %.2f s over %v wall (%.0f%% of one core), %.2f ms CPU per recording-second; load average before %s, after %s",
		cpu.Seconds(), wall.Round(10*time.Millisecond), 100*cpu.Seconds()/wall.Seconds(), 1000*cpu.Seconds()/recorded,
		strings.Join(strings.Fields(string(load0))[:3], " "), strings.Join(strings.Fields(string(load1))[:3], " "))
	if messages != loadMailboxes*loadPerMailbox {
		t.Errorf("%d messages, want %d", messages, loadMailboxes*loadPerMailbox)
	}
	if spread > 8*time.Second {
		t.Errorf("the calls started over %v: they did not all record at once", spread)
	}
}

// lostFrames compares, 20 ms frame by frame, the speech sent with the
// recording got, where the speech starts at at: it returns how many of
// the frames with speech in them (RMS over 300) are not found there
// (normalised correlation under 0.8), and how many had speech. A frame
// that does not match where expected is looked for within 60 ms, and the
// alignment follows it, so a recorder that closed a gap by dropping
// samples loses only the frames it dropped.
func lostFrames(got, sent []int16, at int) (lost, speech int) {
	const frame = 160
	off := at
	match := func(o int, s []float64) bool {
		return o >= 0 && o+frame <= len(got) && correlation(toFloat(got[o:o+frame]), s) >= 0.8
	}
	for i := 0; (i+1)*frame <= len(sent); i++ {
		s := sent[i*frame : (i+1)*frame]
		var e float64
		for _, v := range s {
			e += float64(v) * float64(v)
		}
		if math.Sqrt(e/frame) < 300 {
			continue
		}
		speech++
		sf := toFloat(s)
		if match(off+i*frame, sf) {
			continue
		}
		found := false
		for d := 1; d <= 480 && !found; d++ {
			for _, o := range []int{off + i*frame - d, off + i*frame + d} {
				if match(o, sf) {
					off, found = o-i*frame, true
					break
				}
			}
		}
		if !found {
			lost++
		}
	}
	return lost, speech
}

func TestLostFramesCountsAGap(t *testing.T) {
	sent := make([]int16, 8000) // noise: no frame looks like another
	x := uint32(1)
	for i := range sent {
		x = x*1664525 + 1013904223
		sent[i] = int16(x>>16) / 4
	}
	whole := append(make([]int16, 800), sent...)
	if l, n := lostFrames(whole, sent, 800); l != 0 || n < 40 {
		t.Errorf("the whole sound: %d of %d frames lost, want 0 of most of 50", l, n)
	}
	// Two packets' worth silenced, and a third dropped (the rest moves
	// 20 ms earlier).
	gap := slices.Clone(whole)
	clear(gap[800+1600 : 800+1920])
	gap = slices.Delete(gap, 800+4000, 800+4160)
	l, _ := lostFrames(gap, sent, 800)
	if l != 3 {
		t.Errorf("%d frames lost, want 3 (two silenced, one dropped)", l)
	}
}

// processCPU is the CPU time this process (the PBX under test) used so
// far, user and system.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
