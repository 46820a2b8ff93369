package voicemail

import (
	"fmt"
	"time"

	"github.com/telekit/telekit/schedule"
)

// GreetingKind names a greeting. The zero value is GreetingUnknown.
type GreetingKind uint8

// The greetings. Every kind but GreetingStandard is a recording the user
// makes by phone or uploads.
const (
	GreetingUnknown GreetingKind = iota
	// GreetingStandard is the system greeting: "The person at extension
	// 101 is not available" (or the recorded name instead of the number).
	GreetingStandard
	// GreetingSimple plays at any time (GreetingMode Simple).
	GreetingSimple
	// GreetingScheduled plays while the mode's Schedule is active.
	GreetingScheduled
	// GreetingBusy plays, in Conditional mode, when the user is busy.
	GreetingBusy
	// GreetingUnavailable plays, in Conditional mode, for every other
	// reason (no answer, unavailable, do not disturb).
	GreetingUnavailable
	// GreetingTemporary overrides every other greeting until erased or
	// until Greetings.TemporaryUntil.
	GreetingTemporary
	// GreetingName is the recorded name, played in the standard greeting
	// and in menus.
	GreetingName
)

var greetingNames = []string{"", "standard", "simple", "scheduled", "busy", "unavailable", "temporary", "name"}

// String returns the text form, e.g. "busy".
func (k GreetingKind) String() string { return enumString(k, greetingNames) }

