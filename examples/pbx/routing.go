package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/media/prompt"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/sip"
	"github.com/telekit/telekit/store"
)

// Call handling in the PBX: every call to an extension, from another
// extension or through a trunk's DID, is decided by package callhandling
// step by step. Route asks callhandling.Plan for the first step and turns
// it into a sip.Target; the B2BUA's NextStep hook maps the sip.Outcome of
// each ring attempt to a callhandling.Outcome and asks callhandling.Next,
// until a terminal step. The steps' call-flow lines go into the call log.
//
// How each step is carried out:
//   - Ring: the callee's registered devices for the step's seconds, with
//     the twins ringing alongside: an extension's devices, or an outside
//     number through the trunk its prefix names (a binding with its own
//     sip.Outbound), when the callee may call out. Whichever answers first
//     wins and the others are cancelled.
//   - Forward to an extension: the destination's own call handling takes
//     over (its plan, its line state), at most callhandling.MaxForwardHops
//     times per call. Forward to an outside number: out through the trunk
//     whose prefix it starts with, if the forwarding user may call out.
//   - Follow-me legs: the leg's extension's devices or outside number, in
//     order. A leg whose step asks for confirmation (an outside number in a
//     profile with "press 1 to accept") is connected only once whoever
//     answers presses 1 (followMeConfirm); otherwise it counts as not
//     answered and the next leg rings.
//   - Play: the announcement from the prompt catalogue's system layer if
//     there is one by that name, else a short tone; then the next step.
//   - Auto attendant: a tone, then the call ends (no attendant menus yet).
//   - Voicemail: server.voicemailTarget. Reject: the step's SIP status.

// callStore is what call handling needs of the store.
type callStore interface {
	GetUser(ctx context.Context, ext string) (account.User, error)
	CallSettings(ctx context.Context, ext string) (callhandling.Settings, int64, error)
	PutCallSettings(ctx context.Context, set callhandling.Settings, ifVersion int64, now time.Time) (int64, error)
	ListRecords(ctx context.Context, f calllog.Filter) ([]calllog.Record, error)
}

// callHandling routes calls by the users' call-handling settings, keeps
// those settings cached (a call reads SQLite at most once per extension it
// meets, and not at all once cached), and knows which extensions are on a
// call. Safe for concurrent use.
type callHandling struct {
	st  callStore
	reg sip.Locator
	tc  *trunkCalls
	// sys is the compiled call system; the admin API and the admins'
	// *75/*76/*075 replace it whole (callsystem.go), and calls read it
	// with system().
	sys atomic.Pointer[callhandling.System]
	// sysMu serialises changes of the call system; sysConf is the stored
	// form of sys, under sysMu.
	sysMu   sync.Mutex
	sysConf store.CallSystem
	codes   *callhandling.CodeTable
	prompts *prompt.Catalog
	log     *slog.Logger
	now     func() time.Time
	// mayCallOut says whether an extension may call outside numbers.
	mayCallOut func(ctx context.Context, ext string) bool
	// voicemail is where KindVoicemail steps go.
	voicemail func(call *sip.Call, ext string, reason callhandling.VoicemailReason) (sip.Target, error)
	// voicemailMenu is where *60 (own false) and *61 go; nil: 501.
	voicemailMenu func(call *sip.Call, own bool) sip.Target
	// callerName, when set, is the name the callee gave an outside
	// caller's number in their contacts ("" when none): the rung phones
	// show it.
	callerName func(callee, caller string) string
	// planChanged, when set, is told the numbering plan after every
	// change of the call system (the contact book's setPlan).
	planChanged func(ctx context.Context, plan phonenumber.Plan) error

	mu     sync.Mutex
	cache  map[string]cachedSettings
	calls  map[string]*routedCall         // by Call-ID, while the call lasts
	active map[string]map[string]struct{} // extension → IDs of the calls it is on
	// parties are the extensions each call counts as busy, to forget them.
	parties map[string][]string
}

type cachedSettings struct {
	set     callhandling.Settings
	version int64 // 0: never saved, the defaults
}

