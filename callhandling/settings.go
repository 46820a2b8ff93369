package callhandling

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Settings are one user's call-handling settings, as the portal's Call
// Handling, Call Manager and Preferences pages edit them. The PBX stores the
// value and sends it as JSON unchanged (GET/PUT); [Validate] checks it
// against the system and the directory. The zero value of every field means
// "off" or "the system default". Settings are plain data: copy freely, and
// do not modify one that another goroutine is reading.
type Settings struct {
	// Extension is the user's own extension, such as "803".
	Extension string `json:"extension"`
	// RingSeconds is how long the user's phones ring before the call counts
	// as not answered, in whole seconds; 0 means System.DefaultRingSeconds.
	RingSeconds int `json:"ring_seconds,omitempty"`
	// CallWaiting lets a second call ring while the user is on a call;
	// without it a user on a call is busy.
	CallWaiting bool `json:"call_waiting,omitempty"`
	// Voicemail is whether the user has a mailbox that takes messages.
	Voicemail bool `json:"voicemail,omitempty"`
	// DND is do not disturb: calls take the DND status's handling (by
	// default voicemail, else rejected as busy).
	DND bool `json:"dnd,omitempty"`

	// Statuses are the call processes per status (FortiVoice "User's call
	// handling" and "Quick call handling").
	Statuses Statuses `json:"statuses"`
	// Forwarding holds the forwarding services and saved destinations.
	Forwarding Forwarding `json:"forwarding"`
	// FollowMe lists the follow-me profiles; ActiveFollowMe names the one
	// that runs when the user does not answer.
	FollowMe []FollowMeProfile `json:"follow_me,omitempty"`
	// ActiveFollowMe is the name of the profile tried when a call is not
	// answered (CommPortal and CooVox "Follow Me" on); "" means off. Call
	// processes may name any profile with their FollowMe action.
	ActiveFollowMe string `json:"active_follow_me,omitempty"`
	// Twinning makes other phones ring alongside the user's own.
	Twinning Twinning `json:"twinning"`

	// Blocked is the personal block list: numbers as the user typed them.
	// Calls from them take the Block list status's handling (by default
	// rejected). Extensions cannot be blocked.
	Blocked []string `json:"blocked,omitempty"`
	// RejectAnonymous rejects callers who withhold their number.
	RejectAnonymous bool `json:"reject_anonymous,omitempty"`
	// SelectiveReject rejects calls from chosen numbers, optionally only on
	// a schedule.
	SelectiveReject SelectiveReject `json:"selective_reject"`

	// QuickMode is the effective quick mode (Out of office, Away, Other)
	// and when it expires.
	QuickMode QuickMode `json:"quick_mode"`
	// Lock is the phone's password protection.
	Lock Lock `json:"lock"`
}

// Statuses holds one call process per call-handling status; each field
// is the process of the status of the same name (see [Status]).
type Statuses struct {
	Normal      Process `json:"normal"`
	NoAnswer    Process `json:"no_answer"`
	Busy        Process `json:"busy"`
	DND         Process `json:"dnd"`
	Unavailable Process `json:"unavailable"`
	BlockList   Process `json:"block_list"`
	Voicemail   Process `json:"voicemail"`
	OutOfOffice Process `json:"out_of_office"`
	Away        Process `json:"away"`
	Other       Process `json:"other"`
}

// get returns the process of st, or nil for StatusUnknown.
func (s *Statuses) get(st Status) *Process {
	switch st {
	case StatusNormal:
		return &s.Normal
	case StatusNoAnswer:
		return &s.NoAnswer
	case StatusBusy:
		return &s.Busy
	case StatusDND:
		return &s.DND
	case StatusUnavailable:
		return &s.Unavailable
	case StatusBlockList:
		return &s.BlockList
	case StatusVoicemail:
		return &s.Voicemail
	case StatusOutOfOffice:
		return &s.OutOfOffice
	case StatusAway:
		return &s.Away
	case StatusOther:
		return &s.Other
	}
	return nil
}

// Status is a call-handling status: the situation a call meets, each with
// its own call process. The zero value is StatusUnknown.
type Status uint8

