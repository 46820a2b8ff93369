package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/media"
)

// toneLevel is the level of the tones the phones send, in dBm0.
const toneLevel = -10

// TestBaresipCallToneBothWays: two real softphones (baresip 1.0) register
// with the demo credentials, 101 calls 102 through the PBX's B2BUA, 102
// answers on its own, and each hears the other's tone through the media
// bridge: 101 sends 440 Hz and must hear 1000 Hz, 102 the reverse, at the
// level it was sent. The call then appears in both users' history.
func TestBaresipCallToneBothWays(t *testing.T) {
	bin := interop.LookPath(t, "baresip", "baresip")
	p := startPBXArgs(t, t.TempDir(), "-rtp-ports", "40000-49999")

	alice := portalUser(t, p, "101")
	bob := portalUser(t, p, "102")
	a := startBaresip(t, bin, p, "101", 440)
	b := startBaresip(t, bin, p, "102", 1000)
	waitRegistered(t, alice, "baresip")
	waitRegistered(t, bob, "baresip")

	a.command(t, "dial", "102")
	a.waitEvent(t, "CALL_ESTABLISHED")
	b.waitEvent(t, "CALL_ESTABLISHED")
	// Let each side record at least 4 s of what it hears.
	const heard = 4 * time.Second
	waitForCond(t, "4 s of audio recorded by both phones", func() bool {
		return a.recorded() >= heard && b.recorded() >= heard
	})
	a.command(t, "hangup", "")
	a.waitEvent(t, "CALL_CLOSED")
	b.waitEvent(t, "CALL_CLOSED")
	a.quit(t)
	b.quit(t)

	checkHeard(t, "101 (sent 440 Hz)", a.recording(t), 1000, 440)
	checkHeard(t, "102 (sent 1000 Hz)", b.recording(t), 440, 1000)

	for _, tc := range []struct {
		c          *apiClient
		view, role string
	}{{alice, "placed", "caller"}, {bob, "received", "callee"}} {
		var calls []callView
		waitForCond(t, "the call in "+tc.c.user+"'s history", func() bool {
			code, body := tc.c.do("GET", "/api/v1/calls?view="+tc.view, nil)
			calls = nil
			return code == http.StatusOK && json.Unmarshal(body, &calls) == nil && len(calls) == 1
		})
		got := calls[0]
		if got.From != "101" || got.To != "102" || got.Disposition != "answered" || got.Role != tc.role || got.Seconds < 3 {
			t.Errorf("%s's %s call: %+v, want 101→102 answered, %s, at least 3 s", tc.c.user, tc.view, got, tc.role)
		}
	}
}

// waitRegistered waits until the user has one registered device whose
// User-Agent contains ua.
func waitRegistered(t *testing.T, c *apiClient, ua string) {
	t.Helper()
	var last string
	waitFor(t, c.user+" registered from "+ua, condWait, func() bool {
		code, body := c.do("GET", "/api/v1/devices", nil)
		last = fmt.Sprintf("%d %s", code, body)
		var devs []deviceView
		return code == http.StatusOK && json.Unmarshal(body, &devs) == nil && len(devs) == 1 &&
			strings.Contains(devs[0].UserAgent, ua)
	}, func() string { return "last GET /api/v1/devices: " + last })
}

// softphone is one baresip process with its own configuration directory,
// driven through its ctrl_tcp socket.
type softphone struct {
	user    string
	dir     string // configuration directory (-f)
	recDir  string // where sndfile writes the call's WAV files
	logFile string // baresip's stdout and stderr
	done    chan error
	conn    net.Conn

	mu       sync.Mutex
	events   []map[string]any // every event received, in order
	replies  []map[string]any // command responses, in order
	readErr  error
	consumed map[string]int // events already matched by waitEvent, per type
}