// MarshalText implements encoding.TextMarshaler.
func (k GreetingKind) MarshalText() ([]byte, error) { return enumText(k, greetingNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *GreetingKind) UnmarshalText(b []byte) error { return enumParse(k, b, greetingNames) }

// recordable reports whether k names a recording (everything but standard).
func (k GreetingKind) recordable() bool { return k >= GreetingSimple && k <= GreetingName }

// GreetingMode is the greeting mode the user picked (FortiVoice
// "Greeting": Standard, Simple, Scheduled, Conditional). The zero value is
// ModeStandard.
type GreetingMode uint8

// The greeting modes.
const (
	// ModeStandard plays the system greeting.
	ModeStandard GreetingMode = iota
	// ModeSimple plays the simple greeting at any time.
	ModeSimple
	// ModeScheduled plays the scheduled greeting while Schedule is active
	// and the simple greeting (or the standard one) otherwise.
	ModeScheduled
	// ModeConditional plays the busy greeting when busy and the
	// unavailable greeting otherwise.
	ModeConditional
)

var modeNames = []string{"standard", "simple", "scheduled", "conditional"}

// String returns the text form, e.g. "conditional".
func (m GreetingMode) String() string { return enumString(m, modeNames) }

// MarshalText implements encoding.TextMarshaler.
func (m GreetingMode) MarshalText() ([]byte, error) { return enumText(m, modeNames) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *GreetingMode) UnmarshalText(b []byte) error { return enumParse(m, b, modeNames) }

// Greetings are a mailbox's greeting settings. Recorded says which
// recordings exist; the Service keeps it in step with the files.
type Greetings struct {
	// Mode is the greeting mode.
	Mode GreetingMode `json:"mode"`
	// Schedule is when the scheduled greeting plays (ModeScheduled).
	Schedule *schedule.Schedule `json:"schedule,omitempty"`
	// Schedules are more schedules, each with the recorded greeting it
	// plays (FortiVoice "Scheduled: add a Schedule and assign a
	// Greeting"), in ModeScheduled; the first active one wins, before
	// Schedule. See For.
	Schedules []ScheduledGreeting `json:"schedules,omitempty"`
	// TemporaryUntil, when not zero, is when the temporary greeting stops
	// playing (it is kept until erased).
	TemporaryUntil time.Time `json:"temporary_until,omitzero"`
	// Recorded lists the greetings that have a recording, in kind order.
	Recorded []GreetingKind `json:"recorded,omitempty"`
}

// ScheduledGreeting assigns a recorded greeting to a schedule: while the
// schedule is active, calls hear that greeting (in ModeScheduled).
type ScheduledGreeting struct {
	// Schedule is when the greeting plays.
	Schedule schedule.Schedule `json:"schedule"`
	// Greeting is the recording played: GreetingSimple,
	// GreetingScheduled, GreetingBusy or GreetingUnavailable.
	Greeting GreetingKind `json:"greeting"`
}

// MaxSchedules is the most entries Greetings.Schedules may have.
const MaxSchedules = 16

// Validate reports whether the greeting settings can be stored: at most
// MaxSchedules scheduled greetings, each naming a greeting that can be
// assigned to a schedule and a schedule that compiles. It does not
// require the recordings to exist yet (they may be uploaded after).
func (g Greetings) Validate() error {
	if len(g.Schedules) > MaxSchedules {
		return fmt.Errorf("voicemail: greetings: %d schedules, at most %d", len(g.Schedules), MaxSchedules)
	}
	for i, sg := range g.Schedules {
		switch sg.Greeting {
		case GreetingSimple, GreetingScheduled, GreetingBusy, GreetingUnavailable:
		default:
			return fmt.Errorf("voicemail: greetings: schedule %d: greeting %q cannot be scheduled; want simple, scheduled, busy or unavailable", i+1, sg.Greeting)
		}
		if _, err := sg.Schedule.Compile(); err != nil {
			return fmt.Errorf("voicemail: greetings: schedule %d: %w", i+1, err)
		}
	}
	if g.Schedule != nil {
		if _, err := g.Schedule.Compile(); err != nil {
			return fmt.Errorf("voicemail: greetings: schedule: %w", err)
		}
	}
	return nil
}

// Has reports whether greeting k has a recording.
func (g Greetings) Has(k GreetingKind) bool {
	for _, r := range g.Recorded {
		if r == k {
			return true
		}
	}
	return false
}

// with returns g with k marked recorded (on) or not.
func (g Greetings) with(k GreetingKind, on bool) Greetings {
	var out []GreetingKind
	for kk := GreetingSimple; kk <= GreetingName; kk++ {
		if (kk == k && on) || (kk != k && g.Has(kk)) {
			out = append(out, kk)
		}
	}
	g.Recorded = out
	return g
}

// For returns the greeting to play for a call that came for reason at
// time now. Precedence, first match wins:
//
//  1. the temporary greeting, when recorded and now is before
//     TemporaryUntil (or TemporaryUntil is zero);
//  2. in ModeConditional, the busy greeting for ReasonBusy and the
//     unavailable greeting for every other reason, when recorded;
//  3. in ModeScheduled, the greeting of the first entry of Schedules
//     that is active at now and whose greeting is recorded; then the
//     scheduled greeting while Schedule is active at now, when recorded
//     (an invalid schedule is never active);
//  4. in ModeSimple or ModeScheduled, the simple greeting, when recorded;
//  5. the standard greeting.
//
// A mode whose recording is missing falls through to the next rule, so a
// caller always hears something.
func (g Greetings) For(reason Reason, now time.Time) GreetingKind {
	if g.Has(GreetingTemporary) && (g.TemporaryUntil.IsZero() || now.Before(g.TemporaryUntil)) {
		return GreetingTemporary
	}
	switch g.Mode {
	case ModeConditional:
		k := GreetingUnavailable
		if reason == ReasonBusy {
			k = GreetingBusy
		}
		if g.Has(k) {
			return k
		}
	case ModeScheduled:
		for _, sg := range g.Schedules {
			if !g.Has(sg.Greeting) {
				continue
			}
			if c, err := sg.Schedule.Compile(); err == nil && c.ActiveAt(now) {
				return sg.Greeting
			}
		}
		if g.Schedule != nil && g.Has(GreetingScheduled) {
			if c, err := g.Schedule.Compile(); err == nil && c.ActiveAt(now) {
				return GreetingScheduled
			}
		}
		if g.Has(GreetingSimple) {
			return GreetingSimple
		}
	case ModeSimple:
		if g.Has(GreetingSimple) {
			return GreetingSimple
		}
	}
	return GreetingStandard
}