// routedCall is the call-handling state of one call: whose handling runs
// now, the step being carried out, and the call flow so far. Its steps are
// decided in the call's INVITE goroutine only; flow is also read when the
// call ends, under mu.
type routedCall struct {
	callee string // the extension whose handling runs now
	set    callhandling.Settings
	call   callhandling.Call
	step   callhandling.Step
	hops   int // forwards to other extensions so far

	mu   sync.Mutex
	flow []calllog.Event
}

func (rc *routedCall) addFlow(at time.Time, lines ...string) {
	rc.mu.Lock()
	for _, l := range lines {
		rc.flow = append(rc.flow, calllog.Event{At: at, Kind: "call-handling", Detail: l})
	}
	rc.mu.Unlock()
}

// defaultCallSystem is the configuration of a fresh data directory:
// extensions of 2 to 8 digits (as account allows), the trunks' prefixes as
// outside-line prefixes, 112 and 911 as emergency numbers, a 30 s ring.
func defaultCallSystem(outsidePrefixes []string) store.CallSystem {
	return store.CallSystem{
		Plan: phonenumber.Plan{
			ExtensionLengths: phonenumber.Lengths{Min: 2, Max: 8},
			OutsidePrefixes:  outsidePrefixes,
			Emergency:        []string{"112", "911"},
		},
		DefaultRingSeconds: int(ringFor / time.Second),
	}
}

// buildCallSystem compiles the stored configuration; dir is the directory
// of other users' settings.
func buildCallSystem(cs store.CallSystem, dir callhandling.Lookup) (*callhandling.System, error) {
	sys := &callhandling.System{Plan: cs.Plan, Blacklist: cs.Blacklist, DefaultRingSeconds: cs.DefaultRingSeconds,
		Schedules: map[string]*schedule.Compiled{}, Directory: dir}
	for name, sc := range cs.Schedules {
		c, err := sc.Compile()
		if err != nil {
			return nil, fmt.Errorf("call system: schedule %q: %w", name, err)
		}
		sys.Schedules[name] = c
	}
	if cs.TimeZone != "" {
		loc, err := time.LoadLocation(cs.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("call system: time zone: %w", err)
		}
		sys.Location = loc
	}
	if err := sys.Validate(); err != nil {
		return nil, fmt.Errorf("call system: %w", err)
	}
	return sys, nil
}

// startCallHandling builds the call handling from the store (or the
// defaults on a fresh data directory) before the B2BUA starts.
func (s *server) startCallHandling(ctx context.Context) error {
	cs, ok, err := s.st.CallSystem(ctx)
	if err != nil {
		return err
	}
	if !ok {
		var prefixes []string
		for _, t := range s.trunkCalls.outbound {
			if t.prefix != "" {
				prefixes = append(prefixes, t.prefix)
			}
		}
		cs = defaultCallSystem(prefixes)
	}
	cat, err := prompt.NewCatalog(prompt.CatalogConfig{Logger: s.log})
	if err != nil {
		return err
	}
	s.ch, err = newCallHandling(s.st, s.reg, s.trunkCalls, cs, cat, s.log)
	if err != nil {
		return err
	}
	s.ch.mayCallOut = s.mayCallOut
	s.ch.voicemail = s.voicemailTarget
	s.ch.callerName = s.contacts.callerName // nil book: no names
	s.ch.planChanged = s.contacts.setPlan
	if err := s.contacts.setPlan(ctx, cs.Plan); err != nil { // a no-op unless the book read another plan
		return err
	}
	s.trunkCalls.didTarget = func(ctx context.Context, c *sip.Call, ext string) (sip.Target, error) {
		return s.ch.routeExtension(ctx, c, ext, callhandling.ClassExternal)
	}
	return nil
}

func newCallHandling(st callStore, reg sip.Locator, tc *trunkCalls, cs store.CallSystem, cat *prompt.Catalog, log *slog.Logger) (*callHandling, error) {
	codes, err := callhandling.NewCodeTable(callhandling.DefaultCodes())
	if err != nil {
		return nil, err
	}
	ch := &callHandling{st: st, reg: reg, tc: tc, codes: codes, prompts: cat, log: log, now: time.Now,
		mayCallOut: func(context.Context, string) bool { return false },
		voicemail: func(*sip.Call, string, callhandling.VoicemailReason) (sip.Target, error) {
			return sip.Target{}, sip.ErrUnavailable
		},
		cache: map[string]cachedSettings{}, calls: map[string]*routedCall{},
		active: map[string]map[string]struct{}{}, parties: map[string][]string{}}
	sys, err := buildCallSystem(cs, callhandling.LookupFunc(ch.lookup))
	if err != nil {
		return nil, err
	}
	ch.sys.Store(sys)
	ch.sysConf = cs
	return ch, nil
}

