package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

var _ Authenticator = (*DigestAuth)(nil)

// Sender sends one request outside any server transaction and returns its
// final response. A *sipgo.Client does it through ClientSender; tests use
// a fake. Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, req *gosip.Request) (*gosip.Response, error)
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, req *gosip.Request) (*gosip.Response, error)

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	return f(ctx, req)
}

// ClientSender sends requests with c. Build c on the same UserAgent as
// the server that receives SUBSCRIBE and REGISTER, so that NOTIFYs leave
// from the listening socket the phone already talks to (which is what
// NAT bindings and firewalls let back in).
func ClientSender(c *sipgo.Client) Sender {
	return SenderFunc(func(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
		return c.Do(ctx, req)
	})
}

// ErrNoResource is what an Authorize hook returns (possibly wrapped) for
// a resource that does not exist; the SUBSCRIBE gets 404. Any other error
// gets 403.
var ErrNoResource = errors.New("sip: no such resource")

// NotifierConfig configures a Notifier. Auth, Sender and Domain are
// required; every other zero value means the default written beside it.
type NotifierConfig struct {
	// Auth authenticates every SUBSCRIBE, refreshes included. A
	// *DigestAuth fits.
	Auth Authenticator
	// Sender sends the NOTIFYs, e.g. ClientSender(client).
	Sender Sender
	// Domain is the PBX's SIP domain, used in Message-Account, the
	// dialog-info entity and the From of unsolicited NOTIFYs
	// ("sip:101@Domain").
	Domain string
	// Contact is the Contact URI put in 200 responses and NOTIFYs, e.g.
	// "sip:pbx@203.0.113.5:5060". Empty means sip:<host:port the
	// SUBSCRIBE was addressed to>, which is how the phone reached us.
	Contact string
	// Authorize decides whether user may watch resource (an extension,
	// the Request-URI's user part) in event package event. Return nil to
	// allow, an error wrapping ErrNoResource for 404, any other error for
	// 403. Nil means: message-summary only for one's own extension, and
	// dialog (busy lamps) for any authenticated user, since every user of
	// the PBX may see whether a colleague is on the phone, which is what
	// BLF keys are for.
	Authorize func(user, event, resource string) error
	// MinExpires is the shortest subscription accepted; a shorter
	// non-zero one gets 423 with Min-Expires. Default 60 seconds.
	MinExpires time.Duration
	// MaxExpires caps a subscription's lifetime; a longer request is
	// granted this. Default 3600 seconds.
	MaxExpires time.Duration
	// DefaultExpires is the lifetime when a SUBSCRIBE has no Expires
	// header. Default 3600 seconds (RFC 3842 and RFC 4235 leave it to the
	// notifier).
	DefaultExpires time.Duration
	// MaxPerUser bounds the subscriptions one user holds at once (a desk
	// phone with a BLF expansion module holds one per key). Default 200;
	// beyond it a new SUBSCRIBE gets 403.
	MaxPerUser int
	// NotifyTimeout bounds one NOTIFY transaction. Default 32 seconds
	// (64×T1). A NOTIFY that times out, fails to send or gets 481 removes
	// its subscription (RFC 6665 section 4.2.2).
	NotifyTimeout time.Duration
	// SweepInterval is how often a goroutine ends lapsed subscriptions
	// with a final NOTIFY. Default 10 seconds; negative disables the
	// goroutine (call Expire yourself).
	SweepInterval time.Duration
	// Locator finds the registered devices of an extension for
	// unsolicited MWI. Nil disables unsolicited MWI on counts changes
	// (BindingsChanged still sends to newly registered devices).
	Locator Locator
	// NoUnsolicitedMWI turns off unsolicited message-summary NOTIFYs.
	// By default they are on: many desk phones light their lamp only from
	// NOTIFYs they never subscribed to (Asterisk's default too), and a
	// phone that does not want them answers 481 or 489, which costs one
	// transaction. Devices that hold a message-summary subscription for
	// the extension from the same source address get no unsolicited
	// NOTIFY, and neither do devices of an extension whose mailbox was
	// never set (SetMailbox): without voicemail there is nothing to tell.
	NoUnsolicitedMWI bool
	// RegisterNotifyDelay is how long after a device registers its
	// unsolicited NOTIFY is sent, so that the phone has its 200 OK to the
	// REGISTER first (some phones ignore NOTIFYs before). Default 500
	// milliseconds; negative means at once.
	RegisterNotifyDelay time.Duration
	// Logger receives subscription events. Nil discards them.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// Notifier is the notifier side of SIP-specific event notification (RFC
// 6665) for the message-summary (MWI, RFC 3842) and dialog (BLF, RFC 4235)
// packages. HandleSubscribe serves SUBSCRIBE; SetMailbox and
// SetDialogState tell it the current state of an extension, and it sends
// a NOTIFY to every subscriber of that extension (and, for MWI, to the
// registered devices that expect unsolicited NOTIFYs).
//
// Every NOTIFY carries the full current state, so when state changes
// faster than a subscriber answers, the intermediate states are skipped:
// a subscription has at most one NOTIFY in flight (RFC 6665 section
// 4.2.2), sent by a goroutine that lives only while there is something
// to send.
//
// Safe for concurrent use. Close stops the goroutines.
type Notifier struct {
	cfg    NotifierConfig
	log    *slog.Logger
	now    func() time.Time
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	stop   chan struct{}
	once   sync.Once

	mu        sync.Mutex
	closed    bool
	subs      map[dialogKey]*subscription
	mailboxes map[string]MWICounts
	dialogs   map[string][]DialogState
	// watched counts the subscriptions in subs by event and resource, so
	// that a change nobody watches costs one map read.
	watched map[watchKey]int
	// unsolicited are the devices with an unsolicited NOTIFY pending or in
	// flight, by contact.
	unsolicited map[string]*unsolicitedTarget
	// known are the contacts BindingsChanged last heard of, by aor.
	known map[string][]string
	// perUser counts each user's subscriptions.
	perUser map[string]int
}

// NewNotifier returns a Notifier for cfg and starts its sweeper, or an
// error naming a bad setting.
func NewNotifier(cfg NotifierConfig) (*Notifier, error) {
	if cfg.Auth == nil || cfg.Sender == nil || cfg.Domain == "" {
		return nil, errors.New("sip: notifier: Auth, Sender and Domain are required")
	}
	if cfg.MinExpires < 0 || cfg.MaxExpires < 0 || cfg.DefaultExpires < 0 || cfg.MaxPerUser < 0 || cfg.NotifyTimeout < 0 {
		return nil, errors.New("sip: notifier: durations and MaxPerUser must not be negative")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.MinExpires, 60*time.Second)
	def(&cfg.MaxExpires, 3600*time.Second)
	def(&cfg.DefaultExpires, 3600*time.Second)
	def(&cfg.NotifyTimeout, 32*time.Second)
	def(&cfg.SweepInterval, 10*time.Second)
	def(&cfg.RegisterNotifyDelay, 500*time.Millisecond)
	if cfg.MaxPerUser == 0 {
		cfg.MaxPerUser = 200
	}
	if cfg.MaxExpires < cfg.MinExpires {
		return nil, errors.New("sip: notifier: MaxExpires is shorter than MinExpires")
	}
	if cfg.Authorize == nil {
		cfg.Authorize = DefaultAuthorize
	}
	n := &Notifier{
		cfg:         cfg,
		log:         cfg.Logger,
		now:         cfg.Clock,
		stop:        make(chan struct{}),
		subs:        make(map[dialogKey]*subscription),
		mailboxes:   make(map[string]MWICounts),
		dialogs:     make(map[string][]DialogState),
		watched:     make(map[watchKey]int),
		unsolicited: make(map[string]*unsolicitedTarget),
		known:       make(map[string][]string),
		perUser:     make(map[string]int),
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.now == nil {
		n.now = time.Now
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if cfg.SweepInterval > 0 {
		n.wg.Add(1)
		go n.sweep(cfg.SweepInterval)
	}
	return n, nil
}

// DefaultAuthorize is the policy a Notifier uses when its config has no
// Authorize: a user may watch its own mailbox only, and any extension's
// dialog state.
func DefaultAuthorize(user, event, resource string) error {
	if event == EventMessageSummary && user != resource {
		return errors.New("not your mailbox")
	}
	return nil
}

// Close stops the sweeper, abandons NOTIFYs in flight and waits for the
// goroutines. Subscriptions are dropped without a final NOTIFY; the
// phones resubscribe when their subscription lapses.
func (n *Notifier) Close() error {
	n.once.Do(func() {
		n.mu.Lock()
		n.closed = true
		n.mu.Unlock()
		close(n.stop)
		n.cancel()
	})
	n.wg.Wait()
	return nil
}

func (n *Notifier) sweep(every time.Duration) {
	defer n.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			n.Expire(n.now())
		}
	}
}

// Expire ends the subscriptions lapsed at now, each with a final NOTIFY
// "Subscription-State: terminated;reason=timeout".
func (n *Notifier) Expire(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.subs {
		if s.reason == "" && !s.expires.After(now) {
			n.log.Info("sip subscription lapsed", "user", s.user, "event", s.event, "resource", s.resource)
			s.reason = "timeout"
			n.kick(s)
		}
	}
}

// SetMailbox records the message counts of ext's mailbox and, when they
// changed, sends a message-summary NOTIFY to every subscriber of ext and
// (unless NoUnsolicitedMWI) an unsolicited one to each device the Locator
// has registered for ext. It returns at once; NOTIFYs go out in the
// background. It returns an error for negative counts.
func (n *Notifier) SetMailbox(ext string, counts MWICounts) error {
	if err := counts.validate(); err != nil {
		return fmt.Errorf("sip: set mailbox %q: %w", ext, err)
	}
	n.mu.Lock()
	if old, ok := n.mailboxes[ext]; ok && old == counts {
		n.mu.Unlock()
		return nil
	}
	n.mailboxes[ext] = counts
	n.notifyResource(EventMessageSummary, ext)
	n.mu.Unlock()
	if n.cfg.NoUnsolicitedMWI || n.cfg.Locator == nil {
		return nil
	}
	// Look up outside n.mu: the Registrar calls BindingsChanged with its
	// own lock held, so holding n.mu here while taking the Registrar's
	// would deadlock.
	bs := n.cfg.Locator.Lookup(ext, n.now())
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, b := range bs {
		n.sendUnsolicited(b, 0)
	}
	return nil
}

// Mailbox returns the counts last set for ext.
func (n *Notifier) Mailbox(ext string) MWICounts {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mailboxes[ext]
}

// notifyResource kicks every live subscription to event for resource.
// Called with n.mu held.
func (n *Notifier) notifyResource(event, resource string) {
	if n.watched[watchKey{event, resource}] == 0 {
		return // nobody subscribes: nothing to look through
	}
	for _, s := range n.subs {
		if s.event == event && s.resource == resource && s.reason == "" {
			n.kick(s)
		}
	}
}

// BindingsChanged tells the notifier that the registered devices of aor
// are now bs: call it from the Registrar's OnChange (it returns at once
// and never calls the Registrar). Devices not registered before get an
// unsolicited message-summary NOTIFY with the mailbox's counts after
// RegisterNotifyDelay, so a phone that boots lights its lamp; refreshes
// send nothing.
func (n *Notifier) BindingsChanged(aor string, bs []Binding) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	old := n.known[aor]
	// A mailbox nobody ever set (no voicemail for this extension), or one
	// with no messages at all, has nothing to tell a phone that just
	// registered (its lamp starts off): it gets no unsolicited NOTIFY.
	// Later changes of the counts reach every known phone (SetMailbox).
	counts, hasMailbox := n.mailboxes[aor]
	tell := hasMailbox && counts != (MWICounts{}) && !n.cfg.NoUnsolicitedMWI
	var now []string
	for _, b := range bs {
		now = append(now, b.Contact)
		if !slices.Contains(old, b.Contact) && tell {
			n.sendUnsolicited(b, n.cfg.RegisterNotifyDelay)
		}
	}
	if len(now) == 0 {
		delete(n.known, aor)
	} else {
		n.known[aor] = now
	}
}

