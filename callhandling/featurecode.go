package callhandling

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Action is what a feature code asks the PBX to do. The zero value is
// ActionUnknown; every other value has a stable name ([Action.String]) that
// is also its text form in configuration files.
type Action uint8

// The actions a feature code can ask for. Settings actions (forwarding,
// DND, block list, quick modes, phone lock) change the dialling user's
// call-handling settings; call-control actions (pickup, park, transfer,
// spy, intercom, recording, conference) are carried out by the PBX on live
// calls.
const (
	ActionUnknown Action = iota

	ForwardAllSet           // set immediate (unconditional) forwarding to Arg
	ForwardAllClear         // clear immediate forwarding
	ForwardBusySet          // set forwarding on busy to Arg
	ForwardBusyClear        // clear forwarding on busy
	ForwardNoAnswerSet      // set forwarding on no answer to Arg
	ForwardNoAnswerClear    // clear forwarding on no answer
	ForwardUnavailableSet   // set forwarding when no phone is registered to Arg
	ForwardUnavailableClear // clear forwarding when unavailable
	DNDOn                   // turn do-not-disturb on
	DNDOff                  // turn do-not-disturb off
	DNDToggle               // flip do-not-disturb
	BlacklistAdd            // add Arg (or a number asked for) to the block list
	BlacklistLastCaller     // add the last caller to the block list
	BlacklistRemove         // remove Arg (or a number asked for) from the block list
	QuickModeOutOfOffice    // enter the Out of office quick mode
	QuickModeAway           // enter the Away quick mode
	QuickModeOther          // enter the Other quick mode
	QuickModeCancel         // cancel the quick mode, back to the regular handling
	PhoneLockToggle         // lock or unlock the phone with the password Arg (or asked for)
	VoicemailAny            // voicemail main menu: any mailbox, asked for
	VoicemailOwn            // the caller's own mailbox
	CallPickup              // pick up a call ringing in the caller's group
	DirectedPickup          // pick up the call ringing at extension Arg
	CallPark                // park the current call (dialled as a transfer target)
	Transfer                // attended transfer of the current call to Arg (or asked for)
	Intercom                // two-way intercom to extension Arg
	Page                    // one-way page to extension Arg
	Spy                     // listen to extension Arg's call, muted
	Whisper                 // listen to extension Arg's call and talk to Arg only
	Barge                   // join extension Arg's call, talking to both parties
	RecordStart             // start or resume recording the current call
	RecordPause             // pause recording the current call
	ConferenceCreate        // create an ad-hoc conference (room password asked for)
	ConferenceJoin          // join, or add the current call to, the user's conference
	QueuePause              // call-queue agent: stop receiving queue calls
	QueueResume             // call-queue agent: receive queue calls again
	WakeupMenu              // wake-up call menu
	WakeupSet               // add a wake-up call at Arg (MMDDhhmm)
	WakeupCancelAll         // cancel all wake-up calls
	actionEnd               // not an action: one past the last
)

var actionNames = [...]string{
	ActionUnknown:           "Unknown",
	ForwardAllSet:           "ForwardAllSet",
	ForwardAllClear:         "ForwardAllClear",
	ForwardBusySet:          "ForwardBusySet",
	ForwardBusyClear:        "ForwardBusyClear",
	ForwardNoAnswerSet:      "ForwardNoAnswerSet",
	ForwardNoAnswerClear:    "ForwardNoAnswerClear",
	ForwardUnavailableSet:   "ForwardUnavailableSet",
	ForwardUnavailableClear: "ForwardUnavailableClear",
	DNDOn:                   "DNDOn",
	DNDOff:                  "DNDOff",
	DNDToggle:               "DNDToggle",
	BlacklistAdd:            "BlacklistAdd",
	BlacklistLastCaller:     "BlacklistLastCaller",
	BlacklistRemove:         "BlacklistRemove",
	QuickModeOutOfOffice:    "QuickModeOutOfOffice",
	QuickModeAway:           "QuickModeAway",
	QuickModeOther:          "QuickModeOther",
	QuickModeCancel:         "QuickModeCancel",
	PhoneLockToggle:         "PhoneLockToggle",
	VoicemailAny:            "VoicemailAny",
	VoicemailOwn:            "VoicemailOwn",
	CallPickup:              "CallPickup",
	DirectedPickup:          "DirectedPickup",
	CallPark:                "CallPark",
	Transfer:                "Transfer",
	Intercom:                "Intercom",
	Page:                    "Page",
	Spy:                     "Spy",
	Whisper:                 "Whisper",
	Barge:                   "Barge",
	RecordStart:             "RecordStart",
	RecordPause:             "RecordPause",
	ConferenceCreate:        "ConferenceCreate",
	ConferenceJoin:          "ConferenceJoin",
	QueuePause:              "QueuePause",
	QueueResume:             "QueueResume",
	WakeupMenu:              "WakeupMenu",
	WakeupSet:               "WakeupSet",
	WakeupCancelAll:         "WakeupCancelAll",
}