// startBaresip writes a configuration for user (microphone: a tone of freq
// Hz) from testdata/baresip, starts baresip on it and connects to its
// control socket. The process is killed at cleanup; if the test failed,
// its output is logged.
func startBaresip(t *testing.T, bin string, p *pbxProcess, user string, freq float64) *softphone {
	t.Helper()
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone.wav")
	writeTone(t, tone, freq, 15*time.Second)
	recDir := filepath.Join(dir, "rec")
	if err := os.Mkdir(recDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	// The control port is picked free then handed to baresip; another
	// process may take it in between, so try a few times.
	for try := 0; try < 3; try++ {
		ctrl := freeTCPAddr(t)
		renderTemplate(t, "config.tmpl", filepath.Join(dir, "config"), map[string]string{
			"Tone": tone, "RecordDir": recDir, "CtrlAddr": ctrl, "ModulePath": "/usr/lib/baresip/modules",
		})
		renderTemplate(t, "accounts.tmpl", filepath.Join(dir, "accounts"), map[string]string{
			"User": user, "Registrar": p.sip, "Password": p.demo[user],
		})
		s := &softphone{user: user, dir: dir, recDir: recDir, logFile: filepath.Join(dir, fmt.Sprintf("baresip-%d.log", try)),
			done: make(chan error, 1), consumed: map[string]int{}}
		if lastErr = s.start(t, bin, ctrl); lastErr == nil {
			return s
		}
	}
	t.Fatalf("baresip %s: %v", user, lastErr)
	return nil
}

func (s *softphone) start(t *testing.T, bin, ctrl string) error {
	t.Helper()
	out, err := os.Create(s.logFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// -t: baresip quits on its own after 2 minutes should everything else fail.
	cmd := exec.CommandContext(ctx, bin, "-f", s.dir, "-t", "120")
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		out.Close()
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait(); out.Close() }()
	t.Cleanup(func() {
		cancel()
		err := <-s.done
		s.done <- err
		if s.conn != nil {
			s.conn.Close()
		}
		if t.Failed() {
			t.Logf("baresip %s output:\n%s", s.user, s.output())
		}
	})
	deadline := time.Now().Add(scaled(10 * time.Second))
	for {
		c, err := net.DialTimeout("tcp", ctrl, time.Second)
		if err == nil {
			s.conn = c
			go s.read()
			return nil
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("exited before its control socket %s was up (%v):\n%s", ctrl, err, s.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("control socket %s not up in %v:\n%s", ctrl, scaled(10*time.Second), s.output())
		}
	}
}

// read decodes the netstring-framed JSON messages baresip sends on the
// control socket until it closes.
func (s *softphone) read() {
	r := bufio.NewReader(s.conn)
	for {
		msg, err := readNetstring(r)
		var m map[string]any
		if err == nil {
			err = json.Unmarshal(msg, &m)
		}
		s.mu.Lock()
		if err != nil {
			s.readErr = err
			s.mu.Unlock()
			return
		}
		if m["event"] == true {
			s.events = append(s.events, m)
		} else if m["response"] == true {
			s.replies = append(s.replies, m)
		}
		s.mu.Unlock()
	}
}

// readNetstring reads one netstring, "LEN:BYTES,", of at most 64 KB.
func readNetstring(r *bufio.Reader) ([]byte, error) {
	head, err := r.ReadString(':')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(head[:len(head)-1])
	if err != nil || n < 0 || n > 64<<10 {
		return nil, fmt.Errorf("bad netstring length %q", head)
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	if buf[n] != ',' {
		return nil, errors.New("netstring without its trailing comma")
	}
	return buf[:n], nil
}

// command sends one command (as typed after "/" in baresip's menu) and
// waits for baresip's answer, which must be ok.
func (s *softphone) command(t *testing.T, cmd, params string) {
	t.Helper()
	s.mu.Lock()
	n := len(s.replies)
	s.mu.Unlock()
	token := fmt.Sprintf("%s-%d", cmd, n)
	b, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": token})
	if _, err := fmt.Fprintf(s.conn, "%d:%s,", len(b), b); err != nil {
		t.Fatalf("baresip %s: send %s: %v", s.user, cmd, err)
	}
	var reply map[string]any
	waitFor(t, "baresip "+s.user+"'s answer to "+cmd, condWait, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range s.replies[n:] {
			if r["token"] == token {
				reply = r
				return true
			}
		}
		return false
	}, s.state)
	if reply["ok"] != true {
		t.Fatalf("baresip %s: %s %s: %v", s.user, cmd, params, reply["data"])
	}
}

// waitEvent waits for the next event of type typ not yet waited for.
func (s *softphone) waitEvent(t *testing.T, typ string) map[string]any {
	t.Helper()
	var ev map[string]any
	waitFor(t, "baresip "+s.user+" event "+typ, condWait, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		seen := 0
		for _, e := range s.events {
			if e["type"] != typ {
				continue
			}
			if seen == s.consumed[typ] {
				s.consumed[typ]++
				ev = e
				return true
			}
			seen++
		}
		return false
	}, s.state)
	return ev
}

// quit asks baresip to quit and waits for it to exit, so that sndfile has
// closed its recordings.
func (s *softphone) quit(t *testing.T) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"command": "quit", "token": "quit"})
	fmt.Fprintf(s.conn, "%d:%s,", len(b), b)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Errorf("baresip %s exited with %v", s.user, err)
		}
	case <-time.After(scaled(15 * time.Second)):
		t.Fatalf("baresip %s did not quit in %v", s.user, scaled(15*time.Second))
	}
}

// state describes the control socket's traffic, for timeout messages.
func (s *softphone) state() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var types []string
	for _, e := range s.events {
		types = append(types, fmt.Sprint(e["type"]))
	}
	return fmt.Sprintf("baresip %s events so far: %v; read error: %v", s.user, types, s.readErr)
}

