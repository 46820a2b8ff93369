package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telekit/telekit/internal/cli"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/store"
)

// `pbx callsystem show|set`: the call system from the command line. set
// changes only what its flags name, checks the result as the API does
// (checkCallSystem) and saves it; a running server reads it at its next
// start.

// storedCallSystem returns the saved call system of st, or the defaults a
// server would start with (its enabled trunks' prefixes as outside-line
// prefixes).
func storedCallSystem(ctx context.Context, st *store.SQLite) (store.CallSystem, error) {
	cs, ok, err := st.CallSystem(ctx)
	if err != nil || ok {
		return cs, err
	}
	trunks, err := st.ListTrunks(ctx)
	if err != nil {
		return cs, err
	}
	var prefixes []string
	for _, t := range trunks {
		if t.Enabled && t.Prefix != "" {
			prefixes = append(prefixes, t.Prefix)
		}
	}
	return defaultCallSystem(prefixes), nil
}

func callSystemShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pbx callsystem show", stderr)
	asJSON := fs.Bool("json", false, "print JSON (the API's form)")
	data := fs.String("data", defaultData, "data directory")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("callsystem show: unexpected arguments %q", pos)
	}
	st, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := storedCallSystem(ctx, st)
	if err != nil {
		return err
	}
	v := systemViewOf(cs)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	p := v.NumberingPlan
	ring := "30 seconds (default)"
	if v.DefaultRingSeconds > 0 {
		ring = strconv.Itoa(v.DefaultRingSeconds) + " seconds"
	}
	fmt.Fprintf(stdout, "blacklist:          %s\n", listOrNone(v.Blacklist))
	fmt.Fprintf(stdout, "emergency numbers:  %s\n", listOrNone(v.Emergency))
	fmt.Fprintf(stdout, "default ring time:  %s\n", ring)
	fmt.Fprintf(stdout, "time zone:          %s\n", orDefault(v.TimeZone, "UTC"))
	fmt.Fprintf(stdout, "extensions:         %d to %d digits\n", p.ExtensionLengths.Min, p.ExtensionLengths.Max)
	fmt.Fprintf(stdout, "outside prefixes:   %s\n", listOrNone(p.OutsidePrefixes))
	fmt.Fprintf(stdout, "country code:       %s\n", orDefault(p.CountryCode, "none"))
	fmt.Fprintf(stdout, "trunk prefix:       %s\n", orDefault(p.TrunkPrefix, "none"))
	fmt.Fprintf(stdout, "intl prefixes:      %s\n", listOrNone(p.InternationalPrefixes))
	fmt.Fprintf(stdout, "national lengths:   %d to %d digits\n", p.NationalLengths.Min, p.NationalLengths.Max)
	fmt.Fprintf(stdout, "schedules:")
	if len(v.Schedules) == 0 {
		fmt.Fprint(stdout, "          none")
	}
	fmt.Fprintln(stdout)
	for _, name := range slices.Sorted(maps.Keys(v.Schedules)) {
		fmt.Fprintf(stdout, "  %s: %s\n", name, v.Schedules[name])
	}
	return nil
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// splitList splits a comma-separated flag value; "" is the empty list.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseLengths reads "MIN-MAX" or "N".
func parseLengths(s string) (phonenumber.Lengths, error) {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		hi = lo
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return phonenumber.Lengths{}, fmt.Errorf("%q: want MIN-MAX digits, e.g. 3-4", s)
	}
	return phonenumber.Lengths{Min: a, Max: b}, nil
}

func callSystemSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pbx callsystem set", stderr)
	blacklist := fs.String("blacklist", "", "the whole system blacklist, comma-separated (\"\" empties it)")
	var blAdd, blRemove, schedSet, schedRemove multiFlag
	fs.Var(&blAdd, "blacklist-add", "add a number to the system blacklist (repeatable)")
	fs.Var(&blRemove, "blacklist-remove", "remove a number from the system blacklist (repeatable)")
	emergency := fs.String("emergency", "", "emergency numbers, comma-separated, e.g. 112,911")
	ring := fs.Int("ring", 0, "default ring time in seconds (0: 30 seconds)")
	fs.Var(&schedSet, "schedule", "a named schedule, NAME='tz=Europe/Paris; mon-fri 09:00-17:00' (repeatable)")
	fs.Var(&schedRemove, "schedule-remove", "remove a named schedule (repeatable)")
	tz := fs.String("time-zone", "", "IANA time zone of quick modes' end of day")
	country := fs.String("country-code", "", "country calling code, e.g. 1 or 44")
	trunkPrefix := fs.String("trunk-prefix", "", "national trunk prefix, e.g. 0")
	intl := fs.String("international-prefixes", "", "international access prefixes, comma-separated, e.g. 00")
	outside := fs.String("outside-prefixes", "", "outside-line prefixes, comma-separated, e.g. 9")
	national := fs.String("national-lengths", "", "digits of a national number, MIN-MAX")
	extLen := fs.String("extension-lengths", "", "digits of an extension, MIN-MAX")
	data := fs.String("data", defaultData, "data directory")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("callsystem set: unexpected arguments %q", pos)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	delete(set, "data")
	if len(set) == 0 {
		return errors.New("callsystem set: nothing to change; see -help")
	}
	st, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := storedCallSystem(ctx, st)
	if err != nil {
		return err
	}
	cs = cloneSystem(cs)
	if set["blacklist"] {
		cs.Blacklist = splitList(*blacklist)
	}
	for _, n := range blAdd {
		if !slices.Contains(cs.Blacklist, n) {
			cs.Blacklist = append(cs.Blacklist, n)
		}
	}
	for _, n := range blRemove {
		i := slices.Index(cs.Blacklist, n)
		if i < 0 {
			return fmt.Errorf("callsystem set: -blacklist-remove %s: not on the blacklist", n)
		}
		cs.Blacklist = slices.Delete(cs.Blacklist, i, i+1)
	}
	if set["emergency"] {
		cs.Plan.Emergency = splitList(*emergency)
	}
	if set["ring"] {
		cs.DefaultRingSeconds = *ring
	}
	for _, s := range schedSet {
		name, text, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("callsystem set: -schedule %q: want NAME=SCHEDULE", s)
		}
		sc, err := schedule.Parse(text)
		if err != nil {
			return fmt.Errorf("callsystem set: -schedule %s: %w", name, err)
		}
		if cs.Schedules == nil {
			cs.Schedules = map[string]schedule.Schedule{}
		}
		cs.Schedules[strings.TrimSpace(name)] = sc
	}
	for _, name := range schedRemove {
		if _, ok := cs.Schedules[name]; !ok {
			return fmt.Errorf("callsystem set: -schedule-remove %s: no such schedule", name)
		}
		delete(cs.Schedules, name)
	}
	if set["time-zone"] {
		cs.TimeZone = *tz
	}
	if set["country-code"] {
		cs.Plan.CountryCode = *country
	}
	if set["trunk-prefix"] {
		cs.Plan.TrunkPrefix = *trunkPrefix
	}
	if set["international-prefixes"] {
		cs.Plan.InternationalPrefixes = splitList(*intl)
	}
	if set["outside-prefixes"] {
		cs.Plan.OutsidePrefixes = splitList(*outside)
	}
	for name, dst := range map[string]*phonenumber.Lengths{"national-lengths": &cs.Plan.NationalLengths, "extension-lengths": &cs.Plan.ExtensionLengths} {
		if !set[name] {
			continue
		}
		v := *national
		if name == "extension-lengths" {
			v = *extLen
		}
		l, err := parseLengths(v)
		if err != nil {
			return fmt.Errorf("callsystem set: -%s %w", name, err)
		}
		*dst = l
	}
	if _, err := checkCallSystem(ctx, st, cs, nil); err != nil {
		return fmt.Errorf("callsystem set: %w", err)
	}
	if err := st.PutCallSystem(ctx, cs, time.Now()); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "call system saved; a running server uses it from its next start")
	return nil
}
