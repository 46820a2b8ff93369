package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// procStat is what the load test reads from one /proc/PID/stat line.
type procStat struct {
	PID   int
	Comm  string
	PPID  int
	PGRP  int
	UTime uint64 // user CPU, in clock ticks
	STime uint64 // system CPU, in clock ticks
}

// parseProcStat parses the contents of /proc/PID/stat. The command name
// is in parentheses and may itself hold spaces and parentheses, so the
// fields are counted from the last ')'.
func parseProcStat(line string) (procStat, error) {
	open := strings.IndexByte(line, '(')
	closing := strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return procStat{}, fmt.Errorf("proc stat: no (comm) in %q", trim(line, 60))
	}
	var s procStat
	var err error
	if s.PID, err = strconv.Atoi(strings.TrimSpace(line[:open])); err != nil {
		return procStat{}, fmt.Errorf("proc stat: pid: %w", err)
	}
	s.Comm = line[open+1 : closing]
	// Fields after the comm, numbered as in proc(5): 3 state, 4 ppid,
	// 5 pgrp, ..., 14 utime, 15 stime.
	f := strings.Fields(line[closing+1:])
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("proc stat: %d fields after comm, want at least 13", len(f))
	}
	field := func(n int) string { return f[n-3] }
	if s.PPID, err = strconv.Atoi(field(4)); err != nil {
		return procStat{}, fmt.Errorf("proc stat: ppid: %w", err)
	}
	if s.PGRP, err = strconv.Atoi(field(5)); err != nil {
		return procStat{}, fmt.Errorf("proc stat: pgrp: %w", err)
	}
	if s.UTime, err = strconv.ParseUint(field(14), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("proc stat: utime: %w", err)
	}
	if s.STime, err = strconv.ParseUint(field(15), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("proc stat: stime: %w", err)
	}
	return s, nil
}

// parsePss returns the Pss line of /proc/PID/smaps_rollup, in bytes.
// Proportional set size divides shared pages among the processes that
// map them, so summing it over Kamailio's forked workers counts its
// shared memory once, where summing RSS would count it once per process.
func parsePss(data []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Pss:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("smaps_rollup: Pss line %q: want N kB", sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("smaps_rollup: Pss: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("smaps_rollup: no Pss line")
}

// usage is the CPU time and memory of a process group at one moment.
type usage struct {
	Ticks uint64 // utime+stime summed over the group, in clock ticks
	Pss   int64  // proportional set size summed over the group, in bytes
	Procs int    // how many processes were counted
}

// groupUsage sums CPU ticks and PSS over every live process in process
// group pgrp (the server and, for Kamailio, the workers it forked).
func groupUsage(pgrp int) (usage, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return usage{}, err
	}
	var u usage
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // the process ended meanwhile
		}
		s, err := parseProcStat(string(data))
		if err != nil || s.PGRP != pgrp {
			continue
		}
		u.Ticks += s.UTime + s.STime
		u.Procs++
		if sm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "smaps_rollup")); err == nil {
			if p, err := parsePss(sm); err == nil {
				u.Pss += p
			}
		}
	}
	if u.Procs == 0 {
		return usage{}, fmt.Errorf("no process in group %d", pgrp)
	}
	return u, nil
}

// clockTick returns the length of one /proc/PID/stat clock tick, from
// `getconf CLK_TCK`; Linux fixes USER_HZ at 100 on the usual
// architectures, which is the fallback.
func clockTick() time.Duration {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if hz, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && hz > 0 {
			return time.Second / time.Duration(hz)
		}
	}
	return 10 * time.Millisecond
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
