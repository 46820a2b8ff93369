package main

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/sip"
	"github.com/telekit/telekit/store"
)

// Feature codes dialled from a phone: an INVITE from an extension to a
// number the code table (callhandling.DefaultCodes) parses. Settings codes
// (forwarding set and clear, DND, block list, quick modes, *11 lock) are
// applied to the caller's settings, validated and saved before the call is
// answered; the PBX then answers and plays the confirmation prompt that
// callhandling.Apply names (ch-forward-on, ch-dnd-on, ch-wrong-password…),
// and hangs up. A code whose optional argument was left out ("*75#") is
// answered with a beep, and the argument is read as keys up to '#'.
//
// Call-control codes (park, pickup, transfer, intercom, spy, recording,
// conference, queue, wake-up) get 501 Not Implemented for now. The
// voicemail codes *60 and *61 answer with the mailbox menu (voicemail.go).
// A locked phone may dial only *11.

// featureCodeTimeout is how long the PBX waits for each key of a feature
// code's argument after its beep.
const featureCodeTimeout = 10 * time.Second

// featureCode handles c when it dials a feature code; ok is false when
// c.To is no feature code and the call is routed as usual.
func (ch *callHandling) featureCode(ctx context.Context, c *sip.Call) (_ sip.Target, _ error, ok bool) {
	dialled := c.To
	if strings.Contains(dialled, "%") { // phones send '#' as %23
		if u, err := url.PathUnescape(dialled); err == nil {
			dialled = u
		}
	}
	in, perr := ch.codes.Parse(dialled)
	if errors.Is(perr, callhandling.ErrNotFeatureCode) {
		return sip.Target{}, nil, false
	}
	set, _, isExt, err := ch.settings(ctx, c.From)
	if err != nil {
		return sip.Target{}, err, true
	}
	if !isExt {
		return sip.Target{}, sip.ErrForbidden, true // only extensions have settings to change
	}
	var ce *callhandling.CodeError
	if errors.As(perr, &ce) {
		return ch.sayApp("feature-code", ce.Error(), "ch-code-invalid"), nil, true
	}
	if perr != nil {
		return sip.Target{}, perr, true
	}
	if v := in.Action == callhandling.VoicemailAny || in.Action == callhandling.VoicemailOwn; v && ch.voicemailMenu != nil {
		if set.Lock.Locked {
			return ch.sayApp("feature-code", "phone locked", "ch-phone-is-locked"), nil, true
		}
		return ch.voicemailMenu(c, in.Action == callhandling.VoicemailOwn), nil, true
	}
	if !settingsCode(in.Action) {
		return sip.Target{}, &sip.StatusError{Code: 501, Reason: "Not Implemented"}, true
	}
	if set.Lock.Locked && in.Action != callhandling.PhoneLockToggle {
		return ch.sayApp("feature-code", "phone locked", "ch-phone-is-locked"), nil, true
	}
	if in.NeedsArg() {
		return sip.Target{AppName: "feature-code", App: ch.askArgument(c.From, in)}, nil, true
	}
	prompt, reason := ch.applyCode(ctx, c.From, in)
	return ch.sayApp("feature-code", reason, prompt), nil, true
}

// settingsCode reports whether a is a code that changes call-handling
// settings (callhandling.Apply carries it out).
func settingsCode(a callhandling.Action) bool {
	switch a {
	case callhandling.ForwardAllSet, callhandling.ForwardAllClear, callhandling.ForwardBusySet, callhandling.ForwardBusyClear,
		callhandling.ForwardNoAnswerSet, callhandling.ForwardNoAnswerClear, callhandling.ForwardUnavailableSet,
		callhandling.ForwardUnavailableClear, callhandling.DNDOn, callhandling.DNDOff, callhandling.DNDToggle,
		callhandling.BlacklistAdd, callhandling.BlacklistLastCaller, callhandling.BlacklistRemove,
		callhandling.QuickModeOutOfOffice, callhandling.QuickModeAway, callhandling.QuickModeOther,
		callhandling.QuickModeCancel, callhandling.PhoneLockToggle:
		return true
	}
	return false
}