// defaultSettings are a user's settings until they save their own: a
// mailbox, call waiting, and the system's default handling for the rest.
func defaultSettings(ext string) callhandling.Settings {
	return callhandling.Settings{Extension: ext, Voicemail: true, CallWaiting: true}
}

// settings returns ext's settings and their version, and false when ext is
// no extension. It reads the store only on a cache miss.
func (ch *callHandling) settings(ctx context.Context, ext string) (callhandling.Settings, int64, bool, error) {
	ch.mu.Lock()
	c, ok := ch.cache[ext]
	ch.mu.Unlock()
	if ok {
		return c.set, c.version, true, nil
	}
	if _, err := ch.st.GetUser(ctx, ext); err != nil {
		if errors.Is(err, account.ErrNotFound) {
			return callhandling.Settings{}, 0, false, nil // not cached: the extension may be added later
		}
		return callhandling.Settings{}, 0, false, err
	}
	set, version, err := ch.st.CallSettings(ctx, ext)
	switch {
	case errors.Is(err, account.ErrNotFound):
		set, version = defaultSettings(ext), 0
	case err != nil:
		return set, 0, false, err
	}
	ch.mu.Lock()
	ch.cache[ext] = cachedSettings{set, version}
	ch.mu.Unlock()
	return set, version, true, nil
}

// lookup is the System's Directory: other users' settings, for
// destination checks and loop detection.
func (ch *callHandling) lookup(ext string) (callhandling.Settings, bool) {
	set, _, ok, err := ch.settings(context.Background(), ext)
	if err != nil {
		ch.log.Warn("call handling: directory lookup", "ext", ext, "err", err)
	}
	return set, ok && err == nil
}

// settingsError is a save refused by callhandling.Validate.
type settingsError struct{ err error }

func (e *settingsError) Error() string { return e.err.Error() }
func (e *settingsError) Unwrap() error { return e.err }

// save validates set and stores it as the settings of set.Extension if
// they are still at version ifVersion (negative: whatever they are), then
// updates the cache. A refused validation is a *settingsError.
func (ch *callHandling) save(ctx context.Context, set callhandling.Settings, ifVersion int64) (int64, error) {
	if err := callhandling.Validate(&set, ch.system()); err != nil {
		return 0, &settingsError{err}
	}
	v, err := ch.st.PutCallSettings(ctx, set, ifVersion, ch.now())
	if err != nil {
		if errors.Is(err, store.ErrStale) {
			ch.forget(set.Extension)
		}
		return 0, err
	}
	ch.mu.Lock()
	ch.cache[set.Extension] = cachedSettings{set, v}
	ch.mu.Unlock()
	return v, nil
}

// forget drops ext's cached settings, so the next call reads the store.
func (ch *callHandling) forget(ext string) {
	ch.mu.Lock()
	delete(ch.cache, ext)
	ch.mu.Unlock()
}

// line is ext's live state: its registered devices and the calls it is on.
func (ch *callHandling) line(ext string, now time.Time) callhandling.Line {
	n := len(ch.reg.Lookup(ext, now))
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return callhandling.Line{Devices: n, ActiveCalls: len(ch.active[ext])}
}

// callerOf says who calls, as callhandling sees it.
func (ch *callHandling) callerOf(c *sip.Call, class callhandling.CallerClass) callhandling.Call {
	call := callhandling.Call{Class: class}
	if c.From == "" || c.From == "anonymous" || c.From == "Anonymous" {
		call.Anonymous = true
		return call
	}
	if n, err := phonenumber.Parse(ch.system().Plan, c.From, phonenumber.Received); err == nil {
		call.From = n
	}
	return call
}

