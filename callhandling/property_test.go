package callhandling

import (
	"math/rand/v2"
	"testing"
	"time"
)

// randomSettings builds settings from small pools so that services,
// schedules, profiles and forwarding chains meet often.
func randomSettings(r *rand.Rand) Settings {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	dest := func() string { return pick("803", "804", "805", "0612345678", "0199887766") }
	sched := func() string { return pick("", "", "business_hour", "lunch", "evening", "missing") }
	s := Settings{
		Extension:       "803",
		RingSeconds:     r.IntN(3) * 10,
		CallWaiting:     r.IntN(2) == 0,
		Voicemail:       r.IntN(3) > 0,
		DND:             r.IntN(5) == 0,
		RejectAnonymous: r.IntN(4) == 0,
		ActiveFollowMe:  pick("", "a", "b", "gone"),
	}
	for _, name := range []string{"a", "b"} {
		p := FollowMeProfile{Name: name, OwnSeconds: r.IntN(20), Confirm: r.IntN(2) == 0, HangUp: r.IntN(3) == 0}
		for range r.IntN(4) {
			p.Numbers = append(p.Numbers, FollowMeNumber{Number: dest(), Seconds: r.IntN(30)})
		}
		s.FollowMe = append(s.FollowMe, p)
	}
	fw := func() Forward { return Forward{Active: r.IntN(3) == 0, Destination: dest(), Seconds: r.IntN(30)} }
	s.Forwarding = Forwarding{Immediate: fw(), Busy: fw(), NoAnswer: fw(), Unavailable: fw()}
	if r.IntN(3) == 0 {
		s.Forwarding.Selective = []SelectiveForward{{Active: true, Numbers: []string{"0611223344"}, Destination: dest(), Schedule: sched()}}
	}
	s.Twinning = Twinning{Active: r.IntN(2) == 0, Number: "0612345678"}
	for range r.IntN(4) {
		s.Twinning.Scheduled = append(s.Twinning.Scheduled, ScheduledTwin{Number: dest(), Schedule: sched()})
	}
	if r.IntN(2) == 0 {
		s.Blocked = []string{"0611223344"}
	}
	s.SelectiveReject = SelectiveReject{Active: r.IntN(4) == 0, Numbers: []string{"0655555555"}, Schedule: sched()}
	for st := StatusNormal; st < statusEnd; st++ {
		p := s.Statuses.get(st)
		p.UserDefined = r.IntN(2) == 0
		for range r.IntN(5) {
			p.Rules = append(p.Rules, Rule{
				Schedule: sched(), Callers: CallerSet(r.IntN(16)) &^ 1,
				Action: RuleAction(r.IntN(int(ruleActionEnd))), Destination: dest(), FollowMe: pick("a", "b", "gone"),
				Announcement: "ann", AutoAttendant: "aa", Seconds: r.IntN(30),
			})
		}
	}
	if r.IntN(4) == 0 {
		s.QuickMode = QuickMode{Mode: Mode(1 + r.IntN(3)), Until: monMorning.Add(time.Duration(r.IntN(48)-24) * time.Hour)}
	}
	s.Lock = Lock{Enabled: true, Password: "1234", Locked: r.IntN(6) == 0}
	return s
}

func randomCall(r *rand.Rand, t *testing.T) Call {
	c := Call{Class: CallerClass(r.IntN(int(classEnd)))}
	switch r.IntN(5) {
	case 0:
		c.Anonymous = true
	case 1:
		c.From = num(t, "0611223344") // blocked in half the settings, selectively forwarded in some
	case 2:
		c.From = num(t, "0899123456") // on the system blacklist
	case 3:
		c.From = num(t, "0655555555")
	default:
		c.From = num(t, "0123456789")
	}
	return c
}

// directory makes 804 and 805 forward in circles half of the time.
func randomDirectory(r *rand.Rand) MapLookup {
	d := MapLookup{}
	for _, ext := range []string{"804", "805"} {
		d[ext] = Settings{Extension: ext, Forwarding: Forwarding{Immediate: Forward{Active: r.IntN(2) == 0, Destination: []string{"803", "804", "805"}[r.IntN(3)]}}}
	}
	return d
}

type propCase struct {
	s    Settings
	call Call
	line Line
	now  time.Time
}

