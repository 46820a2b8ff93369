package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// TestVoicemailMenuPlaysMessageBack: a message is left as in the deposit
// test; then the owner's softphone (baresip, registered as 202) dials
// *61, keys in the PIN set with `ext add -pin` and 1 as RFC 4733 digits
// (baresip's sndcode), and hears the message: the message's audio is
// found in what baresip recorded, sample for sample after alignment
// (µ-law both ways), and the message is then filed as heard.
func TestVoicemailMenuPlaysMessageBack(t *testing.T) {
	bin := interop.LookPath(t, "baresip", "baresip")
	v := startVMTest(t)
	v.call(t, "vm_deposit.xml", "202")
	var l vmList
	waitForCond(t, "the message", func() bool { l = v.list(t, v.owner); return l.Total == 1 })
	m := l.Messages[0]
	code, wav := v.owner.do("GET", "/api/v1/voicemail/messages/"+m.ID+"/audio", nil)
	if code != http.StatusOK {
		t.Fatalf("GET audio: %d", code)
	}
	left := trimSilence(wavSamples(t, wav), 100)

	phone := startBaresip(t, bin, v.p, "202", 440)
	waitRegistered(t, v.owner, "baresip")
	// baresip's aufile microphone ends the call when its file ends, and
	// loads it at each call: make it last longer than this call.
	writeTone(t, filepath.Join(phone.dir, "tone.wav"), 440, time.Minute)
	phone.command(t, "dial", "*61")
	phone.waitEvent(t, "CALL_ESTABLISHED")
	waitFor(t, "1 s of the PIN prompt", 10*time.Second, func() bool { return phone.recorded() >= time.Second }, phone.state)
	phone.command(t, "sndcode", vmOwnerPIN+"#1")
	// The count, the details (about 5 s) and the message (about 7 s).
	waitFor(t, "the message played", 40*time.Second, func() bool { return phone.recorded() >= 20*time.Second }, phone.state)
	phone.command(t, "hangup", "")
	phone.waitEvent(t, "CALL_CLOSED")
	phone.quit(t)

	heard := phone.recording(t)
	at, c := find(heard, left, 0)
	if c < 0.9 {
		t.Fatalf("the message is not in what the phone heard: best correlation %.3f at %.2f s", c, float64(at)/8000)
	}
	t.Logf("message heard at %.2f s of the call, correlation %.3f", float64(at)/8000, c)

	code, body := v.owner.do("GET", "/api/v1/voicemail/messages/"+m.ID, nil)
	var got messageView
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || got.Folder != "old" {
		t.Errorf("after listening, the message is %d %s; want folder old", code, body)
	}
}
