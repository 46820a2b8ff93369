package callhandling

import "time"

// maxSteps bounds the steps of one call: every status is entered at most
// once and every process and follow-me list is finite, so real calls stay
// far below it; it guards against settings changed under a running call.
const maxSteps = 1000

// Plan decides the first step for an incoming call to the user with
// settings s: the PBX calls it on INVITE, carries the step out, and then
// calls [Next] with what happened. line is the user's live state.
//
// The order of decisions, first that applies:
//
//  1. a caller on the system blacklist is rejected (403);
//  2. a caller on the personal block list gets the Block list status
//     (by default rejected, 603);
//  3. an anonymous caller is rejected (433) when RejectAnonymous is on,
//     and a selectively rejected caller too (603);
//  4. a locked phone sends the call to voicemail (or rejects it, 480);
//  5. a quick mode in force gets its status (Out of office, Away, Other;
//     by default voicemail);
//  6. do not disturb gets the DND status (by default voicemail, else 486);
//  7. selective, then immediate forwarding forward the call;
//  8. no device connected gets the Phone not connected status, a user on
//     a call without call waiting the Busy status;
//  9. otherwise the Normal status (by default: ring the phones and twins).
//
// Each status runs its user-defined call process when it has one and a
// rule matches, else its system default action, which is where the
// forwarding services and follow-me act: Busy forwards on busy, No answer
// runs the active follow-me profile or forwards on no answer, Phone not
// connected forwards when unavailable, and each falls back to voicemail.
//
// Plan reads s and sys and does not keep them; it does not allocate
// unless a number in the settings has separators ("06 12 34 56 78"),
// which package phonenumber copies to parse.
func Plan(s *Settings, sys *System, call Call, line Line, now time.Time) Step {
	e := engine{s: s, sys: sys, call: &call, now: now}
	var st Step
	e.plan(&st, line)
	return st
}

// Next decides the step after prev, given what happened to it. The PBX
// calls it after every step until the step is [Step.Terminal], and then
// gets KindDone. s, sys and call must be those prev was decided with (s
// may have changed in between; the engine then stays safe but follows the
// new settings). Next does not allocate, as for [Plan].
func Next(s *Settings, sys *System, call Call, prev Step, outcome Outcome, now time.Time) Step {
	e := engine{s: s, sys: sys, call: &call, now: now}
	st := Step{cur: prev.cur}
	e.next(&st, prev.Kind, outcome)
	return st
}

type engine struct {
	s    *Settings
	sys  *System
	call *Call
	now  time.Time
	// force makes schedule force answer forceOn whatever the time (Explain).
	force   string
	forceOn bool
}

func (e *engine) active(name string) bool {
	if name != "" && name == e.force {
		return e.forceOn
	}
	return e.sys.active(name, e.now)
}

func (e *engine) plan(st *Step, line Line) {
	s, c := e.s, e.call
	st.cur.count = 1
	switch {
	case !c.Anonymous && e.sys.matchAny(c.From, e.sys.Blacklist):
		st.note(NoteBlacklisted, "", 0)
		st.reject(403, "Forbidden")
	case !c.Anonymous && e.sys.matchAny(c.From, s.Blocked):
		st.note(NoteBlocked, "", 0)
		e.enter(st, StatusBlockList, ReasonBlocked)
	case c.Anonymous && s.RejectAnonymous:
		st.note(NoteAnonymous, "", 0)
		st.reject(433, "Anonymity Disallowed")
	case s.SelectiveReject.Active && !c.Anonymous && e.active(s.SelectiveReject.Schedule) &&
		e.sys.matchAny(c.From, s.SelectiveReject.Numbers):
		st.note(NoteSelectiveReject, "", 0)
		st.reject(603, "Decline")
	case s.Lock.Locked:
		st.note(NoteLocked, "", 0)
		e.finalVoicemail(st, ReasonLocked)
	case s.QuickMode.ActiveAt(e.now):
		st.note(NoteQuickMode, s.QuickMode.Mode.String(), 0)
		e.enter(st, s.QuickMode.Mode.status(), ReasonUnavailable)
	case s.DND:
		st.note(NoteDND, "", 0)
		e.enter(st, StatusDND, ReasonDND)
	default:
		if dest := e.selective(); dest != "" {
			st.note(NoteSelective, "", 0)
			e.forward(st, dest)
			return
		}
		if f := &s.Forwarding.Immediate; f.Active && f.Destination != "" {
			st.note(NoteImmediate, "", 0)
			e.forward(st, f.Destination)
			return
		}
		switch {
		case line.Devices <= 0:
			st.note(NoteNotConnected, "", 0)
			e.enter(st, StatusUnavailable, ReasonUnavailable)
		case line.ActiveCalls > 0 && !s.CallWaiting:
			st.note(NoteLineBusy, "", 0)
			e.enter(st, StatusBusy, ReasonBusy)
		default:
			e.enter(st, StatusNormal, ReasonNoAnswer)
		}
	}
}

