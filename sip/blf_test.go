package sip

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUpdateDialog: one call at a time changes an extension's busy-lamp
// state, in order of arrival; a terminated call leaves it.
func TestUpdateDialog(t *testing.T) {
	early := func(id string) DialogState { return DialogState{ID: id, CallID: id, Phase: DialogEarly} }
	confirmed := func(id string) DialogState { return DialogState{ID: id, CallID: id, Phase: DialogConfirmed} }
	ended := func(id string) DialogState { return DialogState{ID: id, Phase: DialogTerminated} }
	tests := []struct {
		name    string
		updates []DialogState
		want    []DialogState
	}{
		{"one ringing", []DialogState{early("b")}, []DialogState{early("b")}},
		{"answered replaces", []DialogState{early("b"), confirmed("b")}, []DialogState{confirmed("b")}},
		{"arrival order kept", []DialogState{early("b"), early("a"), confirmed("b")}, []DialogState{confirmed("b"), early("a")}},
		{"ended leaves", []DialogState{early("b"), early("a"), ended("b")}, []DialogState{early("a")}},
		{"all ended: idle", []DialogState{early("b"), ended("b")}, nil},
		{"unknown ended: nothing", []DialogState{ended("z")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := NewNotifier(NotifierConfig{Auth: trustFrom{}, Sender: SenderFunc(nil), Domain: "pbx.test", SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			for _, d := range tt.updates {
				if err := n.UpdateDialog("102", d); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, n.DialogStates("102")); diff != "" {
				t.Errorf("dialogs (-want +got):\n%s", diff)
			}
		})
	}
	n, err := NewNotifier(NotifierConfig{Auth: trustFrom{}, Sender: SenderFunc(nil), Domain: "pbx.test", SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.UpdateDialog("102", DialogState{ID: "x"}); err == nil {
		t.Error("dialog without phase accepted")
	}
}

// TestUpdateDialogNotifies: a watcher of 102 gets each one-call change as
// a full document.
func TestUpdateDialogNotifies(t *testing.T) {
	f := newNotifierFixture(t, nil)
	res := f.do(t, sub{user: "101", resource: "102", event: "dialog", headers: []string{"Accept: application/dialog-info+xml"}})
	if res.StatusCode != 200 {
		t.Fatalf("subscribe: %d", res.StatusCode)
	}
	f.out.next(t) // the initial, empty document
	a := DialogState{ID: "a", CallID: "a", Direction: Initiator, Phase: DialogEarly, Remote: Identity{URI: "sip:103"}}
	b := DialogState{ID: "b", CallID: "b", Direction: Recipient, Phase: DialogConfirmed, Remote: Identity{URI: "sip:104"}}
	steps := []struct {
		d    DialogState
		want []DialogState
	}{
		{a, []DialogState{a}},
		{b, []DialogState{a, b}},
		{DialogState{ID: "a", Phase: DialogTerminated}, []DialogState{b}},
	}
	for i, s := range steps {
		if err := f.n.UpdateDialog("102", s.d); err != nil {
			t.Fatal(err)
		}
		info := dialogInfo(t, f.out.next(t))
		if diff := cmp.Diff(DialogInfo{Version: uint32(i + 1), Full: true, Entity: "sip:102@pbx.test", Dialogs: s.want}, info); diff != "" {
			t.Errorf("step %d document (-want +got):\n%s", i, diff)
		}
		f.out.quiet(t, f.n)
	}
}

// BenchmarkUpdateDialogUnwatched is a busy server's call event for two
// extensions nobody watches: ringing, answered, ended, with 15 other
// calls up on each (one extension at 16 calls a second of 1 s).
func BenchmarkUpdateDialogUnwatched(b *testing.B) {
	n, err := NewNotifier(NotifierConfig{Auth: trustFrom{}, Sender: SenderFunc(nil), Domain: "pbx.test", SweepInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	for i := range 15 {
		id := string(rune('A' + i))
		n.UpdateDialog("101", DialogState{ID: id, Phase: DialogConfirmed})
		n.UpdateDialog("102", DialogState{ID: id, Phase: DialogConfirmed})
	}
	remote := Identity{URI: "sip:102"}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range []DialogPhase{DialogEarly, DialogConfirmed, DialogTerminated} {
			n.UpdateDialog("101", DialogState{ID: "call", CallID: "call", Phase: p, Remote: remote})
			n.UpdateDialog("102", DialogState{ID: "call", CallID: "call", Phase: p, Remote: remote})
		}
	}
}