// Subscription describes one active subscription, for the application's
// status pages.
type Subscription struct {
	// User is the authenticated subscriber, Resource the watched
	// extension, Event the package.
	User, Resource, Event string
	// Source is where the subscriber's SUBSCRIBE came from and where its
	// NOTIFYs go.
	Source netip.AddrPort
	// Expires is when the subscription lapses unless refreshed.
	Expires time.Time
}

// Subscriptions returns the active subscriptions to resource (all
// resources when resource is ""), in no particular order.
func (n *Notifier) Subscriptions(resource string) []Subscription {
	now := n.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Subscription
	for _, s := range n.subs {
		if s.reason != "" || !s.expires.After(now) || (resource != "" && s.resource != resource) {
			continue
		}
		out = append(out, Subscription{User: s.user, Resource: s.resource, Event: s.event, Source: s.source, Expires: s.expires})
	}
	return out
}

// aorURI returns sip:ext@domain.
func (n *Notifier) aorURI(ext string) string { return "sip:" + ext + "@" + n.cfg.Domain }

// seconds formats d as whole seconds (rounded, never negative) for
// Expires, Min-Expires and Subscription-State headers.
func seconds(d time.Duration) string {
	return strconv.FormatInt(max(int64((d+time.Second/2)/time.Second), 0), 10)
}

