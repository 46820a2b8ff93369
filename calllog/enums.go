package calllog

import "fmt"

// Disposition is how a call ended. The zero value is DispositionUnknown.
type Disposition int

// Dispositions, as a call-history page shows them.
const (
	DispositionUnknown Disposition = iota
	Answered
	NoAnswer
	Busy
	Failed
	Voicemail
	Transferred
	Rejected
	Cancelled
)

var dispositionNames = [...]struct{ text, human string }{
	DispositionUnknown: {"unknown", "Unknown"},
	Answered:           {"answered", "Answered"},
	NoAnswer:           {"no-answer", "No Answer"},
	Busy:               {"busy", "Busy"},
	Failed:             {"failed", "Failed"},
	Voicemail:          {"voicemail", "Voicemail"},
	Transferred:        {"transferred", "Transferred"},
	Rejected:           {"rejected", "Rejected"},
	Cancelled:          {"cancelled", "Cancelled"},
}

// String returns the display name, e.g. "No Answer".
func (d Disposition) String() string {
	if d < 0 || int(d) >= len(dispositionNames) {
		return fmt.Sprintf("Disposition(%d)", int(d))
	}
	return dispositionNames[d].human
}

// MarshalText returns the stable token stored and sent in JSON, e.g.
// "no-answer".
func (d Disposition) MarshalText() ([]byte, error) {
	if d <= DispositionUnknown || int(d) >= len(dispositionNames) {
		return nil, fmt.Errorf("calllog: cannot marshal disposition %d", int(d))
	}
	return []byte(dispositionNames[d].text), nil
}

// UnmarshalText parses a token from MarshalText.
func (d *Disposition) UnmarshalText(b []byte) error {
	for i, n := range dispositionNames {
		if i > 0 && n.text == string(b) {
			*d = Disposition(i)
			return nil
		}
	}
	return fmt.Errorf("calllog: unknown disposition %q", b)
}

// received reports whether, for a callee, a call with this disposition
// counts as received rather than missed.
func (d Disposition) received() bool { return d == Answered || d == Transferred }

// Direction is where a call came from and went to, as seen by the PBX.
// The zero value is DirectionUnknown (in a [Filter]: any direction).
type Direction int

// Directions.
const (
	DirectionUnknown Direction = iota
	// Internal is between two extensions of this PBX.
	Internal
	// Incoming came in from a trunk.
	Incoming
	// Outgoing went out through a trunk.
	Outgoing
)

var directionNames = [...]string{"unknown", "internal", "incoming", "outgoing"}
var directionHuman = [...]string{"Unknown", "Internal", "Incoming", "Outgoing"}

// String returns the display name, e.g. "Incoming".
func (d Direction) String() string {
	if d < 0 || int(d) >= len(directionHuman) {
		return fmt.Sprintf("Direction(%d)", int(d))
	}
	return directionHuman[d]
}

// MarshalText returns the stable token, e.g. "incoming".
func (d Direction) MarshalText() ([]byte, error) {
	if d <= DirectionUnknown || int(d) >= len(directionNames) {
		return nil, fmt.Errorf("calllog: cannot marshal direction %d", int(d))
	}
	return []byte(directionNames[d]), nil
}

// UnmarshalText parses a token from MarshalText.
func (d *Direction) UnmarshalText(b []byte) error {
	v, ok := parseToken(directionNames[:], b)
	if !ok {
		return fmt.Errorf("calllog: unknown direction %q", b)
	}
	*d = Direction(v)
	return nil
}

// CallType is the kind of media a call carried. The zero value is
// CallTypeUnknown.
type CallType int

// Call types.
const (
	CallTypeUnknown CallType = iota
	Voice
	Video
	Fax
)

var callTypeNames = [...]string{"unknown", "voice", "video", "fax"}
var callTypeHuman = [...]string{"Unknown", "Voice", "Video", "Fax"}

// String returns the display name, e.g. "Voice".
func (c CallType) String() string {
	if c < 0 || int(c) >= len(callTypeHuman) {
		return fmt.Sprintf("CallType(%d)", int(c))
	}
	return callTypeHuman[c]
}

// MarshalText returns the stable token, e.g. "voice".
func (c CallType) MarshalText() ([]byte, error) {
	if c <= CallTypeUnknown || int(c) >= len(callTypeNames) {
		return nil, fmt.Errorf("calllog: cannot marshal call type %d", int(c))
	}
	return []byte(callTypeNames[c]), nil
}

// UnmarshalText parses a token from MarshalText.
func (c *CallType) UnmarshalText(b []byte) error {
	v, ok := parseToken(callTypeNames[:], b)
	if !ok {
		return fmt.Errorf("calllog: unknown call type %q", b)
	}
	*c = CallType(v)
	return nil
}

// Role is an owner's part in a call. The zero value is RoleUnknown.
type Role int

// Roles.
const (
	RoleUnknown Role = iota
	// Caller placed the call.
	Caller
	// Callee was called (rang, or was the target the call was routed to).
	Callee
)

var roleNames = [...]string{"unknown", "caller", "callee"}

// String returns "caller", "callee" or "unknown".
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// MarshalText returns String for a known role.
func (r Role) MarshalText() ([]byte, error) {
	if r != Caller && r != Callee {
		return nil, fmt.Errorf("calllog: cannot marshal role %d", int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText parses "caller" or "callee".
func (r *Role) UnmarshalText(b []byte) error {
	v, ok := parseToken(roleNames[:], b)
	if !ok {
		return fmt.Errorf("calllog: unknown role %q", b)
	}
	*r = Role(v)
	return nil
}

// View is the call-history tab: all of an owner's calls, or only the
// missed, received or placed ones. The zero value is ViewAll.
type View int

// Views.
const (
	ViewAll View = iota
	// ViewMissed: the owner was called and did not answer.
	ViewMissed
	// ViewReceived: the owner was called and answered.
	ViewReceived
	// ViewPlaced: the owner called.
	ViewPlaced
)

var viewNames = [...]string{"all", "missed", "received", "placed"}

// String returns "all", "missed", "received" or "placed".
func (v View) String() string {
	if v < 0 || int(v) >= len(viewNames) {
		return fmt.Sprintf("View(%d)", int(v))
	}
	return viewNames[v]
}

// ParseView parses the output of String.
func ParseView(s string) (View, error) {
	for i, n := range viewNames {
		if n == s {
			return View(i), nil
		}
	}
	return ViewAll, fmt.Errorf("calllog: unknown view %q (want all, missed, received or placed)", s)
}

// parseToken finds b among names, skipping index 0 ("unknown").
func parseToken(names []string, b []byte) (int, bool) {
	for i, n := range names {
		if i > 0 && n == string(b) {
			return i, true
		}
	}
	return 0, false
}
