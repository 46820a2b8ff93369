package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// median returns the median of xs (the mean of the middle two for an
// even count), or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// summary is one server's medians over its runs.
type summary struct {
	Server         string
	Runs           int
	PerOp          float64 // µs of server CPU per successful registration
	CPUShare       float64 // server CPU as a share of one core over sipp's run
	PssGrowthMB    float64
	PssAfterMB     float64
	Successful     float64
	Failed         float64
	Retrans        float64
	SippCPUPercent float64
}

// summarize takes the medians of each server's runs, in the order the
// servers first appear.
func summarize(rs []result) []summary {
	var order []string
	by := map[string][]result{}
	for _, r := range rs {
		if _, ok := by[r.Server]; !ok {
			order = append(order, r.Server)
		}
		by[r.Server] = append(by[r.Server], r)
	}
	var out []summary
	for _, name := range order {
		runs := by[name]
		pick := func(f func(result) float64) float64 {
			xs := make([]float64, len(runs))
			for i, r := range runs {
				xs[i] = f(r)
			}
			return median(xs)
		}
		out = append(out, summary{
			Server:         name,
			Runs:           len(runs),
			PerOp:          pick(result.PerOp),
			CPUShare:       pick(func(r result) float64 { return r.CPU.Seconds() / r.Wall.Seconds() }),
			PssGrowthMB:    pick(func(r result) float64 { return float64(r.PssGrowth()) / (1 << 20) }),
			PssAfterMB:     pick(func(r result) float64 { return float64(r.PssAfter) / (1 << 20) }),
			Successful:     pick(func(r result) float64 { return float64(r.Stats.Successful) }),
			Failed:         pick(func(r result) float64 { return float64(r.Stats.Failed) }),
			Retrans:        pick(func(r result) float64 { return float64(r.Stats.Retransmissions) }),
			SippCPUPercent: pick(func(r result) float64 { return 100 * r.SippCPU.Seconds() / r.Wall.Seconds() }),
		})
	}
	return out
}

// printRuns writes one line per run.
func printRuns(w io.Writer, rs []result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tserver\tok\tfailed\tretrans\tCPU ticks\tµs CPU/reg\tcore %\tPSS MB after\tPSS growth MB\tprocs\tsipp core %\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%+.1f\t%d\t%.0f\t\n",
			r.Run, r.Server, r.Stats.Successful, r.Stats.Failed, r.Stats.Retransmissions,
			r.Ticks, r.PerOp(), 100*r.CPU.Seconds()/r.Wall.Seconds(),
			float64(r.PssAfter)/(1<<20), float64(r.PssGrowth())/(1<<20), r.Procs,
			100*r.SippCPU.Seconds()/r.Wall.Seconds())
	}
	tw.Flush()
}

// printSummary writes the medians as a Markdown table, with each
// server's ratio to the first (ours).
func printSummary(w io.Writer, ss []summary) {
	fmt.Fprintln(w, "| server | runs | µs CPU per registration (median) | ÷ telekit | server core % | PSS after, MB | PSS growth, MB | failed | retransmissions |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, s := range ss {
		ratio := "—"
		if len(ss) > 0 && ss[0].PerOp > 0 {
			ratio = fmt.Sprintf("%.2f", s.PerOp/ss[0].PerOp)
		}
		fmt.Fprintf(w, "| %s | %d | %.1f | %s | %.1f | %.1f | %+.1f | %.0f | %.0f |\n",
			s.Server, s.Runs, s.PerOp, ratio, 100*s.CPUShare, s.PssAfterMB, s.PssGrowthMB, s.Failed, s.Retrans)
	}
}

// perRunLine lists each server's µs per registration run by run, for the
// record of how much runs spread.
func perRunLine(rs []result) string {
	var order []string
	by := map[string][]string{}
	for _, r := range rs {
		if _, ok := by[r.Server]; !ok {
			order = append(order, r.Server)
		}
		by[r.Server] = append(by[r.Server], fmt.Sprintf("%.1f", r.PerOp()))
	}
	var parts []string
	for _, n := range order {
		parts = append(parts, n+" "+strings.Join(by[n], ", "))
	}
	return strings.Join(parts, "; ")
}