func forEachCase(t *testing.T, n int, f func(t *testing.T, r *rand.Rand, c propCase)) {
	sys := testSystem(t)
	r := rand.New(rand.NewPCG(4, 2026))
	times := []time.Time{monMorning, monLunch, monEvening, satMidday}
	for i := 0; i < n; i++ {
		sys.Directory = randomDirectory(r)
		c := propCase{s: randomSettings(r), call: randomCall(r, t), line: Line{Devices: r.IntN(3), ActiveCalls: r.IntN(2)}, now: times[r.IntN(len(times))]}
		f(t, r, c)
		if t.Failed() {
			t.Fatalf("case %d: settings %+v call %+v line %+v", i, c.s, c.call, c.line)
		}
	}
}

// A call always reaches KindDone within a bounded number of steps,
// whatever the outcomes, and nothing is ever forwarded to the user
// themselves or round a directory loop.
func TestPropertyTerminates(t *testing.T) {
	sys := testSystem(t)
	forEachCase(t, 5000, func(t *testing.T, r *rand.Rand, c propCase) {
		sys.Directory = randomDirectory(r)
		st := Plan(&c.s, sys, c.call, c.line, c.now)
		for n := 0; st.Kind != KindDone; n++ {
			if n > 60 {
				t.Fatalf("no end after %d steps: %s", n, st.describe())
			}
			if st.Kind == KindForward && st.Destination == c.s.Extension {
				t.Fatalf("forwards to self")
			}
			if st.Kind == KindForward && !st.External {
				e := engine{s: &c.s, sys: sys, now: c.now}
				if e.loops(st.Destination) {
					t.Fatalf("forwards into a loop through %s", st.Destination)
				}
			}
			st = Next(&c.s, sys, c.call, st, Outcome(r.IntN(int(outcomeEnd))), c.now)
		}
	})
}

// A caller on the system blacklist or the personal block list is never
// put through: no step rings, forwards or hands the call on.
func TestPropertyBlockedNeverRings(t *testing.T) {
	sys := testSystem(t)
	forEachCase(t, 5000, func(t *testing.T, r *rand.Rand, c propCase) {
		blocked := !c.call.Anonymous && (sys.matchAny(c.call.From, sys.Blacklist) || sys.matchAny(c.call.From, c.s.Blocked))
		if !blocked {
			return
		}
		st := Plan(&c.s, sys, c.call, c.line, c.now)
		for st.Kind != KindDone {
			switch st.Kind {
			case KindRing, KindForward, KindFollowMe, KindAutoAttendant:
				t.Fatalf("blocked caller put through: %s", st.describe())
			}
			st = Next(&c.s, sys, c.call, st, Outcome(r.IntN(int(outcomeEnd))), c.now)
		}
	})
}

// Until it expires, a quick mode decides the call for every caller who is
// not blocked or rejected and a phone that is not locked; from the expiry
// on it does not.
func TestPropertyQuickModeWins(t *testing.T) {
	sys := testSystem(t)
	forEachCase(t, 5000, func(t *testing.T, r *rand.Rand, c propCase) {
		q := c.s.QuickMode
		if q.Mode == ModeNone || q.Until.IsZero() {
			return
		}
		before := Plan(&c.s, sys, c.call, c.line, q.Until.Add(-time.Second))
		at := Plan(&c.s, sys, c.call, c.line, q.Until)
		if hasNote(at, NoteQuickMode) {
			t.Errorf("quick mode still decides at its expiry: %v", at.Flow())
		}
		screened := hasNote(before, NoteBlacklisted) || hasNote(before, NoteBlocked) || hasNote(before, NoteAnonymous) ||
			hasNote(before, NoteSelectiveReject) || hasNote(before, NoteLocked)
		if !screened && !hasNote(before, NoteQuickMode) {
			t.Errorf("quick mode did not decide before its expiry: %v", before.Flow())
		}
	})
}

func hasNote(st Step, c NoteCode) bool {
	for _, n := range st.Notes[:st.NNotes] {
		if n.Code == c {
			return true
		}
	}
	return false
}

// An emergency number always goes out, whatever lock, DND, quick mode or
// block lists say, dialled with or without the outside-line prefix.
func TestPropertyEmergencyGoesOut(t *testing.T) {
	sys := testSystem(t)
	forEachCase(t, 2000, func(t *testing.T, r *rand.Rand, c propCase) {
		for _, d := range []string{"112", "15", "17", "18", "9112", "9 112"} {
			if o := CheckOutgoing(&c.s, sys, d, c.now); !o.Allowed || !o.Emergency {
				t.Errorf("CheckOutgoing(%q) = %+v, want allowed emergency", d, o)
			}
		}
		o := CheckOutgoing(&c.s, sys, "0612345678", c.now)
		if o.Allowed == c.s.Lock.Locked {
			t.Errorf("CheckOutgoing(ordinary number) allowed=%v with locked=%v", o.Allowed, c.s.Lock.Locked)
		}
	})
}