// router is the B2BUA's Router: calls from trunks go to inner (which
// routes DIDs through routeExtension); an extension's call is first
// checked for a feature code, then against the caller's phone lock
// (emergency numbers always go out), then routed by inner.
func (ch *callHandling) router(inner sip.Router) sip.Router {
	return sip.RouterFunc(func(ctx context.Context, c *sip.Call) (sip.Target, error) {
		if _, ok := ch.tc.from(c.Invite); ok {
			return inner.Route(ctx, c)
		}
		if t, err, ok := ch.featureCode(ctx, c); ok {
			return t, err
		}
		set, _, ok, err := ch.settings(ctx, c.From)
		if err != nil {
			return sip.Target{}, err
		}
		if ok {
			out := callhandling.CheckOutgoing(&set, ch.system(), c.To, ch.now())
			if !out.Allowed {
				ch.log.Info("call refused", "from", c.From, "to", c.To, "reason", out.Reason)
				return ch.sayApp("refused", out.Reason, out.Prompt), nil
			}
			if out.Emergency {
				if t, ok := ch.emergencyTarget(c); ok {
					return t, nil
				}
			}
		}
		return inner.Route(ctx, c)
	})
}

// routeInternal routes a call from an extension to the dialled extension.
func (ch *callHandling) routeInternal(ctx context.Context, c *sip.Call) (sip.Target, error) {
	return ch.routeExtension(ctx, c, c.To, callhandling.ClassInternal)
}

// routeExtension runs ext's call handling for a new call of class.
func (ch *callHandling) routeExtension(ctx context.Context, c *sip.Call, ext string, class callhandling.CallerClass) (sip.Target, error) {
	set, _, ok, err := ch.settings(ctx, ext)
	if err != nil {
		return sip.Target{}, err
	}
	if !ok {
		return sip.Target{}, sip.ErrNotFound
	}
	now := ch.now()
	rc := &routedCall{callee: ext, set: set, call: ch.callerOf(c, class)}
	ch.mu.Lock()
	ch.calls[c.ID] = rc
	ch.mu.Unlock()
	return ch.resolve(ctx, c, rc, callhandling.Plan(&rc.set, ch.system(), rc.call, ch.line(ext, now), now), now)
}

// next is the B2BUA's NextStep hook: the following step of the call's
// handling for what happened to the last ring attempt.
func (ch *callHandling) next(ctx context.Context, c *sip.Call, a sip.Attempt) (sip.Target, error) {
	ch.mu.Lock()
	rc := ch.calls[c.ID]
	ch.mu.Unlock()
	if rc == nil {
		return sip.DefaultNextStep(ctx, c, a) // an outside call, a feature code
	}
	now := ch.now()
	o := outcomeOf(a.Outcome)
	st := callhandling.Next(&rc.set, ch.system(), rc.call, rc.step, o, now)
	return ch.resolve(ctx, c, rc, st, now)
}

// outcomeOf maps what happened on the line to call handling's outcomes.
func outcomeOf(o sip.Outcome) callhandling.Outcome {
	switch o {
	case sip.OutcomeAnswered:
		return callhandling.Answered
	case sip.OutcomeBusy:
		return callhandling.Busy
	case sip.OutcomeNoAnswer:
		return callhandling.NoAnswer
	case sip.OutcomeUnavailable:
		return callhandling.Unavailable
	case sip.OutcomeRejected:
		return callhandling.Rejected
	}
	return callhandling.Failed
}

// maxResolve bounds the steps decided without ringing anything (a ring
// with no device, a forward through several extensions).
const maxResolve = 2 * callhandling.MaxForwardHops