// The statuses, as FortiVoice names them, plus the three quick modes.
const (
	StatusUnknown     Status = iota
	StatusNormal             // the phone is free: system default rings it
	StatusNoAnswer           // the phone rang and nobody answered
	StatusBusy               // the user is on a call without call waiting, or declined
	StatusDND                // do not disturb is on
	StatusUnavailable        // "Phone not connected": no device registered or reachable
	StatusBlockList          // the caller is on the personal block list
	StatusVoicemail          // the call is about to go to voicemail
	StatusOutOfOffice        // quick mode Out of office
	StatusAway               // quick mode Away
	StatusOther              // quick mode Other
	statusEnd
)

var statusNames = [...]string{"Unknown", "Normal", "No answer", "Busy", "Do not disturb", "Phone not connected", "Block list", "Voicemail", "Out of office", "Away", "Other"}

// String returns the status as the portal shows it, such as "No answer".
func (s Status) String() string {
	if s < statusEnd {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Process is a status's call process: the system default action, or an
// ordered list of user-defined rules (FortiVoice "Call Process"). Rules run
// in order; the first whose schedule and callers match runs, and when its
// step ends without the call being answered (a ring not answered, an
// announcement played) the next matching rule runs. When no rule matches
// at all the status's system default action runs.
type Process struct {
	// UserDefined selects Rules over the system default action.
	UserDefined bool `json:"user_defined,omitempty"`
	// Rules are the ordered call-process entries; moving one up or down is
	// reordering the slice.
	Rules []Rule `json:"rules,omitempty"`
}

// Rule is one entry of a call process.
type Rule struct {
	// Schedule names a schedule of System.Schedules during which the rule
	// applies; "" means always.
	Schedule string `json:"schedule,omitempty"`
	// Callers are the caller classes the rule applies to; the empty set
	// means all of them.
	Callers CallerSet `json:"callers,omitempty"`
	// Numbers, when set, restricts the rule to these callers' numbers.
	Numbers []string `json:"numbers,omitempty"`
	// Action is what the rule does.
	Action RuleAction `json:"action"`
	// Destination is the number to forward to (ActionForward).
	Destination string `json:"destination,omitempty"`
	// FollowMe names the follow-me profile (ActionFollowMe).
	FollowMe string `json:"follow_me,omitempty"`
	// Announcement names the sound file to play (ActionPlay).
	Announcement string `json:"announcement,omitempty"`
	// AutoAttendant names the auto attendant (ActionAutoAttendant).
	AutoAttendant string `json:"auto_attendant,omitempty"`
	// Seconds is how long to ring (ActionRing), in whole seconds; 0 means
	// the user's ring time.
	Seconds int `json:"seconds,omitempty"`
}

// RuleAction is what a call-process rule does. The zero value is
// ActionDefault, the status's system default action.
type RuleAction uint8

// The call-process actions of the FortiVoice Call Process dialog.
const (
	ActionDefault       RuleAction = iota // the status's system default action
	ActionRing                            // ring the phone (and twins)
	ActionForward                         // forward to Destination
	ActionFollowMe                        // run the follow-me profile FollowMe
	ActionPlay                            // play Announcement, then go on
	ActionAutoAttendant                   // hand the call to AutoAttendant
	ActionVoicemail                       // voicemail
	ActionReject                          // reject as busy
	ruleActionEnd
)

var ruleActionNames = [...]string{"default", "ring", "forward", "follow_me", "play", "auto_attendant", "voicemail", "reject"}

// String returns the action's text form, such as "follow_me".
func (a RuleAction) String() string {
	if a < ruleActionEnd {
		return ruleActionNames[a]
	}
	return "RuleAction(" + strconv.Itoa(int(a)) + ")"
}

// MarshalText writes the action's text form.
func (a RuleAction) MarshalText() ([]byte, error) {
	if a >= ruleActionEnd {
		return nil, fmt.Errorf("callhandling: unknown rule action %d", uint8(a))
	}
	return []byte(ruleActionNames[a]), nil
}

// UnmarshalText reads an action's text form.
func (a *RuleAction) UnmarshalText(b []byte) error {
	for i, n := range ruleActionNames {
		if n == string(b) {
			*a = RuleAction(i)
			return nil
		}
	}
	return fmt.Errorf("callhandling: unknown rule action %q", b)
}

// CallerClass is where a call comes from. The zero value is ClassUnknown,
// which only rules for all callers match.
type CallerClass uint8

// The caller classes of the FortiVoice call process.
const (
	ClassUnknown    CallerClass = iota
	ClassInternal               // another extension of this PBX
	ClassExternal               // the public network, through a trunk
	ClassOfficePeer             // an extension of a peered office PBX
	classEnd
)

var classNames = [...]string{"unknown", "internal", "external", "office_peer"}

// String returns "internal", "external", "office_peer" or "unknown".
func (c CallerClass) String() string {
	if c < classEnd {
		return classNames[c]
	}
	return "CallerClass(" + strconv.Itoa(int(c)) + ")"
}

// CallerSet is a set of caller classes; the empty set means every class.
// It is JSON as a list of class names: ["internal","office_peer"].
type CallerSet uint8

// Callers returns the set of the given classes.
func Callers(cs ...CallerClass) CallerSet {
	var s CallerSet
	for _, c := range cs {
		s |= 1 << c
	}
	return s
}

// Has reports whether calls of class c match the set.
func (s CallerSet) Has(c CallerClass) bool { return s == 0 || s&(1<<c) != 0 }

// covers reports whether s matches every class t matches.
func (s CallerSet) covers(t CallerSet) bool {
	return s == 0 || (t != 0 && s&t == t)
}

// MarshalJSON writes the set as a list of class names.
func (s CallerSet) MarshalJSON() ([]byte, error) {
	names := []string{}
	for c := ClassInternal; c < classEnd; c++ {
		if s&(1<<c) != 0 {
			names = append(names, c.String())
		}
	}
	return json.Marshal(names)
}

// UnmarshalJSON reads a list of class names.
func (s *CallerSet) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return fmt.Errorf("callhandling: callers: %w", err)
	}
	var set CallerSet
	for _, n := range names {
		found := false
		for c := ClassInternal; c < classEnd; c++ {
			if classNames[c] == n {
				set |= 1 << c
				found = true
			}
		}
		if !found {
			return fmt.Errorf("callhandling: unknown caller class %q", n)
		}
	}
	*s = set
	return nil
}

