package callhandling

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestApply(t *testing.T) {
	sys := testSystem(t)
	sys.Directory = MapLookup{"804": {Extension: "804"}}
	codes := defaultTable(t)
	base := Settings{Extension: "803", Voicemail: true, Blocked: []string{"0611111111"}, Lock: Lock{Enabled: true, Password: "4321"}}
	tests := []struct {
		dialled string
		env     ApplyEnv
		edit    func(*Settings) // the expected change to base
		prompt  string
		err     error
	}{
		{"*71804#", ApplyEnv{}, func(s *Settings) { s.Forwarding.Immediate = Forward{Active: true, Destination: "804"} }, "ch-forward-on", nil},
		{"*7190612345678#", ApplyEnv{}, func(s *Settings) { s.Forwarding.Immediate = Forward{Active: true, Destination: "90612345678"} }, "ch-forward-on", nil},
		{"*071", ApplyEnv{}, func(s *Settings) {}, "ch-forward-off", nil},
		{"*72804#", ApplyEnv{}, func(s *Settings) { s.Forwarding.Busy = Forward{Active: true, Destination: "804"} }, "ch-forward-busy-on", nil},
		{"*072#", ApplyEnv{}, func(s *Settings) {}, "ch-forward-busy-off", nil},
		{"*73804#", ApplyEnv{}, func(s *Settings) { s.Forwarding.NoAnswer = Forward{Active: true, Destination: "804"} }, "ch-forward-noanswer-on", nil},
		{"*073", ApplyEnv{}, func(s *Settings) {}, "ch-forward-noanswer-off", nil},
		{"*77804#", ApplyEnv{}, func(s *Settings) { s.Forwarding.Unavailable = Forward{Active: true, Destination: "804"} }, "ch-forward-unavailable-on", nil},
		{"*077", ApplyEnv{}, func(s *Settings) {}, "ch-forward-unavailable-off", nil},
		{"*71803#", ApplyEnv{}, func(s *Settings) {}, "ch-code-invalid", ErrForwardToSelf},
		{"*71809#", ApplyEnv{}, func(s *Settings) {}, "ch-code-invalid", ErrUnknownDestination},
		{"*74", ApplyEnv{}, func(s *Settings) { s.DND = true }, "ch-dnd-on", nil},
		{"*074", ApplyEnv{}, func(s *Settings) {}, "ch-dnd-off", nil},
		{"*750612345678#", ApplyEnv{}, func(s *Settings) { s.Blocked = []string{"0611111111", "0612345678"} }, "ch-block-added", nil},
		{"*750611111111#", ApplyEnv{}, func(s *Settings) {}, "ch-block-added", nil}, // already there
		{"*75804#", ApplyEnv{}, func(s *Settings) {}, "ch-block-not-allowed", ErrNotBlockable},
		{"*75#", ApplyEnv{}, func(s *Settings) {}, "ch-code-invalid", ErrNeedsArgument},
		{"*76#", ApplyEnv{LastCaller: "+33655555555"}, func(s *Settings) { s.Blocked = []string{"0611111111", "+33655555555"} }, "ch-block-added", nil},
		{"*76#", ApplyEnv{LastCaller: "804"}, func(s *Settings) {}, "ch-block-not-allowed", ErrNotBlockable},
		{"*76#", ApplyEnv{}, func(s *Settings) {}, "ch-code-invalid", ErrNoLastCaller},
		{"*0750611111111#", ApplyEnv{}, func(s *Settings) { s.Blocked = nil }, "ch-block-removed", nil},
		{"*0750699999999#", ApplyEnv{}, func(s *Settings) {}, "ch-code-invalid", ErrNotOnList},
		{"*721", ApplyEnv{}, func(s *Settings) {
			s.QuickMode = QuickMode{Mode: ModeOutOfOffice, Until: time.Date(2026, 3, 3, 0, 0, 0, 0, paris)}
		}, "ch-mode-out-of-office", nil},
		{"*722", ApplyEnv{Until: monEvening}, func(s *Settings) { s.QuickMode = QuickMode{Mode: ModeAway, Until: monEvening} }, "ch-mode-away", nil},
		{"*723#", ApplyEnv{Until: monEvening}, func(s *Settings) { s.QuickMode = QuickMode{Mode: ModeOther, Until: monEvening} }, "ch-mode-other", nil},
		{"*720", ApplyEnv{}, func(s *Settings) {}, "ch-mode-off", nil},
		{"*114321", ApplyEnv{}, func(s *Settings) { s.Lock.Locked = true }, "ch-phone-locked", nil},
		{"*111234#", ApplyEnv{}, func(s *Settings) {}, "ch-wrong-password", ErrWrongPassword},
		{"*8#", ApplyEnv{}, func(s *Settings) {}, "", ErrNotSettingsCode},
		{"*4", ApplyEnv{}, func(s *Settings) {}, "", ErrNotSettingsCode},
	}
	for _, tt := range tests {
		t.Run(tt.dialled, func(t *testing.T) {
			in, err := codes.Parse(tt.dialled)
			if err != nil {
				t.Fatal(err)
			}
			want := base
			want.Blocked = append([]string(nil), base.Blocked...)
			tt.edit(&want)
			before := append([]string(nil), base.Blocked...)
			got, conf, err := Apply(base, sys, in, tt.env, monMorning)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Apply error %v, want %v", err, tt.err)
			}
			if conf.Prompt != tt.prompt {
				t.Errorf("prompt %q, want %q", conf.Prompt, tt.prompt)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, base.Blocked); diff != "" {
				t.Errorf("Apply modified its input (-before +after):\n%s", diff)
			}
		})
	}
}

