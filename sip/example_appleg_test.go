package sip_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/sip"
)

// menu is a PBX application: it answers, plays a WAV prompt that a key
// press interrupts, collects digits up to #, and hands the caller on to
// the operator on 0.
func menu(operator sip.Binding) sip.App {
	return sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		f, err := os.Open("prompts/menu.wav")
		if err != nil {
			return sip.AppResult{Reason: "no prompt"}
		}
		defer f.Close()
		prompt, _, err := media.DecodeAudio(f, media.DecodeOptions{}) // WAV or MP3 → 8 kHz mono
		if err != nil {
			return sip.AppResult{Reason: "bad prompt"}
		}
		playCtx, stopPrompt := context.WithCancel(ctx)
		played := make(chan struct{})
		go func() { // barge-in: the first key stops the prompt
			defer close(played)
			leg.Play(playCtx, prompt)
		}()
		defer func() { stopPrompt(); <-played }() // leave nothing using leg
		var digits string
		for {
			select {
			case d := <-leg.Digits():
				stopPrompt()
				switch d {
				case '0':
					return sip.AppResult{Next: sip.Target{Bindings: []sip.Binding{operator}}}
				case '#':
					return sip.AppResult{Reason: "dialled " + digits}
				}
				digits += string(d)
			case <-time.After(10 * time.Second):
				return sip.AppResult{Reason: "no input"}
			case <-ctx.Done(): // the caller hung up
				return sip.AppResult{}
			}
		}
	})
}

// Feature codes go to an application the PBX answers itself, and a busy
// or unanswered extension goes to voicemail, which learns why from the
// Attempt to pick its greeting.
func ExampleApp() {
	operator := sip.Binding{AOR: "200", Contact: "sip:200@192.0.2.20:5060", Source: netip.MustParseAddrPort("192.0.2.20:5060")}
	voicemail := sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		greeting := "unavailable"
		if leg.Attempt.Outcome == sip.OutcomeBusy {
			greeting = "busy"
		}
		_ = greeting // play it, beep, leg.Record(ctx, w, 3*time.Minute)…
		return sip.AppResult{Reason: "message left"}
	})
	cfg := sip.Config{
		Router: sip.RouterFunc(func(_ context.Context, c *sip.Call) (sip.Target, error) {
			if strings.HasPrefix(c.To, "*") {
				return sip.Target{App: menu(operator), AppName: "menu"}, nil
			}
			return sip.Target{}, sip.ErrNotFound // examples/pbx rings the extension here
		}),
		Next: func(ctx context.Context, c *sip.Call, a sip.Attempt) (sip.Target, error) {
			if a.Outcome == sip.OutcomeBusy || a.Outcome == sip.OutcomeNoAnswer {
				return sip.Target{App: voicemail, AppName: "voicemail"}, nil
			}
			return sip.DefaultNextStep(ctx, c, a)
		},
	}
	t, _ := cfg.Router.Route(context.Background(), &sip.Call{To: "*98"})
	fmt.Println("*98 →", t.AppName)
	t, _ = cfg.Next(context.Background(), &sip.Call{To: "201"}, sip.Attempt{Outcome: sip.OutcomeBusy, Status: 486})
	fmt.Println("201 busy →", t.AppName)
	// Output:
	// *98 → menu
	// 201 busy → voicemail
}