// Forwarding holds the CommPortal forwarding services.
type Forwarding struct {
	// Immediate forwards every call as soon as it arrives.
	Immediate Forward `json:"immediate"`
	// Busy forwards calls when the line is busy.
	Busy Forward `json:"busy"`
	// NoAnswer forwards calls not answered within Seconds.
	NoAnswer Forward `json:"no_answer"`
	// Unavailable forwards calls when no phone is connected.
	Unavailable Forward `json:"unavailable"`
	// Selective forwards calls from chosen callers as soon as they arrive.
	Selective []SelectiveForward `json:"selective,omitempty"`
	// Destinations are numbers the user forwards to often, saved for the
	// portal's pickers.
	Destinations []Destination `json:"destinations,omitempty"`
}

// Forward is one forwarding service. Turning it off keeps the destination,
// so *71 without a number can turn it back on in the portal.
type Forward struct {
	// Active turns the service on.
	Active bool `json:"active,omitempty"`
	// Destination is the number calls go to: an extension or an external
	// number as the user dials it.
	Destination string `json:"destination,omitempty"`
	// Seconds is, for no-answer forwarding, how long the phone rings first,
	// in whole seconds; 0 means the user's ring time. Ignored elsewhere.
	Seconds int `json:"seconds,omitempty"`
}

// SelectiveForward forwards calls from chosen numbers.
type SelectiveForward struct {
	// Active turns this selective forwarding on.
	Active bool `json:"active,omitempty"`
	// Numbers are the callers whose calls are forwarded.
	Numbers []string `json:"numbers"`
	// Destination is where their calls go.
	Destination string `json:"destination"`
	// Schedule names a schedule of System.Schedules; "" means always.
	Schedule string `json:"schedule,omitempty"`
}

// Destination is a saved forwarding destination.
type Destination struct {
	// Name is the label the portal shows, such as "Mobile".
	Name string `json:"name"`
	// Number is the destination as the user dials it.
	Number string `json:"number"`
}

