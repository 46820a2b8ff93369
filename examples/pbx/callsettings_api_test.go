package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/callhandling"
)

// TestCallSettingsAPI walks GET, PUT and the summary as two users: each
// sees and changes only their own settings, bad settings are refused with
// the field named, a save from stale settings is refused, and the summary
// explains the saved settings.
func TestCallSettingsAPI(t *testing.T) {
	c := startCallHandlingPBX(t, "")
	// Fresh settings: the defaults.
	if diff := cmp.Diff(defaultSettings("102"), c.settings(t, "102")); diff != "" {
		t.Errorf("fresh settings (-want +got):\n%s", diff)
	}
	bob := c.api["102"]
	s := c.settings(t, "102")
	s.Forwarding.Busy = callhandling.Forward{Active: true, Destination: "103"}
	s.RingSeconds = 20
	s.CallWaiting = false // so that a call while on a call is busy, and the summary says so
	c.put(t, "102", s)
	if diff := cmp.Diff(s, c.settings(t, "102")); diff != "" {
		t.Errorf("settings after PUT (-want +got):\n%s", diff)
	}
	// Alice's are untouched.
	if diff := cmp.Diff(defaultSettings("101"), c.settings(t, "101")); diff != "" {
		t.Errorf("101's settings after 102's PUT (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name   string
		client *apiClient
		body   any
		status int
		field  string
	}{
		{"someone else's", c.api["101"], s, http.StatusBadRequest, "extension"},
		{"forward to self", bob, func() callhandling.Settings {
			b := s
			b.Forwarding.Busy.Destination = "102"
			return b
		}(), http.StatusBadRequest, "forwarding.busy.destination"},
		{"unknown extension", bob, func() callhandling.Settings {
			b := s
			b.Forwarding.NoAnswer = callhandling.Forward{Active: true, Destination: "555"}
			return b
		}(), http.StatusBadRequest, "forwarding.no_answer.destination"},
		{"bad lock password", bob, func() callhandling.Settings {
			b := s
			b.Lock = callhandling.Lock{Enabled: true, Password: "12"}
			return b
		}(), http.StatusBadRequest, "lock.password"},
		{"unknown field", bob, map[string]any{"extension": "102", "dnd_forever": true}, http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := tc.client.do("PUT", "/api/v1/callhandling", tc.body)
			if code != tc.status {
				t.Fatalf("PUT: %d %s, want %d", code, body, tc.status)
			}
			var eb settingsErrorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatal(err)
			}
			if tc.field != "" && (len(eb.Fields) == 0 || eb.Fields[0].Field != tc.field) {
				t.Errorf("error %s names fields %+v, want %q", eb.Error, eb.Fields, tc.field)
			}
		})
	}
	// Nothing refused was saved.
	if diff := cmp.Diff(s, c.settings(t, "102")); diff != "" {
		t.Errorf("settings after refused PUTs (-want +got):\n%s", diff)
	}

	// A save based on an old version is refused (412).
	req, _ := http.NewRequest("PUT", "http://"+c.http+"/api/v1/callhandling", strings.NewReader(`{"extension":"102"}`))
	req.SetBasicAuth("102", bob.pass)
	req.Header.Set("If-Match", `"0"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with a stale If-Match: %d, want 412", resp.StatusCode)
	}

	// The summary explains the settings, in structure and in words.
	code, body := bob.do("GET", "/api/v1/callhandling/summary", nil)
	var sum struct {
		Summary struct {
			Services []struct {
				Name  string `json:"name"`
				State string `json:"state"`
			} `json:"services"`
		} `json:"summary"`
		English string `json:"english"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &sum) != nil {
		t.Fatalf("GET summary: %d %s", code, body)
	}
	if !strings.Contains(sum.English, "103") {
		t.Errorf("summary text does not mention the busy destination:\n%s", sum.English)
	}
	found := false
	for _, sv := range sum.Summary.Services {
		if strings.Contains(strings.ToLower(sv.Name), "busy") && sv.State == "active" {
			found = true
		}
	}
	if !found {
		t.Errorf("summary services %+v: busy forwarding not active", sum.Summary.Services)
	}
	// Without credentials: nothing.
	anon := &apiClient{t: t, base: c.http}
	if code, _ := anon.do("GET", "/api/v1/callhandling", nil); code != http.StatusUnauthorized {
		t.Errorf("GET without credentials: %d, want 401", code)
	}
}