// resolve turns step into what the B2BUA does next. Steps that cannot be
// carried out (nothing to ring, no trunk for a number) count as
// Unavailable and the following step is decided at once.
func (ch *callHandling) resolve(ctx context.Context, c *sip.Call, rc *routedCall, step callhandling.Step, now time.Time) (sip.Target, error) {
	for range maxResolve {
		rc.step = step
		rc.addFlow(now, step.Flow()...)
		switch step.Kind {
		case callhandling.KindRing:
			if t := ch.ringTarget(ctx, rc, step, now); len(t.Bindings) > 0 {
				return t, nil
			}
		case callhandling.KindFollowMe:
			if t, ok := ch.numberTarget(ctx, rc, step.Destination, step.Seconds, now); ok {
				if step.Confirm {
					t.Confirm, t.ConfirmFor = ch.followMeConfirm(rc, step.Leg), confirmLimit
				}
				return t, nil
			}
		case callhandling.KindForward:
			if !step.External {
				if rc.hops >= callhandling.MaxForwardHops {
					rc.addFlow(now, "too many forwards")
					return sip.Target{}, &sip.StatusError{Code: 482, Reason: "Loop Detected"}
				}
				set, _, ok, err := ch.settings(ctx, step.Destination)
				if err != nil {
					return sip.Target{}, err
				}
				if ok {
					rc.hops++
					rc.callee, rc.set = step.Destination, set
					rc.addFlow(now, "extension "+step.Destination+"'s call handling takes over")
					step = callhandling.Plan(&rc.set, ch.system(), rc.call, ch.line(step.Destination, now), now)
					continue
				}
			} else if t, ok := ch.numberTarget(ctx, rc, step.Destination, 0, now); ok {
				return t, nil
			}
		case callhandling.KindPlay, callhandling.KindAutoAttendant:
			return sip.Target{App: ch.playApp(rc, step), AppName: step.Kind.String()}, nil
		case callhandling.KindVoicemail:
			return ch.voicemail(c, rc.callee, step.Reason)
		case callhandling.KindReject:
			return sip.Target{}, &sip.StatusError{Code: step.Code, Reason: step.Phrase}
		default: // KindDone
			return sip.Target{}, sip.ErrUnavailable
		}
		step = callhandling.Next(&rc.set, ch.system(), rc.call, step, callhandling.Unavailable, now)
	}
	return sip.Target{}, sip.ErrUnavailable
}

// ringTarget rings the callee's devices (when the step says so) and the
// twins: extensions' devices, and outside numbers through a trunk.
func (ch *callHandling) ringTarget(ctx context.Context, rc *routedCall, step callhandling.Step, now time.Time) sip.Target {
	t := sip.Target{RingFor: time.Duration(step.Seconds) * time.Second}
	if ch.callerName != nil && rc.call.Class == callhandling.ClassExternal && !rc.call.Anonymous && !rc.call.From.IsZero() {
		t.FromDisplay = ch.callerName(rc.callee, rc.call.From.String())
	}
	if step.Devices {
		t.Bindings = append(t.Bindings, ch.reg.Lookup(rc.callee, now)...)
	}
	for _, twin := range step.Twins[:step.NTwins] {
		if n, err := phonenumber.Parse(ch.system().Plan, twin, phonenumber.Dialled); err == nil && n.Kind == phonenumber.Extension {
			t.Bindings = append(t.Bindings, ch.reg.Lookup(n.Digits, now)...)
			continue
		}
		if !ch.mayCallOut(ctx, rc.callee) {
			rc.addFlow(now, "twin "+twin+": extension "+rc.callee+" may not call outside numbers")
			continue
		}
		out, _, ok := ch.tc.trunkTarget(twin, t.RingFor)
		if !ok {
			rc.addFlow(now, "twin "+twin+": no trunk takes it")
			continue
		}
		for _, b := range out.Bindings {
			b.Outbound = out.Outbound
			t.Bindings = append(t.Bindings, b)
		}
		rc.addFlow(now, "twin "+twin+" rings through the trunk")
	}
	return t
}

// numberTarget rings a number as the user dialled it: an extension's
// devices, or an outside number through a trunk when the user (the
// extension whose handling runs) may call out.
func (ch *callHandling) numberTarget(ctx context.Context, rc *routedCall, number string, seconds int, now time.Time) (sip.Target, bool) {
	ring := ringFor
	if seconds > 0 {
		ring = time.Duration(seconds) * time.Second
	}
	n, err := phonenumber.Parse(ch.system().Plan, number, phonenumber.Dialled)
	if err == nil && n.Kind == phonenumber.Extension {
		bs := ch.reg.Lookup(n.Digits, now)
		return sip.Target{Bindings: bs, RingFor: ring}, len(bs) > 0
	}
	if !ch.mayCallOut(ctx, rc.callee) {
		rc.addFlow(now, "extension "+rc.callee+" may not call outside numbers")
		return sip.Target{}, false
	}
	t, _, ok := ch.tc.trunkTarget(number, ring)
	if !ok {
		rc.addFlow(now, "no trunk takes "+number)
	}
	return t, ok
}

