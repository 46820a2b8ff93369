package sip

import (
	"context"
	"sync"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

// TestB2BUABindingOutbound: one Target rings a desk phone and an outside
// number through a trunk at once (twinning): the trunk's INVITE carries
// the binding's own Outbound identity and answers the provider's
// challenge, the phone's carries the caller and the Target's FromDisplay.
// Whichever answers wins; the other is cancelled.
func TestB2BUABindingOutbound(t *testing.T) {
	answer := func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) { p.answerCall(req, tx) }
	creds := &MemCredentials{}
	creds.Set("trunkuser", "trunkpass")
	auth, err := NewDigestAuth(AuthConfig{Realm: "provider.test", Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	trunk := &Outbound{Username: "trunkuser", Password: "trunkpass", FromDisplay: "ACME"}
	for _, tt := range []struct {
		name                string
		wantPhone, wantTwin []inviteSeen
		twinWins            bool
	}{
		{"the twin answers",
			[]inviteSeen{{CSeq: 1, RURI: "102", FromUser: "101", FromDisplay: "Dana", FromHost: "127.0.0.1", ToUser: "102", To: "127.0.0.1"}},
			[]inviteSeen{{CSeq: 1, RURI: "5551234567", FromUser: "trunkuser", FromDisplay: "ACME", FromHost: "127.0.0.1", ToUser: "5551234567", To: "127.0.0.1"},
				{CSeq: 2, Credentials: "Proxy-Authorization MD5", RURI: "5551234567", FromUser: "trunkuser", FromDisplay: "ACME", FromHost: "127.0.0.1", ToUser: "5551234567", To: "127.0.0.1"}},
			true},
		{"the phone answers",
			[]inviteSeen{{CSeq: 1, RURI: "102", FromUser: "101", FromDisplay: "Dana", FromHost: "127.0.0.1", ToUser: "102", To: "127.0.0.1"}},
			[]inviteSeen{{CSeq: 1, RURI: "5551234567", FromUser: "trunkuser", FromDisplay: "ACME", FromHost: "127.0.0.1", ToUser: "5551234567", To: "127.0.0.1"},
				{CSeq: 2, Credentials: "Proxy-Authorization MD5", RURI: "5551234567", FromUser: "trunkuser", FromDisplay: "ACME", FromHost: "127.0.0.1", ToUser: "5551234567", To: "127.0.0.1"}},
			false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// ringing is closed once the ringing side rings (the twin with
			// its authenticated INVITE), so that the phone answers only
			// then. Each subtest has its own: a handler of the last one
			// may still be waiting for its transaction to end.
			ringing := make(chan struct{})
			var rang sync.Once
			ring := func(_ *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) {
				tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
				rang.Do(func() { close(ringing) })
				<-tx.Done() // rings until cancelled
			}
			answerLater := func(p *fakeProvider, req *gosip.Request, tx gosip.ServerTransaction) {
				<-ringing
				p.answerCall(req, tx)
			}
			phoneH, twinH := ring, digestProvider(auth, nil, answer)
			if !tt.twinWins {
				phoneH, twinH = answerLater, digestProvider(auth, nil, ring)
			}
			phone := startFakeProvider(t, phoneH)
			twin := startFakeProvider(t, twinH)
			p := startPBX(t, Config{Router: RouterFunc(func(_ context.Context, c *Call) (Target, error) {
				return Target{FromDisplay: "Dana", Bindings: []Binding{
					{AOR: "102", Contact: "sip:102@" + phone.addr.String()},
					{AOR: "5551234567", Contact: "sip:5551234567@" + twin.addr.String(), Outbound: trunk},
				}}, nil
			})})
			caller := newPhone(t, 0, 0)
			call := caller.invite(p.addr, "102", nil)
			if res := call.wait(); res.StatusCode != 200 {
				t.Fatalf("caller got %d, want 200", res.StatusCode)
			}
			loser, winner := phone, twin
			if !tt.twinWins {
				loser, winner = twin, phone
			}
			waitWithin(t, 5*time.Second, "the loser's CANCEL", func() bool { _, c, _ := loser.seen(); return c == 1 })
			if bye := call.bye(); bye.StatusCode != 200 {
				t.Errorf("BYE: %d", bye.StatusCode)
			}
			waitWithin(t, 5*time.Second, "the winner's BYE", func() bool { _, _, b := winner.seen(); return b == 1 })
			if _, c, _ := winner.seen(); c != 0 {
				t.Errorf("the winner got %d CANCELs", c)
			}
			sum := func(fp *fakeProvider) []inviteSeen {
				invites, _, _ := fp.seen()
				var out []inviteSeen
				for _, inv := range invites {
					out = append(out, summarise(inv))
				}
				return out
			}
			if diff := cmp.Diff(tt.wantPhone, sum(phone)); diff != "" {
				t.Errorf("INVITEs at the phone (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTwin, sum(twin)); diff != "" {
				t.Errorf("INVITEs at the provider (-want +got):\n%s", diff)
			}
			if ev := p.ended(t); ev.Outcome != OutcomeAnswered {
				t.Errorf("call ended %v, want answered", ev.Outcome)
			}
		})
	}
}
