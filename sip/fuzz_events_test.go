package sip

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseMessageSummary: any body parses or errors without panic, and
// what parses formats and parses back to the same summary.
func FuzzParseMessageSummary(f *testing.F) {
	for _, s := range []string{
		"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 4/8 (1/2)\r\n",
		"messages-waiting: no\nvoice-message: 0/3\nfax-message:1/0\nX-Custom: 2/2\n\nTo: <sip:a@b>\n",
		"Messages-Waiting: yes\r\nVoice-Message: 1/2 (0/1\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseMessageSummary(body)
		if err != nil {
			return
		}
		out, err := s.Format()
		if err != nil {
			t.Fatalf("parsed %q but cannot format %+v: %v", body, s, err)
		}
		back, err := ParseMessageSummary(out)
		if err != nil {
			t.Fatalf("formatted %q does not parse: %v", out, err)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", body, diff)
		}
	})
}

// FuzzParseDialogInfo: any document parses or errors without panic, and
// what parses formats and parses back to the same value.
func FuzzParseDialogInfo(f *testing.F) {
	d, err := DialogInfo{Version: 3, Full: true, Entity: "sip:102@pbx.test", Dialogs: []DialogState{{
		ID: "c1", CallID: "abc@pbx", Direction: Recipient, Phase: DialogConfirmed,
		Remote: Identity{URI: "sip:103@pbx.test", Display: "Carol"},
	}}}.Format()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(d)
	f.Add([]byte(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="partial" entity="sip:a@b"><dialog id="x" direction="initiator"><state code="486">terminated</state></dialog></dialog-info>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := ParseDialogInfo(body)
		if err != nil {
			return
		}
		out, err := info.Format()
		if err != nil {
			// Texts XML cannot carry back (control characters decoded
			// from character references) are refused by Format: fine.
			return
		}
		back, err := ParseDialogInfo(out)
		if err != nil {
			t.Fatalf("formatted document does not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(info, back); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s\n%s", diff, out)
		}
	})
}