// statusLine matches the call status line baresip's menu rewrites in place
// many times a second.
var statusLine = regexp.MustCompile(`\[\d+:\d\d:\d\d\] audio=\d+/\d+ \(bit/s\)\s*`)

// output is baresip's output without status lines, its last 8 KB.
func (s *softphone) output() string {
	raw, _ := os.ReadFile(s.logFile)
	out := statusLine.ReplaceAllString(string(raw), "")
	return out[max(0, len(out)-8192):]
}

// decodedFile is the WAV file sndfile writes with what the phone heard.
func (s *softphone) decodedFile() string {
	ms, _ := filepath.Glob(filepath.Join(s.recDir, "dump-*-dec.wav"))
	if len(ms) != 1 {
		return ""
	}
	return ms[0]
}

// recorded is how much audio the decoded recording holds so far, going by
// its size (8 kHz, 16-bit mono after a 44-byte header).
func (s *softphone) recorded() time.Duration {
	f := s.decodedFile()
	if f == "" {
		return 0
	}
	fi, err := os.Stat(f)
	if err != nil || fi.Size() < 44 {
		return 0
	}
	return time.Duration(fi.Size()-44) * time.Second / (2 * media.SampleRate)
}

// recording reads the decoded recording of the call: 8 kHz mono samples.
func (s *softphone) recording(t *testing.T) []int16 {
	t.Helper()
	name := s.decodedFile()
	if name == "" {
		ms, _ := filepath.Glob(filepath.Join(s.recDir, "*"))
		t.Fatalf("baresip %s: want one dump-*-dec.wav, have %v", s.user, ms)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := media.NewWAVReader(f)
	if err != nil {
		t.Fatalf("baresip %s recording: %v", s.user, err)
	}
	if got := r.Format(); got.Rate != media.SampleRate || got.Channels != 1 {
		t.Fatalf("baresip %s recording: %+v, want 8 kHz mono", s.user, got)
	}
	var all []int16
	buf := make([]int16, 4096)
	for {
		n, err := r.ReadSamples(buf)
		all = append(all, buf[:n]...)
		if err == io.EOF {
			return all
		}
		if err != nil {
			t.Fatalf("baresip %s recording: %v", s.user, err)
		}
	}
}

// checkHeard asserts that the recording carries the tone at want Hz, at
// the level it was sent (±3 dB, G.711 both ways), for at least 3 s in
// 100 ms blocks, with the phone's own tone (own Hz) at least 25 dB below
// it: the PBX relayed each side's audio to the other, not back.
func checkHeard(t *testing.T, who string, rec []int16, want, own float64) {
	t.Helper()
	const block = media.SampleRate / 10
	good, total := 0, len(rec)/block
	bestWant, bestOwn := math.Inf(-1), math.Inf(-1)
	for i := 0; i+block <= len(rec); i += block {
		lw, lo := media.ToneLevel(rec[i:i+block], want), media.ToneLevel(rec[i:i+block], own)
		if math.Abs(lw-toneLevel) <= 3 && lo < lw-25 {
			good++
		}
		bestWant, bestOwn = max(bestWant, lw), max(bestOwn, lo)
	}
	if good < 30 {
		t.Errorf("%s heard %.0f Hz in %d of %d 100 ms blocks, want ≥ 30 (3 s) at %d dBm0 ±3 dB with its own %.0f Hz 25 dB lower; loudest: %.0f Hz %.1f dBm0, %.0f Hz %.1f dBm0",
			who, want, good, total, toneLevel, own, want, bestWant, own, bestOwn)
	}
}

// writeTone writes a continuous sine of freq Hz at toneLevel as an 8 kHz
// mono 16-bit WAV file, the format baresip's aufile source needs for G.711.
func writeTone(t *testing.T, name string, freq float64, d time.Duration) {
	t.Helper()
	g, err := media.NewToneGenerator(media.TonePlan{Name: "test", Components: []media.ToneComponent{{Frequency: freq, Level: toneLevel}}}, d)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := media.NewWAVWriter(f, media.WAVFormat{Encoding: media.WAVPCM16, Rate: media.SampleRate, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 1600)
	for {
		n, err := g.ReadSamples(buf)
		if _, werr := w.WriteSamples(buf[:n]); werr != nil {
			t.Fatal(werr)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// renderTemplate fills testdata/baresip/NAME with data into dst.
func renderTemplate(t *testing.T, name, dst string, data map[string]string) {
	t.Helper()
	tmpl, err := template.New(name).Option("missingkey=error").ParseFiles(filepath.Join("testdata", "baresip", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tmpl.Execute(f, data); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