// FollowMeProfile is a follow-me profile: the user's own phones ring
// first for OwnSeconds (when the profile starts the call; when it starts
// after an unanswered ring they have rung already), then each number in
// turn, then voicemail or hang-up.
type FollowMeProfile struct {
	// Name identifies the profile in rules and ActiveFollowMe.
	Name string `json:"name"`
	// OwnSeconds is how long the extension rings before the list starts,
	// in whole seconds; 0 means the user's ring time.
	OwnSeconds int `json:"own_seconds,omitempty"`
	// Numbers are tried one after another.
	Numbers []FollowMeNumber `json:"numbers"`
	// Confirm asks whoever answers an external leg to press 1 (prompt
	// ch-followme-call), so a mobile's voicemail cannot take the call.
	Confirm bool `json:"confirm,omitempty"`
	// HangUp ends the call when the list is exhausted instead of going to
	// voicemail.
	HangUp bool `json:"hang_up,omitempty"`
}

// FollowMeNumber is one leg of a follow-me profile.
type FollowMeNumber struct {
	// Number is an extension or external number as the user dials it.
	Number string `json:"number"`
	// Seconds is how long this number rings, in whole seconds; 0 means the
	// user's ring time.
	Seconds int `json:"seconds,omitempty"`
}

// MaxTwinSchedules is the most scheduled twinning numbers (FortiVoice:
// three).
const MaxTwinSchedules = 3

// Twinning rings other phones alongside the user's own.
type Twinning struct {
	// Active turns simple twinning on (FortiVoice "Operation status").
	Active bool `json:"active,omitempty"`
	// Number is the simple twin.
	Number string `json:"number,omitempty"`
	// Scheduled twins ring when their schedule is active, at most
	// MaxTwinSchedules of them.
	Scheduled []ScheduledTwin `json:"scheduled,omitempty"`
}

// ScheduledTwin is a twin number that rings during a schedule.
type ScheduledTwin struct {
	// Number is the twin phone's number.
	Number string `json:"number"`
	// Schedule names a schedule of System.Schedules.
	Schedule string `json:"schedule"`
}

// SelectiveReject rejects calls from chosen numbers.
type SelectiveReject struct {
	// Active turns selective rejection on.
	Active bool `json:"active,omitempty"`
	// Numbers are the callers rejected.
	Numbers []string `json:"numbers,omitempty"`
	// Schedule names a schedule of System.Schedules; "" means always.
	Schedule string `json:"schedule,omitempty"`
}

// Mode is a quick mode. The zero value is ModeNone.
type Mode uint8

// The FortiVoice quick modes.
const (
	ModeNone Mode = iota
	ModeOutOfOffice
	ModeAway
	ModeOther
	modeEnd
)

var modeNames = [...]string{"none", "out_of_office", "away", "other"}
var modeTitles = [...]string{"No quick mode", "Out of office", "Away", "Other"}

// String returns the mode as the portal shows it, such as "Out of office".
func (m Mode) String() string {
	if m < modeEnd {
		return modeTitles[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText writes "none", "out_of_office", "away" or "other".
func (m Mode) MarshalText() ([]byte, error) {
	if m >= modeEnd {
		return nil, fmt.Errorf("callhandling: unknown quick mode %d", uint8(m))
	}
	return []byte(modeNames[m]), nil
}

// UnmarshalText reads a mode's text form.
func (m *Mode) UnmarshalText(b []byte) error {
	for i, n := range modeNames {
		if n == string(b) {
			*m = Mode(i)
			return nil
		}
	}
	return fmt.Errorf("callhandling: unknown quick mode %q", b)
}

func (m Mode) status() Status {
	switch m {
	case ModeOutOfOffice:
		return StatusOutOfOffice
	case ModeAway:
		return StatusAway
	case ModeOther:
		return StatusOther
	}
	return StatusUnknown
}

// QuickMode is the effective quick mode.
type QuickMode struct {
	// Mode is the quick mode; ModeNone when none is set.
	Mode Mode `json:"mode"`
	// Until is when the mode expires; the zero time means it never does.
	Until time.Time `json:"until,omitzero"`
}

// ActiveAt reports whether the quick mode is in force at now.
func (q QuickMode) ActiveAt(now time.Time) bool {
	return q.Mode != ModeNone && (q.Until.IsZero() || now.Before(q.Until))
}

// Lock is the phone's password protection (VoipNow): while Locked the
// phone places no calls but emergency ones and receives none (they go to
// voicemail when it is on).
type Lock struct {
	// Enabled turns password protection on; *11 works only then.
	Enabled bool `json:"enabled,omitempty"`
	// Password is 3 to 12 digits dialled after *11.
	Password string `json:"password,omitempty"`
	// Locked is whether the phone is blocked now.
	Locked bool `json:"locked,omitempty"`
}
