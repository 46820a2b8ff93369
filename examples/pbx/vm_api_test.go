package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/voicemail"
)

// TestVoicemailAPIGreetingsAndSettings: the owner uploads a greeting (a
// WAV, then something that is no audio, then more than 10 MB) and gets it
// back as WAV; settings refuse an email choice without an address; the
// PIN policy refuses a trivial PIN; another user cannot see the mailbox's
// greeting.
func TestVoicemailAPIGreetingsAndSettings(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{
		{"ext", "add", "202", "-name", "Owner", "-password", "owner-secret-202", "-portal-password", "Portal-pass-202"},
		{"ext", "add", "203", "-name", "Other", "-password", "other-secret-203", "-portal-password", "Portal-pass-203"},
	} {
		if out, err := runCLI(t, append(args, "-data", data)...); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	p := startPBX(t, data)
	owner := &apiClient{t: t, base: p.http, user: "202", pass: "Portal-pass-202"}
	other := &apiClient{t: t, base: p.http, user: "203", pass: "Portal-pass-203"}

	name := filepath.Join(t.TempDir(), "greeting.wav")
	writeTone(t, name, 440, 2*time.Second)
	tone, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	put := func(c *apiClient, body []byte) (int, string) {
		req, _ := http.NewRequest("PUT", "http://"+p.http+"/api/v1/voicemail/greetings/busy", bytes.NewReader(body))
		req.SetBasicAuth(c.user, c.pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put(owner, tone); code != http.StatusOK || !strings.Contains(body, `"busy"`) {
		t.Fatalf("upload a WAV greeting: %d %s", code, body)
	}
	if code, body := put(owner, []byte("this is not audio at all, just text")); code != http.StatusBadRequest {
		t.Errorf("upload text: %d %s, want 400", code, body)
	}
	big := filepath.Join(t.TempDir(), "long.wav")
	writeTone(t, big, 440, 12*time.Minute) // 11.5 MB of 16-bit PCM
	bigWAV, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := put(owner, bigWAV); code != http.StatusRequestEntityTooLarge {
		t.Errorf("upload an 11.5 MB WAV: %d %s, want 413", code, body)
	}
	code, got := owner.do("GET", "/api/v1/voicemail/greetings/busy", nil)
	if code != http.StatusOK {
		t.Fatalf("GET greeting: %d", code)
	}
	if n := len(wavSamples(t, got)); n < 15000 || n > 17000 {
		t.Errorf("greeting back: %d samples, want about 2 s", n)
	}
	if code, _ := other.do("GET", "/api/v1/voicemail/greetings/busy", nil); code != http.StatusNotFound {
		t.Errorf("203 reading 202's (its own, never recorded) busy greeting: %d, want 404", code)
	}
	if code, body := owner.do("PUT", "/api/v1/voicemail/settings", map[string]any{"notify": map[string]string{"email": "simple"}}); code != http.StatusBadRequest {
		t.Errorf("email without an address: %d %s, want 400", code, body)
	}
	if code, body := owner.do("PUT", "/api/v1/voicemail/pin", map[string]string{"pin": "1234"}); code != http.StatusBadRequest {
		t.Errorf("PIN 1234: %d %s, want 400", code, body)
	}
	if code, body := owner.do("PUT", "/api/v1/voicemail/pin", map[string]string{"pin": "4826"}); code != http.StatusNoContent {
		t.Errorf("PIN 4826: %d %s", code, body)
	}
	var set vmSettings
	code, body := owner.do("GET", "/api/v1/voicemail/settings", nil)
	if code != http.StatusOK || json.Unmarshal(body, &set) != nil || !set.HasPIN || !set.Greetings.Has(voicemail.GreetingBusy) {
		t.Errorf("settings after the upload and the PIN: %d %s", code, body)
	}
}

// TestVoicemailAPITemporaryGreetingState: the settings show whether the
// temporary greeting plays now and until when (CommPortal: "temporary
// greeting active until…"): none; uploaded with no end (active); an end
// in the future (active until then); an end passed (recorded, not
// active); erased (nothing, and the end forgotten). An operator number
// that cannot be dialled is refused.
func TestVoicemailAPITemporaryGreetingState(t *testing.T) {
	data := t.TempDir()
	if out, err := runCLI(t, "ext", "add", "202", "-name", "Owner", "-password", "owner-secret-202", "-portal-password", "Portal-pass-202", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p := startPBX(t, data)
	owner := &apiClient{t: t, base: p.http, user: "202", pass: "Portal-pass-202"}
	name := filepath.Join(t.TempDir(), "greeting.wav")
	writeTone(t, name, 440, time.Second)
	tone, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	state := func() vmTemporary {
		t.Helper()
		code, body := owner.do("GET", "/api/v1/voicemail/settings", nil)
		var set vmSettings
		if code != http.StatusOK || json.Unmarshal(body, &set) != nil {
			t.Fatalf("GET settings: %d %s", code, body)
		}
		return set.Temporary
	}
	setUntil := func(until time.Time) {
		t.Helper()
		if code, body := owner.do("PUT", "/api/v1/voicemail/settings", map[string]any{
			"greetings": map[string]any{"mode": "standard", "temporary_until": until}}); code != http.StatusOK {
			t.Fatalf("PUT settings: %d %s", code, body)
		}
	}
	future := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	for _, st := range []struct {
		name string
		do   func()
		want vmTemporary
	}{
		{"none", func() {}, vmTemporary{}},
		{"uploaded, no end", func() {
			req, _ := http.NewRequest("PUT", "http://"+p.http+"/api/v1/voicemail/greetings/temporary", bytes.NewReader(tone))
			req.SetBasicAuth(owner.user, owner.pass)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("upload temporary greeting: %v %v", err, resp.Status)
			}
			resp.Body.Close()
		}, vmTemporary{Recorded: true, Active: true}},
		{"ends in two days", func() { setUntil(future) }, vmTemporary{Recorded: true, Until: future, Active: true}},
		{"ended an hour ago", func() { setUntil(past) }, vmTemporary{Recorded: true, Until: past}},
		{"erased", func() {
			if code, body := owner.do("DELETE", "/api/v1/voicemail/greetings/temporary", nil); code != http.StatusNoContent {
				t.Fatalf("DELETE: %d %s", code, body)
			}
		}, vmTemporary{}},
	} {
		st.do()
		if diff := cmp.Diff(st.want, state()); diff != "" {
			t.Errorf("%s: temporary greeting state (-want +got):\n%s", st.name, diff)
		}
	}
	for op, want := range map[string]int{"203": http.StatusOK, "+15551234567": http.StatusOK, "": http.StatusOK,
		"20 3": http.StatusBadRequest, "sip:203@x": http.StatusBadRequest, "+": http.StatusBadRequest} {
		if code, body := owner.do("PUT", "/api/v1/voicemail/settings", map[string]any{"options": map[string]string{"operator": op}}); code != want {
			t.Errorf("operator %q: %d %s, want %d", op, code, body, want)
		}
	}
}

// TestVoicemailAPISharedMailboxAndSchedules: the owner (202) shares the
// mailbox with 201 and sets two scheduled greetings and a temporary
// greeting's expiry; 201 then sees 202's mailbox in its list with the
// Owner column, reads the message a caller left there (listed with its
// owner), marks it heard, and fetches its audio. 202 cannot read 201's
// mailbox, which 201 did not share.
func TestVoicemailAPISharedMailboxAndSchedules(t *testing.T) {
	v := startVMTest(t)
	member := &apiClient{t: t, base: v.p.http, user: "201", pass: "Portal-pass-201"}
	office := schedule.Schedule{Zone: "Europe/Paris", Windows: []schedule.Window{{Days: schedule.Weekdays, Start: schedule.At(9, 0), End: schedule.At(17, 0)}}}
	lunch := schedule.Schedule{Zone: "Europe/Paris", Windows: []schedule.Window{{Days: schedule.Weekdays, Start: schedule.At(12, 0), End: schedule.At(13, 0)}}}
	until := time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC)
	body := map[string]any{
		"members": []string{"201"},
		"greetings": map[string]any{
			"mode": "scheduled",
			"schedules": []voicemail.ScheduledGreeting{
				{Schedule: lunch, Greeting: voicemail.GreetingUnavailable},
				{Schedule: office, Greeting: voicemail.GreetingBusy},
			},
			"temporary_until": until,
		},
	}
	code, got := v.owner.do("PUT", "/api/v1/voicemail/settings", body)
	var set vmSettings
	if code != http.StatusOK || json.Unmarshal(got, &set) != nil {
		t.Fatalf("PUT settings: %d %s", code, got)
	}
	want := vmSettings{Members: []string{"201"}, Greetings: voicemail.Greetings{Mode: voicemail.ModeScheduled,
		Schedules:      []voicemail.ScheduledGreeting{{Schedule: lunch, Greeting: voicemail.GreetingUnavailable}, {Schedule: office, Greeting: voicemail.GreetingBusy}},
		TemporaryUntil: until}, Temporary: vmTemporary{Until: until}}
	if diff := cmp.Diff(want, set, cmpopts.IgnoreFields(vmSettings{}, "Options", "Notify", "Quota", "HasPIN")); diff != "" {
		t.Errorf("settings after PUT (-want +got):\n%s", diff)
	}
	bad := map[string]any{"greetings": map[string]any{"mode": "scheduled",
		"schedules": []voicemail.ScheduledGreeting{{Schedule: office, Greeting: voicemail.GreetingName}}}}
	if code, got := v.owner.do("PUT", "/api/v1/voicemail/settings", bad); code != http.StatusBadRequest {
		t.Errorf("a recorded name on a schedule: %d %s, want 400", code, got)
	}
	if code, got := v.owner.do("PUT", "/api/v1/voicemail/settings", map[string]any{"members": []string{"../x"}}); code != http.StatusBadRequest {
		t.Errorf("member ../x: %d %s, want 400", code, got)
	}

	type boxes struct {
		Mailboxes []mailboxView `json:"mailboxes"`
	}
	var l boxes
	code, got = member.do("GET", "/api/v1/voicemail/mailboxes", nil)
	if code != http.StatusOK || json.Unmarshal(got, &l) != nil {
		t.Fatalf("GET mailboxes: %d %s", code, got)
	}
	wantBoxes := []mailboxView{{ID: "201", Name: "Caller", Owner: "201 - Caller", Own: true}, {ID: "202", Name: "Owner", Owner: "202 - Owner"}}
	if diff := cmp.Diff(wantBoxes, l.Mailboxes); diff != "" {
		t.Errorf("201's mailboxes (-want +got):\n%s", diff)
	}

	v.call(t, "vm_deposit.xml", "202")
	var msgs vmList
	waitForCond(t, "the message in the shared mailbox", func() bool {
		code, got := member.do("GET", "/api/v1/voicemail/messages?mailbox=202", nil)
		return code == http.StatusOK && json.Unmarshal(got, &msgs) == nil && msgs.Total == 1
	})
	m := msgs.Messages[0]
	if m.Mailbox != "202" || m.Owner != "202 - Owner" || m.CallerNumber != "201" {
		t.Errorf("shared message listed as %+v; want mailbox 202, owner \"202 - Owner\", from 201", m)
	}
	if code, got := member.do("PATCH", "/api/v1/voicemail/messages/"+m.ID+"?mailbox=202", map[string]string{"folder": "old"}); code != http.StatusOK || !strings.Contains(string(got), `"old"`) {
		t.Errorf("member marks the shared message heard: %d %s", code, got)
	}
	if code, wav := member.do("GET", "/api/v1/voicemail/messages/"+m.ID+"/audio?mailbox=202", nil); code != http.StatusOK || len(wavSamples(t, wav)) < 8000 {
		t.Errorf("member downloads the shared message: %d, %d bytes", code, len(wav))
	}
	if code, _ := member.do("GET", "/api/v1/voicemail/messages/"+m.ID, nil); code != http.StatusNotFound {
		t.Errorf("the shared message through the member's own mailbox: %d, want 404", code)
	}
	if code, _ := v.owner.do("GET", "/api/v1/voicemail/messages?mailbox=201", nil); code != http.StatusNotFound {
		t.Errorf("202 reading 201's unshared mailbox: %d, want 404", code)
	}
	code, got = member.do("GET", "/api/v1/voicemail/mailboxes", nil)
	if code != http.StatusOK || json.Unmarshal(got, &l) != nil || len(l.Mailboxes) != 2 || l.Mailboxes[1].Counts.Old != 1 {
		t.Errorf("201's mailboxes after marking: %d %s; want 202 with one old message", code, got)
	}
}
