package callhandling

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzSettingsJSON checks that settings PUT as JSON read back to the same
// value after being written out (GET), and that Validate, Plan and Explain
// never panic on them.
func FuzzSettingsJSON(f *testing.F) {
	s, _ := twentyRules(f)
	b, _ := json.Marshal(s)
	f.Add(string(b))
	f.Add(`{"extension":"803","statuses":{"normal":{"user_defined":true,"rules":[{"schedule":"business_hour","callers":["external"],"action":"play","announcement":"welcome_default"}]}},"quick_mode":{"mode":"away","until":"2026-03-02T17:00:00Z"}}`)
	f.Add(`{"extension":"803","follow_me":[{"name":"a","numbers":[{"number":"101","seconds":10}]}],"active_follow_me":"a","lock":{"enabled":true,"password":"1234","locked":true}}`)
	sys := testSystem(f)
	f.Fuzz(func(t *testing.T, text string) {
		var s Settings
		if json.Unmarshal([]byte(text), &s) != nil {
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of unmarshalled settings: %v", err)
		}
		var back Settings
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal of %s: %v", b, err)
		}
		if diff := cmp.Diff(s, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("JSON round trip (-first +second):\n%s", diff)
		}
		_ = Validate(&s, sys)
		st := Plan(&s, sys, Call{Class: ClassExternal}, idle, monMorning)
		for i := 0; st.Kind != KindDone; i++ {
			if i > 100 {
				t.Fatal("no end")
			}
			st = Next(&s, sys, Call{Class: ClassExternal}, st, NoAnswer, monMorning)
		}
		_ = Explain(&s, sys, monMorning).English()
	})
}