// parseEvent splits an Event header value into package and id parameter.
func parseEvent(v string) (pkg, id string) {
	parts := strings.Split(v, ";")
	pkg = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "id") {
			id = strings.TrimSpace(val)
		}
	}
	return pkg, id
}

// dialogKey identifies a subscription's dialog from our side: Call-ID,
// our tag (the To tag we gave) and the subscriber's (From) tag. One
// subscription per dialog: RFC 6665 allows more, no phone uses it.
type dialogKey struct{ callID, localTag, remoteTag string }

// subscription is one subscriber's watch of one resource. Fields are
// guarded by Notifier.mu.
type subscription struct {
	key            dialogKey
	user, resource string
	event, id      string
	local, remote  gosip.Uri // our identity (the To URI) and theirs (From)
	target         gosip.Uri // the subscriber's Contact
	routes         []gosip.Uri
	source         netip.AddrPort
	transport      string
	contact        string // our Contact
	remoteCSeq     uint32
	cseq           uint32 // of our last NOTIFY
	version        uint32 // dialog-info version of the next document
	expires        time.Time
	// reason is empty while active; otherwise the final NOTIFY with
	// "terminated;reason=<reason>" is due.
	reason  string
	sending bool // a goroutine runs send for it
	dirty   bool // state changed while a NOTIFY was in flight
	removed bool
}