// selective returns the destination of the first selective forwarding
// that applies to the caller, or "".
func (e *engine) selective() string {
	if e.call.Anonymous {
		return ""
	}
	for i := range e.s.Forwarding.Selective {
		f := &e.s.Forwarding.Selective[i]
		if f.Active && f.Destination != "" && e.active(f.Schedule) && e.sys.matchAny(e.call.From, f.Numbers) {
			return f.Destination
		}
	}
	return ""
}

func (e *engine) next(st *Step, prev StepKind, outcome Outcome) {
	st.cur.count++
	switch {
	case st.cur.count > maxSteps:
		st.note(NoteStepLimit, "", 0)
		return
	case prev == KindDone || prev == KindAutoAttendant || prev == KindVoicemail || prev == KindReject:
		return
	case outcome == Answered && prev != KindPlay:
		return
	}
	st.note(NoteOutcome, outcome.String(), 0)
	if st.cur.fm > 0 && (prev == KindFollowMe || prev == KindRing) {
		if int(st.cur.fm) <= len(e.s.FollowMe) {
			e.nextLeg(st)
			return
		}
		st.cur.fm = 0 // the profile went away under the call
	}
	if prev != KindForward && st.cur.status != StatusUnknown && e.runRules(st) {
		return
	}
	switch prev {
	case KindPlay:
		return // nothing follows the announcement: hang up
	case KindForward:
		// The forwarded call failed: the services it overrode do not run
		// after it; the caller may leave a message.
		e.voicemail(st, reasonFor(outcome))
		return
	}
	switch outcome {
	case NoAnswer:
		e.enter(st, StatusNoAnswer, ReasonNoAnswer)
	case Busy, Rejected:
		e.enter(st, StatusBusy, ReasonBusy)
	default:
		e.enter(st, StatusUnavailable, ReasonUnavailable)
	}
}

// enter runs status's call process, or its system default action.
func (e *engine) enter(st *Step, status Status, reason VoicemailReason) {
	bit := uint16(1) << status
	if st.cur.visited&bit != 0 {
		// Been here: whatever the status does has been tried.
		st.cur.status = StatusUnknown
		e.finalVoicemail(st, reason)
		return
	}
	st.cur.visited |= bit
	st.cur.reason = reason
	st.cur.fm = 0
	if p := e.s.Statuses.get(status); p != nil && p.UserDefined && len(p.Rules) > 0 {
		st.cur.status, st.cur.next = status, 0
		if e.runRules(st) {
			return
		}
	}
	st.cur.status = StatusUnknown
	st.note(NoteDefault, status.String(), 0)
	e.defaultAction(st, status)
}

// runRules runs the next matching rule of the current process and reports
// whether there was one.
func (e *engine) runRules(st *Step) bool {
	status := st.cur.status
	p := e.s.Statuses.get(status)
	if p == nil || !p.UserDefined {
		return false
	}
	for i := int(st.cur.next); i < len(p.Rules); i++ {
		r := &p.Rules[i]
		if !r.Callers.Has(e.call.Class) || !e.active(r.Schedule) {
			continue
		}
		if len(r.Numbers) > 0 && (e.call.Anonymous || !e.sys.matchAny(e.call.From, r.Numbers)) {
			continue
		}
		st.cur.next = int16(i + 1)
		st.note(NoteRule, status.String(), i+1)
		e.doRule(st, status, r)
		return true
	}
	st.cur.next = int16(len(p.Rules))
	return false
}

