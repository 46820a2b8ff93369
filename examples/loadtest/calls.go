package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// perSourceCalls is the most calls a second the load sends from one
// loopback address. The PBX drops datagrams past 100 a second from one
// source IP (its flood limit, sip.ParseGuardConfig.MaxPerSource); a caller
// sends 5 datagrams a call (INVITE, ACK, INVITE, ACK, BYE) and a callee 3
// (180, 200, 200), so 16 calls a second keeps the caller at 80 a second,
// under the limit with room for retransmissions. Real phones each have
// their own address; the load spreads its phones over 127.0.x.y likewise.
const perSourceCalls = 16

// callPlan is one call run's offered traffic.
type callPlan struct {
	Mode     string        // "calls" (no RTP) or "media" (RTP both ways)
	Rate     float64       // calls started per second, in all
	Count    int           // calls in all
	Hold     time.Duration // from the caller's ACK to its BYE
	Pairs    int           // caller/callee sipp pairs, each on its own address
	SippCore int
	Dir      string
	Timeout  time.Duration // the most the callers may take
	Tick     time.Duration
	PCAP     string // the RTP the caller plays, for media
	PBX      pbxBinary
}

// Concurrency is the calls up at once in the steady state: rate × hold.
func (p callPlan) Concurrency() float64 { return p.Rate * p.Hold.Seconds() }

// pairsFor returns how many caller/callee addresses carry rate calls a
// second within the PBX's per-source limit.
func pairsFor(rate float64) int {
	return max(1, int((rate+perSourceCalls-1)/perSourceCalls))
}

// callResult is the PBX's figures from one call run.
type callResult struct {
	Plan      callPlan
	Run       int
	Stats     sippStats // the callers', summed
	Ticks     uint64
	CPU       time.Duration
	PssBefore int64 // bytes, idle with the callees registered
	PssPeak   int64 // the most sampled during the run
	PssAfter  int64
	SteadyCPU float64 // PBX share of a core while rate × hold calls were up
	Wall      time.Duration
	SippCPU   time.Duration // all sipps' own CPU
	Media     mediaSummary
}

// PerCall is PBX CPU per successful call, in microseconds.
func (r callResult) PerCall() float64 {
	if r.Stats.Successful == 0 {
		return 0
	}
	return float64(r.CPU.Microseconds()) / float64(r.Stats.Successful)
}

// PerCallSecond is PBX CPU per second of a call up, in microseconds.
func (r callResult) PerCallSecond() float64 {
	return r.PerCall() / r.Plan.Hold.Seconds()
}

// MBPerCallRate is the PBX's memory growth under load (peak PSS less
// the idle PSS) per call a second offered, in MiB.
func (r callResult) MBPerCallRate() float64 {
	return float64(r.PssPeak-r.PssBefore) / (1 << 20) / r.Plan.Rate
}

// pairAddr is the loopback address of pair i in this run: 127.R.x.y,
// away from 127.0.0.1, where other programs listen.
func pairAddr(base byte, i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, base, byte(1 + i/250), byte(1 + i%250)})
}

// callRun starts a PBX with fresh callers and callees, registers the
// callees from their sipps' addresses, runs the callers against them and
// stops everything.
// callScenarios are the sipp scenarios of a call run.
type callScenarios struct {
	Register string // path of the registration scenario
	UAS      []byte // the callee, with MEDIA_PORT to replace
	Call     []byte // the caller, with the RTP player between markers
}

