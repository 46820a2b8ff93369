package callhandling

import (
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/telekit/telekit/phonenumber"
)

// Errors of [Apply] besides the *[SettingsError] values of [Validate].
var (
	// ErrNotSettingsCode: the intent is call control (park, pickup,
	// transfer…), for the PBX to route elsewhere.
	ErrNotSettingsCode = errors.New("callhandling: not a settings feature code")
	// ErrNeedsArgument: the code's optional argument was left out; the PBX
	// asks for it and applies the completed intent.
	ErrNeedsArgument = errors.New("callhandling: feature code needs its argument")
	// ErrWrongPassword: *11 with a password that is not the user's.
	ErrWrongPassword = errors.New("callhandling: wrong password")
	// ErrLockDisabled: *11 while password protection is not enabled.
	ErrLockDisabled = errors.New("callhandling: password protection is not enabled")
	// ErrNoLastCaller: *76 with no last caller, or one who withheld the number.
	ErrNoLastCaller = errors.New("callhandling: no last caller to block")
	// ErrNotOnList: *075 with a number that is not on the block list.
	ErrNotOnList = errors.New("callhandling: number is not on the block list")
)

// Confirmation is what the PBX plays to the user after a feature code:
// a prompt name of the shared catalogue ("ch-forward-on", …).
type Confirmation struct {
	Prompt string
}

// ApplyEnv is what Apply needs to know beyond the intent.
type ApplyEnv struct {
	// LastCaller is the number of the user's last incoming call, as
	// received, for *76; "" when unknown or withheld.
	LastCaller string
	// Until is when a quick mode entered now expires; the zero time means
	// the end of the current day in System.Location.
	Until time.Time
}

// Apply carries out a settings feature code dialled by the user with
// settings s, and returns the new settings and the confirmation to play.
// It never modifies s (slices are copied before they change). On error
// the returned settings are s and the confirmation is the prompt that
// says what went wrong (ch-wrong-password, ch-block-not-allowed, or
// ch-code-invalid); call-control intents return [ErrNotSettingsCode] with
// no prompt.
//
// Forwarding codes check the destination like [Validate] (a number, not
// the user's own extension, an extension the directory knows). *75/*76
// add to the personal block list and refuse extensions; *075 removes
// every entry matching the number. *721–*723 enter a quick mode until
// env.Until (default: midnight ending today), *720 cancels it. *11 toggles
// the lock when its argument is the password.
func Apply(s Settings, sys *System, in Intent, env ApplyEnv, now time.Time) (Settings, Confirmation, error) {
	invalid := Confirmation{Prompt: "ch-code-invalid"}
	if in.NeedsArg() && in.Action != BlacklistAdd && in.Action != BlacklistRemove && in.Action != PhoneLockToggle {
		return s, invalid, ErrNeedsArgument
	}
	out := s
	fwd := func(f *Forward, field, on string) (Settings, Confirmation, error) {
		v := &validator{s: &s, sys: sys}
		v.dest(field, in.Arg, true)
		if len(v.errs) > 0 {
			return s, invalid, v.errs[0]
		}
		f.Active, f.Destination = true, in.Arg
		return out, Confirmation{Prompt: on}, nil
	}
	off := func(f *Forward, prompt string) (Settings, Confirmation, error) {
		f.Active = false
		return out, Confirmation{Prompt: prompt}, nil
	}
	switch in.Action {
	case ForwardAllSet:
		return fwd(&out.Forwarding.Immediate, "forwarding.immediate.destination", "ch-forward-on")
	case ForwardAllClear:
		return off(&out.Forwarding.Immediate, "ch-forward-off")
	case ForwardBusySet:
		return fwd(&out.Forwarding.Busy, "forwarding.busy.destination", "ch-forward-busy-on")
	case ForwardBusyClear:
		return off(&out.Forwarding.Busy, "ch-forward-busy-off")
	case ForwardNoAnswerSet:
		return fwd(&out.Forwarding.NoAnswer, "forwarding.no_answer.destination", "ch-forward-noanswer-on")
	case ForwardNoAnswerClear:
		return off(&out.Forwarding.NoAnswer, "ch-forward-noanswer-off")
	case ForwardUnavailableSet:
		return fwd(&out.Forwarding.Unavailable, "forwarding.unavailable.destination", "ch-forward-unavailable-on")
	case ForwardUnavailableClear:
		return off(&out.Forwarding.Unavailable, "ch-forward-unavailable-off")
	case DNDOn, DNDOff, DNDToggle:
		switch in.Action {
		case DNDOn:
			out.DND = true
		case DNDOff:
			out.DND = false
		default:
			out.DND = !s.DND
		}
		if out.DND {
			return out, Confirmation{Prompt: "ch-dnd-on"}, nil
		}
		return out, Confirmation{Prompt: "ch-dnd-off"}, nil
	case BlacklistAdd, BlacklistLastCaller, BlacklistRemove:
		list, conf, err := changeList(s.Blocked, "blocked", sys, in, env)
		if err != nil {
			return s, conf, err
		}
		out.Blocked = list
		return out, conf, nil
	case QuickModeOutOfOffice, QuickModeAway, QuickModeOther:
		until := env.Until
		if until.IsZero() {
			until = endOfDay(now, sys.Location)
		}
		m, prompt := ModeOutOfOffice, "ch-mode-out-of-office"
		switch in.Action {
		case QuickModeAway:
			m, prompt = ModeAway, "ch-mode-away"
		case QuickModeOther:
			m, prompt = ModeOther, "ch-mode-other"
		}
		out.QuickMode = QuickMode{Mode: m, Until: until}
		return out, Confirmation{Prompt: prompt}, nil
	case QuickModeCancel:
		out.QuickMode = QuickMode{}
		return out, Confirmation{Prompt: "ch-mode-off"}, nil
	case PhoneLockToggle:
		if !s.Lock.Enabled || s.Lock.Password == "" {
			return s, invalid, ErrLockDisabled
		}
		if in.Arg == "" {
			return s, invalid, ErrNeedsArgument
		}
		if subtle.ConstantTimeCompare([]byte(in.Arg), []byte(s.Lock.Password)) != 1 {
			return s, Confirmation{Prompt: "ch-wrong-password"}, ErrWrongPassword
		}
		out.Lock.Locked = !s.Lock.Locked
		if out.Lock.Locked {
			return out, Confirmation{Prompt: "ch-phone-locked"}, nil
		}
		return out, Confirmation{Prompt: "ch-phone-unlocked"}, nil
	}
	return s, Confirmation{}, ErrNotSettingsCode
}

