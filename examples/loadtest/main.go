// Command loadtest measures the whole telekit PBX under SIP load from
// sipp, beside Kamailio doing the same job in the same run.
//
//	go run ./examples/loadtest [-what register|calls|media|all] [-rate 200] [-duration 20s] [-runs 3] [-cores 0,1]
//	    [-call-rates 100,200] [-hold 1s] [-concurrent 200] [-media-hold 7s] [-pairs 0]
//	    [-pbx A=path/to/pbx,B=path/to/other]
//
// It builds examples/pbx, creates -users extensions with known passwords
// in a temporary data directory (through the account and store packages,
// without `pbx ext add`'s argon2 portal hash), and for each run starts
// `pbx serve` and then Kamailio (an authenticating registrar on the same
// HA1s, see testdata/kamailio.cfg), each pinned with taskset to the
// second core of -cores, and drives it with sipp pinned to the first:
// REGISTER, 401, REGISTER with credentials, 200, at -rate per second,
// rate×duration times. The server's own CPU (utime+stime of every process
// in its group, from /proc) before and after the run, divided by sipp's
// successful registrations, is the figure; the medians over the
// alternating runs and their ratio are printed as a Markdown table.
//
// Everything is sent to 127.0.0.1 only, every load is bounded in count
// and time, and every process started is stopped before it returns. It
// takes minutes, so it is `make loadtest`, not part of `make test`.
//
// -what calls measures calls between extensions through the B2BUA with
// media anchored but no RTP: sipp callers (INVITE, 407, ACK, INVITE with
// digest credentials, 200, ACK, -hold, BYE) at each of -call-rates calls
// a second, against sipp callees registered from their own addresses;
// runs alternate between the rates. The PBX's CPU per successful call and
// its PSS growth per call a second are the figures.
//
// -what media holds -concurrent calls up with RTP both ways: each caller
// plays sipp's 7 s G.711 A-law recording, the bridge relays it to the
// load program's RTP echo (the callee's media), which counts it, sends it
// back through the bridge, and reads the bridge's RTCP reports. The PBX's
// CPU per call-second and the relayed stream's loss and jitter are the
// figures.
//
// -pbx names prebuilt PBX binaries, LABEL=PATH, comma-separated, instead
// of building this tree's: runs then alternate between them (A, B, A, B,
// …) in the same period, and each is summed up apart, so that a change is
// measured against what it changes under the same machine load.
//
// `loadtest serve` is not a load but the floor: a minimal B2BUA written
// directly on sipgo (floor.go), started with the PBX's command line, so
// that `-pbx floor=PATH-OF-LOADTEST,pbx=PATH-OF-PBX` measures what sipgo
// itself costs for the same calls or registrations.
//
// The PBX drops datagrams past 100 a second from one source address, so
// the callers and callees are spread over addresses 127.x.y.z, at most 16
// calls a second each (-pairs overrides).
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/telekit/telekit/internal/cli"
)

//go:embed testdata/register.xml
var registerScenario []byte

//go:embed testdata/kamailio.cfg
var kamailioConfig string

//go:embed testdata/call.xml
var callScenario []byte

//go:embed testdata/uas.xml
var uasScenario []byte

// pcapAudio is the RTP a caller plays in -what media: Debian sip-tester's
// 7 s of G.711 A-law (236 packets of 30 ms).
const pcapAudio = "/usr/share/sip-tester/g711a.pcap"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		// The floor B2BUA (floor.go), started by a run as a PBX build.
		err = runFloor(ctx, os.Args[2:], os.Stdout)
	} else {
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
		}
		os.Exit(1)
	}
}

// options are the command line's.
type options struct {
	What     string
	Rate     int
	Duration time.Duration
	Runs     int
	SippCore int
	SrvCore  int
	Users    int
	Kamailio string // db, pv or none
	Keep     bool

	CallRates  []int         // calls a second, -what calls
	Hold       time.Duration // call length, -what calls
	Concurrent int           // calls up at once, -what media
	MediaHold  time.Duration // call length, -what media
	Pairs      int           // caller/callee addresses; 0 picks

	PBX []pbxBinary // -pbx; empty: build this tree's
}

// pbxBinary is one PBX build under test.
type pbxBinary struct {
	Label string // as printed in the results
	Path  string
}

// parsePBX reads -pbx: LABEL=PATH, comma-separated.
func parsePBX(s string) ([]pbxBinary, error) {
	if s == "" {
		return nil, nil
	}
	var bs []pbxBinary
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		label, path, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || label == "" || path == "" || seen[label] {
			return nil, fmt.Errorf("-pbx %q: want LABEL=PATH, comma-separated, labels distinct", s)
		}
		seen[label] = true
		bs = append(bs, pbxBinary{Label: label, Path: path})
	}
	return bs, nil
}

