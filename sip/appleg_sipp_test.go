package sip

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// sipp calls into an application, which answers, plays a tone and waits
// for a key; sipp presses 1 as RFC 4733 events (its own dtmf_2833_1.pcap)
// and the application, having read it, hangs up with a BYE that sipp
// expects.
func TestSippAppLegReceivesDigit(t *testing.T) {
	const pcap = "/usr/share/sip-tester/dtmf_2833_1.pcap"
	if _, err := os.Stat(pcap); err != nil {
		interop.Missing(t, "sipp's "+pcap+" (Debian sip-tester)")
	}
	got := make(chan string, 1)
	p := startPBX(t, Config{Router: appRouter("menu", func(ctx context.Context, leg *AppLeg) AppResult {
		played := make(chan error, 1)
		go func() { played <- leg.Play(ctx, tone(t, 1000, 500*time.Millisecond)) }()
		var digits string
		select {
		case d := <-leg.Digits():
			digits = string(d)
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
		<-played
		got <- digits
		return AppResult{Reason: "menu done"}
	})})
	caller := startSippUA(t, "app_dtmf.xml", p.addr.String(), "-s", "*60")
	caller.wait(t)
	select {
	case d := <-got:
		if d != "1" {
			t.Errorf("application read %q, want the 1 sipp pressed", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("application did not finish")
	}
	if e := p.ended(t); e.App != "menu" || e.Reason != "menu done" || e.Outcome != OutcomeAnswered {
		t.Errorf("ended %+v, want answered by menu, menu done", e)
	}
}