// HandleSubscribe serves a SUBSCRIBE: pass it to sipgo's
// Server.OnSubscribe. It authenticates (refreshes too), answers 489 Bad
// Event with Allow-Events for packages other than message-summary and
// dialog, 406 when Accept excludes the package's body type, 423 with
// Min-Expires for a too short Expires, 403 or 404 when Authorize refuses
// or the user holds MaxPerUser subscriptions, 481 for an unknown dialog,
// 500 for an out-of-order CSeq; otherwise 200 OK with the granted Expires,
// followed by a NOTIFY with the current state (RFC 6665 section 4.2.1).
// "Expires: 0" ends a subscription (or, out of dialog, fetches the state
// once) with a final NOTIFY "terminated;reason=timeout".
func (n *Notifier) HandleSubscribe(req *gosip.Request, tx gosip.ServerTransaction) {
	user, ok := n.cfg.Auth.Authenticate(req, tx)
	if !ok {
		return
	}
	from, to, callID, cseq := req.From(), req.To(), req.CallID(), req.CSeq()
	if from == nil || to == nil || callID == nil || cseq == nil {
		respond(tx, req, 400, "Missing From, To, Call-ID or CSeq")
		return
	}
	fromTag, _ := from.Params.Get("tag")
	if fromTag == "" {
		respond(tx, req, 400, "Missing From Tag")
		return
	}
	pkg, id := parseEvent(headerValue(req, "Event"))
	var bodyType string
	switch pkg {
	case EventMessageSummary:
		bodyType = ContentTypeMessageSummary
	case EventDialog:
		bodyType = ContentTypeDialogInfo
	default:
		respond(tx, req, 489, "Bad Event", gosip.NewHeader("Allow-Events", EventMessageSummary+", "+EventDialog))
		return
	}
	if !accepts(req, bodyType) {
		respond(tx, req, 406, "Not Acceptable", gosip.NewHeader("Accept", bodyType))
		return
	}
	exp := n.cfg.DefaultExpires
	if h := req.GetHeader("Expires"); h != nil {
		d, err := parseExpires(h.Value())
		if err != nil {
			respond(tx, req, 400, "Bad Expires")
			return
		}
		exp = d
	}
	if exp != 0 && exp < n.cfg.MinExpires {
		respond(tx, req, 423, "Interval Too Brief", gosip.NewHeader("Min-Expires", seconds(n.cfg.MinExpires)))
		return
	}
	exp = min(exp, n.cfg.MaxExpires)
	var target *gosip.Uri
	if c := req.Contact(); c != nil && !c.Address.Wildcard {
		target = c.Address.Clone()
	}
	now := n.now()
	src := sourceAddr(req)

	if toTag, has := to.Params.Get("tag"); has && toTag != "" {
		n.refresh(req, tx, user, dialogKey{callID.Value(), toTag, fromTag}, pkg, id, exp, target, src, now)
		return
	}
	if target == nil {
		respond(tx, req, 400, "Missing Contact")
		return
	}
	resource := req.Recipient.User
	if err := n.cfg.Authorize(user, pkg, resource); err != nil {
		code, reason := 403, "Forbidden"
		if errors.Is(err, ErrNoResource) {
			code, reason = 404, "Not Found"
		}
		n.log.Warn("sip subscribe refused", "user", user, "event", pkg, "resource", resource, "source", src.String(), "reason", err.Error())
		respond(tx, req, code, reason)
		return
	}
	s := &subscription{
		key:        dialogKey{callID.Value(), gosip.GenerateTagN(16), fromTag},
		user:       user,
		resource:   resource,
		event:      pkg,
		id:         id,
		local:      *to.Address.Clone(),
		remote:     *from.Address.Clone(),
		target:     *target,
		source:     src,
		transport:  req.Transport(),
		contact:    n.contactFor(req),
		remoteCSeq: cseq.SeqNo,
		expires:    now.Add(exp),
	}
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*gosip.RecordRouteHeader); ok {
			s.routes = append(s.routes, *rr.Address.Clone())
		}
	}
	if exp == 0 {
		s.reason = "timeout" // a fetch: one NOTIFY with the state
	}
	n.mu.Lock()
	if n.perUser[user] >= n.cfg.MaxPerUser {
		n.mu.Unlock()
		n.log.Warn("sip subscribe refused", "user", user, "event", pkg, "resource", resource, "reason", "too many subscriptions")
		respond(tx, req, 403, "Too Many Subscriptions")
		return
	}
	n.subs[s.key] = s
	n.watched[watchKey{s.event, s.resource}]++
	n.perUser[user]++
	n.mu.Unlock()
	n.log.Info("sip subscribe", "user", user, "event", pkg, "resource", resource, "source", src.String(), "expires", seconds(exp))
	n.accept(req, tx, s, exp)
}

