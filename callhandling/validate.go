package callhandling

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/telekit/telekit/phonenumber"
)

// Reasons a setting is refused; a *[SettingsError] wraps one of them, so
// callers test with errors.Is.
var (
	ErrUnknownDestination = errors.New("no such extension")
	ErrForwardToSelf      = errors.New("forwards to your own extension")
	ErrBadNumber          = errors.New("not a valid number")
	ErrRuleShadowed       = errors.New("never runs")
	ErrTooManyTwins       = errors.New("too many twinning schedules")
	ErrTooManyRules       = errors.New("too many rules")
	ErrUnknownSchedule    = errors.New("no such schedule")
	ErrUnknownProfile     = errors.New("no such follow-me profile")
	ErrBadPassword        = errors.New("password must be 3 to 12 digits")
	ErrNotBlockable       = errors.New("extensions cannot be blocked")
	ErrBadSeconds         = errors.New("ring time out of range")
	ErrMissing            = errors.New("missing")
	ErrActionNotAllowed   = errors.New("action not allowed for blocked callers")
)

// MaxRingSeconds is the longest ring time a setting may ask for.
const MaxRingSeconds = 300

// MaxRules is the most rules one call process may hold.
const MaxRules = 100

// SettingsError names the field of Settings (or System) that is wrong, in
// the JSON path the portal uses ("forwarding.busy.destination",
// "statuses.normal.rules[2].schedule"), and why.
type SettingsError struct {
	Field  string
	Value  string
	Err    error // one of the Err… values above
	Detail string
}

