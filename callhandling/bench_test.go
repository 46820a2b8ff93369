package callhandling

import (
	"fmt"
	"testing"
)

// twentyRules is a user with 20 rules in the Normal process, most of them
// for schedules not active on Monday evening, so Plan looks at all of them.
func twentyRules(tb testing.TB) (*Settings, *System) {
	sys := testSystem(tb)
	s := &Settings{Extension: "803", Voicemail: true, RingSeconds: 25,
		Twinning:   Twinning{Active: true, Number: "0612345678", Scheduled: []ScheduledTwin{{Number: "0199887766", Schedule: "evening"}}},
		Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}},
		Blocked:    []string{"0611111111", "0622222222"},
	}
	for i := 0; i < 19; i++ {
		sched := []string{"business_hour", "lunch"}[i%2]
		s.Statuses.Normal.Rules = append(s.Statuses.Normal.Rules,
			Rule{Schedule: sched, Callers: Callers(ClassInternal), Action: ActionForward, Destination: fmt.Sprint(810 + i)})
	}
	s.Statuses.Normal.Rules = append(s.Statuses.Normal.Rules, Rule{Schedule: "evening", Action: ActionRing})
	s.Statuses.Normal.UserDefined = true
	return s, sys
}

// BenchmarkPlanNext measures one incoming call's first two decisions
// (Plan, then Next after no answer) for a user with 20 rules. Each
// iteration is two decisions.
func BenchmarkPlanNext(b *testing.B) {
	s, sys := twentyRules(b)
	call := Call{Class: ClassExternal, From: num(b, "+33612345678")}
	b.ReportAllocs()
	for b.Loop() {
		st := Plan(s, sys, call, idle, monEvening)
		st = Next(s, sys, call, st, NoAnswer, monEvening)
		if st.Kind != KindVoicemail {
			b.Fatal(st.describe())
		}
	}
	b.ReportMetric(2*float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

func TestPlanNextDoesNotAllocate(t *testing.T) {
	s, sys := twentyRules(t)
	call := Call{Class: ClassExternal, From: num(t, "+33612345678")}
	var st Step
	allocs := testing.AllocsPerRun(100, func() {
		st = Plan(s, sys, call, idle, monEvening)
		st = Next(s, sys, call, st, NoAnswer, monEvening)
	})
	if allocs != 0 {
		t.Errorf("Plan+Next allocate %v times per call, want 0", allocs)
	}
	if st.Kind != KindVoicemail {
		t.Errorf("step %s, want voicemail", st.describe())
	}
}
