package callhandling

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
)

// testPlan is a French plan: extensions of 3 digits, 9 for an outside line.
func testPlan() phonenumber.Plan {
	return phonenumber.Plan{
		CountryCode:           "33",
		TrunkPrefix:           "0",
		InternationalPrefixes: []string{"00"},
		OutsidePrefixes:       []string{"9"},
		NationalLengths:       phonenumber.Lengths{Min: 9, Max: 9},
		ExtensionLengths:      phonenumber.Lengths{Min: 3, Max: 3},
		Emergency:             []string{"112", "15", "17", "18"},
		Grouping:              []int{2, 2, 2, 2},
	}
}

// Times the tests use: Monday 2026-03-02 in Paris, during and outside
// business hours (mon-fri 09:00-17:00).
var (
	paris, _   = time.LoadLocation("Europe/Paris")
	monMorning = time.Date(2026, 3, 2, 10, 0, 0, 0, paris)
	monEvening = time.Date(2026, 3, 2, 20, 0, 0, 0, paris)
	satMidday  = time.Date(2026, 3, 7, 12, 0, 0, 0, paris)
	monLunch   = time.Date(2026, 3, 2, 12, 30, 0, 0, paris)
)

func mustCompile(t testing.TB, text string) *schedule.Compiled {
	t.Helper()
	s, err := schedule.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testSystem(t testing.TB) *System {
	return &System{
		Plan:               testPlan(),
		Blacklist:          []string{"0899123456"},
		DefaultRingSeconds: 20,
		Schedules: map[string]*schedule.Compiled{
			"business_hour": mustCompile(t, "tz=Europe/Paris; mon-fri 09:00-17:00"),
			"lunch":         mustCompile(t, "tz=Europe/Paris; mon-fri 12:00-14:00"),
			"evening":       mustCompile(t, "tz=Europe/Paris; daily 18:00-23:00"),
		},
		Location: paris,
	}
}

func num(t testing.TB, s string) phonenumber.Number {
	t.Helper()
	n, err := phonenumber.Parse(testPlan(), s, phonenumber.Received)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// run plays a call through Plan and Next with the given outcomes for each
// non-terminal step, and returns the steps as call-flow descriptions.
func run(s *Settings, sys *System, call Call, line Line, now time.Time, outcomes ...Outcome) []string {
	st := Plan(s, sys, call, line, now)
	var got []string
	for i := 0; ; i++ {
		got = append(got, st.describe())
		if st.Kind == KindDone || i > 50 {
			return got
		}
		o := NoAnswer
		if len(outcomes) > 0 {
			o, outcomes = outcomes[0], outcomes[1:]
		}
		st = Next(s, sys, call, st, o, now)
	}
}

var (
	idle     = Line{Devices: 1}
	onCall   = Line{Devices: 1, ActiveCalls: 1}
	offline  = Line{}
	internal = Call{Class: ClassInternal}
)

func TestPlanStatuses(t *testing.T) {
	sys := testSystem(t)
	ext := Call{Class: ClassExternal}
	tests := []struct {
		name     string
		s        Settings
		call     Call
		line     Line
		now      time.Time
		outcomes []Outcome
		want     []string
	}{
		{"normal default rings then voicemail", Settings{Extension: "803", Voicemail: true}, ext, idle, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"normal answered", Settings{Extension: "803", Voicemail: true}, ext, idle, monMorning, []Outcome{Answered},
			[]string{"ring phones for 20s", "done"}},
		{"no voicemail: unanswered call is rejected", Settings{Extension: "803"}, ext, idle, monMorning, nil,
			[]string{"ring phones for 20s", "reject 480 Temporarily Unavailable", "done"}},
		{"own ring time", Settings{Extension: "803", RingSeconds: 15, Voicemail: true}, ext, idle, monMorning, nil,
			[]string{"ring phones for 15s", "voicemail (no-answer)", "done"}},
		{"busy without call waiting goes to voicemail busy", Settings{Extension: "803", Voicemail: true}, ext, onCall, monMorning, nil,
			[]string{"voicemail (busy)", "done"}},
		{"busy with call waiting rings", Settings{Extension: "803", Voicemail: true, CallWaiting: true}, ext, onCall, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"phone reports busy", Settings{Extension: "803", Voicemail: true}, ext, idle, monMorning, []Outcome{Busy},
			[]string{"ring phones for 20s", "voicemail (busy)", "done"}},
		{"user declines", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "0612345678"}}}, ext, idle, monMorning, []Outcome{Rejected, Answered},
			[]string{"ring phones for 20s", "forward to external 0612345678", "done"}},
		{"not connected", Settings{Extension: "803", Voicemail: true}, ext, offline, monMorning, nil,
			[]string{"voicemail (unavailable)", "done"}},
		{"forward busy", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}}}, ext, onCall, monMorning, []Outcome{Answered},
			[]string{"forward to extension 804", "done"}},
		{"forward no answer after N seconds", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{NoAnswer: Forward{Active: true, Destination: "0612345678", Seconds: 12}}}, ext, idle, monMorning, []Outcome{NoAnswer, Answered},
			[]string{"ring phones for 12s", "forward to external 0612345678", "done"}},
		{"forward no answer fails: voicemail", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{NoAnswer: Forward{Active: true, Destination: "0612345678"}}}, ext, idle, monMorning, []Outcome{NoAnswer, NoAnswer},
			[]string{"ring phones for 20s", "forward to external 0612345678", "voicemail (no-answer)", "done"}},
		{"forward unavailable", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Unavailable: Forward{Active: true, Destination: "0612345678"}}}, ext, offline, monMorning, []Outcome{Answered},
			[]string{"forward to external 0612345678", "done"}},
		{"immediate forward", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "0612345678"}}}, ext, offline, monMorning, []Outcome{Answered},
			[]string{"forward to external 0612345678", "done"}},
		{"immediate forward to self loops", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "803"}}}, ext, idle, monMorning, nil,
			[]string{"voicemail (loop)", "done"}},
		{"selective forward", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{
			Immediate: Forward{Active: true, Destination: "805"},
			Selective: []SelectiveForward{{Active: true, Numbers: []string{"01 23 45 67 89"}, Destination: "804"}}}},
			Call{Class: ClassExternal, From: num(t, "+33123456789")}, idle, monMorning, []Outcome{Answered},
			[]string{"forward to extension 804", "done"}},
		{"selective forward other caller", Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{
			Selective: []SelectiveForward{{Active: true, Numbers: []string{"0123456789"}, Destination: "804"}}}},
			Call{Class: ClassExternal, From: num(t, "+33199999999")}, idle, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"DND voicemail", Settings{Extension: "803", Voicemail: true, DND: true}, ext, idle, monMorning, nil,
			[]string{"voicemail (dnd)", "done"}},
		{"DND without voicemail rejects (CooVox)", Settings{Extension: "803", DND: true}, ext, idle, monMorning, nil,
			[]string{"reject 486 Busy Here", "done"}},
		{"DND beats immediate forward", Settings{Extension: "803", Voicemail: true, DND: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "804"}}}, ext, idle, monMorning, nil,
			[]string{"voicemail (dnd)", "done"}},
		{"system blacklist", Settings{Extension: "803", Voicemail: true}, Call{Class: ClassExternal, From: num(t, "0899123456")}, idle, monMorning, nil,
			[]string{"reject 403 Forbidden", "done"}},
		{"personal block list default", Settings{Extension: "803", Voicemail: true, Blocked: []string{"06 11 22 33 44"}}, Call{Class: ClassExternal, From: num(t, "+33611223344")}, idle, monMorning, nil,
			[]string{"reject 603 Decline", "done"}},
		{"block list process plays announcement", Settings{Extension: "803", Voicemail: true, Blocked: []string{"0611223344"},
			Statuses: Statuses{BlockList: Process{UserDefined: true, Rules: []Rule{{Action: ActionPlay, Announcement: "go_away"}}}}},
			Call{Class: ClassExternal, From: num(t, "0611223344")}, idle, monMorning, []Outcome{Answered},
			[]string{"play go_away", "done"}},
		{"anonymous rejected", Settings{Extension: "803", Voicemail: true, RejectAnonymous: true}, Call{Class: ClassExternal, Anonymous: true}, idle, monMorning, nil,
			[]string{"reject 433 Anonymity Disallowed", "done"}},
		{"anonymous allowed", Settings{Extension: "803", Voicemail: true}, Call{Class: ClassExternal, Anonymous: true}, idle, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"selective reject in schedule", Settings{Extension: "803", Voicemail: true, SelectiveReject: SelectiveReject{Active: true, Numbers: []string{"0611223344"}, Schedule: "business_hour"}},
			Call{Class: ClassExternal, From: num(t, "0611223344")}, idle, monMorning, nil,
			[]string{"reject 603 Decline", "done"}},
		{"selective reject out of schedule", Settings{Extension: "803", Voicemail: true, SelectiveReject: SelectiveReject{Active: true, Numbers: []string{"0611223344"}, Schedule: "business_hour"}},
			Call{Class: ClassExternal, From: num(t, "0611223344")}, idle, monEvening, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"locked phone: voicemail (VoipNow)", Settings{Extension: "803", Voicemail: true, Lock: Lock{Enabled: true, Password: "1234", Locked: true}}, ext, idle, monMorning, nil,
			[]string{"voicemail (locked)", "done"}},
		{"locked phone without voicemail", Settings{Extension: "803", Lock: Lock{Enabled: true, Password: "1234", Locked: true}}, ext, idle, monMorning, nil,
			[]string{"reject 480 Temporarily Unavailable", "done"}},
		{"quick mode out of office default", Settings{Extension: "803", Voicemail: true, QuickMode: QuickMode{Mode: ModeOutOfOffice, Until: monEvening}}, ext, idle, monMorning, nil,
			[]string{"voicemail (unavailable)", "done"}},
		{"quick mode expired", Settings{Extension: "803", Voicemail: true, QuickMode: QuickMode{Mode: ModeOutOfOffice, Until: monMorning}}, ext, idle, monEvening, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"quick mode away forwards to mobile", Settings{Extension: "803", Voicemail: true, QuickMode: QuickMode{Mode: ModeAway},
			Statuses: Statuses{Away: Process{UserDefined: true, Rules: []Rule{{Action: ActionForward, Destination: "0612345678"}}}}}, ext, idle, monMorning, []Outcome{Answered},
			[]string{"forward to external 0612345678", "done"}},
		{"twinning simple and scheduled", Settings{Extension: "803", Voicemail: true, Twinning: Twinning{Active: true, Number: "0612345678",
			Scheduled: []ScheduledTwin{{Number: "0199887766", Schedule: "business_hour"}, {Number: "0155443322", Schedule: "evening"}}}}, ext, idle, monMorning, nil,
			[]string{"ring phones + twin 0612345678 + twin 0199887766 for 20s", "voicemail (no-answer)", "done"}},
		{"twinning evening", Settings{Extension: "803", Voicemail: true, Twinning: Twinning{
			Scheduled: []ScheduledTwin{{Number: "0199887766", Schedule: "business_hour"}, {Number: "0155443322", Schedule: "evening"}}}}, ext, idle, monEvening, nil,
			[]string{"ring phones + twin 0155443322 for 20s", "voicemail (no-answer)", "done"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(&tt.s, sys, tt.call, tt.line, tt.now, tt.outcomes...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("call flow mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