// *11 toggles: lock, then unlock with the same password; a locked phone
// still calls emergency numbers.
func TestApplyLockToggle(t *testing.T) {
	sys := testSystem(t)
	codes := defaultTable(t)
	s := Settings{Extension: "803", Lock: Lock{Enabled: true, Password: "4321"}}
	in, _ := codes.Parse("*114321")
	s, conf, err := Apply(s, sys, in, ApplyEnv{}, monMorning)
	if err != nil || conf.Prompt != "ch-phone-locked" || !s.Lock.Locked {
		t.Fatalf("lock: %v %v %v", err, conf, s.Lock)
	}
	if o := CheckOutgoing(&s, sys, "90612345678", monMorning); o.Allowed || o.Prompt != "ch-phone-is-locked" {
		t.Errorf("locked phone calls out: %+v", o)
	}
	if o := CheckOutgoing(&s, sys, "112", monMorning); !o.Allowed {
		t.Errorf("locked phone cannot call 112: %+v", o)
	}
	s, conf, err = Apply(s, sys, in, ApplyEnv{}, monMorning)
	if err != nil || conf.Prompt != "ch-phone-unlocked" || s.Lock.Locked {
		t.Fatalf("unlock: %v %v %v", err, conf, s.Lock)
	}
	s.Lock.Enabled = false
	if _, _, err := Apply(s, sys, in, ApplyEnv{}, monMorning); !errors.Is(err, ErrLockDisabled) {
		t.Errorf("*11 without protection: %v", err)
	}
}

// TestApplyBlacklist: an administrator's *75/*76/*075 change the system
// blacklist as the personal codes change the block list; extensions can
// never be blacklisted, and the list passed in is never modified.
func TestApplyBlacklist(t *testing.T) {
	sys := testSystem(t)
	codes := defaultTable(t)
	base := []string{"0899123456"}
	tests := []struct {
		dialled string
		env     ApplyEnv
		want    []string
		prompt  string
		err     error
	}{
		{"*750612345678#", ApplyEnv{}, []string{"0899123456", "0612345678"}, "ch-block-added", nil},
		{"*750899123456#", ApplyEnv{}, base, "ch-block-added", nil}, // already there
		{"*75804#", ApplyEnv{}, base, "ch-block-not-allowed", ErrNotBlockable},
		{"*75#", ApplyEnv{}, base, "ch-code-invalid", ErrNeedsArgument},
		{"*76#", ApplyEnv{LastCaller: "0655555555"}, []string{"0899123456", "0655555555"}, "ch-block-added", nil},
		{"*76#", ApplyEnv{LastCaller: "804"}, base, "ch-block-not-allowed", ErrNotBlockable},
		{"*76#", ApplyEnv{}, base, "ch-code-invalid", ErrNoLastCaller},
		{"*0750899123456#", ApplyEnv{}, nil, "ch-block-removed", nil},
		{"*0750612345678#", ApplyEnv{}, base, "ch-code-invalid", ErrNotOnList},
		{"*74", ApplyEnv{}, base, "", ErrNotSettingsCode},
	}
	for _, tt := range tests {
		t.Run(tt.dialled, func(t *testing.T) {
			in, err := codes.Parse(tt.dialled)
			if err != nil {
				t.Fatal(err)
			}
			list := []string{"0899123456"}
			got, conf, err := ApplyBlacklist(list, sys, in, tt.env)
			if !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("blacklist (-want +got):\n%s", diff)
			}
			if conf.Prompt != tt.prompt {
				t.Errorf("prompt = %q, want %q", conf.Prompt, tt.prompt)
			}
			if diff := cmp.Diff(base, list); diff != "" {
				t.Errorf("the list passed in changed (-want +got):\n%s", diff)
			}
		})
	}
}