func callRun(ctx context.Context, p callPlan, run int, sc callScenarios, srvCore int) (callResult, error) {
	r := callResult{Plan: p, Run: run}
	runDir := filepath.Join(p.Dir, fmt.Sprintf("%s-%s-%g-%d", p.PBX.Label, p.Mode, p.Rate, run))
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return r, err
	}
	users := loadUsers(2 * p.Pairs)
	callers, callees := users[:p.Pairs], users[p.Pairs:]
	data := filepath.Join(runDir, "data")
	if err := createPBXUsers(ctx, data, users); err != nil {
		return r, err
	}
	s, err := startPBX(ctx, p.PBX.Label, p.PBX.Path, data, srvCore)
	if err != nil {
		return r, err
	}
	defer s.Stop()

	base := byte(100 + rand.IntN(100))
	var echoes []*rtpEcho
	defer func() {
		for _, e := range echoes {
			e.Close()
		}
	}()
	var uases []*sippProc
	defer func() {
		for _, u := range uases {
			u.Kill()
		}
	}()
	for i := range p.Pairs {
		ip := pairAddr(base, i)
		mediaPort := 0
		if p.Mode == "media" {
			e, err := listenEcho(netip.AddrPortFrom(ip, 0))
			if err != nil {
				return r, err
			}
			echoes = append(echoes, e)
			mediaPort = int(e.Addr().Port())
		} else {
			// Nothing listens there: no RTP flows in these calls.
			mediaPort = 20000 + 2*rand.IntN(5000)
		}
		uasPort, err := freeUDPPortOn(ip)
		if err != nil {
			return r, err
		}
		// Register the callee from the address and port its sipp answers on.
		reg := filepath.Join(runDir, fmt.Sprintf("callee-%d.csv", i))
		if err := writeSippUsers(reg, callees[i:i+1]); err != nil {
			return r, err
		}
		regArgs := []string{s.Addr, "-sf", sc.Register, "-inf", reg, "-m", "1",
			"-i", ip.String(), "-p", strconv.Itoa(uasPort), "-timeout", "10s", "-timeout_error"}
		if err := runSipp(ctx, p.SippCore, regArgs); err != nil {
			return r, fmt.Errorf("register callee %s: %w\n%s", callees[i].Ext, err, s.log)
		}
		uasScenario := filepath.Join(runDir, "uas.xml")
		os.WriteFile(uasScenario, []byte(strings.ReplaceAll(string(sc.UAS), "MEDIA_PORT", strconv.Itoa(mediaPort))), 0o600)
		u, err := startSipp(p.SippCore, fmt.Sprintf("callee %d", i), []string{
			"-sf", uasScenario, "-i", ip.String(), "-p", strconv.Itoa(uasPort),
			"-mp", strconv.Itoa(30000 + 2*rand.IntN(5000)),
			"-aa", // no -m: the PBX's MWI NOTIFY would count as a call; stopped when the callers end
			"-trace_err", "-error_file", filepath.Join(runDir, fmt.Sprintf("callee-%d-errors.log", i)),
		})
		if err != nil {
			return r, err
		}
		uases = append(uases, u)
		if err := waitBound(ctx, netip.AddrPortFrom(ip, uint16(uasPort))); err != nil {
			return r, fmt.Errorf("callee %d: %w\n%s", i, err, u.out)
		}
	}

	callScenario := filepath.Join(runDir, "call.xml")
	if err := os.WriteFile(callScenario, callXML(sc.Call, p), 0o600); err != nil {
		return r, err
	}
	before, err := s.Usage()
	if err != nil {
		return r, err
	}
	smp := startSampler(s, p.Hold+time.Second, time.Duration(float64(p.Count)/p.Rate*float64(time.Second)))
	start := time.Now()
	var uacs []*sippProc
	for i := range p.Pairs {
		ip := pairAddr(base, i)
		inf := filepath.Join(runDir, fmt.Sprintf("caller-%d.csv", i))
		if err := writeSippUsers(inf, callers[i:i+1]); err != nil {
			return r, err
		}
		// Each caller offers rate/pairs calls a second: Rate calls every
		// Pairs seconds.
		period := int(float64(p.Pairs) * 1000)
		perRate := p.Rate
		if p.Mode == "media" {
			// media plans give a whole number of calls per hold.
			period = p.Pairs * int(p.Hold.Milliseconds())
			perRate = p.Concurrency()
		}
		u, err := startSipp(p.SippCore, fmt.Sprintf("caller %d", i), []string{s.Addr,
			"-sf", callScenario, "-inf", inf, "-s", callees[i].Ext,
			"-i", ip.String(), "-mp", strconv.Itoa(30000 + 2*rand.IntN(5000)),
			"-r", strconv.Itoa(int(perRate + 0.5)), "-rp", strconv.Itoa(period),
			"-m", strconv.Itoa(p.Count / p.Pairs), "-d", strconv.Itoa(int(p.Hold.Milliseconds())),
			"-aa", "-timeout", strconv.Itoa(int(p.Timeout.Seconds())) + "s", "-timeout_error",
			"-trace_stat", "-stf", filepath.Join(runDir, fmt.Sprintf("caller-%d-stat.csv", i)), "-fd", "1",
			"-trace_err", "-error_file", filepath.Join(runDir, fmt.Sprintf("caller-%d-errors.log", i)),
		})
		if err != nil {
			for _, u := range uacs {
				u.Kill()
			}
			return r, err
		}
		uacs = append(uacs, u)
	}
	var werr error
	for _, u := range uacs {
		if err := u.Wait(p.Timeout + 10*time.Second); err != nil && werr == nil {
			werr = err
		}
	}
	r.Wall = time.Since(start)
	// Each caller ends after the 200 to its last BYE: its callee has
	// nothing left to do.
	for _, u := range uases {
		u.Kill()
	}
	after, err := s.Usage()
	if err != nil {
		return r, fmt.Errorf("PBX after the run: %w", err)
	}
	smp.Stop()
	if werr != nil {
		return r, fmt.Errorf("%w\n%s", werr, s.log)
	}
	for i, u := range uacs {
		st, err := readSippStats(filepath.Join(runDir, fmt.Sprintf("caller-%d-stat.csv", i)))
		if err != nil {
			return r, fmt.Errorf("caller %d: %w\n%s", i, err, u.out)
		}
		r.Stats.Created += st.Created
		r.Stats.Successful += st.Successful
		r.Stats.Failed += st.Failed
		r.Stats.Retransmissions += st.Retransmissions
		r.Stats.OutOfCall += st.OutOfCall
		r.SippCPU += u.cpu
	}
	for _, u := range uases {
		r.SippCPU += u.cpu
	}
	r.Ticks = after.Ticks - before.Ticks
	r.CPU = time.Duration(r.Ticks) * p.Tick
	r.PssBefore, r.PssAfter = before.Pss, after.Pss
	r.PssPeak, r.SteadyCPU = smp.Result(p.Tick)
	r.PssPeak = max(r.PssPeak, after.Pss)
	r.Media = summarizeEchoes(echoes)
	return r, nil
}

