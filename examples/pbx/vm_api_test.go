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