// refresh serves an in-dialog SUBSCRIBE: a refresh or an unsubscribe.
func (n *Notifier) refresh(req *gosip.Request, tx gosip.ServerTransaction, user string, key dialogKey,
	pkg, id string, exp time.Duration, target *gosip.Uri, src netip.AddrPort, now time.Time) {
	n.mu.Lock()
	s := n.subs[key]
	switch {
	case s == nil || s.reason != "" || s.event != pkg || s.id != id:
		n.mu.Unlock()
		respond(tx, req, 481, "Subscription Does Not Exist")
		return
	case s.user != user:
		n.mu.Unlock()
		n.log.Warn("sip subscribe refused", "user", user, "owner", s.user, "reason", "refresh of another user's subscription")
		respond(tx, req, 403, "Forbidden")
		return
	case !s.expires.After(now):
		// Lapsed before the sweeper saw it: end it now.
		s.reason = "timeout"
		n.kick(s)
		n.mu.Unlock()
		respond(tx, req, 481, "Subscription Does Not Exist")
		return
	case req.CSeq().SeqNo <= s.remoteCSeq:
		n.mu.Unlock()
		respond(tx, req, 500, "Out Of Order CSeq")
		return
	}
	s.remoteCSeq = req.CSeq().SeqNo
	if target != nil {
		s.target = *target // SUBSCRIBE is a target refresh request
	}
	if src.IsValid() {
		s.source, s.transport = src, req.Transport()
	}
	if exp == 0 {
		s.reason = "timeout"
	} else {
		s.expires = now.Add(exp)
	}
	n.mu.Unlock()
	n.accept(req, tx, s, exp)
}