// trunkTarget is a ring attempt to dialled through the trunk whose prefix
// it starts with (the prefix stripped), as routeOut sends an extension's
// outside call.
func (tc *trunkCalls) trunkTarget(dialled string, ring time.Duration) (sip.Target, outboundCall, bool) {
	outbound := tc.outboundList() // the trunk watcher may replace the table
	routes := make([]sip.TrunkRoute, len(outbound))
	for i, t := range outbound {
		routes[i] = sip.TrunkRoute{Trunk: t.name, Prefix: t.prefix}
	}
	name, number, ok := sip.PickTrunk(routes, dialled)
	if !ok {
		return sip.Target{}, outboundCall{}, false
	}
	for _, o := range outbound {
		if o.name == name {
			return trunkTo(o, number, ring), outboundCall{trunk: name, number: number}, true
		}
	}
	return sip.Target{}, outboundCall{}, false
}

func trunkTo(o outboundTrunk, number string, ring time.Duration) sip.Target {
	return sip.Target{
		Bindings: []sip.Binding{{AOR: number, Contact: "sip:" + number + "@" + o.host}},
		RingFor:  ring,
		Outbound: &sip.Outbound{Username: o.username, Password: o.password},
	}
}

// emergencyTarget sends an emergency call out whatever the caller's
// privileges: through the trunk its prefix names ("9 911"), else through
// the first trunk as dialled ("112"). False when there is no trunk.
func (ch *callHandling) emergencyTarget(c *sip.Call) (sip.Target, bool) {
	tc := ch.tc
	t, oc, ok := tc.trunkTarget(c.To, ringFor)
	if !ok || !ch.system().Plan.IsEmergency(oc.number) {
		outbound := tc.outboundList()
		if len(outbound) == 0 {
			return sip.Target{}, false
		}
		t, oc = trunkTo(outbound[0], c.To, ringFor), outboundCall{trunk: outbound[0].name, number: c.To}
	}
	tc.mu.Lock()
	tc.out[c.ID] = oc
	tc.mu.Unlock()
	return t, true
}

// playApp carries out a Play or AutoAttendant step: it answers, plays the
// announcement (a system prompt of that name, else a tone), and then goes
// on with the next step; an auto attendant ends the call after its tone,
// since there are no attendant menus yet.
func (ch *callHandling) playApp(rc *routedCall, step callhandling.Step) sip.App {
	return sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		played := false
		if step.Kind == callhandling.KindPlay && step.Announcement != "" {
			played = ch.say(ctx, leg, rc.callee, step.Announcement) == nil
		}
		if !played {
			ch.tone(ctx, leg, toneInfo)
		}
		if step.Kind == callhandling.KindAutoAttendant {
			return sip.AppResult{Reason: "auto attendant " + step.AutoAttendant + " is not built yet"}
		}
		now := ch.now()
		t, err := ch.resolve(ctx, leg.Call, rc, callhandling.Next(&rc.set, ch.system(), rc.call, step, callhandling.Answered, now), now)
		if err != nil {
			return sip.AppResult{Reason: err.Error()}
		}
		return sip.AppResult{Next: t}
	})
}

// How long whoever answers a follow-me leg has to accept: confirmWait
// after the prompt ends (a 1 pressed during it counts), and confirmLimit
// from the answer in all, whatever the prompt's length.
const (
	confirmWait  = 10 * time.Second
	confirmLimit = 30 * time.Second
)

// followMeConfirm is the sip.Confirmer of follow-me leg n: it plays
// ch-followme-call ("You have a call through follow me. To accept it,
// press 1. To decline it, hang up.") to whoever answered and accepts on
// 1, pressed during the prompt or within confirmWait after it. The call
// flow says whether the leg accepted.
func (ch *callHandling) followMeConfirm(rc *routedCall, n int) sip.Confirmer {
	return sip.ConfirmFunc(func(ctx context.Context, leg *sip.AppLeg) bool {
		ok := ch.askAccept(ctx, leg, rc.callee)
		verdict := fmt.Sprintf("follow me leg %d did not accept", n)
		if ok {
			verdict = fmt.Sprintf("follow me leg %d accepted", n)
		}
		rc.addFlow(ch.now(), verdict)
		return ok
	})
}

