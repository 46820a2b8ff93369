package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/internal/interop"
)

// callSystem reads the call system through the admin API as ext.
func (c *chPBX) callSystem(t *testing.T, ext string) callSystemView {
	t.Helper()
	code, body := c.api[ext].do("GET", "/api/v1/admin/callsystem", nil)
	var v callSystemView
	if code != http.StatusOK || json.Unmarshal(body, &v) != nil {
		t.Fatalf("GET callsystem as %s: %d %s", ext, code, body)
	}
	return v
}

// TestCallSystemAPI: only an administrator (demo 101) reads and changes
// the call system; a change is validated field by field and nothing
// refused is saved; a change takes effect at once (a schedule added is
// usable in a user's rules straight away) and a schedule a user relies on
// cannot be removed.
func TestCallSystemAPI(t *testing.T) {
	c := startCallHandlingPBX(t, "")
	admin := c.api["101"]
	for _, m := range []string{"GET", "PUT"} {
		if code, body := c.api["102"].do(m, "/api/v1/admin/callsystem", map[string]any{}); code != http.StatusForbidden {
			t.Errorf("%s as a user: %d %s, want 403", m, code, body)
		}
	}
	v := c.callSystem(t, "101")
	if diff := cmp.Diff([]string{"112", "911"}, v.Emergency); diff != "" {
		t.Errorf("default emergency numbers (-want +got):\n%s", diff)
	}

	// A rule during business hours is refused while the schedule does not
	// exist…
	s := c.settings(t, "102")
	s.Statuses.Normal = callhandling.Process{UserDefined: true, Rules: []callhandling.Rule{
		{Schedule: "business_hour", Action: callhandling.ActionVoicemail}}}
	if code, body := c.api["102"].do("PUT", "/api/v1/callhandling", s); code != http.StatusBadRequest {
		t.Fatalf("rule with an unknown schedule: %d %s, want 400", code, body)
	}
	// …and accepted once the administrator adds it.
	v.Schedules["business_hour"] = "tz=Europe/Paris; mon-fri 09:00-17:00"
	v.Blacklist = []string{"0612345678"}
	v.DefaultRingSeconds = 25
	if code, body := admin.do("PUT", "/api/v1/admin/callsystem", v); code != http.StatusOK {
		t.Fatalf("PUT callsystem: %d %s", code, body)
	}
	if diff := cmp.Diff(v, c.callSystem(t, "101")); diff != "" {
		t.Errorf("call system after PUT (-want +got):\n%s", diff)
	}
	c.put(t, "102", s)

	for _, tc := range []struct {
		name  string
		edit  func(v *callSystemView)
		field string
	}{
		{"extension blacklisted", func(v *callSystemView) { v.Blacklist = []string{"0699999999", "103"} }, "blacklist[1]"},
		{"ring time", func(v *callSystemView) { v.DefaultRingSeconds = 1000 }, "default_ring_seconds"},
		{"schedule text", func(v *callSystemView) { v.Schedules["lunch"] = "mon-fri 12:00-" }, "schedules.lunch"},
		{"emergency number", func(v *callSystemView) { v.Emergency = []string{"112", "9x1"} }, "emergency[1]"},
		{"schedule in use", func(v *callSystemView) { delete(v.Schedules, "business_hour") }, "users.102"},
		{"plan", func(v *callSystemView) { v.NumberingPlan.ExtensionLengths = lengthsView{5, 2} }, "numbering_plan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := c.callSystem(t, "101")
			tc.edit(&bad)
			code, body := admin.do("PUT", "/api/v1/admin/callsystem", bad)
			var eb settingsErrorBody
			if code != http.StatusBadRequest || json.Unmarshal(body, &eb) != nil {
				t.Fatalf("PUT: %d %s, want 400", code, body)
			}
			if len(eb.Fields) == 0 || eb.Fields[0].Field != tc.field {
				t.Errorf("error %s names fields %+v, want %q", eb.Error, eb.Fields, tc.field)
			}
		})
	}
	if code, body := admin.do("PUT", "/api/v1/admin/callsystem", map[string]any{"blacklist": []string{}, "whitelist": true}); code != http.StatusBadRequest {
		t.Errorf("unknown field: %d %s, want 400", code, body)
	}
	if diff := cmp.Diff(v, c.callSystem(t, "101")); diff != "" {
		t.Errorf("call system after refused PUTs (-want +got):\n%s", diff)
	}
}

