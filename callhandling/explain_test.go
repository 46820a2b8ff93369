package callhandling

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/phonenumber"
)

// ukSystem writes national numbers in groups of 4, 3 and 3, as the
// CommPortal example does ("0123 456 789").
func ukSystem(t *testing.T) *System {
	sys := testSystem(t)
	sys.Plan = phonenumber.Plan{
		CountryCode: "44", TrunkPrefix: "0", InternationalPrefixes: []string{"00"}, OutsidePrefixes: []string{"9"},
		NationalLengths: phonenumber.Lengths{Min: 9, Max: 10}, ExtensionLengths: phonenumber.Lengths{Min: 3, Max: 3},
		Emergency: []string{"999", "112"}, Grouping: []int{4, 3},
	}
	return sys
}

func TestExplainEnglish(t *testing.T) {
	sys := ukSystem(t)
	tests := []struct {
		name string
		s    Settings
		want []string
	}{
		{"CommPortal: immediate forwarding overrides follow me and no answer",
			Settings{Extension: "803", Voicemail: true, ActiveFollowMe: "mobile",
				FollowMe:   []FollowMeProfile{{Name: "mobile", Numbers: []FollowMeNumber{{Number: "07700900123", Seconds: 20}}}},
				Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "0123456789"}, NoAnswer: Forward{Active: true, Destination: "804"}}},
			[]string{
				"Immediate forwarding to 0123 456 789 is on, so Follow Me and No-answer forwarding never run.",
				"All calls are forwarded to 0123 456 789.",
			}},
		{"CooVox: follow me through 101, 102, 103 then voicemail",
			Settings{Extension: "100", Voicemail: true, ActiveFollowMe: "office", FollowMe: []FollowMeProfile{{Name: "office", OwnSeconds: 15,
				Numbers: []FollowMeNumber{{Number: "101", Seconds: 10}, {Number: "102", Seconds: 10}, {Number: "103", Seconds: 10}}}}},
			[]string{
				"All calls ring your phones for 15 seconds, then ring extension 101 for 10 seconds, then ring extension 102 for 10 seconds, then ring extension 103 for 10 seconds, then go to voicemail.",
				"When you are on a call or your phone rejects a call as busy, all calls go to voicemail.",
				"When no phone is connected, all calls go to voicemail.",
			}},
		{"Follow me overrides no-answer forwarding; busy forwarding",
			Settings{Extension: "803", Voicemail: true, ActiveFollowMe: "mobile",
				FollowMe:   []FollowMeProfile{{Name: "mobile", Confirm: true, Numbers: []FollowMeNumber{{Number: "07700900123", Seconds: 25}}}},
				Forwarding: Forwarding{NoAnswer: Forward{Active: true, Destination: "804"}, Busy: Forward{Active: true, Destination: "804"}}},
			[]string{
				"Follow Me is on, so No-answer forwarding never runs.",
				"All calls ring your phones for 20 seconds, then ring 0770 090 0123 for 25 seconds (answer by pressing 1), then go to voicemail.",
				"When you are on a call or your phone rejects a call as busy, all calls are forwarded to extension 804.",
				"When no phone is connected, all calls go to voicemail.",
			}},
		{"FortiVoice: business hours announcement then auto attendant for external callers",
			Settings{Extension: "803", Voicemail: true, Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
				{Schedule: "business_hour", Callers: Callers(ClassExternal), Action: ActionPlay, Announcement: "welcome_default"},
				{Schedule: "business_hour", Callers: Callers(ClassExternal), Action: ActionAutoAttendant, AutoAttendant: "auto_attendant_default"},
			}}}},
			[]string{
				"Calls from internal callers ring your phones for 20 seconds, then go to voicemail.",
				"Calls from external callers hear the announcement welcome_default, then go to the auto attendant auto_attendant_default.",
				"When you are on a call or your phone rejects a call as busy, all calls go to voicemail.",
				"When no phone is connected, all calls go to voicemail.",
				"Outside business_hour, all calls ring your phones for 20 seconds, then go to voicemail.",
			}},
		{"DND without voicemail, overriding immediate forwarding and twinning",
			Settings{Extension: "803", DND: true, Twinning: Twinning{Active: true, Number: "07700900123"},
				Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "804"}}},
			[]string{
				"Do not disturb is on, so Immediate forwarding and Twinning never run.",
				"All calls are rejected as busy.",
			}},
		{"call waiting on: a phone's busy answer still forwards",
			Settings{Extension: "803", Voicemail: true, CallWaiting: true,
				Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}}},
			[]string{
				"All calls ring your phones for 20 seconds, then go to voicemail.",
				"When your phone rejects a call as busy, all calls are forwarded to extension 804.",
				"When no phone is connected, all calls go to voicemail.",
			}},
		{"call waiting on, defaults: a busy answer goes to voicemail like no answer",
			Settings{Extension: "803", Voicemail: true, CallWaiting: true},
			[]string{
				"All calls ring your phones for 20 seconds, then go to voicemail.",
				"When no phone is connected, all calls go to voicemail.",
			}},
		{"call waiting on, busy forwarding only for callers whose call rings",
			Settings{Extension: "803", Voicemail: true, CallWaiting: true, Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
				{Callers: Callers(ClassExternal), Action: ActionVoicemail},
				{Callers: Callers(ClassInternal), Action: ActionRing, Seconds: 15},
			}}}, Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "0123456789"}}},
			[]string{
				"Calls from internal callers ring your phones for 15 seconds, then go to voicemail.",
				"Calls from external callers go to voicemail.",
				"When your phone rejects a call as busy, calls from internal callers are forwarded to 0123 456 789.",
				"When no phone is connected, all calls go to voicemail.",
			}},
		{"call waiting off: on a call and a busy answer both forward",
			Settings{Extension: "803", Voicemail: true,
				Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}}},
			[]string{
				"All calls ring your phones for 20 seconds, then go to voicemail.",
				"When you are on a call or your phone rejects a call as busy, all calls are forwarded to extension 804.",
				"When no phone is connected, all calls go to voicemail.",
			}},
		{"out of office quick mode until 17:00",
			Settings{Extension: "803", Voicemail: true, DND: true, QuickMode: QuickMode{Mode: ModeOutOfOffice, Until: monEvening.Add(-3 * 3600e9)}},
			[]string{
				"Out of office until 2026-03-02 17:00 is on, so Do not disturb never runs.",
				"All calls go to voicemail.",
			}},
		{"locked phone",
			Settings{Extension: "803", Voicemail: true, Lock: Lock{Enabled: true, Password: "1234", Locked: true}, DND: true},
			[]string{
				"Your phone is locked, so Do not disturb never runs.",
				"All calls go to voicemail.",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Split(strings.TrimSuffix(Explain(&tt.s, sys, monMorning).English(), "\n"), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("English mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExplainServices(t *testing.T) {
	sys := ukSystem(t)
	s := Settings{Extension: "803", Voicemail: true, ActiveFollowMe: "mobile",
		FollowMe:   []FollowMeProfile{{Name: "mobile", Numbers: []FollowMeNumber{{Number: "07700900123"}}}},
		Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "0123456789"}, NoAnswer: Forward{Active: true, Destination: "804"}}}
	got := map[ServiceName]Service{}
	for _, sv := range Explain(&s, sys, monMorning).Services {
		got[sv.Name] = sv
	}
	want := map[ServiceName]Service{
		ServiceImmediate: {Name: ServiceImmediate, State: Active, Detail: "0123456789"},
		ServiceFollowMe:  {Name: ServiceFollowMe, State: Overridden, By: ServiceImmediate, Detail: "mobile"},
		ServiceNoAnswer:  {Name: ServiceNoAnswer, State: Overridden, By: ServiceImmediate, Detail: "804"},
		ServiceDND:       {Name: ServiceDND, State: Inactive},
	}
	for n, w := range want {
		if diff := cmp.Diff(w, got[n]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", n, diff)
		}
	}
}

// TestExplainRejected checks the structure behind "when your phone rejects
// a call as busy": with call waiting on, the busy line rings like a free
// one, and only the phone's 486 reaches busy forwarding.
func TestExplainRejected(t *testing.T) {
	sys := ukSystem(t)
	s := Settings{Extension: "803", Voicemail: true, CallWaiting: true,
		Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}}}
	got := Explain(&s, sys, monMorning).Internal
	ring := Link{Kind: KindRing, Seconds: 20}
	want := Handling{
		Free:         []Link{ring, {Kind: KindVoicemail, Reason: ReasonNoAnswer}},
		Busy:         []Link{ring, {Kind: KindVoicemail, Reason: ReasonNoAnswer}},
		Rejected:     []Link{ring, {Kind: KindForward, Destination: "804"}},
		NotConnected: []Link{{Kind: KindVoicemail, Reason: ReasonUnavailable}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Handling mismatch (-want +got):\n%s", diff)
	}
	s.DND = true // nothing rings: no rejection to describe
	if got := Explain(&s, sys, monMorning).Internal.Rejected; got != nil {
		t.Errorf("Rejected with DND = %v, want nil", got)
	}
}