// accept answers 200 with our tag and the granted expiry, then sends the
// NOTIFY that must follow.
func (n *Notifier) accept(req *gosip.Request, tx gosip.ServerTransaction, s *subscription, exp time.Duration) {
	res := newResponse(req, 200, "OK")
	if to := res.To(); to != nil {
		to.Params.Add("tag", s.key.localTag)
	}
	res.AppendHeader(gosip.NewHeader("Expires", seconds(exp)))
	res.AppendHeader(gosip.NewHeader("Contact", "<"+s.contact+">"))
	if err := tx.Respond(res); err != nil {
		n.log.Warn("sip subscribe: respond", "error", err)
	}
	n.mu.Lock()
	n.kick(s)
	n.mu.Unlock()
}

// contactFor returns our Contact URI for a SUBSCRIBE: the configured one,
// or the address the phone sent it to.
func (n *Notifier) contactFor(req *gosip.Request) string {
	if n.cfg.Contact != "" {
		return n.cfg.Contact
	}
	u := gosip.Uri{Scheme: "sip", Host: req.Recipient.Host, Port: req.Recipient.Port}
	c := u.String()
	if tp := strings.ToLower(req.Transport()); tp != "" && tp != "udp" {
		c += ";transport=" + tp
	}
	return c
}

// accepts reports whether req's Accept headers allow type t; no Accept
// header means the package's default type.
func accepts(req *gosip.Request, t string) bool {
	hs := req.GetHeaders("Accept")
	if len(hs) == 0 {
		return true
	}
	main, _, _ := strings.Cut(t, "/")
	for _, h := range hs {
		for _, v := range strings.Split(h.Value(), ",") {
			v, _, _ = strings.Cut(v, ";")
			v = strings.ToLower(strings.TrimSpace(v))
			if v == "" || v == t || v == "*/*" || v == main+"/*" {
				return true
			}
		}
	}
	return false
}

// kick makes sure s's current state will be sent: it starts a goroutine
// for s, or marks s dirty when one is already sending. Called with n.mu
// held.
func (n *Notifier) kick(s *subscription) {
	if n.closed || s.removed {
		return
	}
	if s.sending {
		s.dirty = true
		return
	}
	s.sending = true
	n.wg.Add(1)
	go n.send(s)
}