// callXML is the caller scenario for the plan: the RTP player in it for
// media, cut out for calls.
func callXML(tmpl []byte, p callPlan) []byte {
	s := string(tmpl)
	b, rest, ok1 := strings.Cut(s, "<!--RTP_BEGIN-->")
	_, e, ok2 := strings.Cut(rest, "<!--RTP_END-->")
	if p.Mode != "media" && ok1 && ok2 {
		s = b + e
	}
	return []byte(strings.ReplaceAll(s, "PCAP", p.PCAP))
}

func readSippStats(path string) (sippStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return sippStats{}, err
	}
	defer f.Close()
	return parseSippStats(f)
}

// sampler reads the PBX's usage every 250 ms during a run: the peak PSS,
// and the CPU between from and to after its start (the steady state).
type sampler struct {
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	peak     int64
	from, to time.Duration
	t0       time.Time
	ticks    [2]uint64
	at       [2]time.Time
}

func startSampler(s *server, from, to time.Duration) *sampler {
	sm := &sampler{stop: make(chan struct{}), done: make(chan struct{}), from: from, to: to, t0: time.Now()}
	go func() {
		defer close(sm.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sm.stop:
				return
			case now := <-t.C:
				u, err := s.Usage()
				if err != nil {
					continue
				}
				sm.mu.Lock()
				sm.peak = max(sm.peak, u.Pss)
				el := now.Sub(sm.t0)
				if el >= sm.from && sm.at[0].IsZero() {
					sm.ticks[0], sm.at[0] = u.Ticks, now
				}
				if el <= sm.to {
					sm.ticks[1], sm.at[1] = u.Ticks, now
				}
				sm.mu.Unlock()
			}
		}
	}()
	return sm
}

func (sm *sampler) Stop() { close(sm.stop); <-sm.done }

// Result returns the peak PSS and the share of a core used in the steady
// window (0 when the run was too short to have one).
func (sm *sampler) Result(tick time.Duration) (int64, float64) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.at[0].IsZero() || !sm.at[1].After(sm.at[0]) {
		return sm.peak, 0
	}
	cpu := time.Duration(sm.ticks[1]-sm.ticks[0]) * tick
	return sm.peak, cpu.Seconds() / sm.at[1].Sub(sm.at[0]).Seconds()
}

// sippProc is a sipp running in the background, pinned to a core.
type sippProc struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
	err  error
	cpu  time.Duration
}

// startSipp starts sipp with args pinned to core; it dies with the load
// program.
func startSipp(core int, name string, args []string) (*sippProc, error) {
	argv := append([]string{"-c", strconv.Itoa(core), "sipp"}, args...)
	argv = append(argv, "-nostdin")
	cmd := exec.Command("taskset", argv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &sippProc{name: name, cmd: cmd, out: &tailBuffer{max: 4 << 10}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sipp %s: %w", name, err)
	}
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			err = nil // some calls failed: counted in its statistics
		}
		p.err = err
		if ps := cmd.ProcessState; ps != nil {
			p.cpu = ps.UserTime() + ps.SystemTime()
		}
		close(p.done)
	}()
	return p, nil
}

// Wait waits up to d for sipp to end and returns how it ended.
func (p *sippProc) Wait(d time.Duration) error {
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("sipp %s: %w\n%s", p.name, p.err, p.out)
		}
		return nil
	case <-time.After(d):
		return fmt.Errorf("sipp %s did not end in %s\n%s", p.name, d, p.out)
	}
}

// Kill ends sipp if it still runs and waits for it.
func (p *sippProc) Kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Kill()
		<-p.done
	}
}

// runSipp runs sipp to completion, pinned to core, and fails unless all
// its scenarios succeeded.
func runSipp(ctx context.Context, core int, args []string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	argv := append([]string{"-c", strconv.Itoa(core), "sipp"}, args...)
	argv = append(argv, "-nostdin")
	cmd := exec.CommandContext(ctx, "taskset", argv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sipp: %w\n%s", err, out[max(0, len(out)-1500):])
	}
	return nil
}

// freeUDPPortOn returns a UDP port on ip that was free a moment ago.
func freeUDPPortOn(ip netip.Addr) (int, error) {
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return 0, err
	}
	defer pc.Close()
	return int(pc.LocalAddr().(*net.UDPAddr).Port), nil
}

// waitBound waits until something holds UDP addr.
func waitBound(ctx context.Context, addr netip.AddrPort) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
		if err != nil {
			return nil
		}
		pc.Close()
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing bound %s: %w", addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