// parseOptions reads the command line.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.What, "what", "register", "what to load: register, calls, media or all")
	fs.IntVar(&o.Rate, "rate", 200, "offered load, scenarios started per second")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "offered load lasts this long (sipp -m = rate × duration)")
	fs.IntVar(&o.Runs, "runs", 3, "runs per server, alternating telekit and Kamailio")
	cores := fs.String("cores", "0,1", "SIPP_CORE,SERVER_CORE for taskset")
	fs.IntVar(&o.Users, "users", 1000, "extensions to create and register in turn")
	fs.StringVar(&o.Kamailio, "kamailio", "db", "Kamailio's credentials: db (db_text HA1 table), pv (password derived in the script) or none")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (sipp logs and stats)")
	callRates := fs.String("call-rates", "100,200", "calls a second offered in -what calls, comma-separated; runs alternate between them")
	fs.DurationVar(&o.Hold, "hold", time.Second, "how long each call lasts in -what calls")
	fs.IntVar(&o.Concurrent, "concurrent", 200, "calls up at once in -what media")
	fs.DurationVar(&o.MediaHold, "media-hold", 7*time.Second, "how long each call lasts in -what media (the RTP played lasts 7 s)")
	fs.IntVar(&o.Pairs, "pairs", 0, "caller/callee sipp pairs, each on its own loopback address; 0: one per 16 calls/s")
	pbxFlag := fs.String("pbx", "", "prebuilt PBX binaries to compare, LABEL=PATH,LABEL=PATH (runs alternate); empty: build this tree's")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return o, err
	}
	if len(pos) != 0 {
		return o, fmt.Errorf("unexpected arguments %q", pos)
	}
	if o.CallRates, err = parseRates(*callRates); err != nil {
		return o, err
	}
	if o.PBX, err = parsePBX(*pbxFlag); err != nil {
		return o, err
	}
	a, b, ok := strings.Cut(*cores, ",")
	if o.SippCore, err = strconv.Atoi(a); !ok || err != nil {
		return o, fmt.Errorf("-cores %q: want SIPP_CORE,SERVER_CORE", *cores)
	}
	if o.SrvCore, err = strconv.Atoi(b); err != nil || o.SrvCore == o.SippCore {
		return o, fmt.Errorf("-cores %q: want two different cores SIPP_CORE,SERVER_CORE", *cores)
	}
	switch {
	case o.What != "register" && o.What != "calls" && o.What != "media" && o.What != "all":
		return o, fmt.Errorf("-what %q: want register, calls, media or all", o.What)
	case o.Hold < 0 || o.Hold > time.Minute:
		return o, fmt.Errorf("-hold %s: want 0 to 1m", o.Hold)
	case o.MediaHold < time.Second || o.MediaHold > 10*time.Minute:
		return o, fmt.Errorf("-media-hold %s: want 1s to 10m", o.MediaHold)
	case o.Concurrent < 1 || o.Concurrent > 5000:
		return o, fmt.Errorf("-concurrent %d: want 1 to 5000", o.Concurrent)
	case o.Pairs < 0 || o.Pairs > 250:
		return o, fmt.Errorf("-pairs %d: want 0 (pick) to 250", o.Pairs)
	case o.Kamailio != "db" && o.Kamailio != "pv" && o.Kamailio != "none":
		return o, fmt.Errorf("-kamailio %q: want db, pv or none", o.Kamailio)
	case o.Rate < 1 || o.Rate > 5000:
		return o, fmt.Errorf("-rate %d: want 1 to 5000", o.Rate)
	case o.Duration < time.Second || o.Duration > 10*time.Minute:
		return o, fmt.Errorf("-duration %s: want 1s to 10m", o.Duration)
	case o.Runs < 1 || o.Runs > 20:
		return o, fmt.Errorf("-runs %d: want 1 to 20", o.Runs)
	case o.Users < 1 || o.Users > 79999:
		return o, fmt.Errorf("-users %d: want 1 to 79999", o.Users)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	tools := [][2]string{{"taskset", "util-linux"}, {"sipp", "sip-tester"}, {"getconf", "libc-bin"}}
	if o.Kamailio != "none" && (o.What == "register" || o.What == "all") {
		tools = append(tools, [2]string{"kamailio", "kamailio"})
	}
	if err := lookTools(tools...); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "telekit-loadtest-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	if len(o.PBX) == 0 {
		fmt.Fprintln(stderr, "building examples/pbx")
		pbx := filepath.Join(dir, "pbx")
		if err := buildPBX(ctx, pbx); err != nil {
			return err
		}
		o.PBX = []pbxBinary{{Label: "telekit", Path: pbx}}
	}
	if o.What == "calls" || o.What == "media" || o.What == "all" {
		if err := callsMain(ctx, o, dir, stdout, stderr); err != nil {
			return err
		}
		if o.What != "all" {
			return nil
		}
	}
	users := loadUsers(o.Users)
	fmt.Fprintf(stderr, "creating %d extensions\n", len(users))
	data := filepath.Join(dir, "data")
	if err := createPBXUsers(ctx, data, users); err != nil {
		return err
	}
	inf := filepath.Join(dir, "users.csv")
	if err := writeSippUsers(inf, users); err != nil {
		return err
	}
	scenario := filepath.Join(dir, "register.xml")
	if err := os.WriteFile(scenario, registerScenario, 0o600); err != nil {
		return err
	}
	kcfg := filepath.Join(dir, "kamailio.cfg")
	if o.Kamailio != "none" {
		dbdir := filepath.Join(dir, "kamailio-db")
		if err := writeDBText(dbdir, users); err != nil {
			return err
		}
		cfg := strings.ReplaceAll(kamailioConfig, "DBURL", "text://"+dbdir)
		if err := os.WriteFile(kcfg, []byte(cfg), 0o600); err != nil {
			return err
		}
	}

	lc := loadConfig{
		Rate: o.Rate, Count: o.Rate * int(o.Duration.Seconds()), SippCore: o.SippCore, Dir: dir,
		Timeout: 3*o.Duration + 30*time.Second, Tick: clockTick(),
	}
	var rs []result
	for run := 1; run <= o.Runs; run++ {
		var r result
		for _, b := range o.PBX {
			// One sipp sends every registration from 127.0.0.1, past the
			// PBX's per-source flood limit (Kamailio has none): lift it.
			r, err = registerRun(ctx, func(ctx context.Context) (*server, error) {
				return startPBX(ctx, b.Label, b.Path, data, o.SrvCore, "-flood-limit", "-1")
			}, scenario, inf, lc, run)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "run %d %s: %.1f µs/registration (%d ok, %d failed)\n", run, b.Label, r.PerOp(), r.Stats.Successful, r.Stats.Failed)
			rs = append(rs, r)
		}
		if o.Kamailio == "none" {
			continue
		}
		define := map[string]string{"db": "WITH_DBTEXT", "pv": "WITH_PV"}[o.Kamailio]
		r, err = registerRun(ctx, func(ctx context.Context) (*server, error) {
			runDir := filepath.Join(dir, fmt.Sprintf("kamailio-run-%d", run))
			if err := os.MkdirAll(runDir, 0o700); err != nil {
				return nil, err
			}
			return startKamailio(ctx, kcfg, runDir, define, o.SrvCore)
		}, scenario, inf, lc, run)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "run %d kamailio: %.1f µs/registration (%d ok, %d failed)\n", run, r.PerOp(), r.Stats.Successful, r.Stats.Failed)
		rs = append(rs, r)
	}

	fmt.Fprintf(stdout, "\nRegistration (REGISTER, 401, REGISTER with MD5 digest qop=auth, 200) over UDP on 127.0.0.1,\n"+
		"%d/s offered for %s (%d registrations per run), %d users; sipp on core %d, server on core %d.\n",
		o.Rate, o.Duration, lc.Count, o.Users, o.SippCore, o.SrvCore)
	fmt.Fprintf(stdout, "Machine: %s; %s; clock tick %s.\n\n", machine(), runtime.Version(), lc.Tick)
	printRuns(stdout, rs)
	fmt.Fprintln(stdout)
	ss := summarize(rs)
	printSummary(stdout, ss)
	fmt.Fprintf(stdout, "\nPer run, µs CPU per registration: %s\n", perRunLine(rs))
	if k := ss[len(ss)-1]; len(ss) >= 2 && k.Server == "kamailio" && k.PerOp > 0 {
		for _, t := range ss[:len(ss)-1] {
			fmt.Fprintf(stdout, "%s / Kamailio CPU per registration (medians): %.2f\n", t.Server, t.PerOp/k.PerOp)
		}
	}
	return nil
}

// parseRates reads -call-rates: calls a second, comma-separated.
func parseRates(s string) ([]int, error) {
	var rs []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 5000 {
			return nil, fmt.Errorf("-call-rates %q: want calls a second, 1 to 5000, comma-separated", s)
		}
		rs = append(rs, n)
	}
	return rs, nil
}

// registerRun starts a server, measures one registration run against it
// and stops it.
func registerRun(ctx context.Context, start func(context.Context) (*server, error), scenario, inf string, lc loadConfig, run int) (result, error) {
	s, err := start(ctx)
	if err != nil {
		return result{}, err
	}
	defer s.Stop()
	r, err := measure(ctx, s, scenario, inf, lc, run)
	if err != nil {
		return r, fmt.Errorf("run %d %s: %w\n%s", run, s.Name, err, s.log)
	}
	return r, nil
}

// buildPBX builds examples/pbx of this module into bin.
func buildPBX(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return errors.New("run loadtest inside the telekit module (go run ./examples/loadtest)")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/pbx")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./examples/pbx: %w\n%s", err, out)
	}
	return nil
}

// machine describes the CPU: core count and model name.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (nproc), %s", runtime.NumCPU(), model)
}
