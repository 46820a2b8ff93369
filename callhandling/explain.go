package callhandling

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telekit/telekit/phonenumber"
)

// Summary is how the user's calls will be handled, taking every service
// and their interactions into account (CommPortal's Summary tab). The
// portal shows its structure (icons on overridden services); English
// writes it as sentences.
type Summary struct {
	// At is the instant the summary describes.
	At time.Time `json:"at"`
	// Internal and External are what happens to calls from internal and
	// external callers at At.
	Internal Handling `json:"internal"`
	External Handling `json:"external"`
	// Periods say what happens during, or outside, each schedule the
	// settings name, when that differs from now.
	Periods []Period `json:"periods,omitempty"`
	// Services are the user's services, in the order calls meet them, each
	// active, inactive or overridden.
	Services []Service `json:"services"`

	plan phonenumber.Plan
}

// Handling is what happens to a call in each state of the line: the
// ordered chain of steps when nobody answers along the way.
//
// Busy has two causes, and the engine treats them apart: the line is in
// use (Busy: with call waiting on, that chain is the same as Free, since
// the phones ring anyway) or a ringing phone rejects the call with 486
// Busy Here (Rejected, whatever the line).
type Handling struct {
	// Free is the chain when a phone is connected and not on a call.
	Free []Link `json:"free"`
	// Busy is the chain when the user is on a call.
	Busy []Link `json:"busy"`
	// Rejected is the chain when the phones ring and one answers busy
	// (486): its first link is that ring. Nil when calls do not start by
	// ringing the phones.
	Rejected []Link `json:"rejected,omitempty"`
	// NotConnected is the chain when no phone is registered.
	NotConnected []Link `json:"not_connected"`
}

// Period is the handling while a schedule is active (Active) or inactive.
type Period struct {
	Schedule string   `json:"schedule"`
	Active   bool     `json:"active"`
	Internal Handling `json:"internal"`
	External Handling `json:"external"`
}

// Link is one step of a chain, as in [Step].
type Link struct {
	Kind          StepKind        `json:"kind"`
	Seconds       int             `json:"seconds,omitempty"`
	Twins         []string        `json:"twins,omitempty"`
	Destination   string          `json:"destination,omitempty"`
	External      bool            `json:"external,omitempty"`
	Confirm       bool            `json:"confirm,omitempty"`
	Announcement  string          `json:"announcement,omitempty"`
	AutoAttendant string          `json:"auto_attendant,omitempty"`
	Reason        VoicemailReason `json:"reason,omitempty"`
	Code          int             `json:"code,omitempty"`
}

func linkOf(st Step) Link {
	l := Link{Kind: st.Kind, Destination: st.Destination, External: st.External, Confirm: st.Confirm,
		Announcement: st.Announcement, AutoAttendant: st.AutoAttendant, Reason: st.Reason, Code: st.Code}
	if st.Kind == KindRing || st.Kind == KindFollowMe {
		l.Seconds = st.Seconds
	}
	if st.NTwins > 0 {
		l.Twins = st.TwinList()
	}
	return l
}

func linkEqual(a, b Link) bool {
	return a.Kind == b.Kind && a.Seconds == b.Seconds && slices.Equal(a.Twins, b.Twins) && a.Destination == b.Destination &&
		a.External == b.External && a.Confirm == b.Confirm && a.Announcement == b.Announcement &&
		a.AutoAttendant == b.AutoAttendant && a.Reason == b.Reason && a.Code == b.Code
}

func (h Handling) equal(o Handling) bool {
	return slices.EqualFunc(h.Free, o.Free, linkEqual) && slices.EqualFunc(h.Busy, o.Busy, linkEqual) &&
		slices.EqualFunc(h.Rejected, o.Rejected, linkEqual) && slices.EqualFunc(h.NotConnected, o.NotConnected, linkEqual)
}

// ServiceName names a service of the summary.
type ServiceName uint8