// String returns the action's name, such as "ForwardBusySet", or
// "Action(n)" for a value outside the defined set.
func (a Action) String() string {
	if a < actionEnd {
		return actionNames[a]
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// MarshalText writes the action's name, so tables can live in JSON or
// other text configuration. It fails for values outside the defined set.
func (a Action) MarshalText() ([]byte, error) {
	if a >= actionEnd {
		return nil, fmt.Errorf("callhandling: unknown action %d", uint8(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText reads an action's name as written by [Action.MarshalText].
func (a *Action) UnmarshalText(text []byte) error {
	for i, n := range actionNames {
		if n == string(text) {
			*a = Action(i)
			return nil
		}
	}
	return fmt.Errorf("callhandling: unknown action %q", text)
}

// ArgKind is the grammar of what follows a feature code. Every kind but
// ArgDestination may end with an optional '#', since phones and users
// often press it to dial at once; ArgDestination must end with '#',
// because a destination has no fixed length and only the '#' says that it
// is complete.
type ArgKind uint8

// The argument grammars. Digit counts come from [CodeDef.Min] and
// [CodeDef.Max].
const (
	// ArgNone: the code alone, optionally followed by '#' ("*74", "*071#").
	ArgNone ArgKind = iota
	// ArgDigits: Min to Max digits (default 1 to MaxArgDigits), optionally
	// followed by '#' ("*55*03010730").
	ArgDigits
	// ArgDestination: Min to Max digits (default 2 to MaxArgDigits) that
	// must be followed by '#' ("*71803#").
	ArgDestination
	// ArgPassword: Min to Max digits (default 3 to 12), optionally followed
	// by '#' ("*111234").
	ArgPassword
	argKindEnd
)

var argKindNames = [...]string{
	ArgNone:        "none",
	ArgDigits:      "digits",
	ArgDestination: "destination",
	ArgPassword:    "password",
}

// String returns the kind's name: "none", "digits", "destination" or
// "password".
func (k ArgKind) String() string {
	if k < argKindEnd {
		return argKindNames[k]
	}
	return "ArgKind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind's name.
func (k ArgKind) MarshalText() ([]byte, error) {
	if k >= argKindEnd {
		return nil, fmt.Errorf("callhandling: unknown argument kind %d", uint8(k))
	}
	return []byte(argKindNames[k]), nil
}

// UnmarshalText reads a kind's name as written by [ArgKind.MarshalText].
func (k *ArgKind) UnmarshalText(text []byte) error {
	for i, n := range argKindNames {
		if n == string(text) {
			*k = ArgKind(i)
			return nil
		}
	}
	return fmt.Errorf("callhandling: unknown argument kind %q", text)
}

// MaxArgDigits is the most digits any feature-code argument may have, and
// the default Max for ArgDigits and ArgDestination. It keeps the table
// analysis in [NewCodeTable] small and matches the longest E.164 number
// with a dial prefix and an extension.
const MaxArgDigits = 32

// CodeDef defines one feature code of a [CodeTable].
type CodeDef struct {
	// Code is what the user dials first: '*' followed by at least one digit
	// or '*' ("*72", "**", "*55*"). It may not contain '#'.
	Code string `json:"code"`
	// Action is what the code asks for; it may not be ActionUnknown.
	// Several codes may share an action.
	Action Action `json:"action"`
	// Arg is the grammar of what follows Code.
	Arg ArgKind `json:"arg"`
	// Min and Max bound the number of digits in the argument; zero means
	// the default of the kind (see [ArgKind]). Both must be zero for
	// ArgNone.
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
	// Optional lets the argument be left out: the code alone (or with '#')
	// then parses to an [Intent] with an empty Arg, and the PBX asks for
	// the argument with a prompt ("dial *75#, then the number").
	Optional bool `json:"optional,omitempty"`
}

// bounds returns the effective digit bounds of d.
func (d CodeDef) bounds() (lo, hi int) {
	lo, hi = d.Min, d.Max
	switch d.Arg {
	case ArgDigits:
		if lo == 0 {
			lo = 1
		}
		if hi == 0 {
			hi = MaxArgDigits
		}
	case ArgDestination:
		if lo == 0 {
			lo = 2
		}
		if hi == 0 {
			hi = MaxArgDigits
		}
	case ArgPassword:
		if lo == 0 {
			lo = 3
		}
		if hi == 0 {
			hi = 12
		}
	}
	return lo, hi
}

// need describes, for error messages, what the code expects after it.
func (d CodeDef) need() string {
	lo, hi := d.bounds()
	var count string
	switch {
	case lo == hi:
		count = strconv.Itoa(lo)
	case hi == MaxArgDigits:
		count = "at least " + strconv.Itoa(lo)
	default:
		count = strconv.Itoa(lo) + " to " + strconv.Itoa(hi)
	}
	var what string
	switch d.Arg {
	case ArgNone:
		return "takes no argument"
	case ArgDigits:
		what = count + " digits"
	case ArgDestination:
		what = "a destination of " + count + " digits ending with #"
	case ArgPassword:
		what = "a password of " + count + " digits"
	}
	if d.Optional {
		return "takes nothing (to be asked for it) or " + what
	}
	return "needs " + what
}

// match reports whether rest, what was dialled after d.Code, is a valid
// argument for d, and returns the argument's digits (a substring of rest).
func (d CodeDef) match(rest string) (arg string, ok bool) {
	body, term := rest, false
	if n := len(rest); n > 0 && rest[n-1] == '#' {
		body, term = rest[:n-1], true
	}
	if body == "" {
		return "", d.Arg == ArgNone || d.Optional
	}
	if d.Arg == ArgNone || (d.Arg == ArgDestination && !term) {
		return "", false
	}
	lo, hi := d.bounds()
	if len(body) < lo || len(body) > hi {
		return "", false
	}
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return "", false
		}
	}
	return body, true
}

// Intent is what a dialled feature code asks for, ready for the PBX to
// carry out.
type Intent struct {
	// Action is what to do.
	Action Action
	// Code is the table's code that was dialled, such as "*72".
	Code string
	// Kind is the grammar of Arg, so the PBX knows whether Arg is a
	// destination to normalise (package phonenumber), a password to check,
	// or plain digits.
	Kind ArgKind
	// Arg is the argument's digits without the terminating '#'; empty when
	// the code takes none, or when it was optional and left out, in which
	// case the PBX asks for it (see [Intent.NeedsArg]).
	Arg string
}

// NeedsArg reports whether the code takes an argument that was left out,
// so the PBX must ask for it with a prompt before acting.
func (in Intent) NeedsArg() bool { return in.Kind != ArgNone && in.Arg == "" }

// ErrNotFeatureCode is returned by [CodeTable.Parse] when the dialled
// string does not begin with any code of the table: the PBX routes it like
// any other number (or rejects it, as it would an unknown number).
var ErrNotFeatureCode = errors.New("callhandling: not a feature code")

// CodeError is returned by [CodeTable.Parse] when the dialled string
// begins with a known code but what follows is not a valid argument for
// it.
type CodeError struct {
	// Code is the table's code the dialled string begins with (the longest
	// one, when several codes are prefixes of it).
	Code string
	// Dialled is the whole dialled string.
	Dialled string
	// Reason says what the code expects, such as "needs a destination of
	// at least 2 digits ending with #".
	Reason string
}

// Error returns the code followed by the reason, such as "*72 needs a
// destination of at least 2 digits ending with #".
func (e *CodeError) Error() string {
	return "callhandling: " + e.Code + " " + e.Reason + " (dialled " + strconv.Quote(e.Dialled) + ")"
}

// DefError is returned by [NewCodeTable] for a definition that is invalid
// on its own or that repeats another's code.
type DefError struct {
	// Index is the definition's position in the slice given to NewCodeTable.
	Index int
	// Code is the definition's code as given.
	Code string
	// Reason says what is wrong.
	Reason string
}

// Error names the definition and the reason.
func (e *DefError) Error() string {
	return fmt.Sprintf("callhandling: feature code %d (%q): %s", e.Index, e.Code, e.Reason)
}

// AmbiguityError is returned by [NewCodeTable] when one dialled string
// would parse under two codes of the table.
type AmbiguityError struct {
	// A and B are the two definitions, in table order.
	A, B CodeDef
	// Dialled is a shortest string that both accept.
	Dialled string
}

// Error names both codes, their grammars and the string both accept.
func (e *AmbiguityError) Error() string {
	return fmt.Sprintf("callhandling: feature codes %s (%s, %s) and %s (%s, %s) are ambiguous: %q matches both",
		e.A.Code, e.A.Action, describeArg(e.A), e.B.Code, e.B.Action, describeArg(e.B), e.Dialled)
}

func describeArg(d CodeDef) string {
	if d.Arg == ArgNone {
		return "no argument"
	}
	lo, hi := d.bounds()
	s := fmt.Sprintf("%s of %d-%d digits", d.Arg, lo, hi)
	if d.Arg == ArgDestination {
		s += " ending with #"
	} else {
		s += " with optional #"
	}
	if d.Optional {
		s = "optional " + s
	}
	return s
}

// CodeTable is a validated, unambiguous set of feature codes: the dialect
// a PBX speaks. Build it with [NewCodeTable]; it is immutable afterwards
// and safe for concurrent use.
type CodeTable struct {
	defs    []CodeDef
	byCode  map[string]int
	maxCode int // length of the longest code
}

// NewCodeTable validates defs and returns the table. It fails with a
// *[DefError] for an empty code, a code that does not start with '*' or
// holds anything but digits and '*', ActionUnknown, bad digit bounds, or a
// code given twice; and with an *[AmbiguityError] when the table is
// ambiguous.
//
// The rule: a table is unambiguous when every dialled string is accepted
// by at most one code, where code C with its argument grammar accepts
// exactly the strings C+arg described by [ArgKind] (and C alone, or C+"#",
// when the argument is optional). Within one code a string has at most one
// reading, so an unambiguous table gives every dialled string at most one
// (code, argument) parse. NewCodeTable decides this exactly, not by
// sampling: each code's grammar is a small deterministic automaton, and the
// product automaton of every pair of codes where one is a prefix of the
// other is searched for a common accepted string; the shortest one found
// is reported as the witness. So "*72"+destination (which needs '#' and at
// least 2 digits) and "*720" with no argument coexist, while "*7" with
// unterminated digits and "*72" do not ("*72" reads both ways).
//
// Overlap dialling is a separate concern: a string may be complete under
// one code and a prefix of a longer valid string under another ("*75" and
// "*75123#"); see [CodeTable.MayContinue].
func NewCodeTable(defs []CodeDef) (*CodeTable, error) {
	t := &CodeTable{defs: make([]CodeDef, len(defs)), byCode: make(map[string]int, len(defs))}
	copy(t.defs, defs)
	for i, d := range t.defs {
		if err := checkDef(d); err != "" {
			return nil, &DefError{Index: i, Code: d.Code, Reason: err}
		}
		if j, dup := t.byCode[d.Code]; dup {
			return nil, &DefError{Index: i, Code: d.Code, Reason: fmt.Sprintf("code already defined by feature code %d (%s)", j, t.defs[j].Action)}
		}
		t.byCode[d.Code] = i
		t.maxCode = max(t.maxCode, len(d.Code))
	}
	for i := range t.defs {
		for j := i + 1; j < len(t.defs); j++ {
			a, b := t.defs[i], t.defs[j]
			if !strings.HasPrefix(a.Code, b.Code) && !strings.HasPrefix(b.Code, a.Code) {
				// Both automata read their codes literally first, so they part
				// ways at the first differing character of the codes.
				continue
			}
			if w, ok := intersect(a, b); ok {
				return nil, &AmbiguityError{A: a, B: b, Dialled: w}
			}
		}
	}
	return t, nil
}

func checkDef(d CodeDef) string {
	if d.Code == "" {
		return "empty code"
	}
	if d.Code[0] != '*' {
		return "code must start with *"
	}
	if len(d.Code) < 2 {
		return "code must have at least one digit or * after the first *"
	}
	for i := 1; i < len(d.Code); i++ {
		if c := d.Code[i]; c != '*' && (c < '0' || c > '9') {
			return fmt.Sprintf("code may hold only digits and *, not %q", c)
		}
	}
	if d.Action == ActionUnknown || d.Action >= actionEnd {
		return "unknown action " + d.Action.String()
	}
	if d.Arg >= argKindEnd {
		return "unknown argument kind " + d.Arg.String()
	}
	if d.Arg == ArgNone {
		if d.Min != 0 || d.Max != 0 || d.Optional {
			return "a code with no argument takes no Min, Max or Optional"
		}
		return ""
	}
	lo, hi := d.bounds()
	if lo < 1 || hi < lo || hi > MaxArgDigits {
		return fmt.Sprintf("argument bounds %d-%d: need 1 <= Min <= Max <= %d", lo, hi, MaxArgDigits)
	}
	return ""
}

// The automaton of one definition. States: 0..len(Code)-1 have read that
// many characters of the code; len(Code)+k has read the code and k
// argument digits (0 <= k <= hi); done has read the final '#'. -1 is dead.
type automaton struct {
	d      CodeDef
	lo, hi int
	done   int
}

func newAutomaton(d CodeDef) automaton {
	lo, hi := d.bounds()
	if d.Arg == ArgNone {
		lo, hi = 0, 0
	}
	return automaton{d: d, lo: lo, hi: hi, done: len(d.Code) + hi + 1}
}

func (a automaton) step(s int, c byte) int {
	n := len(a.d.Code)
	switch {
	case s < 0 || s == a.done:
		return -1
	case s < n:
		if a.d.Code[s] == c {
			return s + 1
		}
		return -1
	}
	k := s - n
	if c >= '0' && c <= '9' {
		if a.d.Arg != ArgNone && k < a.hi {
			return s + 1
		}
		return -1
	}
	if c == '#' && a.acceptsHash(k) {
		return a.done
	}
	return -1
}

// acceptsHash reports whether '#' may follow k argument digits.
func (a automaton) acceptsHash(k int) bool {
	if k == 0 {
		return a.d.Arg == ArgNone || a.d.Optional
	}
	return k >= a.lo
}

func (a automaton) accepts(s int) bool {
	n := len(a.d.Code)
	if s == a.done {
		return true
	}
	if s < n {
		return false
	}
	k := s - n
	if k == 0 {
		return a.d.Arg == ArgNone || a.d.Optional
	}
	return a.d.Arg != ArgDestination && k >= a.lo
}

const alphabet = "0123456789*#"

// intersect searches the product of the two definitions' automata
// breadth-first and returns a shortest string both accept.
func intersect(x, y CodeDef) (string, bool) {
	ax, ay := newAutomaton(x), newAutomaton(y)
	type pair struct{ s, t int }
	type visit struct {
		from pair
		c    byte
	}
	seen := map[pair]visit{{0, 0}: {}}
	queue := []pair{{0, 0}}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if ax.accepts(p.s) && ay.accepts(p.t) {
			var b []byte
			for q := p; q != (pair{0, 0}); q = seen[q].from {
				b = append(b, seen[q].c)
			}
			for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
				b[i], b[j] = b[j], b[i]
			}
			return string(b), true
		}
		for i := 0; i < len(alphabet); i++ {
			q := pair{ax.step(p.s, alphabet[i]), ay.step(p.t, alphabet[i])}
			if q.s < 0 || q.t < 0 {
				continue
			}
			if _, ok := seen[q]; ok {
				continue
			}
			seen[q] = visit{from: p, c: alphabet[i]}
			queue = append(queue, q)
		}
	}
	return "", false
}

// Defs returns a copy of the table's definitions in their original order.
func (t *CodeTable) Defs() []CodeDef {
	return append([]CodeDef(nil), t.defs...)
}

// Lookup returns the first definition for action, so a portal can tell the
// user what to dial ("dial *72, the number, then #").
func (t *CodeTable) Lookup(action Action) (CodeDef, bool) {
	for _, d := range t.defs {
		if d.Action == action {
			return d, true
		}
	}
	return CodeDef{}, false
}

// Parse reads a complete dialled string, such as "*71803#", and returns
// the intent. It returns [ErrNotFeatureCode] when dialled does not begin
// with any code of the table (including every string that does not begin
// with '*', so emergency and ordinary numbers are never feature codes), and
// a *[CodeError] when it begins with a code but the rest is not a valid
// argument for it. The returned Arg is a substring of dialled. Parse does
// not allocate unless it fails with a *CodeError.
func (t *CodeTable) Parse(dialled string) (Intent, error) {
	if len(dialled) < 2 || dialled[0] != '*' {
		return Intent{}, ErrNotFeatureCode
	}
	longest := -1
	for n := 2; n <= len(dialled) && n <= t.maxCode; n++ {
		i, ok := t.byCode[dialled[:n]]
		if !ok {
			continue
		}
		longest = i
		d := &t.defs[i]
		if arg, ok := d.match(dialled[n:]); ok {
			return Intent{Action: d.Action, Code: d.Code, Kind: d.Arg, Arg: arg}, nil
		}
	}
	if longest < 0 {
		return Intent{}, ErrNotFeatureCode
	}
	d := t.defs[longest]
	return Intent{}, &CodeError{Code: d.Code, Dialled: dialled, Reason: d.need()}
}

// MayContinue reports whether more keys could still make dialled a valid
// feature code, or a different one than it is now, for a PBX collecting
// digits one by one (overlap dialling). False means act now: [CodeTable.Parse]
// gives the final answer. True means keep collecting until '#', the
// inter-digit timeout, or MayContinue turning false, then Parse.
//
// A trailing '#' alone does not count as more: "*74" is complete and
// MayContinue("*74") is false, though "*74#" also parses. "*7180" is true
// (the destination still needs its '#'), and so is "*75" in the default
// table: it already parses (block a number, to be asked for), but
// "*75123#" would say the number at once.
func (t *CodeTable) MayContinue(dialled string) bool {
	if dialled == "" || dialled[0] != '*' {
		return false
	}
	for i := range t.defs {
		d := &t.defs[i]
		if !strings.HasPrefix(dialled, d.Code) && !strings.HasPrefix(d.Code, dialled) {
			continue
		}
		a := newAutomaton(*d)
		s := 0
		for j := 0; j < len(dialled) && s >= 0; j++ {
			s = a.step(s, dialled[j])
		}
		switch {
		case s < 0 || s == a.done:
			continue
		case s < len(d.Code):
			return true
		}
		k := s - len(d.Code)
		if d.Arg != ArgNone && k < a.hi {
			return true // another digit fits, and the grammar can still end after it
		}
		if a.acceptsHash(k) && !a.accepts(s) {
			return true // only the '#' is missing
		}
	}
	return false
}

// Format returns the canonical dialled string for in: its code, then its
// Arg followed by '#' when there is one ("*71803#", "*74", "*75"). Parse
// of the result gives in back. Format fails when in.Code is not in the
// table, or in's action, kind or argument does not fit it.
func (t *CodeTable) Format(in Intent) (string, error) {
	i, ok := t.byCode[in.Code]
	if !ok {
		return "", fmt.Errorf("callhandling: format %s: code %q is not in the table", in.Action, in.Code)
	}
	d := t.defs[i]
	if d.Action != in.Action || d.Arg != in.Kind {
		return "", fmt.Errorf("callhandling: format: code %s is %s with %s, not %s with %s", d.Code, d.Action, d.Arg, in.Action, in.Kind)
	}
	s := d.Code
	if in.Arg != "" {
		s += in.Arg + "#"
	}
	if _, ok := d.match(s[len(d.Code):]); !ok {
		return "", &CodeError{Code: d.Code, Dialled: s, Reason: d.need()}
	}
	return s, nil
}

// DefaultCodes returns the default feature codes, as users of the CooVox,
// FortiVoice and VoipNow portals know them (the manuals in the project's
// seed documents), plus the softphone's conference code and forwarding when
// unavailable, which no manual gives a code for. The table they make is
// unambiguous (NewCodeTable accepts it). The slice is new on every call;
// change it freely to build a dialect.
func DefaultCodes() []CodeDef {
	dest := func(code string, a Action) CodeDef { return CodeDef{Code: code, Action: a, Arg: ArgDestination} }
	none := func(code string, a Action) CodeDef { return CodeDef{Code: code, Action: a} }
	return []CodeDef{
		// CooVox "Call Forward": *71/*72/*73 + number + #, *071/*072/*073 (#) to clear.
		dest("*71", ForwardAllSet),
		none("*071", ForwardAllClear),
		dest("*72", ForwardBusySet),
		none("*072", ForwardBusyClear),
		dest("*73", ForwardNoAnswerSet),
		none("*073", ForwardNoAnswerClear),
		// No manual gives a code for forwarding when unavailable; telekit
		// follows the *7x/*07x pattern.
		dest("*77", ForwardUnavailableSet),
		none("*077", ForwardUnavailableClear),
		// CooVox "Do Not Disturb": *74 on, *074 off.
		none("*74", DNDOn),
		none("*074", DNDOff),
		// CooVox "Blacklist": *75# then the number (issue 4: or *75 number #),
		// *76# the last caller, *075 (#) then the number to remove.
		{Code: "*75", Action: BlacklistAdd, Arg: ArgDestination, Optional: true},
		none("*76", BlacklistLastCaller),
		{Code: "*075", Action: BlacklistRemove, Arg: ArgDestination, Optional: true},
		// FortiVoice "Quick modes": *720 cancel, *721 Out of office, *722 Away,
		// *723 Other. They coexist with *72 because a destination needs a '#'
		// after at least 2 digits.
		none("*720", QuickModeCancel),
		none("*721", QuickModeOutOfOffice),
		none("*722", QuickModeAway),
		none("*723", QuickModeOther),
		// VoipNow "Password protection": *11, then the 3-12 digit password.
		{Code: "*11", Action: PhoneLockToggle, Arg: ArgPassword, Optional: true},
		// CooVox "Voicemail": *60# any mailbox, *61# own mailbox.
		none("*60", VoicemailAny),
		none("*61", VoicemailOwn),
		// CooVox "Call Pickup": *8# group pickup, ** + extension + # directed.
		none("*8", CallPickup),
		dest("**", DirectedPickup),
		// CooVox "Call Parking" (*4) and "Attended Transfer" (*2), dialled as a
		// transfer target or pressed in a call.
		none("*4", CallPark),
		{Code: "*2", Action: Transfer, Arg: ArgDestination, Optional: true},
		// CooVox "Intercom" *50 and "Paging" *51, extension + #.
		dest("*50", Intercom),
		dest("*51", Page),
		// CooVox "Call Spy": *90 normal, *91 whisper, *92 barge, extension + #.
		dest("*90", Spy),
		dest("*91", Whisper),
		dest("*92", Barge),
		// FortiVoice "Personal recording": *30 start or resume, *31 pause.
		none("*30", RecordStart),
		none("*31", RecordPause),
		// CooVox "Conference": *0 creates one (the room password is asked
		// for); the softphone guide: *38 joins or adds to your conference.
		none("*0", ConferenceCreate),
		none("*38", ConferenceJoin),
		// CooVox "Call Queue": *95 suspend, *095 resume.
		none("*95", QueuePause),
		none("*095", QueueResume),
		// CooVox "Wakeup Call": *55# menu, *55* + MMDDhhmm (#), *055# cancel all.
		none("*55", WakeupMenu),
		{Code: "*55*", Action: WakeupSet, Arg: ArgDigits, Min: 8, Max: 8},
		none("*055", WakeupCancelAll),
	}
}
