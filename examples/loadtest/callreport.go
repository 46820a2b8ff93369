package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"text/tabwriter"
	"time"
)

// callsMain runs -what calls and -what media and prints their figures.
func callsMain(ctx context.Context, o options, dir string, stdout, stderr io.Writer) error {
	reg := filepath.Join(dir, "register.xml")
	if err := os.WriteFile(reg, registerScenario, 0o600); err != nil {
		return err
	}
	sc := callScenarios{Register: reg, UAS: uasScenario, Call: callScenario}
	// The RTP echo runs in this process: pin all of its threads to sipp's
	// core, so that it takes nothing from the PBX's.
	pin := exec.CommandContext(ctx, "taskset", "-a", "-p", "-c", strconv.Itoa(o.SippCore), strconv.Itoa(os.Getpid()))
	if out, err := pin.CombinedOutput(); err != nil {
		return fmt.Errorf("pin the load program to core %d: %w\n%s", o.SippCore, err, out)
	}
	tick := clockTick()
	var plans []callPlan
	if o.What != "media" {
		for _, rate := range o.CallRates {
			pairs := o.Pairs
			if pairs == 0 {
				pairs = pairsFor(float64(rate))
			}
			count := rate * int(o.Duration.Seconds()) / pairs * pairs
			plans = append(plans, callPlan{Mode: "calls", Rate: float64(rate), Count: count, Hold: o.Hold, Pairs: pairs})
		}
	}
	if o.What != "calls" {
		rate := float64(o.Concurrent) / o.MediaHold.Seconds()
		pairs := o.Pairs
		if pairs == 0 {
			pairs = pairsFor(rate)
		}
		count := int(rate*o.Duration.Seconds()) / pairs * pairs
		plans = append(plans, callPlan{Mode: "media", Rate: rate, Count: count, Hold: o.MediaHold, Pairs: pairs, PCAP: pcapAudio})
		if _, err := os.Stat(pcapAudio); err != nil {
			return fmt.Errorf("%s: %w (apt-get install -y sip-tester)", pcapAudio, err)
		}
	}
	var rs []callResult
	for run := 1; run <= o.Runs; run++ {
		for _, p := range plans {
			for _, b := range o.PBX {
				p.SippCore, p.Dir, p.Tick = o.SippCore, dir, tick
				p.Timeout = 3*o.Duration + 3*p.Hold + 30*time.Second
				p.PBX = b
				r, err := callRun(ctx, p, run, sc, o.SrvCore)
				if err != nil {
					return fmt.Errorf("run %d %s %s at %g calls/s: %w", run, b.Label, p.Mode, p.Rate, err)
				}
				fmt.Fprintf(stderr, "run %d %s %s %.1f/s: %.1f µs/call, %d ok, %d failed, %d retrans, PSS +%.1f MB\n",
					run, b.Label, p.Mode, p.Rate, r.PerCall(), r.Stats.Successful, r.Stats.Failed, r.Stats.Retransmissions,
					float64(r.PssPeak-r.PssBefore)/(1<<20))
				rs = append(rs, r)
			}
		}
	}
	fmt.Fprintf(stdout, "\nCalls through examples/pbx over UDP on 127.x.y.z: sipp on core %d, PBX on core %d, %d run(s) alternating.\n",
		o.SippCore, o.SrvCore, o.Runs)
	fmt.Fprintf(stdout, "Machine: %s; %s; clock tick %s.\n\n", machine(), runtime.Version(), tick)
	printCallRuns(stdout, rs)
	fmt.Fprintln(stdout)
	printCallSummary(stdout, summarizeCalls(rs))
	return nil
}

// callSummary is the medians of the runs of one plan.
type callSummary struct {
	PBX           string // the binary's label
	Mode          string
	Rate          float64
	Hold          time.Duration
	Pairs         int
	Runs          int
	Count         int
	PerCall       float64 // µs CPU per call
	PerCallSecond float64 // µs CPU per call-second
	MBPerRate     float64 // PSS growth per call/s, MiB
	PeakMB        float64
	SteadyCore    float64 // share of a core
	Successful    float64
	Failed        float64
	Retrans       float64
	Media         mediaSummary // of the median run by loss
	LossPct       float64
	JitterMed     float64
	BridgeJitMed  float64
}