// TestCallSystemCLI: `pbx callsystem set` takes flags before and after its
// word, changes only what they name, refuses an extension on the
// blacklist, and `show -json` prints what was saved.
func TestCallSystemCLI(t *testing.T) {
	data := t.TempDir()
	if out, err := runCLI(t, "ext", "add", "201", "-name", "Alice", "-password", "s3cret-alice", "-data", data); err != nil {
		t.Fatalf("ext add: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "callsystem", "set", "-data", data, "-blacklist-add", "0612345678", "-ring", "25",
		"-schedule", "office=tz=Europe/Paris; mon-fri 09:00-17:00", "-emergency", "112,999"); err != nil {
		t.Fatalf("callsystem set: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "callsystem", "set", "-data", data, "-blacklist-add", "0699999999"); err != nil {
		t.Fatalf("callsystem set: %v\n%s", err, out)
	}
	for _, bad := range [][]string{
		{"-blacklist-add", "201"},           // an extension
		{"-ring", "-3"},                     // a ring time
		{"-schedule", "x=mon 25:00-26:00"},  // a schedule
		{"-blacklist-remove", "0611111111"}, // not on it
		{},                                  // nothing to change
	} {
		out, err := runCLI(t, append(append([]string{"callsystem", "set"}, bad...), "-data", data)...)
		if err == nil {
			t.Errorf("callsystem set %q accepted: %s", bad, out)
		}
	}
	out, err := runCLI(t, "callsystem", "show", "-json", "-data", data)
	if err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	var v callSystemView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("show -json: %v\n%s", err, out)
	}
	want := callSystemView{Blacklist: []string{"0612345678", "0699999999"}, Emergency: []string{"112", "999"}, DefaultRingSeconds: 25,
		Schedules: map[string]string{"office": "tz=Europe/Paris; mon-fri 09:00-17:00"}}
	got := v
	got.NumberingPlan, got.TimeZone = planView{}, ""
	want.NumberingPlan = planView{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("show -json (-want +got):\n%s", diff)
	}
	text, err := runCLI(t, "callsystem", "show", "-data", data)
	if err != nil || !strings.Contains(text, "0612345678, 0699999999") || !strings.Contains(text, "office: tz=Europe/Paris") {
		t.Errorf("show: %v\n%s", err, text)
	}
}

// TestBlacklistCodes: CooVox's *75 adds to the PBX-wide blacklist when an
// administrator dials it; a user's *75 goes to their own block list, so
// one user cannot silence a number for everyone. Extensions are never
// blacklisted, and *075 takes a number off again.
func TestBlacklistCodes(t *testing.T) {
	c := startCallHandlingPBX(t, interop.LookPath(t, "sipp", "sip-tester"))
	c.dial(t, "101", "*750612345678%23", "app")
	if diff := cmp.Diff([]string{"0612345678"}, c.callSystem(t, "101").Blacklist); diff != "" {
		t.Errorf("after the admin's *75 (-want +got):\n%s", diff)
	}
	if b := c.settings(t, "101").Blocked; len(b) != 0 {
		t.Errorf("the admin's *75 also went to their own list: %q", b)
	}
	c.dial(t, "102", "*750699999999%23", "app")
	if diff := cmp.Diff([]string{"0699999999"}, c.settings(t, "102").Blocked); diff != "" {
		t.Errorf("after a user's *75, their block list (-want +got):\n%s", diff)
	}
	c.dial(t, "101", "*75103%23", "app") // an extension: refused
	if diff := cmp.Diff([]string{"0612345678"}, c.callSystem(t, "101").Blacklist); diff != "" {
		t.Errorf("after *75 of an extension (-want +got):\n%s", diff)
	}
	c.dial(t, "101", "*0750612345678%23", "app")
	if bl := c.callSystem(t, "101").Blacklist; len(bl) != 0 {
		t.Errorf("after *075, the blacklist is %q", bl)
	}
}