func (e *engine) doRule(st *Step, status Status, r *Rule) {
	if st.cur.visited&(1<<StatusBlockList) != 0 && !blockListAction(r.Action) {
		// A blocked caller is never put through, not even by the Voicemail
		// process it may reach (Validate refuses these in Block list).
		st.reject(603, "Decline")
		return
	}
	switch r.Action {
	case ActionRing:
		e.ring(st, r.Seconds)
	case ActionForward:
		e.forward(st, r.Destination)
	case ActionFollowMe:
		if i := e.profile(r.FollowMe); i >= 0 {
			e.startFollowMe(st, i, true)
		} else {
			e.voicemail(st, st.cur.reason)
		}
	case ActionPlay:
		st.Kind, st.Announcement = KindPlay, r.Announcement
	case ActionAutoAttendant:
		st.Kind, st.AutoAttendant = KindAutoAttendant, r.AutoAttendant
	case ActionVoicemail:
		if status == StatusVoicemail {
			e.finalVoicemail(st, st.cur.reason)
		} else {
			e.voicemail(st, st.cur.reason)
		}
	case ActionReject:
		st.reject(486, "Busy Here")
	default:
		e.defaultAction(st, status)
	}
}

func (e *engine) defaultAction(st *Step, status Status) {
	f := &e.s.Forwarding
	switch status {
	case StatusNormal:
		e.ring(st, 0)
	case StatusNoAnswer:
		if i := e.profile(e.s.ActiveFollowMe); i >= 0 {
			e.startFollowMe(st, i, false)
		} else if f.NoAnswer.Active && f.NoAnswer.Destination != "" {
			e.forward(st, f.NoAnswer.Destination)
		} else {
			e.voicemail(st, ReasonNoAnswer)
		}
	case StatusBusy:
		if f.Busy.Active && f.Busy.Destination != "" {
			e.forward(st, f.Busy.Destination)
		} else {
			e.voicemail(st, ReasonBusy)
		}
	case StatusUnavailable:
		if f.Unavailable.Active && f.Unavailable.Destination != "" {
			e.forward(st, f.Unavailable.Destination)
		} else {
			e.voicemail(st, ReasonUnavailable)
		}
	case StatusDND:
		e.voicemail(st, ReasonDND)
	case StatusBlockList:
		st.reject(603, "Decline")
	case StatusVoicemail:
		e.finalVoicemail(st, st.cur.reason)
	default: // quick modes
		e.voicemail(st, ReasonUnavailable)
	}
}

// voicemail sends the call to voicemail through the Voicemail status's
// process, when the user has one.
func (e *engine) voicemail(st *Step, reason VoicemailReason) {
	if e.s.Voicemail && e.s.Statuses.Voicemail.UserDefined && st.cur.visited&(1<<StatusVoicemail) == 0 {
		e.enter(st, StatusVoicemail, reason)
		return
	}
	e.finalVoicemail(st, reason)
}

// finalVoicemail takes a message, or rejects the call when the user has
// no voicemail.
func (e *engine) finalVoicemail(st *Step, reason VoicemailReason) {
	st.cur.status, st.cur.fm = StatusUnknown, 0
	if !e.s.Voicemail {
		st.note(NoteNoVoicemail, "", 0)
		if reason == ReasonBusy || reason == ReasonDND {
			st.reject(486, "Busy Here")
		} else {
			st.reject(480, "Temporarily Unavailable")
		}
		return
	}
	st.Kind, st.Reason = KindVoicemail, reason
}

func (st *Step) reject(code int, phrase string) {
	st.cur.status, st.cur.fm = StatusUnknown, 0
	st.Kind, st.Code, st.Phrase = KindReject, code, phrase
}

// baseRing is the user's ring time.
func (e *engine) baseRing() int {
	if e.s.RingSeconds > 0 {
		return e.s.RingSeconds
	}
	return e.sys.ringSeconds()
}

// ringTime is how long the phones ring by default: as long as the
// service that takes over on no answer says, else the user's ring time.
func (e *engine) ringTime() int {
	if !e.s.Statuses.NoAnswer.UserDefined {
		if i := e.profile(e.s.ActiveFollowMe); i >= 0 {
			if n := e.s.FollowMe[i].OwnSeconds; n > 0 {
				return n
			}
		} else if f := &e.s.Forwarding.NoAnswer; f.Active && f.Destination != "" && f.Seconds > 0 {
			return f.Seconds
		}
	}
	return e.baseRing()
}