// The services, in the order calls meet them.
const (
	ServiceNone ServiceName = iota
	ServiceBlockList
	ServiceAnonymousReject
	ServiceSelectiveReject
	ServiceLock
	ServiceQuickMode
	ServiceDND
	ServiceSelective
	ServiceImmediate
	ServiceTwinning
	ServiceFollowMe
	ServiceNoAnswer
	ServiceBusy
	ServiceUnavailable
	ServiceVoicemail
	ServiceNormalProcess
	ServiceNoAnswerProcess
	ServiceBusyProcess
	ServiceUnavailableProcess
	serviceEnd
)

var serviceNames = [...]string{"", "Block list", "Anonymous call rejection", "Selective call rejection", "Phone lock", "Quick mode",
	"Do not disturb", "Selective forwarding", "Immediate forwarding", "Twinning", "Follow Me", "No-answer forwarding",
	"Busy forwarding", "Unavailable forwarding", "Voicemail", "Normal call process", "No answer call process",
	"Busy call process", "Phone not connected call process"}

// String returns the service's name as people say it, such as "Follow Me".
func (n ServiceName) String() string {
	if n < serviceEnd {
		return serviceNames[n]
	}
	return "ServiceName(" + strconv.Itoa(int(n)) + ")"
}

// MarshalText writes the service's name.
func (n ServiceName) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// ServiceState says whether a service acts on calls.
type ServiceState uint8

// The states.
const (
	Inactive   ServiceState = iota // not turned on
	Active                         // on, and acts on calls
	Overridden                     // on, but another service takes the calls first
)

var stateNames = [...]string{"inactive", "active", "overridden"}

