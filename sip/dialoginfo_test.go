package sip

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormatDialogInfo(t *testing.T) {
	d := DialogInfo{Version: 3, Full: true, Entity: "sip:102@pbx.test", Dialogs: []DialogState{{
		ID: "c1", CallID: "abc@pbx", LocalTag: "lt", RemoteTag: "rt", Direction: Initiator,
		Phase: DialogEarly, Local: Identity{URI: "sip:102@pbx.test"},
		Remote: Identity{URI: "sip:103@pbx.test", Display: "Carol & Co"},
	}}}
	got, err := d.Format()
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:102@pbx.test">
  <dialog id="c1" call-id="abc@pbx" local-tag="lt" remote-tag="rt" direction="initiator">
    <state>early</state>
    <local>
      <identity>sip:102@pbx.test</identity>
    </local>
    <remote>
      <identity display="Carol &amp; Co">sip:103@pbx.test</identity>
    </remote>
  </dialog>
</dialog-info>
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("document mismatch (-want +got):\n%s", diff)
	}
	back, err := ParseDialogInfo(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestParseDialogInfoRFC4235 reads a document shaped like RFC 4235
// section 4.1's example, with the elements we ignore.
func TestParseDialogInfoRFC4235(t *testing.T) {
	body := `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"
             version="0" state="partial" entity="sip:alice@example.com">
  <dialog id="as7d900as8" call-id="a84b4c76e66710" local-tag="1928301774" direction="initiator">
    <state event="rejected" code="486">terminated</state>
    <duration>274</duration>
    <remote><identity display="Bob">sip:bob@example.com</identity><target uri="sip:bob@pc33.example.com"/></remote>
  </dialog>
</dialog-info>`
	got, err := ParseDialogInfo([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := DialogInfo{Version: 0, Entity: "sip:alice@example.com", Dialogs: []DialogState{{
		ID: "as7d900as8", CallID: "a84b4c76e66710", LocalTag: "1928301774", Direction: Initiator,
		Phase: DialogTerminated, Remote: Identity{URI: "sip:bob@example.com", Display: "Bob"},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DialogInfo mismatch (-want +got):\n%s", diff)
	}
}

func TestParseDialogInfoErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not xml":         "hello",
		"wrong namespace": `<dialog-info xmlns="urn:x" version="0" state="full" entity="e"/>`,
		"bad version":     `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="x" state="full" entity="e"/>`,
		"bad state":       `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="some" entity="e"/>`,
		"dialog no id":    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="e"><dialog><state>early</state></dialog></dialog-info>`,
		"unknown phase":   `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="e"><dialog id="a"><state>ringing</state></dialog></dialog-info>`,
		"bad direction":   `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="e"><dialog id="a" direction="up"><state>early</state></dialog></dialog-info>`,
	} {
		if _, err := ParseDialogInfo([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDialogPhaseNames(t *testing.T) {
	for p := DialogTrying; p <= DialogTerminated; p++ {
		back, err := ParseDialogPhase(p.String())
		if err != nil || back != p {
			t.Errorf("%v: parsed back %v, %v", p, back, err)
		}
	}
	if got := DialogPhaseUnknown.String(); got != "unknown" {
		t.Errorf("zero phase String %q", got)
	}
	if _, err := (DialogInfo{Dialogs: []DialogState{{ID: "a"}}}).Format(); err == nil {
		t.Error("dialog without phase formatted")
	}
}
