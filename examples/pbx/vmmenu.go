package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/media/prompt"
	"github.com/telekit/telekit/sip"
	"github.com/telekit/telekit/voicemail"
)

// The interpreter of voicemail's state machines on a call. voicemail.Menu
// and voicemail.DepositCall say what to do as Actions; a vmRunner does it
// on the caller's sip.AppLeg and feeds back what happened as Inputs:
//
//   - ActionPlay: the Items become a prompt.Phrase (prompts, numbers,
//     digits, dates, and recordings opened with Service.OpenAudio) played
//     with prompt.Player; the first key cuts it short (barge-in) and is
//     the next Input, else InputPlayed. After a play that ends with
//     nothing asked, the runner waits menuTimeout for a key
//     (InputTimeout).
//   - ActionRecord: the prompt, the beep, then AppLeg.Record into the
//     Deposit until '#', Action.Silence of silence, Action.MaxLength or
//     hang-up; then InputRecorded.
//   - ActionHangup: the prompt, then BYE. ActionCallBack and
//     ActionTransfer hand the caller on (sip.AppResult.Next).
//   - The caller hanging up is InputHangup, sent with a context that is
//     no longer cancelled, so a deposit in progress is still committed.

// menuTimeout is how long the runner waits for a key after a menu has
// been said before it tells the state machine InputTimeout.
const menuTimeout = 10 * time.Second

// depositKeyWait is how long a deposit waits after a key stopped the
// greeting without meaning anything there, before the beep.
const depositKeyWait = 2 * time.Second

// silenceLevel is the mean absolute sample value under which a 20 ms
// frame counts as silence (about -50 dBm0).
const silenceLevel = 60

// vmRunner plays a voicemail state machine on one call.
type vmRunner struct {
	vm   *vmSystem
	leg  *sip.AppLeg
	user string // whose prompt replacements apply
	keys chan rune
	pl   *prompt.Player
	wait time.Duration // for a key after a play that asks nothing
	// note adds a line to the call's call-flow trace (nil: none).
	note func(line string)
}