// endOfDay returns the midnight that ends now's day in loc (UTC if nil).
func endOfDay(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}

// ApplyBlacklist carries out *75, *76 or *075 on the system blacklist
// list, for a PBX that lets administrators change it from their phones
// (CooVox: "add external phone numbers to IPPBX system blacklist"). It
// works as [Apply] does on the personal block list: extensions are
// refused with ch-block-not-allowed, *76 takes env.LastCaller, *075
// removes every entry matching the number or fails with [ErrNotOnList].
// It never modifies list; errors name the field "blacklist". Other
// intents return [ErrNotSettingsCode].
func ApplyBlacklist(list []string, sys *System, in Intent, env ApplyEnv) ([]string, Confirmation, error) {
	switch in.Action {
	case BlacklistAdd, BlacklistLastCaller, BlacklistRemove:
		return changeList(list, "blacklist", sys, in, env)
	}
	return list, Confirmation{}, ErrNotSettingsCode
}

// changeList adds the intent's number to list (*75, *76) or removes it
// (*075), returning a new list; field names list in errors.
func changeList(list []string, field string, sys *System, in Intent, env ApplyEnv) ([]string, Confirmation, error) {
	invalid := Confirmation{Prompt: "ch-code-invalid"}
	if in.Action == BlacklistRemove {
		if in.Arg == "" {
			return list, invalid, ErrNeedsArgument
		}
		n, err := phonenumber.Parse(sys.Plan, in.Arg, phonenumber.Dialled)
		if err != nil {
			return list, invalid, &SettingsError{Field: field, Value: in.Arg, Err: ErrBadNumber}
		}
		var out []string
		for _, b := range list {
			if !sys.matchAny(n, []string{b}) {
				out = append(out, b)
			}
		}
		if len(out) == len(list) {
			return list, invalid, ErrNotOnList
		}
		return out, Confirmation{Prompt: "ch-block-removed"}, nil
	}
	number := in.Arg
	if in.Action == BlacklistLastCaller {
		number = env.LastCaller
		if number == "" {
			return list, invalid, ErrNoLastCaller
		}
	} else if number == "" {
		return list, invalid, ErrNeedsArgument
	}
	n, err := phonenumber.Parse(sys.Plan, number, phonenumber.Dialled)
	if err != nil || n.Kind == phonenumber.Service {
		return list, invalid, &SettingsError{Field: field, Value: number, Err: ErrBadNumber}
	}
	if n.Kind == phonenumber.Extension {
		return list, Confirmation{Prompt: "ch-block-not-allowed"}, &SettingsError{Field: field, Value: number, Err: ErrNotBlockable}
	}
	if !sys.matchAny(n, list) {
		return append(slices.Clip(list), number), Confirmation{Prompt: "ch-block-added"}, nil
	}
	return list, Confirmation{Prompt: "ch-block-added"}, nil
}