// Error writes the field, the value and the reason.
func (e *SettingsError) Error() string {
	s := "callhandling: " + e.Field
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the reason, for errors.Is.
func (e *SettingsError) Unwrap() error { return e.Err }

type validator struct {
	s    *Settings
	sys  *System
	errs []error
}

func (v *validator) fail(field, value string, err error, detail string) {
	v.errs = append(v.errs, &SettingsError{Field: field, Value: value, Err: err, Detail: detail})
}

// Validate checks s against the system and its directory and returns every
// problem, each a *[SettingsError], joined with errors.Join; nil means the
// settings can be saved. It refuses: destinations that are not numbers,
// extensions the directory does not know, forwarding to the user's own
// extension, rules and services naming unknown schedules or follow-me
// profiles, rules that can never run because an earlier rule of the same
// process takes all their calls, more than MaxTwinSchedules scheduled
// twins, ring times over MaxRingSeconds, a lock password that is not 3–12
// digits, and extensions on the block list.
func Validate(s *Settings, sys *System) error {
	v := &validator{s: s, sys: sys}
	if s.Extension == "" {
		v.fail("extension", "", ErrMissing, "")
	} else if !sys.isExtension(s.Extension) {
		v.fail("extension", s.Extension, ErrBadNumber, "not an extension of the numbering plan")
	}
	v.seconds("ring_seconds", s.RingSeconds)

	// Statuses.
	for st := StatusNormal; st < statusEnd; st++ {
		p := s.Statuses.get(st)
		v.process("statuses."+jsonStatus[st], st, p)
	}

	// Forwarding.
	f := &s.Forwarding
	for _, fw := range []struct {
		name string
		f    *Forward
	}{{"immediate", &f.Immediate}, {"busy", &f.Busy}, {"no_answer", &f.NoAnswer}, {"unavailable", &f.Unavailable}} {
		if fw.f.Active || fw.f.Destination != "" {
			v.dest("forwarding."+fw.name+".destination", fw.f.Destination, fw.f.Active)
		}
	}
	v.seconds("forwarding.no_answer.seconds", f.NoAnswer.Seconds)
	for i, sf := range f.Selective {
		field := fmt.Sprintf("forwarding.selective[%d]", i)
		v.dest(field+".destination", sf.Destination, true)
		v.numbers(field+".numbers", sf.Numbers, true)
		v.schedule(field+".schedule", sf.Schedule)
	}
	for i, d := range f.Destinations {
		v.dest(fmt.Sprintf("forwarding.destinations[%d].number", i), d.Number, false)
	}

	// Follow me.
	names := map[string]bool{}
	for i, p := range s.FollowMe {
		field := fmt.Sprintf("follow_me[%d]", i)
		if p.Name == "" {
			v.fail(field+".name", "", ErrMissing, "")
		} else if names[p.Name] {
			v.fail(field+".name", p.Name, ErrBadNumber, "profile name used twice")
		}
		names[p.Name] = true
		v.seconds(field+".own_seconds", p.OwnSeconds)
		if len(p.Numbers) == 0 {
			v.fail(field+".numbers", "", ErrMissing, "a profile needs at least one number")
		}
		for j, n := range p.Numbers {
			v.dest(fmt.Sprintf("%s.numbers[%d].number", field, j), n.Number, true)
			v.seconds(fmt.Sprintf("%s.numbers[%d].seconds", field, j), n.Seconds)
		}
	}
	if s.ActiveFollowMe != "" && !names[s.ActiveFollowMe] {
		v.fail("active_follow_me", s.ActiveFollowMe, ErrUnknownProfile, "")
	}

	// Twinning.
	if s.Twinning.Active || s.Twinning.Number != "" {
		v.dest("twinning.number", s.Twinning.Number, s.Twinning.Active)
	}
	if n := len(s.Twinning.Scheduled); n > MaxTwinSchedules {
		v.fail("twinning.scheduled", strconv.Itoa(n), ErrTooManyTwins, "at most "+strconv.Itoa(MaxTwinSchedules))
	}
	for i, t := range s.Twinning.Scheduled {
		field := fmt.Sprintf("twinning.scheduled[%d]", i)
		v.dest(field+".number", t.Number, true)
		v.schedule(field+".schedule", t.Schedule)
	}

	// Blocking.
	v.numbers("blocked", s.Blocked, false)
	if s.SelectiveReject.Active || len(s.SelectiveReject.Numbers) > 0 {
		v.numbers("selective_reject.numbers", s.SelectiveReject.Numbers, s.SelectiveReject.Active)
		v.schedule("selective_reject.schedule", s.SelectiveReject.Schedule)
	}

	// Lock.
	if s.Lock.Enabled || s.Lock.Password != "" {
		if !validPassword(s.Lock.Password) {
			v.fail("lock.password", "", ErrBadPassword, "")
		}
	}
	if s.Lock.Locked && !s.Lock.Enabled {
		v.fail("lock.locked", "", ErrMissing, "the phone can only be locked with password protection enabled")
	}
	return errors.Join(v.errs...)
}

var jsonStatus = [...]string{"", "normal", "no_answer", "busy", "dnd", "unavailable", "block_list", "voicemail", "out_of_office", "away", "other"}

func validPassword(p string) bool {
	if len(p) < 3 || len(p) > 12 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

func (v *validator) seconds(field string, n int) {
	if n < 0 || n > MaxRingSeconds {
		v.fail(field, strconv.Itoa(n), ErrBadSeconds, "0 to "+strconv.Itoa(MaxRingSeconds))
	}
}

func (v *validator) schedule(field, name string) {
	if name != "" && v.sys.Schedules[name] == nil {
		v.fail(field, name, ErrUnknownSchedule, "")
	}
}

// dest checks a number calls are sent to. required: empty is an error.
func (v *validator) dest(field, d string, required bool) {
	if d == "" {
		if required {
			v.fail(field, "", ErrMissing, "")
		}
		return
	}
	n, err := phonenumber.Parse(v.sys.Plan, d, phonenumber.Dialled)
	if err != nil || n.Kind == phonenumber.Service {
		v.fail(field, d, ErrBadNumber, "")
		return
	}
	if n.Kind != phonenumber.Extension {
		return
	}
	if n.Digits == v.s.Extension {
		v.fail(field, d, ErrForwardToSelf, "")
		return
	}
	if v.sys.Directory != nil {
		if _, ok := v.sys.Directory.Settings(n.Digits); !ok {
			v.fail(field, d, ErrUnknownDestination, "")
		}
	}
}

// numbers checks caller numbers to match; extensions are refused when
// noExt (block lists).
func (v *validator) numbers(field string, list []string, required bool) {
	if required && len(list) == 0 {
		v.fail(field, "", ErrMissing, "")
	}
	for i, d := range list {
		n, err := phonenumber.Parse(v.sys.Plan, d, phonenumber.Dialled)
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case err != nil || n.Kind == phonenumber.Service:
			v.fail(f, d, ErrBadNumber, "")
		case field == "blocked" && n.Kind == phonenumber.Extension:
			v.fail(f, d, ErrNotBlockable, "")
		}
	}
}

func (v *validator) process(field string, st Status, p *Process) {
	if len(p.Rules) > MaxRules {
		v.fail(field+".rules", strconv.Itoa(len(p.Rules)), ErrTooManyRules, "at most "+strconv.Itoa(MaxRules)+" rules")
		return
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		rf := fmt.Sprintf("%s.rules[%d]", field, i)
		v.schedule(rf+".schedule", r.Schedule)
		v.numbers(rf+".numbers", r.Numbers, false)
		if st == StatusBlockList && !blockListAction(r.Action) {
			v.fail(rf+".action", r.Action.String(), ErrActionNotAllowed, "")
		}
		switch r.Action {
		case ActionForward:
			v.dest(rf+".destination", r.Destination, true)
		case ActionFollowMe:
			found := false
			for _, fm := range v.s.FollowMe {
				found = found || fm.Name == r.FollowMe
			}
			if !found {
				v.fail(rf+".follow_me", r.FollowMe, ErrUnknownProfile, "")
			}
		case ActionPlay:
			if r.Announcement == "" {
				v.fail(rf+".announcement", "", ErrMissing, "")
			}
		case ActionAutoAttendant:
			if r.AutoAttendant == "" {
				v.fail(rf+".auto_attendant", "", ErrMissing, "")
			}
		case ActionRing:
			v.seconds(rf+".seconds", r.Seconds)
		}
		for j := 0; j < i; j++ {
			if q := &p.Rules[j]; shadows(q, r) {
				v.fail(rf, "", ErrRuleShadowed, fmt.Sprintf("rule %d (%s) takes all its calls first", j+1, q.Action))
				break
			}
		}
	}
}

// shadows reports whether q, an earlier rule, takes every call r would
// and ends the call, so r never runs.
func shadows(q, r *Rule) bool {
	switch q.Action {
	case ActionForward, ActionAutoAttendant, ActionVoicemail, ActionReject:
	default:
		return false
	}
	return len(q.Numbers) == 0 && q.Callers.covers(r.Callers) && (q.Schedule == "" || q.Schedule == r.Schedule)
}

// Validate checks the system settings: the numbering plan, that every
// named schedule is compiled, and that no extension is on the blacklist.
func (sys *System) Validate() error {
	var errs []error
	if err := sys.Plan.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("callhandling: plan: %w", err))
	}
	for name, c := range sys.Schedules {
		if c == nil || name == "" {
			errs = append(errs, &SettingsError{Field: "schedules", Value: name, Err: ErrUnknownSchedule, Detail: "empty name or nil schedule"})
		}
	}
	for i, d := range sys.Blacklist {
		n, err := phonenumber.Parse(sys.Plan, d, phonenumber.Dialled)
		switch {
		case err != nil:
			errs = append(errs, &SettingsError{Field: fmt.Sprintf("blacklist[%d]", i), Value: d, Err: ErrBadNumber})
		case n.Kind == phonenumber.Extension:
			errs = append(errs, &SettingsError{Field: fmt.Sprintf("blacklist[%d]", i), Value: d, Err: ErrNotBlockable})
		}
	}
	return errors.Join(errs...)
}