// runner starts forwarding the leg's keys; it stops when ctx ends.
func (vm *vmSystem) runner(ctx context.Context, leg *sip.AppLeg, user string) *vmRunner {
	r := &vmRunner{vm: vm, leg: leg, user: user, keys: make(chan rune, 32), pl: prompt.NewPlayer(vm.prompts, leg), wait: menuTimeout}
	go func() {
		for {
			select {
			case d := <-leg.Digits():
				select {
				case r.keys <- rune(d):
				default: // the caller types faster than the menu reads
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return r
}

// machine is a voicemail.Menu or voicemail.DepositCall after Start.
type machine interface {
	Handle(ctx context.Context, in voicemail.Input, now time.Time) (voicemail.Action, error)
}

// deposit runs the deposit flow: ext's mailbox, the caller in meta.
// note, when not nil, adds a line to the call's call-flow trace.
func (vm *vmSystem) deposit(ctx context.Context, leg *sip.AppLeg, ext string, meta voicemail.DepositMeta, reason voicemail.Reason, note func(string)) sip.AppResult {
	meta.Received = vm.now()
	dc := vm.svc.NewDepositCall(ext, meta, reason)
	r := vm.runner(ctx, leg, ext)
	r.wait, r.note = depositKeyWait, note
	act, err := dc.Start(context.WithoutCancel(ctx), vm.now())
	res := r.run(ctx, dc, act, err)
	msg, err := dc.Result()
	switch {
	case err == nil && msg.ID != "":
		vm.log.Info("voicemail: message left", "mailbox", ext, "message", msg.ID, "from", meta.CallerNumber, "duration", msg.Duration)
	case err != nil:
		vm.log.Info("voicemail: no message left", "mailbox", ext, "from", meta.CallerNumber, "why", err)
	}
	return res
}

// menu runs the *60/*61 mailbox menu; note, when not nil, adds a line to
// the call's call-flow trace.
func (vm *vmSystem) menu(ctx context.Context, leg *sip.AppLeg, start voicemail.MenuStart, note func(string)) sip.AppResult {
	m := vm.svc.NewMenu()
	r := vm.runner(ctx, leg, start.Caller)
	r.note = note
	act, err := m.Start(context.WithoutCancel(ctx), start, vm.now())
	return r.run(ctx, m, act, err)
}

// run carries out act and the actions that follow until the machine is
// done or the caller hangs up.
func (r *vmRunner) run(ctx context.Context, m machine, act voicemail.Action, err error) sip.AppResult {
	handle := func(in voicemail.Input) {
		// The store must be written even after the caller hung up.
		act, err = m.Handle(context.WithoutCancel(ctx), in, r.vm.now())
		r.vm.log.Debug("voicemail: input", "call", r.leg.Call.ID, "kind", in.Kind, "digit", string(rune(in.Digit)),
			"action", act.Kind.String(), "items", len(act.Play), "err", err)
	}
	for {
		if err != nil {
			r.vm.log.Error("voicemail: menu", "call", r.leg.Call.ID, "err", err)
			r.say(ctx, voicemail.Prompt("vm-goodbye"))
			return sip.AppResult{Reason: "voicemail error"}
		}
		if ctx.Err() != nil {
			handle(voicemail.Input{Kind: voicemail.InputHangup})
			if err != nil {
				r.vm.log.Error("voicemail: after hang-up", "call", r.leg.Call.ID, "err", err)
			}
			return sip.AppResult{}
		}
		switch act.Kind {
		case voicemail.ActionNone:
			handle(r.waitKey(ctx))
		case voicemail.ActionPlay:
			d, perr := r.play(ctx, act.Play)
			switch {
			case perr != nil:
				// The media is gone: the caller hung up (the session can
				// close a moment before the context ends).
				r.vm.log.Debug("voicemail: play ended the call", "call", r.leg.Call.ID, "err", perr)
				handle(voicemail.Input{Kind: voicemail.InputHangup})
				if err != nil {
					r.vm.log.Error("voicemail: after hang-up", "call", r.leg.Call.ID, "err", err)
				}
				return sip.AppResult{}
			case d != 0:
				handle(voicemail.Key(byte(d)))
			case ctx.Err() == nil:
				handle(voicemail.Input{Kind: voicemail.InputPlayed})
			}
		case voicemail.ActionRecord:
			handle(r.record(ctx, act))
		case voicemail.ActionHangup:
			r.say(ctx, act.Play...)
			r.leg.Hangup()
			return sip.AppResult{Reason: "voicemail hung up"}
		case voicemail.ActionCallBack, voicemail.ActionTransfer:
			r.say(ctx, act.Play...)
			what := "voicemail: caller pressed 0 for operator " + act.Number
			if act.Kind == voicemail.ActionCallBack {
				what = "voicemail: calling back " + act.Number
			}
			t, ok := r.vm.dial(ctx, r.user, act.Number)
			if !ok {
				r.flow(what + ", who cannot be reached")
				return sip.AppResult{Reason: "cannot reach " + act.Number}
			}
			r.flow(what)
			if act.Kind == voicemail.ActionTransfer {
				r.vm.noteTransfer(r.leg.Call.ID, act.Number)
			}
			return sip.AppResult{Next: t}
		default:
			return sip.AppResult{Reason: "voicemail: unknown action " + act.Kind.String()}
		}
	}
}

func (r *vmRunner) flow(line string) {
	if r.note != nil {
		r.note(line)
	}
}

// waitKey waits for a key, the menu timeout or the hang-up.
func (r *vmRunner) waitKey(ctx context.Context) voicemail.Input {
	t := time.NewTimer(r.wait)
	defer t.Stop()
	select {
	case d := <-r.keys:
		return voicemail.Key(byte(d))
	case <-t.C:
		return voicemail.Input{Kind: voicemail.InputTimeout}
	case <-ctx.Done():
		return voicemail.Input{Kind: voicemail.InputHangup}
	}
}

// say plays items without barge-in (goodbyes, confirmations before a
// hang-up).
func (r *vmRunner) say(ctx context.Context, items ...voicemail.Item) {
	ph, err := r.phrase(ctx, items)
	if err == nil {
		_, err = r.pl.Play(ctx, ph, nil)
	}
	if err != nil && ctx.Err() == nil {
		r.vm.log.Warn("voicemail: say", "call", r.leg.Call.ID, "err", err)
	}
}

// play plays items, stopping at the first key, which it returns.
func (r *vmRunner) play(ctx context.Context, items []voicemail.Item) (rune, error) {
	if len(items) == 0 {
		return 0, nil
	}
	ph, err := r.phrase(ctx, items)
	if err != nil {
		return 0, err
	}
	res, err := r.pl.Play(ctx, ph, r.keys)
	return res.Digit, err
}

// phrase renders items in English: prompts by name (the user's
// replacements first), numbers, digits, dates relative to now, and
// recordings from the mailbox.
func (r *vmRunner) phrase(ctx context.Context, items []voicemail.Item) (prompt.Phrase, error) {
	b := prompt.NewBuilder(prompt.English{})
	now := r.vm.now()
	for _, it := range items {
		switch it.Kind {
		case voicemail.ItemPrompt:
			b.SayUser(r.user, it.Prompt)
		case voicemail.ItemNumber:
			b.Number(it.Number)
		case voicemail.ItemDigits:
			b.Digits(it.Digits)
		case voicemail.ItemDateTime:
			b.DateTime(it.Time, now, r.vm.loc)
		case voicemail.ItemAudio:
			s, err := r.vm.sound(ctx, it.Audio)
			if err != nil {
				return prompt.Phrase{}, err
			}
			b.Sound(s)
		}
	}
	return b.Phrase()
}

// sound loads a recording (message, greeting, name) for a phrase.
func (vm *vmSystem) sound(ctx context.Context, ref string) (*prompt.Sound, error) {
	a, err := vm.svc.OpenAudio(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	var all []int16
	buf := make([]int16, 4096)
	for {
		n, err := a.ReadSamples(buf)
		all = append(all, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return &prompt.Sound{Name: "recording", Samples: all}, nil
}

// record plays the prompt (a key skips to the beep), the beep, and records
// into act.Recording until '#', silence, the maximum length or hang-up.
func (r *vmRunner) record(ctx context.Context, act voicemail.Action) voicemail.Input {
	if _, err := r.play(ctx, act.Play); err != nil && ctx.Err() == nil {
		r.vm.log.Warn("voicemail: record prompt", "call", r.leg.Call.ID, "err", err)
	}
	if act.Beep && ctx.Err() == nil {
		// A key pressed during the prompt only skipped it.
		r.drainKeys()
		r.say(ctx, voicemail.Prompt("beep"))
	}
	if ctx.Err() != nil {
		return voicemail.Input{Kind: voicemail.InputHangup}
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	silent := make(chan struct{})
	w := &silenceWriter{w: act.Recording, limit: int(act.Silence * media.SampleRate / time.Second), silent: silent}
	type recorded struct {
		n   int64
		err error
	}
	done := make(chan recorded, 1)
	go func() {
		n, err := r.leg.Record(rctx, w, act.MaxLength)
		done <- recorded{n, err}
	}()
	for {
		select {
		case d := <-r.keys:
			if d != '#' {
				continue
			}
			stop()
		case <-silent:
			silent = nil
			stop()
		case res := <-done:
			err := res.err
			// Record returns nil before the maximum length only when the
			// call ended (its context may end a moment later).
			short := act.MaxLength == 0 || time.Duration(res.n)*time.Second/media.SampleRate < act.MaxLength
			if ctx.Err() != nil || err == nil && short && rctx.Err() == nil {
				return voicemail.Input{Kind: voicemail.InputHangup}
			}
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, voicemail.ErrMaxLength) {
				r.vm.log.Warn("voicemail: record", "call", r.leg.Call.ID, "err", err)
			}
			return voicemail.Input{Kind: voicemail.InputRecorded}
		}
	}
}

func (r *vmRunner) drainKeys() {
	for {
		select {
		case <-r.keys:
		default:
			return
		}
	}
}

// silenceWriter passes samples on and closes silent once limit samples
// in a row were quiet (limit 0: never).
type silenceWriter struct {
	w      media.SampleWriter
	limit  int
	quiet  int
	silent chan struct{}
	closed bool
}

func (s *silenceWriter) WriteSamples(p []int16) (int, error) {
	if s.limit > 0 && !s.closed {
		var sum int
		for _, v := range p {
			if v < 0 {
				sum -= int(v)
			} else {
				sum += int(v)
			}
		}
		if len(p) > 0 && sum/len(p) < silenceLevel {
			s.quiet += len(p)
		} else {
			s.quiet = 0
		}
		if s.quiet >= s.limit {
			s.closed = true
			close(s.silent)
		}
	}
	return s.w.WriteSamples(p)
}
