package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a SIP server under test, started as a child process in its
// own process group (Kamailio forks workers into it) and pinned to one
// core with taskset.
type server struct {
	Name string
	Addr string // SIP UDP address, 127.0.0.1:PORT
	cmd  *exec.Cmd
	pgid int
	log  *tailBuffer // the last of its stdout and stderr, for errors
	done chan struct{}
}

// startProcess starts argv pinned to core, in a new process group, and
// returns once it runs; lines of its stdout go to lines when not nil.
func startProcess(name string, core int, argv []string, lines chan<- string) (*server, error) {
	args := append([]string{"-c", strconv.Itoa(core)}, argv...)
	cmd := exec.Command("taskset", args...)
	// Setpgid: one signal reaches the server and every worker it forks.
	// Pdeathsig: taskset execs the server, which inherits this, so the
	// server dies with the load program even if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s := &server{Name: name, log: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	cmd.Stderr = s.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s.cmd, s.pgid = cmd, cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.log.Write([]byte(sc.Text() + "\n"))
			if lines != nil {
				select {
				case lines <- sc.Text():
				default:
				}
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// Stop ends the server's whole process group: SIGTERM, then SIGKILL
// after five seconds, and waits for the process it started.
func (s *server) Stop() {
	syscall.Kill(-s.pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-s.pgid, syscall.SIGKILL)
		<-s.done
	}
	// Workers that outlived the main process (none expected) go too.
	syscall.Kill(-s.pgid, syscall.SIGKILL)
}

// Usage returns the CPU and memory of the server's process group now.
func (s *server) Usage() (usage, error) { return groupUsage(s.pgid) }

// rtpPorts is the PBX's RTP range in the load: the server's default,
// below Linux's ephemeral ports (32768-60999), where the load's own
// sockets are. At 200 calls/s of 1 s each about 500 ports are held at
// once (two a call, for the call and its set-up and tear-down); the
// earlier 40000-40999 (500 even ports) ran out, so calls failed with 503
// and every new call's port search swept the range with failing binds.
const rtpPorts = "10000-19999"

// startPBX starts `pbx serve` on loopback ports, with extra flags after
// the standard ones, and waits for its ready line and for an answer to
// OPTIONS. name labels it in the results.
func startPBX(ctx context.Context, name, bin, data string, core int, extra ...string) (*server, error) {
	lines := make(chan string, 16)
	s, err := startProcess(name, core, append([]string{bin, "serve", "-data", data,
		"-sip", "127.0.0.1:0", "-http", "127.0.0.1:0", "-rtp-ports", rtpPorts, "-log", "warn"}, extra...), lines)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for s.Addr == "" {
		select {
		case l := <-lines:
			if rest, ok := strings.CutPrefix(l, "telekit ready sip="); ok {
				s.Addr, _, _ = strings.Cut(rest, " ")
			}
		case <-s.done:
			return nil, fmt.Errorf("pbx serve exited before it was ready:\n%s", s.log)
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("pbx serve not ready: %w\n%s", ctx.Err(), s.log)
		}
	}
	if err := waitOptions(ctx, s.Addr); err != nil {
		s.Stop()
		return nil, fmt.Errorf("pbx serve at %s: %w\n%s", s.Addr, err, s.log)
	}
	return s, nil
}

// startKamailio starts Kamailio with cfg in the foreground (-DD -E),
// listening on a free loopback UDP port, with the given #!define, and
// waits until it answers OPTIONS.
func startKamailio(ctx context.Context, cfg, runDir, define string, core int) (*server, error) {
	port, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s, err := startProcess("kamailio", core, []string{"kamailio", "-f", cfg, "-DD", "-E",
		"-m", "256", "-M", "16", "-n", "1", "-l", "udp:" + addr, "-A", define,
		"-Y", runDir, "-w", runDir}, nil)
	if err != nil {
		return nil, err
	}
	s.Addr = addr
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitOptions(ctx, addr); err != nil {
		s.Stop()
		return nil, fmt.Errorf("kamailio at %s: %w\n%s", addr, err, s.log)
	}
	return s, nil
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort() (int, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port, nil
}

// waitOptions sends OPTIONS to addr over UDP every 200 ms until a 200
// answers or ctx ends.
func waitOptions(ctx context.Context, addr string) error {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	buf := make([]byte, 4096)
	for i := 0; ; i++ {
		req := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %s;branch=z9hG4bK-ltprobe-%d;rport\r\n"+
			"From: <sip:probe@%s>;tag=ltprobe\r\nTo: <sip:%s>\r\n"+
			"Call-ID: ltprobe-%d@%s\r\nCSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			addr, local, i, local, addr, i, local, i+1)
		if _, err := conn.Write([]byte(req)); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := conn.Read(buf)
		if err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("no 200 to OPTIONS: %w", ctx.Err())
		}
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			time.Sleep(200 * time.Millisecond) // ICMP port unreachable: not listening yet
		}
	}
}

// tailBuffer keeps the last max bytes written to it. Safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

var _ io.Writer = (*tailBuffer)(nil)

// lookTools reports the first missing program and its Debian package.
func lookTools(progs ...[2]string) error {
	for _, p := range progs {
		if _, err := exec.LookPath(p[0]); err != nil {
			return fmt.Errorf("%s not found: apt-get install -y %s", p[0], p[1])
		}
	}
	return nil
}
