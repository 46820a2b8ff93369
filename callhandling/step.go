package callhandling

import (
	"strconv"

	"github.com/telekit/telekit/phonenumber"
)

// Call says who is calling the user, as the PBX knows it on INVITE.
type Call struct {
	// Class is where the call comes from.
	Class CallerClass
	// From is the caller's number, parsed by the PBX as received; the zero
	// Number when unknown or withheld.
	From phonenumber.Number
	// Anonymous is set when the caller withheld the number.
	Anonymous bool
}

// Line is the callee's live state when the call arrives.
type Line struct {
	// Devices is how many devices the user has registered and reachable.
	Devices int
	// ActiveCalls is how many calls the user is on.
	ActiveCalls int
}

// Outcome is what happened to a step on the line, reported to [Next]. The
// zero value is OutcomeUnknown, which Next treats like Failed.
type Outcome uint8

// The outcomes of a step, as the PBX learns them from SIP.
const (
	OutcomeUnknown Outcome = iota
	Answered               // someone answered (or the announcement played to the end)
	Busy                   // 486/600: busy everywhere
	NoAnswer               // rang for the step's seconds without answer
	Unavailable            // no device reachable (408, 480, 404)
	Rejected               // the callee declined (603)
	Failed                 // anything else went wrong
	outcomeEnd
)

var outcomeNames = [...]string{"unknown", "answered", "busy", "no answer", "unavailable", "rejected", "failed"}