// send sends s's NOTIFYs, one at a time, until its state is delivered.
func (n *Notifier) send(s *subscription) {
	defer n.wg.Done()
	for {
		n.mu.Lock()
		if n.closed || s.removed {
			s.sending = false
			n.mu.Unlock()
			return
		}
		s.dirty = false
		req, err := n.buildNotify(s, n.now())
		final := s.reason != ""
		n.mu.Unlock()
		var res *gosip.Response
		if err == nil {
			ctx, cancel := context.WithTimeout(n.ctx, n.cfg.NotifyTimeout)
			res, err = n.cfg.Sender.Send(ctx, req)
			cancel()
		}
		n.mu.Lock()
		switch {
		case err != nil || res == nil:
			n.log.Info("sip notify failed: subscription removed", "user", s.user, "event", s.event, "resource", s.resource, "error", err)
			n.remove(s)
		case res.StatusCode == 481 || res.StatusCode == 408:
			n.log.Info("sip notify refused: subscription removed", "user", s.user, "event", s.event, "resource", s.resource, "status", res.StatusCode)
			n.remove(s)
		case final:
			n.remove(s)
		case !res.IsSuccess():
			n.log.Warn("sip notify refused", "user", s.user, "event", s.event, "resource", s.resource, "status", res.StatusCode)
		}
		if s.removed || !s.dirty {
			s.sending = false
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()
	}
}

// remove forgets s. Called with n.mu held.
func (n *Notifier) remove(s *subscription) {
	if s.removed {
		return
	}
	s.removed = true
	delete(n.subs, s.key)
	if k := (watchKey{s.event, s.resource}); n.watched[k] <= 1 {
		delete(n.watched, k)
	} else {
		n.watched[k]--
	}
	if n.perUser[s.user]--; n.perUser[s.user] <= 0 {
		delete(n.perUser, s.user)
	}
}

// buildNotify returns the next NOTIFY of s with the resource's current
// state. Called with n.mu held.
func (n *Notifier) buildNotify(s *subscription, now time.Time) (*gosip.Request, error) {
	var body []byte
	var ctype string
	var err error
	switch s.event {
	case EventMessageSummary:
		ctype = ContentTypeMessageSummary
		body, err = VoiceSummary(n.aorURI(s.resource), n.mailboxes[s.resource]).Format()
	case EventDialog:
		ctype = ContentTypeDialogInfo
		body, err = DialogInfo{Version: s.version, Full: true, Entity: n.aorURI(s.resource), Dialogs: n.dialogs[s.resource]}.Format()
		s.version++
	}
	if err != nil {
		return nil, err
	}
	if s.reason == "" && !s.expires.After(now) {
		s.reason = "timeout" // lapsed before the sweeper saw it
	}
	state := "active;expires=" + seconds(s.expires.Sub(now))
	if s.reason != "" {
		state = "terminated;reason=" + s.reason
	}
	s.cseq++
	req := gosip.NewRequest(gosip.NOTIFY, *s.target.Clone())
	for _, r := range s.routes {
		req.AppendHeader(&gosip.RouteHeader{Address: *r.Clone()})
	}
	from := &gosip.FromHeader{Address: *s.local.Clone()}
	from.Params.Add("tag", s.key.localTag)
	to := &gosip.ToHeader{Address: *s.remote.Clone()}
	to.Params.Add("tag", s.key.remoteTag)
	callID := gosip.CallIDHeader(s.key.callID)
	maxFwd := gosip.MaxForwardsHeader(70)
	event := s.event
	if s.id != "" {
		event += ";id=" + s.id
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: s.cseq, MethodName: gosip.NOTIFY})
	req.AppendHeader(&maxFwd)
	req.AppendHeader(gosip.NewHeader("Contact", "<"+s.contact+">"))
	req.AppendHeader(gosip.NewHeader("Event", event))
	req.AppendHeader(gosip.NewHeader("Subscription-State", state))
	req.AppendHeader(gosip.NewHeader("Content-Type", ctype))
	req.SetBody(body)
	req.SetTransport(s.transport)
	if s.source.IsValid() {
		req.SetDestination(s.source.String())
	}
	return req, nil
}

// idle reports whether no NOTIFY is pending or in flight.
func (n *Notifier) idle() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.subs {
		if s.sending {
			return false
		}
	}
	return len(n.unsolicited) == 0
}