// applyCode applies in to ext's settings and saves them; it returns the
// prompt to confirm with and the reason for the call log. A save that
// races with another (the portal's PUT) is retried once on fresh settings.
//
// The block-list codes (*75 number, *76 last caller, *075 remove) change
// the PBX-wide blacklist when an administrator dials them, as CooVox's
// manual describes ("add external phone numbers to IPPBX system
// blacklist"), and the caller's own block list otherwise: one user's
// choice does not silence a number for everyone. An administrator's *075
// of a number that is not on the system blacklist removes it from their
// own list.
func (ch *callHandling) applyCode(ctx context.Context, ext string, in callhandling.Intent) (prompt, reason string) {
	switch in.Action {
	case callhandling.BlacklistAdd, callhandling.BlacklistLastCaller, callhandling.BlacklistRemove:
		if ch.isAdmin(ctx, ext) {
			prompt, reason, done := ch.applySystemBlacklist(ctx, ext, in)
			if done {
				return prompt, reason
			}
		}
	}
	for range 2 {
		set, version, _, err := ch.settings(ctx, ext)
		if err != nil {
			return "ch-code-invalid", err.Error()
		}
		env := callhandling.ApplyEnv{}
		if in.Action == callhandling.BlacklistLastCaller {
			env.LastCaller = ch.lastCaller(ctx, ext)
		}
		changed, conf, err := callhandling.Apply(set, ch.system(), in, env, ch.now())
		if err != nil {
			if conf.Prompt == "" {
				conf.Prompt = "ch-code-invalid"
			}
			return conf.Prompt, err.Error()
		}
		if _, err := ch.save(ctx, changed, version); err != nil {
			if errors.Is(err, store.ErrStale) {
				continue
			}
			ch.log.Warn("feature code: save settings", "ext", ext, "code", in.Code, "err", err)
			return "ch-code-invalid", err.Error()
		}
		ch.log.Info("feature code applied", "ext", ext, "code", in.Code, "action", in.Action.String())
		return conf.Prompt, "feature code " + in.Code + " applied"
	}
	return "ch-code-invalid", "settings changed meanwhile"
}

// applySystemBlacklist carries out an administrator's *75/*76/*075 on the
// system blacklist; done is false for a *075 of a number not on it.
func (ch *callHandling) applySystemBlacklist(ctx context.Context, ext string, in callhandling.Intent) (prompt, reason string, done bool) {
	env := callhandling.ApplyEnv{}
	if in.Action == callhandling.BlacklistLastCaller {
		env.LastCaller = ch.lastCaller(ctx, ext)
	}
	var conf callhandling.Confirmation
	_, err := ch.changeSystem(ctx, func(cs *store.CallSystem) error {
		list, c, err := callhandling.ApplyBlacklist(cs.Blacklist, ch.system(), in, env)
		conf = c
		cs.Blacklist = list
		return err
	})
	if errors.Is(err, callhandling.ErrNotOnList) {
		return "", "", false
	}
	if err != nil {
		if conf.Prompt == "" {
			conf.Prompt = "ch-code-invalid"
		}
		var se *settingsError
		if !errors.As(err, &se) {
			ch.log.Warn("feature code: save the system blacklist", "ext", ext, "code", in.Code, "err", err)
		}
		return conf.Prompt, err.Error(), true
	}
	ch.log.Info("feature code applied to the system blacklist", "ext", ext, "code", in.Code, "action", in.Action.String())
	return conf.Prompt, "feature code " + in.Code + " applied to the system blacklist", true
}

// lastCaller is the number of ext's last incoming call, for *76.
func (ch *callHandling) lastCaller(ctx context.Context, ext string) string {
	recs, err := ch.st.ListRecords(ctx, calllog.Filter{Owner: ext, Limit: 20})
	if err != nil {
		ch.log.Warn("feature code: last caller", "ext", ext, "err", err)
		return ""
	}
	for _, r := range recs {
		if r.RoleOf(ext) == calllog.Callee {
			if r.From == "anonymous" {
				return ""
			}
			return r.From
		}
	}
	return ""
}

// askArgument answers a code dialled without its optional argument: a
// beep, then keys up to '#' (or a pause), then the code is applied.
func (ch *callHandling) askArgument(ext string, in callhandling.Intent) sip.App {
	return sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		if ch.say(ctx, leg, ext, "beep") != nil {
			ch.tone(ctx, leg, toneInfo)
		}
		var arg []byte
		timer := time.NewTimer(featureCodeTimeout)
		defer timer.Stop()
	keys:
		for len(arg) < callhandling.MaxArgDigits {
			select {
			case d := <-leg.Digits():
				if d == '#' {
					break keys
				}
				if d < '0' || d > '9' {
					continue
				}
				arg = append(arg, d)
				timer.Reset(featureCodeTimeout)
			case <-timer.C:
				break keys
			case <-ctx.Done():
				return sip.AppResult{}
			}
		}
		prompt := "ch-code-invalid"
		reason := "no argument for " + in.Code
		if len(arg) > 0 {
			in.Arg = string(arg)
			prompt, reason = ch.applyCode(ctx, ext, in)
		}
		if ch.say(ctx, leg, ext, prompt) != nil {
			ch.tone(ctx, leg, toneError)
		}
		return sip.AppResult{Reason: reason}
	})
}