// String returns the outcome in words, such as "no answer".
func (o Outcome) String() string {
	if o < outcomeEnd {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// StepKind is what a step asks the PBX to do. The zero value is KindDone.
type StepKind uint8

// The kinds of steps.
const (
	// KindDone: nothing more to do; the call ends or stays as it is.
	KindDone StepKind = iota
	// KindRing: ring the user's own devices (when Devices) and the Twins
	// in parallel, for Seconds.
	KindRing
	// KindForward: send the call to Destination (External says whether it
	// leaves through a trunk). The destination's own handling takes over
	// for an extension.
	KindForward
	// KindFollowMe: ring Destination, follow-me leg Leg (1-based), for
	// Seconds; when Confirm, whoever answers must press 1 first.
	KindFollowMe
	// KindPlay: play Announcement to the caller, then report Answered.
	KindPlay
	// KindAutoAttendant: hand the call to the auto attendant AutoAttendant.
	KindAutoAttendant
	// KindVoicemail: take a message, with Reason choosing the greeting.
	KindVoicemail
	// KindReject: reject the call with SIP status Code and Phrase.
	KindReject
	stepKindEnd
)

var stepKindNames = [...]string{"done", "ring", "forward", "follow-me", "play", "auto-attendant", "voicemail", "reject"}

// String returns the kind's name, such as "follow-me".
func (k StepKind) String() string {
	if k < stepKindEnd {
		return stepKindNames[k]
	}
	return "StepKind(" + strconv.Itoa(int(k)) + ")"
}

// VoicemailReason says why a call goes to voicemail, so the mailbox plays
// the matching greeting (busy, unavailable).
type VoicemailReason uint8

// The reasons.
const (
	ReasonNone        VoicemailReason = iota
	ReasonNoAnswer                    // rang without answer
	ReasonBusy                        // the line was busy
	ReasonUnavailable                 // no phone connected, or a quick mode
	ReasonDND                         // do not disturb
	ReasonLocked                      // the phone is locked
	ReasonBlocked                     // the caller is blocked (a Block list process chose voicemail)
	ReasonLoop                        // forwarding would have looped
	reasonEnd
)

var reasonNames = [...]string{"none", "no-answer", "busy", "unavailable", "dnd", "locked", "blocked", "loop"}

// String returns the reason's name, such as "no-answer".
func (r VoicemailReason) String() string {
	if r < reasonEnd {
		return reasonNames[r]
	}
	return "VoicemailReason(" + strconv.Itoa(int(r)) + ")"
}

// MaxTwins is the most twin numbers one ring step rings: the simple twin
// and the scheduled ones.
const MaxTwins = 1 + MaxTwinSchedules

// MaxNotes is the most call-flow notes one step carries.
const MaxNotes = 4

// Step is one decision of the engine: what the PBX does next with the
// call. A Step is a plain value that holds no pointers of its own besides
// strings taken from the Settings it was made from, so making one does
// not allocate; pass it back to [Next] unchanged (its unexported fields
// say where the decision stands).
type Step struct {
	// Kind is what to do; the fields below that apply to it are set.
	Kind StepKind
	// Devices: ring the user's own registered devices (KindRing).
	Devices bool
	// Twins are the twinning numbers that ring alongside, Twins[:NTwins].
	Twins  [MaxTwins]string
	NTwins int
	// Seconds is how long to ring (KindRing, KindFollowMe).
	Seconds int
	// Destination is the number for KindForward and KindFollowMe.
	Destination string
	// External says Destination leaves through a trunk (not an extension).
	External bool
	// Leg is the follow-me leg, 1-based (KindFollowMe).
	Leg int
	// Confirm asks whoever answers to press 1 first (KindFollowMe).
	Confirm bool
	// Announcement is the sound to play (KindPlay).
	Announcement string
	// AutoAttendant is the auto attendant to hand the call to.
	AutoAttendant string
	// Reason is why the call goes to voicemail (KindVoicemail).
	Reason VoicemailReason
	// Code and Phrase are the SIP status to reject with (KindReject).
	Code   int
	Phrase string
	// Notes explain the decision, Notes[:NNotes], for the call log.
	Notes  [MaxNotes]Note
	NNotes int

	cur cursor
}

// cursor is where the decision stands, carried from step to step.
type cursor struct {
	status  Status // status whose process runs (StatusUnknown: none)
	next    int16  // next rule index in that process
	visited uint16 // statuses entered
	fm      int8   // follow-me profile index + 1; 0 when none runs
	leg     int8   // follow-me legs started
	reason  VoicemailReason
	count   uint16 // steps made, a safety bound
}

// TwinList returns the twin numbers to ring. It allocates; the PBX may
// read Twins[:NTwins] instead.
func (s Step) TwinList() []string { return append([]string(nil), s.Twins[:s.NTwins]...) }

// Terminal reports whether the step ends the engine's work: Next will
// only return KindDone after it.
func (s Step) Terminal() bool {
	switch s.Kind {
	case KindDone, KindAutoAttendant, KindVoicemail, KindReject:
		return true
	}
	return false
}

// Flow returns the step's call-flow lines, as the call log stores them.
// It allocates; Notes hold the same without allocating.
func (s Step) Flow() []string {
	out := make([]string, 0, s.NNotes+1)
	for _, n := range s.Notes[:s.NNotes] {
		out = append(out, n.String())
	}
	return append(out, s.describe())
}

// describe says what the step does, in the call-flow style.
func (s Step) describe() string {
	switch s.Kind {
	case KindRing:
		t := "ring"
		if s.Devices {
			t += " phones"
		}
		for _, tw := range s.Twins[:s.NTwins] {
			t += " + twin " + tw
		}
		return t + " for " + strconv.Itoa(s.Seconds) + "s"
	case KindForward:
		if s.External {
			return "forward to external " + s.Destination
		}
		return "forward to extension " + s.Destination
	case KindFollowMe:
		t := "follow me leg " + strconv.Itoa(s.Leg) + ": ring " + s.Destination + " for " + strconv.Itoa(s.Seconds) + "s"
		if s.Confirm {
			t += " (press 1 to accept)"
		}
		return t
	case KindPlay:
		return "play " + s.Announcement
	case KindAutoAttendant:
		return "auto attendant " + s.AutoAttendant
	case KindVoicemail:
		return "voicemail (" + s.Reason.String() + ")"
	case KindReject:
		return "reject " + strconv.Itoa(s.Code) + " " + s.Phrase
	}
	return "done"
}

// NoteCode says which call-flow note a [Note] is.
type NoteCode uint8

// The notes a step can carry.
const (
	NoteNone            NoteCode = iota
	NoteBlacklisted              // the caller is on the system blacklist
	NoteBlocked                  // the caller is on the personal block list
	NoteAnonymous                // anonymous caller and anonymous rejection is on
	NoteSelectiveReject          // the caller is rejected selectively
	NoteLocked                   // the phone is locked
	NoteQuickMode                // a quick mode is in force (Arg: its name)
	NoteDND                      // do not disturb is on
	NoteSelective                // selective forwarding matched
	NoteImmediate                // immediate forwarding is on
	NoteNotConnected             // no device is registered
	NoteLineBusy                 // the user is on a call, no call waiting
	NoteOutcome                  // the previous step's outcome (Arg)
	NoteRule                     // a call-process rule runs (Arg: status, N: 1-based)
	NoteDefault                  // the status's system default action runs (Arg: status)
	NoteLoop                     // forwarding to Arg would loop
	NoteNoVoicemail              // voicemail is off
	NoteFollowMeEnd              // the follow-me list is exhausted
	NoteStepLimit                // the safety bound on steps was reached
	noteEnd
)

// Note is one call-flow line, kept as a code and its argument so that
// making it does not allocate; String renders it.
type Note struct {
	Code NoteCode
	Arg  string
	N    int
}

// String renders the note as a call-flow line.
func (n Note) String() string {
	switch n.Code {
	case NoteBlacklisted:
		return "caller is on the system blacklist"
	case NoteBlocked:
		return "caller is on the personal block list"
	case NoteAnonymous:
		return "anonymous caller rejected"
	case NoteSelectiveReject:
		return "caller rejected by selective call rejection"
	case NoteLocked:
		return "phone is locked"
	case NoteQuickMode:
		return "quick mode " + n.Arg + " is on"
	case NoteDND:
		return "do not disturb is on"
	case NoteSelective:
		return "selective forwarding for this caller"
	case NoteImmediate:
		return "immediate forwarding is on"
	case NoteNotConnected:
		return "no phone connected"
	case NoteLineBusy:
		return "line busy, no call waiting"
	case NoteOutcome:
		return "outcome: " + n.Arg
	case NoteRule:
		return n.Arg + " status: rule " + strconv.Itoa(n.N)
	case NoteDefault:
		return n.Arg + " status: system default action"
	case NoteLoop:
		return "forwarding to " + n.Arg + " would loop"
	case NoteNoVoicemail:
		return "voicemail is off"
	case NoteFollowMeEnd:
		return "follow me list exhausted"
	case NoteStepLimit:
		return "too many steps"
	}
	return ""
}

func (s *Step) note(c NoteCode, arg string, n int) {
	if s.NNotes < MaxNotes {
		s.Notes[s.NNotes] = Note{Code: c, Arg: arg, N: n}
		s.NNotes++
	}
}
