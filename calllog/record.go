package calllog

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Record is one call's detail record.
type Record struct {
	// ID identifies the call uniquely, e.g. from [NewID].
	ID string
	// From and To are the calling and called numbers (extension, DID or
	// external number as dialled); FromName and ToName the display names
	// known for them, possibly empty.
	From, FromName string
	To, ToName     string
	// Start is when the call arrived at the PBX; Answer when it was
	// answered (zero if never); End when it ended (zero while it has not).
	Start, Answer, End time.Time
	Disposition        Disposition
	Direction          Direction
	Type               CallType
	// Trunk is the trunk an external call used; empty for internal calls.
	Trunk string
	// Parties are the extensions the record belongs to, each at most once.
	// Only they see it in their call history.
	Parties []Party
	// Events is the call flow, in the order it happened.
	Events []Event
}

// Party is an extension that a record belongs to, and its part in the call.
type Party struct {
	Extension string
	Role      Role
}

// Event is one step of a call's flow: what the PBX decided or saw, e.g.
// Kind "ring", Detail "ringing 101 (2 devices)".
type Event struct {
	At     time.Time
	Kind   EventKind
	Detail string
}

// EventKind classifies a call-flow [Event]. The constants are the kinds the
// PBX uses; any short lower-case word is allowed.
type EventKind string

// Common event kinds.
const (
	EventRoute     EventKind = "route"     // a routing or rule decision
	EventRing      EventKind = "ring"      // devices start ringing
	EventAnswer    EventKind = "answer"    // a device answered
	EventNoAnswer  EventKind = "no-answer" // ring timeout
	EventBusy      EventKind = "busy"
	EventForward   EventKind = "forward"
	EventVoicemail EventKind = "voicemail"
	EventTransfer  EventKind = "transfer"
	EventHangup    EventKind = "hangup"
	EventFail      EventKind = "fail"
)

// Duration is the billable duration: from Answer to End, or 0 when the call
// was not answered or has not ended.
func (r Record) Duration() time.Duration {
	if r.Answer.IsZero() || r.End.IsZero() || r.End.Before(r.Answer) {
		return 0
	}
	return r.End.Sub(r.Answer)
}

// RoleOf returns ext's role in the call, or RoleUnknown if ext is not a
// party to it.
func (r Record) RoleOf(ext string) Role {
	for _, p := range r.Parties {
		if p.Extension == ext {
			return p.Role
		}
	}
	return RoleUnknown
}

// Clone returns a copy of r that shares no slice with it. Empty slices
// become nil, as stores return them.
func (r Record) Clone() Record {
	r.Parties = cloneOrNil(r.Parties)
	r.Events = cloneOrNil(r.Events)
	return r
}

func cloneOrNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// In returns a copy of r with every time in loc, e.g. the user's time zone
// before [WriteCSV].
func (r Record) In(loc *time.Location) Record {
	r = r.Clone()
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	r.Start, r.Answer, r.End = in(r.Start), in(r.Answer), in(r.End)
	for i := range r.Events {
		r.Events[i].At = in(r.Events[i].At)
	}
	return r
}

// Limits on record fields.
const (
	MaxIDLen     = 128
	MaxFieldLen  = 256 // numbers and names, in bytes
	MaxDetailLen = 1024
	MaxParties   = 64
	MaxEvents    = 512
)

// ErrInvalid is wrapped by every validation error from [Record.Validate]
// and [Filter.Validate].
var ErrInvalid = errors.New("calllog: invalid")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Validate checks r before it is stored: an ID, a Start time, Answer and
// End not before Start, known enums, at least one party with each
// extension once, and bounded field lengths. Errors wrap [ErrInvalid].
func (r Record) Validate() error {
	if r.ID == "" || len(r.ID) > MaxIDLen || !printable(r.ID) {
		return invalidf("ID must be 1 to %d printable characters", MaxIDLen)
	}
	for name, v := range map[string]string{"From": r.From, "FromName": r.FromName, "To": r.To, "ToName": r.ToName, "Trunk": r.Trunk} {
		if len(v) > MaxFieldLen || !printable(v) {
			return invalidf("%s must be at most %d printable characters", name, MaxFieldLen)
		}
	}
	if r.Start.IsZero() {
		return invalidf("Start must be set")
	}
	if !r.Answer.IsZero() && r.Answer.Before(r.Start) {
		return invalidf("Answer is before Start")
	}
	if !r.End.IsZero() && (r.End.Before(r.Start) || !r.Answer.IsZero() && r.End.Before(r.Answer)) {
		return invalidf("End is before Start or Answer")
	}
	if _, err := r.Disposition.MarshalText(); err != nil {
		return invalidf("Disposition %d is unknown", int(r.Disposition))
	}
	if _, err := r.Direction.MarshalText(); err != nil {
		return invalidf("Direction %d is unknown", int(r.Direction))
	}
	if _, err := r.Type.MarshalText(); err != nil {
		return invalidf("Type %d is unknown", int(r.Type))
	}
	if len(r.Parties) == 0 || len(r.Parties) > MaxParties {
		return invalidf("a record needs 1 to %d parties", MaxParties)
	}
	seen := make(map[string]bool, len(r.Parties))
	for _, p := range r.Parties {
		if p.Extension == "" || len(p.Extension) > MaxFieldLen || !printable(p.Extension) {
			return invalidf("party extension %q is not valid", p.Extension)
		}
		if p.Role != Caller && p.Role != Callee {
			return invalidf("party %s has no role", p.Extension)
		}
		if seen[p.Extension] {
			return invalidf("party %s is listed twice", p.Extension)
		}
		seen[p.Extension] = true
	}
	if len(r.Events) > MaxEvents {
		return invalidf("more than %d call-flow events", MaxEvents)
	}
	for i, e := range r.Events {
		if e.At.IsZero() || e.Kind == "" || len(e.Kind) > 32 || !printable(string(e.Kind)) ||
			len(e.Detail) > MaxDetailLen || !utf8.ValidString(e.Detail) {
			return invalidf("event %d needs a time, a kind of at most 32 characters and a detail of at most %d bytes", i, MaxDetailLen)
		}
	}
	return nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// NewID returns a new unique record ID: the Unix time of start in seconds,
// a dot, and 16 random base-32 characters, e.g. "1772355600.K2XQ…", so
// IDs sort roughly by time and cannot be guessed.
func NewID(start time.Time) string {
	return strconv.FormatInt(start.Unix(), 10) + "." + strings.ToUpper(rand.Text()[:16])
}
