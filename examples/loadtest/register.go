package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// loadConfig is one load run's offered traffic.
type loadConfig struct {
	Rate     int           // scenarios started per second
	Count    int           // scenarios in all (sipp -m)
	SippCore int           // core sipp is pinned to
	Dir      string        // where the scenario, CSV and sipp's files are
	Timeout  time.Duration // the most a run may take
	Tick     time.Duration // one /proc clock tick
}

// result is one server's figures from one run.
type result struct {
	Server     string
	Run        int
	Stats      sippStats
	Ticks      uint64        // the server's CPU over the run, clock ticks
	CPU        time.Duration // the same in time
	PssBefore  int64         // bytes, summed over the server's processes
	PssAfter   int64         // bytes
	Procs      int           // processes in the server's group
	SippCPU    time.Duration // sipp's own user+system CPU
	Wall       time.Duration // sipp's run time
	SippStatus int           // sipp's exit code: 0 all succeeded, 1 some failed
}

// PerOp is the server CPU per successful scenario, in microseconds.
func (r result) PerOp() float64 {
	if r.Stats.Successful == 0 {
		return 0
	}
	return float64(r.CPU.Microseconds()) / float64(r.Stats.Successful)
}

// PssGrowth is the server's memory growth over the run, in bytes.
func (r result) PssGrowth() int64 { return r.PssAfter - r.PssBefore }

// measure runs the sipp scenario against s and reads the server's CPU and
// memory just before and just after it.
func measure(ctx context.Context, s *server, scenario, inf string, c loadConfig, run int) (result, error) {
	r := result{Server: s.Name, Run: run}
	statFile := filepath.Join(c.Dir, fmt.Sprintf("%s-%d-stat.csv", s.Name, run))
	errFile := filepath.Join(c.Dir, fmt.Sprintf("%s-%d-errors.log", s.Name, run))
	sippPort, err := freeUDPPort()
	if err != nil {
		return r, err
	}
	args := []string{"-c", strconv.Itoa(c.SippCore), "sipp", s.Addr,
		"-sf", scenario, "-inf", inf,
		"-i", "127.0.0.1", "-p", strconv.Itoa(sippPort),
		"-mp", strconv.Itoa(30000 + 2*rand.IntN(5000)), // RTP echo ports sipp opens, unused here
		"-r", strconv.Itoa(c.Rate), "-rp", "1000", "-m", strconv.Itoa(c.Count),
		"-aa", // answer the PBX's unsolicited MWI NOTIFY with 200, as a phone does
		"-nostdin", "-timeout", strconv.Itoa(int(c.Timeout.Seconds())) + "s", "-timeout_error",
		"-trace_stat", "-stf", statFile, "-fd", "1",
		"-trace_err", "-error_file", errFile,
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", args...)
	tail := &tailBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = tail, tail

	before, err := s.Usage()
	if err != nil {
		return r, err
	}
	start := time.Now()
	err = cmd.Run()
	r.Wall = time.Since(start)
	after, uerr := s.Usage()
	if uerr != nil {
		return r, fmt.Errorf("%s after the run: %w", s.Name, uerr)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() == 1: // some scenarios failed: still measured
		r.SippStatus = 1
	default:
		return r, fmt.Errorf("sipp against %s: %w\n%s", s.Name, err, tail)
	}
	if ps := cmd.ProcessState; ps != nil {
		r.SippCPU = ps.UserTime() + ps.SystemTime()
	}
	f, err := os.Open(statFile)
	if err != nil {
		return r, fmt.Errorf("sipp against %s: %w", s.Name, err)
	}
	defer f.Close()
	if r.Stats, err = parseSippStats(f); err != nil {
		return r, fmt.Errorf("sipp against %s: %w", s.Name, err)
	}
	r.Ticks = after.Ticks - before.Ticks
	r.CPU = time.Duration(r.Ticks) * c.Tick
	r.PssBefore, r.PssAfter, r.Procs = before.Pss, after.Pss, after.Procs
	return r, nil
}