func (e *engine) ring(st *Step, seconds int) {
	if seconds <= 0 {
		seconds = e.ringTime()
	}
	st.Kind, st.Devices, st.Seconds = KindRing, true, seconds
	tw := &e.s.Twinning
	if tw.Active && tw.Number != "" {
		st.Twins[st.NTwins] = tw.Number
		st.NTwins++
	}
	for i := range tw.Scheduled {
		t := &tw.Scheduled[i]
		if st.NTwins < MaxTwins && t.Number != "" && e.active(t.Schedule) {
			st.Twins[st.NTwins] = t.Number
			st.NTwins++
		}
	}
}

// profile returns the index of the follow-me profile called name, or -1.
func (e *engine) profile(name string) int {
	if name == "" {
		return -1
	}
	for i := range e.s.FollowMe {
		if e.s.FollowMe[i].Name == name {
			return i
		}
	}
	return -1
}

func (e *engine) startFollowMe(st *Step, i int, ringOwn bool) {
	st.cur.fm, st.cur.leg = int8(i+1), 0
	if ringOwn {
		n := e.s.FollowMe[i].OwnSeconds
		if n <= 0 {
			n = e.baseRing()
		}
		e.ring(st, n)
		return
	}
	e.nextLeg(st)
}

func (e *engine) nextLeg(st *Step) {
	p := &e.s.FollowMe[st.cur.fm-1]
	if int(st.cur.leg) >= len(p.Numbers) {
		st.note(NoteFollowMeEnd, "", 0)
		st.cur.fm = 0
		if p.HangUp {
			st.reject(480, "Temporarily Unavailable")
			return
		}
		e.voicemail(st, ReasonNoAnswer)
		return
	}
	n := &p.Numbers[st.cur.leg]
	st.cur.leg++
	st.Kind, st.Destination, st.Leg = KindFollowMe, n.Number, int(st.cur.leg)
	st.External = !e.sys.isExtension(n.Number)
	st.Confirm = p.Confirm && st.External
	st.Seconds = n.Seconds
	if st.Seconds <= 0 {
		st.Seconds = e.baseRing()
	}
}

// forward forwards the call to dest, unless that would loop.
func (e *engine) forward(st *Step, dest string) {
	internal := e.sys.isExtension(dest)
	if dest == e.s.Extension || (internal && e.loops(dest)) {
		st.note(NoteLoop, dest, 0)
		e.voicemail(st, ReasonLoop)
		return
	}
	st.cur.status, st.cur.fm = StatusUnknown, 0
	st.Kind, st.Destination, st.External = KindForward, dest, !internal
}

// loops reports whether forwarding to the extension dest comes back to
// the user, or goes round in a circle elsewhere, following each user's
// immediate forwarding through the directory.
func (e *engine) loops(dest string) bool {
	dir := e.sys.Directory
	if dir == nil {
		return false
	}
	var seen [MaxForwardHops]string
	cur := dest
	for hop := 0; hop < MaxForwardHops; hop++ {
		o, ok := dir.Settings(cur)
		if !ok {
			return false
		}
		next := o.forwardsAll(e.sys, e.now)
		if next == "" {
			return false
		}
		if next == e.s.Extension || next == dest {
			return true
		}
		for _, s := range seen[:hop] {
			if s == next {
				return true
			}
		}
		seen[hop] = cur
		cur = next
	}
	return true
}

// forwardsAll returns the extension every call to s is forwarded to
// straight away, or "" when calls to s do not go on to an extension.
func (s *Settings) forwardsAll(sys *System, now time.Time) string {
	if s.Lock.Locked || s.QuickMode.ActiveAt(now) || s.DND {
		return ""
	}
	f := &s.Forwarding.Immediate
	if !f.Active || f.Destination == "" || !sys.isExtension(f.Destination) {
		return ""
	}
	return f.Destination
}

func reasonFor(o Outcome) VoicemailReason {
	switch o {
	case NoAnswer:
		return ReasonNoAnswer
	case Busy, Rejected:
		return ReasonBusy
	}
	return ReasonUnavailable
}

// blockListAction reports whether a Block list rule may use a: anything
// that does not put the caller through to a person.
func blockListAction(a RuleAction) bool {
	switch a {
	case ActionRing, ActionForward, ActionFollowMe, ActionAutoAttendant:
		return false
	}
	return true
}