// askAccept plays the follow-me prompt on leg (the error tone if it
// cannot) and reports whether 1 was pressed before ctx ended or
// confirmWait passed after the prompt. It returns only once its playing
// has stopped.
func (ch *callHandling) askAccept(ctx context.Context, leg *sip.AppLeg, user string) bool {
	playCtx, stop := context.WithCancel(ctx)
	played := make(chan struct{})
	go func() {
		defer close(played)
		if err := ch.say(playCtx, leg, user, "ch-followme-call"); err != nil && playCtx.Err() == nil {
			ch.log.Warn("follow me: prompt", "err", err)
			ch.tone(playCtx, leg, toneInfo)
		}
	}()
	defer func() {
		stop()
		<-played
	}()
	var wait <-chan time.Time
	prompt := played
	for {
		select {
		case d := <-leg.Digits():
			if d == '1' {
				return true
			}
		case <-prompt:
			prompt = nil
			timer := time.NewTimer(confirmWait)
			defer timer.Stop()
			wait = timer.C
		case <-wait:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Tones played when no prompt fits: a low tone for "no", a beep for an
// announcement that is missing or an argument to key in.
const (
	toneError = 400  // Hz
	toneInfo  = 1000 // Hz
)

// tone plays a 700 ms tone of freq Hz to the caller.
func (ch *callHandling) tone(ctx context.Context, leg *sip.AppLeg, freq float64) {
	plan := media.TonePlan{Name: "call handling", Components: []media.ToneComponent{{Frequency: freq, Level: -10}}}
	g, err := media.NewToneGenerator(plan, 700*time.Millisecond)
	if err != nil {
		ch.log.Warn("call handling: tone", "hz", freq, "err", err)
		return
	}
	if err := leg.Play(ctx, g); err != nil && ctx.Err() == nil {
		ch.log.Debug("call handling: play tone", "err", err)
	}
}

// say plays prompts from the catalogue (user's replacements first).
func (ch *callHandling) say(ctx context.Context, leg *sip.AppLeg, user string, names ...string) error {
	b := prompt.NewBuilder(prompt.English{})
	for _, n := range names {
		b.Say(n)
	}
	ph, err := b.Phrase()
	if err != nil {
		return err
	}
	_, err = prompt.NewPlayer(ch.prompts, leg).Play(ctx, ph, nil)
	return err
}

// sayApp answers, plays prompt (or, if it cannot, the error tone) and
// hangs up with reason.
func (ch *callHandling) sayApp(name, reason, promptName string) sip.Target {
	return sip.Target{AppName: name, App: sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		if promptName == "" || ch.say(ctx, leg, "", promptName) != nil {
			ch.tone(ctx, leg, toneError)
		}
		return sip.AppResult{Reason: reason}
	})}
}

// callEvent keeps track of which extensions are on a call, for busy
// detection: the caller from the first event, the callee once a device
// answers.
func (ch *callHandling) callEvent(ev sip.CallEvent) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	add := func(ext string) {
		m := ch.active[ext]
		if m == nil {
			m = map[string]struct{}{}
			ch.active[ext] = m
		}
		if _, ok := m[ev.CallID]; !ok {
			m[ev.CallID] = struct{}{}
			ch.parties[ev.CallID] = append(ch.parties[ev.CallID], ext)
		}
	}
	switch ev.State {
	case sip.CallRinging, sip.CallAnswered:
		add(ev.From)
		if ev.State == sip.CallAnswered && ev.Device != "" {
			callee := ev.To
			if rc := ch.calls[ev.CallID]; rc != nil {
				callee = rc.callee
			}
			add(callee)
		}
	case sip.CallEnded:
		for _, ext := range ch.parties[ev.CallID] {
			delete(ch.active[ext], ev.CallID)
			if len(ch.active[ext]) == 0 {
				delete(ch.active, ext)
			}
		}
		delete(ch.parties, ev.CallID)
	}
}

// takeFlow returns a finished call's call-handling flow and forgets the
// call.
func (ch *callHandling) takeFlow(callID string) []calllog.Event {
	ch.mu.Lock()
	rc := ch.calls[callID]
	delete(ch.calls, callID)
	ch.mu.Unlock()
	if rc == nil {
		return nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.flow
}
