package callhandling

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The manuals' call processes: FortiVoice's business_hour announcement then
// auto attendant; CooVox's follow me 15 s on the extension, then 101, 102,
// 103, then voicemail; a CommPortal follow me to the mobile before voicemail.
func TestPlanProcesses(t *testing.T) {
	sys := testSystem(t)
	fortivoice := Settings{Extension: "803", Voicemail: true, Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
		{Schedule: "business_hour", Callers: Callers(ClassExternal), Action: ActionPlay, Announcement: "welcome_default"},
		{Schedule: "business_hour", Callers: Callers(ClassExternal), Action: ActionAutoAttendant, AutoAttendant: "auto_attendant_default"},
	}}}}
	coovox := Settings{Extension: "100", Voicemail: true, ActiveFollowMe: "office", FollowMe: []FollowMeProfile{{
		Name: "office", OwnSeconds: 15,
		Numbers: []FollowMeNumber{{Number: "101", Seconds: 10}, {Number: "102", Seconds: 10}, {Number: "103", Seconds: 20}},
	}}}
	coovoxHangUp := coovox
	coovoxHangUp.FollowMe = []FollowMeProfile{coovox.FollowMe[0]}
	coovoxHangUp.FollowMe[0].HangUp = true
	mobile := Settings{Extension: "803", Voicemail: true, ActiveFollowMe: "mobile", FollowMe: []FollowMeProfile{{
		Name: "mobile", Confirm: true, Numbers: []FollowMeNumber{{Number: "0612345678", Seconds: 25}, {Number: "804"}},
	}}}
	// A follow-me profile chosen by a rule starts by ringing the extension.
	byRule := Settings{Extension: "803", Voicemail: true, FollowMe: mobile.FollowMe, Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
		{Schedule: "evening", Action: ActionFollowMe, FollowMe: "mobile"},
	}}}}
	lunch := Settings{Extension: "803", Voicemail: true, Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
		{Schedule: "lunch", Action: ActionForward, Destination: "804"},
		{Schedule: "business_hour", Callers: Callers(ClassInternal, ClassOfficePeer), Action: ActionRing, Seconds: 10},
		{Schedule: "business_hour", Action: ActionRing, Seconds: 30},
		{Action: ActionVoicemail},
	}}}}
	busyProc := Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}},
		Statuses: Statuses{Busy: Process{UserDefined: true, Rules: []Rule{{Action: ActionPlay, Announcement: "busy_msg"}, {Action: ActionVoicemail}}}}}
	vmProc := Settings{Extension: "803", Voicemail: true, Statuses: Statuses{Voicemail: Process{UserDefined: true, Rules: []Rule{
		{Action: ActionPlay, Announcement: "sorry"}, {Action: ActionVoicemail}}}}}
	numbersRule := Settings{Extension: "803", Voicemail: true, Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
		{Numbers: []string{"06 12 34 56 78"}, Action: ActionForward, Destination: "0699999999"},
	}}}}

	tests := []struct {
		name     string
		s        Settings
		call     Call
		line     Line
		now      time.Time
		outcomes []Outcome
		want     []string
	}{
		{"FortiVoice business hours external", fortivoice, Call{Class: ClassExternal}, idle, monMorning, []Outcome{Answered},
			[]string{"play welcome_default", "auto attendant auto_attendant_default", "done"}},
		{"FortiVoice business hours internal: default ring", fortivoice, internal, idle, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"FortiVoice after hours: default ring", fortivoice, Call{Class: ClassExternal}, idle, monEvening, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"CooVox follow me then voicemail", coovox, Call{Class: ClassExternal}, idle, monMorning, nil,
			[]string{"ring phones for 15s", "follow me leg 1: ring 101 for 10s", "follow me leg 2: ring 102 for 10s", "follow me leg 3: ring 103 for 20s", "voicemail (no-answer)", "done"}},
		{"CooVox follow me answered at 102", coovox, Call{Class: ClassExternal}, idle, monMorning, []Outcome{NoAnswer, Busy, Answered},
			[]string{"ring phones for 15s", "follow me leg 1: ring 101 for 10s", "follow me leg 2: ring 102 for 10s", "done"}},
		{"CooVox follow me then hang up", coovoxHangUp, Call{Class: ClassExternal}, idle, monMorning, nil,
			[]string{"ring phones for 15s", "follow me leg 1: ring 101 for 10s", "follow me leg 2: ring 102 for 10s", "follow me leg 3: ring 103 for 20s", "reject 480 Temporarily Unavailable", "done"}},
		{"CommPortal follow me to mobile with confirm", mobile, Call{Class: ClassExternal}, idle, monMorning, nil,
			[]string{"ring phones for 20s", "follow me leg 1: ring 0612345678 for 25s (press 1 to accept)", "follow me leg 2: ring 804 for 20s", "voicemail (no-answer)", "done"}},
		{"follow me by rule rings own first", byRule, Call{Class: ClassExternal}, idle, monEvening, nil,
			[]string{"ring phones for 20s", "follow me leg 1: ring 0612345678 for 25s (press 1 to accept)", "follow me leg 2: ring 804 for 20s", "voicemail (no-answer)", "done"}},
		{"rule order: lunch forward", lunch, internal, idle, monLunch, []Outcome{Answered},
			[]string{"forward to extension 804", "done"}},
		{"rule order: internal rings 10s then 30s then voicemail", lunch, internal, idle, monMorning, nil,
			[]string{"ring phones for 10s", "ring phones for 30s", "voicemail (no-answer)", "done"}},
		{"rule order: external 30s", lunch, Call{Class: ClassExternal}, idle, monMorning, nil,
			[]string{"ring phones for 30s", "voicemail (no-answer)", "done"}},
		{"rule order: weekend voicemail", lunch, Call{Class: ClassExternal}, idle, satMidday, nil,
			[]string{"voicemail (no-answer)", "done"}},
		{"busy process overrides busy forwarding", busyProc, Call{Class: ClassExternal}, onCall, monMorning, nil,
			[]string{"play busy_msg", "voicemail (busy)", "done"}},
		{"voicemail process runs before every voicemail", vmProc, Call{Class: ClassExternal}, idle, monMorning, nil,
			[]string{"ring phones for 20s", "play sorry", "voicemail (no-answer)", "done"}},
		{"specific numbers rule", numbersRule, Call{Class: ClassExternal, From: num(t, "+33612345678")}, idle, monMorning, []Outcome{Answered},
			[]string{"forward to external 0699999999", "done"}},
		{"specific numbers rule, other caller: default", numbersRule, Call{Class: ClassExternal, From: num(t, "+33611111111")}, idle, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
		{"specific numbers rule, anonymous: default", numbersRule, Call{Class: ClassExternal, Anonymous: true}, idle, monMorning, nil,
			[]string{"ring phones for 20s", "voicemail (no-answer)", "done"}},
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

// Loops through the directory are stopped before the call is forwarded.
func TestForwardLoop(t *testing.T) {
	sys := testSystem(t)
	a := Settings{Extension: "801", Voicemail: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "802"}}}
	b := Settings{Extension: "802", Voicemail: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "803"}}}
	c := Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "801"}}}
	d := Settings{Extension: "804", Voicemail: true, Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "802"}}}
	sys.Directory = MapLookup{"801": a, "802": b, "803": c, "804": d}
	ext := Call{Class: ClassExternal}
	if diff := cmp.Diff([]string{"voicemail (loop)", "done"}, run(&a, sys, ext, idle, monMorning)); diff != "" {
		t.Errorf("A→B→C→A (-want +got):\n%s", diff)
	}
	// D forwards into the circle B→C→A→B without being part of it.
	if diff := cmp.Diff([]string{"voicemail (loop)", "done"}, run(&d, sys, ext, idle, monMorning)); diff != "" {
		t.Errorf("D→B→C→A→B (-want +got):\n%s", diff)
	}
	// When C turns on DND the chain ends at C: no loop.
	c.DND = true
	sys.Directory = MapLookup{"801": a, "802": b, "803": c, "804": d}
	if diff := cmp.Diff([]string{"forward to extension 802", "done"}, run(&a, sys, ext, idle, monMorning, Answered)); diff != "" {
		t.Errorf("chain ending in DND (-want +got):\n%s", diff)
	}
}

func TestStepFlow(t *testing.T) {
	sys := testSystem(t)
	s := Settings{Extension: "803", Voicemail: true, Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}}}
	st := Plan(&s, sys, Call{Class: ClassExternal}, idle, monMorning)
	st = Next(&s, sys, Call{Class: ClassExternal}, st, Busy, monMorning)
	want := []string{"outcome: busy", "Busy status: system default action", "forward to extension 804"}
	if diff := cmp.Diff(want, st.Flow()); diff != "" {
		t.Errorf("Flow (-want +got):\n%s", diff)
	}
}