// summarizeCalls takes the medians of each plan's runs, in plan order.
func summarizeCalls(rs []callResult) []callSummary {
	type key struct {
		pbx  string
		mode string
		rate float64
	}
	var order []key
	by := map[key][]callResult{}
	for _, r := range rs {
		k := key{r.Plan.PBX.Label, r.Plan.Mode, r.Plan.Rate}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], r)
	}
	var out []callSummary
	for _, k := range order {
		runs := by[k]
		pick := func(f func(callResult) float64) float64 {
			xs := make([]float64, len(runs))
			for i, r := range runs {
				xs[i] = f(r)
			}
			return median(xs)
		}
		p := runs[0].Plan
		out = append(out, callSummary{
			PBX: k.pbx, Mode: k.mode, Rate: k.rate, Hold: p.Hold, Pairs: p.Pairs, Runs: len(runs), Count: p.Count,
			PerCall:       pick(callResult.PerCall),
			PerCallSecond: pick(callResult.PerCallSecond),
			MBPerRate:     pick(callResult.MBPerCallRate),
			PeakMB:        pick(func(r callResult) float64 { return float64(r.PssPeak) / (1 << 20) }),
			SteadyCore:    pick(func(r callResult) float64 { return r.SteadyCPU }),
			Successful:    pick(func(r callResult) float64 { return float64(r.Stats.Successful) }),
			Failed:        pick(func(r callResult) float64 { return float64(r.Stats.Failed) }),
			Retrans:       pick(func(r callResult) float64 { return float64(r.Stats.Retransmissions) }),
			LossPct:       pick(func(r callResult) float64 { return r.Media.LossPct() }),
			JitterMed:     pick(func(r callResult) float64 { return r.Media.JitterMed }),
			BridgeJitMed:  pick(func(r callResult) float64 { return r.Media.BridgeJitMed }),
		})
	}
	return out
}

// printCallRuns writes one line per run.
func printCallRuns(w io.Writer, rs []callResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tpbx\tmode\tcalls/s\thold\tpairs\tok\tfailed\tretrans\tµs CPU/call\tµs CPU/call-s\tsteady core %\tPSS idle MB\tpeak MB\tMB per call/s\tsipp core %\trelayed pkts\tloss %\tjitter ms med/max\tbridge RR calls\tbridge lost\tbridge jitter ms med/max\t")
	for _, r := range rs {
		m := r.Media
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.1f\t%s\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.3f\t%.0f\t%d\t%.3f\t%.2f/%.2f\t%d\t%d\t%.2f/%.2f\t\n",
			r.Run, r.Plan.PBX.Label, r.Plan.Mode, r.Plan.Rate, r.Plan.Hold, r.Plan.Pairs, r.Stats.Successful, r.Stats.Failed, r.Stats.Retransmissions,
			r.PerCall(), r.PerCallSecond(), 100*r.SteadyCPU,
			float64(r.PssBefore)/(1<<20), float64(r.PssPeak)/(1<<20), r.MBPerCallRate(),
			100*r.SippCPU.Seconds()/r.Wall.Seconds(),
			m.Received, m.LossPct(), m.JitterMed, m.JitterMax, m.Reported, m.BridgeLost, m.BridgeJitMed, m.BridgeJitMax)
	}
	tw.Flush()
}

// printCallSummary writes the medians as Markdown tables.
func printCallSummary(w io.Writer, ss []callSummary) {
	var calls, media []callSummary
	for _, s := range ss {
		if s.Mode == "media" {
			media = append(media, s)
		} else {
			calls = append(calls, s)
		}
	}
	if len(calls) > 0 {
		fmt.Fprintln(w, "| pbx | calls/s offered | hold | runs | calls per run | µs PBX CPU per call (median) | PBX core % (steady) | PSS growth per call/s, MB | peak PSS, MB | failed | retransmissions |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
		for _, s := range calls {
			fmt.Fprintf(w, "| %s | %.0f | %s | %d | %d | %.0f | %.0f | %.3f | %.1f | %.0f | %.0f |\n",
				s.PBX, s.Rate, s.Hold, s.Runs, s.Count, s.PerCall, 100*s.SteadyCore, s.MBPerRate, s.PeakMB, s.Failed, s.Retrans)
		}
	}
	if len(media) > 0 {
		if len(calls) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, "| pbx | calls up | calls/s | hold | runs | µs PBX CPU per call-second (median) | PBX core % (steady) | PSS growth per call/s, MB | loss caller→callee % | jitter at callee, ms (median call) | bridge's RTCP jitter of callee leg, ms | failed |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, s := range media {
			fmt.Fprintf(w, "| %s | %.0f | %.1f | %s | %d | %.0f | %.0f | %.3f | %.3f | %.2f | %.2f | %.0f |\n",
				s.PBX, s.Rate*s.Hold.Seconds(), s.Rate, s.Hold, s.Runs, s.PerCallSecond, 100*s.SteadyCore, s.MBPerRate,
				s.LossPct, s.JitterMed, s.BridgeJitMed, s.Failed)
		}
	}
}
