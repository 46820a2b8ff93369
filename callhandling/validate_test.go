package callhandling

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	sys := testSystem(t)
	sys.Directory = MapLookup{"804": {Extension: "804"}}
	type fe struct {
		Field string
		Err   error
	}
	tests := []struct {
		name string
		s    Settings
		want []fe
	}{
		{"valid", Settings{Extension: "803", Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "804"}},
			Lock: Lock{Enabled: true, Password: "1234"}}, nil},
		{"unknown destination", Settings{Extension: "803", Forwarding: Forwarding{Busy: Forward{Active: true, Destination: "809"}}},
			[]fe{{"forwarding.busy.destination", ErrUnknownDestination}}},
		{"forward to yourself", Settings{Extension: "803", Forwarding: Forwarding{Immediate: Forward{Active: true, Destination: "803"}}},
			[]fe{{"forwarding.immediate.destination", ErrForwardToSelf}}},
		{"bad number", Settings{Extension: "803", Forwarding: Forwarding{NoAnswer: Forward{Active: true, Destination: "call me"}}},
			[]fe{{"forwarding.no_answer.destination", ErrBadNumber}}},
		{"shadowed rule", Settings{Extension: "803", Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
			{Schedule: "business_hour", Action: ActionVoicemail},
			{Schedule: "business_hour", Callers: Callers(ClassExternal), Action: ActionPlay, Announcement: "x"},
			{Schedule: "lunch", Action: ActionRing}, // lunch is within business hours but only partly shadowed by name: allowed
		}}}},
			[]fe{{"statuses.normal.rules[1]", ErrRuleShadowed}}},
		{"announcement then attendant is fine", Settings{Extension: "803", Statuses: Statuses{Normal: Process{UserDefined: true, Rules: []Rule{
			{Schedule: "business_hour", Action: ActionPlay, Announcement: "welcome_default"},
			{Schedule: "business_hour", Action: ActionAutoAttendant, AutoAttendant: "auto_attendant_default"},
		}}}}, nil},
		{"four twinning schedules", Settings{Extension: "803", Twinning: Twinning{Scheduled: []ScheduledTwin{
			{"0612345678", "lunch"}, {"0612345678", "evening"}, {"0612345678", "business_hour"}, {"0612345678", ""}}}},
			[]fe{{"twinning.scheduled", ErrTooManyTwins}}},
		{"unknown schedule and profile", Settings{Extension: "803", ActiveFollowMe: "x", Statuses: Statuses{Busy: Process{Rules: []Rule{{Schedule: "night", Action: ActionVoicemail}}}}},
			[]fe{{"statuses.busy.rules[0].schedule", ErrUnknownSchedule}, {"active_follow_me", ErrUnknownProfile}}},
		{"short password", Settings{Extension: "803", Lock: Lock{Enabled: true, Password: "12"}}, []fe{{"lock.password", ErrBadPassword}}},
		{"long password", Settings{Extension: "803", Lock: Lock{Enabled: true, Password: "1234567890123"}}, []fe{{"lock.password", ErrBadPassword}}},
		{"letters in password", Settings{Extension: "803", Lock: Lock{Enabled: true, Password: "12a4"}}, []fe{{"lock.password", ErrBadPassword}}},
		{"extension on the block list", Settings{Extension: "803", Blocked: []string{"0612345678", "804"}}, []fe{{"blocked[1]", ErrNotBlockable}}},
		{"ring in block list process", Settings{Extension: "803", Statuses: Statuses{BlockList: Process{UserDefined: true, Rules: []Rule{{Action: ActionRing}}}}},
			[]fe{{"statuses.block_list.rules[0].action", ErrActionNotAllowed}}},
		{"ring time", Settings{Extension: "803", RingSeconds: 301}, []fe{{"ring_seconds", ErrBadSeconds}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []fe
			err := Validate(&tt.s, sys)
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var se *SettingsError
					if !errors.As(e, &se) {
						t.Fatalf("error %v is not a *SettingsError", e)
					}
					got = append(got, fe{se.Field, se.Err})
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestValidateSystem(t *testing.T) {
	sys := testSystem(t)
	sys.Blacklist = append(sys.Blacklist, "805")
	err := sys.Validate()
	var se *SettingsError
	if !errors.As(err, &se) || se.Field != "blacklist[1]" || !errors.Is(err, ErrNotBlockable) {
		t.Errorf("System.Validate = %v, want blacklist[1] not blockable", err)
	}
}