// String returns "inactive", "active" or "overridden".
func (s ServiceState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "ServiceState(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the state's name.
func (s ServiceState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Service is one service's state in the summary.
type Service struct {
	Name  ServiceName  `json:"name"`
	State ServiceState `json:"state"`
	// By is the service that overrides this one (State Overridden).
	By ServiceName `json:"by,omitzero"`
	// Detail is the service's destination, mode or expiry, for display.
	Detail string `json:"detail,omitempty"`
}

// overrides lists, for each service that can take calls first, the
// services it keeps from running, in priority order.
var overrides = []struct {
	by   ServiceName
	over []ServiceName
}{
	{ServiceLock, []ServiceName{ServiceQuickMode, ServiceDND, ServiceSelective, ServiceImmediate, ServiceTwinning, ServiceFollowMe, ServiceNoAnswer, ServiceBusy, ServiceUnavailable}},
	{ServiceQuickMode, []ServiceName{ServiceDND, ServiceSelective, ServiceImmediate, ServiceTwinning, ServiceFollowMe, ServiceNoAnswer, ServiceBusy, ServiceUnavailable}},
	{ServiceDND, []ServiceName{ServiceSelective, ServiceImmediate, ServiceTwinning, ServiceFollowMe, ServiceNoAnswer, ServiceBusy, ServiceUnavailable}},
	{ServiceImmediate, []ServiceName{ServiceTwinning, ServiceFollowMe, ServiceNoAnswer, ServiceBusy, ServiceUnavailable}},
	{ServiceNoAnswerProcess, []ServiceName{ServiceFollowMe, ServiceNoAnswer}},
	{ServiceBusyProcess, []ServiceName{ServiceBusy}},
	{ServiceUnavailableProcess, []ServiceName{ServiceUnavailable}},
	{ServiceFollowMe, []ServiceName{ServiceNoAnswer}},
}

// Explain returns the summary of how calls to the user with settings s
// will be handled at now, computed by running the engine itself (Plan and
// Next, with nobody answering), so the summary and the calls never
// disagree. A chain ends at a forward: what follows is the destination's
// handling (or voicemail, should the forwarded call fail). It allocates; it is for the portal, not the call path.
func Explain(s *Settings, sys *System, now time.Time) Summary {
	sum := Summary{At: now, plan: sys.Plan}
	e := engine{s: s, sys: sys, now: now}
	sum.Internal = e.handling(ClassInternal)
	sum.External = e.handling(ClassExternal)
	for _, name := range scheduleNames(s) {
		on := !sys.active(name, now)
		f := engine{s: s, sys: sys, now: now, force: name, forceOn: on}
		p := Period{Schedule: name, Active: on, Internal: f.handling(ClassInternal), External: f.handling(ClassExternal)}
		if !p.Internal.equal(sum.Internal) || !p.External.equal(sum.External) {
			sum.Periods = append(sum.Periods, p)
		}
	}
	sum.Services = services(s, sys, now)
	return sum
}

func (e *engine) handling(class CallerClass) Handling {
	return Handling{
		Free:         e.chain(class, Line{Devices: 1}, false),
		Busy:         e.chain(class, Line{Devices: 1, ActiveCalls: 1}, false),
		Rejected:     e.chain(class, Line{Devices: 1}, true),
		NotConnected: e.chain(class, Line{}, false),
	}
}

// chain plays a call through the engine with nobody answering; with
// rejected, the first step must ring the phones and they answer busy (it
// returns nil when it does not ring them).
func (e *engine) chain(class CallerClass, line Line, rejected bool) []Link {
	call := Call{Class: class}
	e.call = &call
	var st Step
	e.plan(&st, line)
	if rejected && (st.Kind != KindRing || !st.Devices) {
		return nil
	}
	var out []Link
	for st.Kind != KindDone && len(out) < 64 {
		out = append(out, linkOf(st))
		if st.Kind == KindForward {
			break // the destination's own handling takes over
		}
		o := NoAnswer
		switch {
		case st.Kind == KindPlay:
			o = Answered
		case rejected && len(out) == 1:
			o = Busy
		}
		next := Step{cur: st.cur}
		e.next(&next, st.Kind, o)
		st = next
	}
	return out
}

func scheduleNames(s *Settings) []string {
	var names []string
	add := func(n string) {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for st := StatusNormal; st < statusEnd; st++ {
		for _, r := range s.Statuses.get(st).Rules {
			add(r.Schedule)
		}
	}
	for _, t := range s.Twinning.Scheduled {
		add(t.Schedule)
	}
	for _, f := range s.Forwarding.Selective {
		add(f.Schedule)
	}
	add(s.SelectiveReject.Schedule)
	slices.Sort(names)
	return names
}

func services(s *Settings, sys *System, now time.Time) []Service {
	f := &s.Forwarding
	on := map[ServiceName]string{} // service → detail, for services turned on
	set := func(n ServiceName, ok bool, detail string) {
		if ok {
			on[n] = detail
		}
	}
	set(ServiceBlockList, len(s.Blocked) > 0, strconv.Itoa(len(s.Blocked))+" numbers")
	set(ServiceAnonymousReject, s.RejectAnonymous, "")
	set(ServiceSelectiveReject, s.SelectiveReject.Active, "")
	set(ServiceLock, s.Lock.Locked, "")
	if s.QuickMode.ActiveAt(now) {
		d := s.QuickMode.Mode.String()
		if !s.QuickMode.Until.IsZero() {
			d += " until " + s.QuickMode.Until.In(zone(sys)).Format("2006-01-02 15:04")
		}
		on[ServiceQuickMode] = d
	}
	set(ServiceDND, s.DND, "")
	sel := false
	for _, x := range f.Selective {
		sel = sel || x.Active
	}
	set(ServiceSelective, sel, "")
	set(ServiceImmediate, f.Immediate.Active && f.Immediate.Destination != "", f.Immediate.Destination)
	set(ServiceTwinning, (s.Twinning.Active && s.Twinning.Number != "") || len(s.Twinning.Scheduled) > 0, s.Twinning.Number)
	if i := (&engine{s: s}).profile(s.ActiveFollowMe); i >= 0 {
		on[ServiceFollowMe] = s.ActiveFollowMe
	}
	set(ServiceNoAnswer, f.NoAnswer.Active && f.NoAnswer.Destination != "", f.NoAnswer.Destination)
	set(ServiceBusy, f.Busy.Active && f.Busy.Destination != "", f.Busy.Destination)
	set(ServiceUnavailable, f.Unavailable.Active && f.Unavailable.Destination != "", f.Unavailable.Destination)
	set(ServiceVoicemail, s.Voicemail, "")
	proc := func(p *Process) bool { return p.UserDefined && len(p.Rules) > 0 }
	set(ServiceNormalProcess, proc(&s.Statuses.Normal), "")
	set(ServiceNoAnswerProcess, proc(&s.Statuses.NoAnswer), "")
	set(ServiceBusyProcess, proc(&s.Statuses.Busy), "")
	set(ServiceUnavailableProcess, proc(&s.Statuses.Unavailable), "")

	var out []Service
	for n := ServiceBlockList; n < serviceEnd; n++ {
		d, ok := on[n]
		if !ok {
			if n < ServiceNormalProcess {
				out = append(out, Service{Name: n, State: Inactive})
			}
			continue
		}
		sv := Service{Name: n, State: Active, Detail: d}
		for _, o := range overrides {
			if _, act := on[o.by]; act && o.by != n && slices.Contains(o.over, n) && !overridden(on, o.by) {
				sv.State, sv.By = Overridden, o.by
				break
			}
		}
		out = append(out, sv)
	}
	return out
}

// overridden reports whether the turned-on service n is itself kept from
// running by a stronger one.
func overridden(on map[ServiceName]string, n ServiceName) bool {
	for _, o := range overrides {
		if _, act := on[o.by]; act && o.by != n && slices.Contains(o.over, n) {
			return true
		}
	}
	return false
}

func zone(sys *System) *time.Location {
	if sys.Location != nil {
		return sys.Location
	}
	return time.UTC
}

// English writes the summary as sentences, one per line: first what
// overrides what, then what happens to calls now, then what changes
// during or outside each schedule.
func (sum Summary) English() string {
	var b strings.Builder
	byOver := map[ServiceName][]string{}
	detail := map[ServiceName]string{}
	for _, sv := range sum.Services {
		detail[sv.Name] = sv.Detail
		if sv.State == Overridden {
			byOver[sv.By] = append(byOver[sv.By], sv.Name.String())
		}
	}
	for _, o := range overrides {
		names := byOver[o.by]
		if len(names) == 0 {
			continue
		}
		verb := " never run."
		if len(names) == 1 {
			verb = " never runs."
		}
		b.WriteString(sum.onPhrase(o.by, detail[o.by]) + ", so " + andList(names) + verb + "\n")
	}
	sum.writeHandling(&b, "", sum.Internal, sum.External, nil)
	now := [2]Handling{sum.Internal, sum.External}
	for _, p := range sum.Periods {
		when := "Outside " + p.Schedule + ", "
		if p.Active {
			when = "During " + p.Schedule + ", "
		}
		sum.writeHandling(&b, when, p.Internal, p.External, &now)
	}
	return b.String()
}

func (sum Summary) onPhrase(n ServiceName, detail string) string {
	switch n {
	case ServiceLock:
		return "Your phone is locked"
	case ServiceQuickMode:
		return detail + " is on"
	case ServiceImmediate:
		return "Immediate forwarding to " + sum.number(detail) + " is on"
	case ServiceFollowMe:
		return "Follow Me is on"
	case ServiceNoAnswerProcess:
		return "Your own No answer call process is set"
	case ServiceBusyProcess:
		return "Your own Busy call process is set"
	case ServiceUnavailableProcess:
		return "Your own Phone not connected call process is set"
	}
	return n.String() + " is on"
}

// number writes a destination as people read it.
func (sum Summary) number(d string) string {
	n, err := phonenumber.Parse(sum.plan, d, phonenumber.Dialled)
	switch {
	case err != nil:
		return d
	case n.Kind == phonenumber.Extension:
		return "extension " + n.Digits
	}
	return sum.plan.Format(n)
}

// The parts of a Handling as writeHandling reads them.
const (
	partFree = iota
	partBusy
	partRejected
	partNotConnected
	nParts
)

// part returns part i of h as English tells it: the rejected chain without
// its first ring (the phones rang and one said busy), or, when calls do not
// ring the phones first, the busy chain (a phone that does not ring cannot
// reject).
func (h Handling) part(i int) []Link {
	switch i {
	case partFree:
		return h.Free
	case partBusy:
		return h.Busy
	case partRejected:
		if h.Rejected == nil {
			return h.Busy
		}
		return h.Rejected[1:]
	}
	return h.NotConnected
}

// sameAsNoAnswer reports whether what follows a phone's busy answer is
// what follows its ringing out (a voicemail's reason aside): then the
// rejection needs no sentence of its own.
func (h Handling) sameAsNoAnswer() bool {
	if h.Rejected == nil {
		return true
	}
	a, b := h.Rejected[1:], h.Free[1:]
	return slices.EqualFunc(a, b, func(x, y Link) bool {
		x.Reason, y.Reason = 0, 0
		return linkEqual(x, y)
	})
}

// writeHandling writes the chains of in and ex; with ref (the handling
// now) it leaves out the parts that are the same as ref's, else the busy
// and not-connected parts that are the same as the free one, and a
// phone's busy answer when it leads where ringing out does. Being on a
// call and the phone answering busy share a sentence when they lead to the
// same chain.
func (sum Summary) writeHandling(b *strings.Builder, when string, in, ex Handling, ref *[2]Handling) {
	conds := [nParts]string{"", "when you are on a call, ", "when your phone rejects a call as busy, ", "when no phone is connected, "}
	eq := func(a, b []Link) bool { return slices.EqualFunc(a, b, linkEqual) }
	skip := func(i int) bool {
		a, x := in.part(i), ex.part(i)
		switch {
		case ref != nil:
			return eq(a, ref[0].part(i)) && eq(x, ref[1].part(i))
		case i == partRejected:
			return in.sameAsNoAnswer() && ex.sameAsNoAnswer()
		case i > partFree:
			return eq(a, in.Free) && eq(x, ex.Free)
		}
		return false
	}
	merged := eq(in.part(partBusy), in.part(partRejected)) && eq(ex.part(partBusy), ex.part(partRejected))
	for i, cond := range conds {
		a, x := in.part(i), ex.part(i)
		switch {
		case i == partRejected && merged:
			continue // told with the busy line
		case i == partBusy && merged && !(skip(partBusy) && skip(partRejected)):
			cond = "when you are on a call or your phone rejects a call as busy, "
		case skip(i):
			continue
		}
		lead := when + cond
		if eq(a, x) {
			b.WriteString(capitalize(lead+"all calls ") + sum.chain(a) + ".\n")
			continue
		}
		// A class whose calls never ring the phones has no busy answer to
		// tell of.
		if i != partRejected || in.Rejected != nil {
			b.WriteString(capitalize(lead+"calls from internal callers ") + sum.chain(a) + ".\n")
		}
		if i != partRejected || ex.Rejected != nil {
			b.WriteString(capitalize(lead+"calls from external callers ") + sum.chain(x) + ".\n")
		}
	}
}

func (sum Summary) chain(links []Link) string {
	if len(links) == 0 {
		return "end"
	}
	var parts []string
	for _, l := range links {
		parts = append(parts, sum.link(l))
	}
	return strings.Join(parts, ", then ")
}

func (sum Summary) link(l Link) string {
	switch l.Kind {
	case KindRing:
		t := "ring your phones"
		for i, tw := range l.Twins {
			if i == len(l.Twins)-1 {
				t += " and " + sum.number(tw)
			} else {
				t += ", " + sum.number(tw)
			}
		}
		return t + " for " + seconds(l.Seconds)
	case KindForward:
		return "are forwarded to " + sum.number(l.Destination)
	case KindFollowMe:
		t := "ring " + sum.number(l.Destination) + " for " + seconds(l.Seconds)
		if l.Confirm {
			t += " (answer by pressing 1)"
		}
		return t
	case KindPlay:
		return "hear the announcement " + l.Announcement
	case KindAutoAttendant:
		return "go to the auto attendant " + l.AutoAttendant
	case KindVoicemail:
		return "go to voicemail"
	case KindReject:
		if l.Code == 486 {
			return "are rejected as busy"
		}
		return "are rejected"
	}
	return "end"
}

func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}

func andList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
