package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

// trustFrom is an Authenticator that takes the From user at its word,
// except "intruder", who is challenged.
type trustFrom struct{}

func (trustFrom) Authenticate(req *gosip.Request, tx gosip.ServerTransaction) (string, bool) {
	u := req.From().Address.User
	if u == "intruder" {
		respond(tx, req, 407, "Proxy Authentication Required")
		return "", false
	}
	return u, true
}

// fakeSender records the requests sent and answers them with answer
// (200 OK when nil). hold, when set, is received from before answering.
type fakeSender struct {
	reqs   chan *gosip.Request
	mu     sync.Mutex
	answer func(*gosip.Request) (int, error)
	hold   chan struct{}
}

func newFakeSender() *fakeSender { return &fakeSender{reqs: make(chan *gosip.Request, 100)} }

func (f *fakeSender) Send(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	f.reqs <- req
	f.mu.Lock()
	answer, hold := f.answer, f.hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	code := 200
	if answer != nil {
		var err error
		if code, err = answer(req); err != nil {
			return nil, err
		}
	}
	return gosip.NewResponseFromRequest(req, code, "", nil), nil
}

// next returns the next request sent, failing after a deadline.
func (f *fakeSender) next(t *testing.T) *gosip.Request {
	t.Helper()
	select {
	case r := <-f.reqs:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no NOTIFY sent within 5s")
		return nil
	}
}

// quiet waits until n has nothing in flight and checks nothing more was
// sent.
func (f *fakeSender) quiet(t *testing.T, n *Notifier) {
	t.Helper()
	waitFor(t, "notifier idle", n.idle)
	select {
	case r := <-f.reqs:
		t.Fatalf("unexpected request:\n%s", r)
	default:
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type notifierFixture struct {
	n     *Notifier
	out   *fakeSender
	clock *fakeClock
}

func newNotifierFixture(t *testing.T, mod func(*NotifierConfig)) *notifierFixture {
	t.Helper()
	f := &notifierFixture{out: newFakeSender(), clock: newClock()}
	cfg := NotifierConfig{
		Auth: trustFrom{}, Sender: f.out, Domain: "pbx.test", Clock: f.clock.Now,
		SweepInterval: -1, RegisterNotifyDelay: -1,
	}
	if mod != nil {
		mod(&cfg)
	}
	n, err := NewNotifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	f.n = n
	return f
}

// sub describes a test SUBSCRIBE.
type sub struct {
	user     string // From user, default 101
	resource string // Request-URI and To user, default user
	event    string // Event header, default message-summary; "-" for none
	expires  string // Expires header; "" for none
	toTag    string // in-dialog when set
	callID   string // default sub-<user>-<resource>
	cseq     int    // default 1
	src      string // default 192.0.2.10:5062
	headers  []string
	noCont   bool // leave out Contact
}

func (s sub) request(t *testing.T) *gosip.Request {
	t.Helper()
	def := func(p *string, d string) {
		if *p == "" {
			*p = d
		}
	}
	def(&s.user, "101")
	def(&s.resource, s.user)
	def(&s.event, EventMessageSummary)
	def(&s.callID, "sub-"+s.user+"-"+s.resource)
	def(&s.src, "192.0.2.10:5062")
	if s.cseq == 0 {
		s.cseq = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SUBSCRIBE sip:%s@pbx.test:5060 SIP/2.0\r\n", s.resource)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK-%d-%s\r\n", s.cseq, s.callID)
	fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: \"Phone\" <sip:%s@pbx.test>;tag=ftag-%s\r\n", s.user, s.user)
	to := fmt.Sprintf("To: <sip:%s@pbx.test>", s.resource)
	if s.toTag != "" {
		to += ";tag=" + s.toTag
	}
	b.WriteString(to + "\r\n")
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d SUBSCRIBE\r\n", s.callID, s.cseq)
	if !s.noCont {
		fmt.Fprintf(&b, "Contact: <sip:%s@10.0.0.5:5062>\r\n", s.user)
	}
	if s.event != "-" {
		fmt.Fprintf(&b, "Event: %s\r\n", s.event)
	}
	if s.expires != "" {
		fmt.Fprintf(&b, "Expires: %s\r\n", s.expires)
	}
	for _, h := range s.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	m, err := gosip.ParseMessage([]byte(b.String()))
	if err != nil {
		t.Fatalf("parse test SUBSCRIBE: %v\n%s", err, b.String())
	}
	req := m.(*gosip.Request)
	req.SetSource(s.src)
	req.SetTransport("UDP")
	return req
}

// do sends s to the notifier and returns the response.
func (f *notifierFixture) do(t *testing.T, s sub) *gosip.Response {
	t.Helper()
	tx := newRecTx()
	f.n.HandleSubscribe(s.request(t), tx)
	return tx.last(t)
}

// notifyShape is what a test checks of a NOTIFY.
type notifyShape struct {
	RequestURI, Destination, CSeq, Event, State, ContentType string
	FromTag, ToTag, CallID                                   string
	Body                                                     string
}

func shapeOfNotify(t *testing.T, r *gosip.Request) notifyShape {
	t.Helper()
	if r.Method != gosip.NOTIFY {
		t.Fatalf("sent %s, want NOTIFY", r.Method)
	}
	ft, _ := r.From().Params.Get("tag")
	tt, _ := r.To().Params.Get("tag")
	return notifyShape{
		RequestURI:  r.Recipient.String(),
		Destination: r.Destination(),
		CSeq:        r.CSeq().Value(),
		Event:       headerValue(r, "Event"),
		State:       headerValue(r, "Subscription-State"),
		ContentType: headerValue(r, "Content-Type"),
		FromTag:     ft,
		ToTag:       tt,
		CallID:      r.CallID().Value(),
		Body:        string(r.Body()),
	}
}

func summary(t *testing.T, r *gosip.Request) MessageSummary {
	t.Helper()
	s, err := ParseMessageSummary(r.Body())
	if err != nil {
		t.Fatalf("NOTIFY body: %v\n%s", err, r.Body())
	}
	return s
}

func toTag(t *testing.T, res *gosip.Response) string {
	t.Helper()
	tag, _ := res.To().Params.Get("tag")
	if tag == "" {
		t.Fatalf("200 without To tag:\n%s", res)
	}
	return tag
}

type resShape struct {
	Status int
	Header string // the value of the header the case names
}

func TestSubscribeRefusals(t *testing.T) {
	f := newNotifierFixture(t, func(c *NotifierConfig) {
		c.Authorize = func(user, event, resource string) error {
			if resource == "999" {
				return fmt.Errorf("extension 999: %w", ErrNoResource)
			}
			return DefaultAuthorize(user, event, resource)
		}
	})
	tests := []struct {
		name   string
		s      sub
		header string
		want   resShape
	}{
		{"unknown package", sub{event: "presence"}, "Allow-Events", resShape{489, "message-summary, dialog"}},
		{"no Event header", sub{event: "-"}, "Allow-Events", resShape{489, "message-summary, dialog"}},
		{"expires too brief", sub{expires: "10"}, "Min-Expires", resShape{423, "60"}},
		{"bad expires", sub{expires: "soon"}, "", resShape{400, ""}},
		{"another's mailbox", sub{user: "102", resource: "101"}, "", resShape{403, ""}},
		{"unknown resource", sub{event: "dialog", resource: "999"}, "", resShape{404, ""}},
		{"unacceptable body", sub{headers: []string{"Accept: text/plain"}}, "Accept", resShape{406, ContentTypeMessageSummary}},
		{"no contact", sub{noCont: true}, "", resShape{400, ""}},
		{"unknown dialog", sub{toTag: "nosuch"}, "", resShape{481, ""}},
		{"not authenticated", sub{user: "intruder"}, "", resShape{407, ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.s)
			got := resShape{Status: res.StatusCode}
			if tc.header != "" {
				if h := res.GetHeader(tc.header); h != nil {
					got.Header = h.Value()
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
	f.out.quiet(t, f.n)
	if subs := f.n.Subscriptions(""); len(subs) != 0 {
		t.Errorf("refused SUBSCRIBEs left subscriptions: %+v", subs)
	}
}

// TestSubscribeMWILifecycle follows one MWI subscription from SUBSCRIBE
// to unsubscribe: the initial NOTIFY, a NOTIFY per change and none
// without one, a refresh, and the final NOTIFY.
func TestSubscribeMWILifecycle(t *testing.T) {
	f := newNotifierFixture(t, nil)
	res := f.do(t, sub{expires: "7200"})
	if res.StatusCode != 200 || headerValue2(res, "Expires") != "3600" || headerValue2(res, "Contact") != "<sip:pbx.test:5060>" {
		t.Fatalf("SUBSCRIBE answered:\n%s", res)
	}
	tag := toTag(t, res)
	base := notifyShape{
		RequestURI: "sip:101@10.0.0.5:5062", Destination: "192.0.2.10:5062",
		Event: "message-summary", ContentType: ContentTypeMessageSummary,
		FromTag: tag, ToTag: "ftag-101", CallID: "sub-101-101",
	}
	expect := func(cseq, state, body string) {
		t.Helper()
		want := base
		want.CSeq, want.State, want.Body = cseq+" NOTIFY", state, body
		if diff := cmp.Diff(want, shapeOfNotify(t, f.out.next(t))); diff != "" {
			t.Errorf("NOTIFY mismatch (-want +got):\n%s", diff)
		}
	}
	expect("1", "active;expires=3600",
		"Messages-Waiting: no\r\nMessage-Account: sip:101@pbx.test\r\nVoice-Message: 0/0\r\n")

	f.clock.Add(100 * time.Second)
	if err := f.n.SetMailbox("101", MWICounts{New: 2, Old: 8, UrgentOld: 2}); err != nil {
		t.Fatal(err)
	}
	expect("2", "active;expires=3500",
		"Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.test\r\nVoice-Message: 2/8 (0/2)\r\n")
	if err := f.n.SetMailbox("101", MWICounts{New: 2, Old: 8, UrgentOld: 2}); err != nil {
		t.Fatal(err)
	}
	if err := f.n.SetMailbox("102", MWICounts{New: 1}); err != nil {
		t.Fatal(err)
	}
	f.out.quiet(t, f.n) // same counts, or another mailbox: nothing to send

	res = f.do(t, sub{toTag: tag, cseq: 2, expires: "600"})
	if res.StatusCode != 200 || headerValue2(res, "Expires") != "600" || toTag(t, res) != tag {
		t.Fatalf("refresh answered:\n%s", res)
	}
	expect("3", "active;expires=600",
		"Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.test\r\nVoice-Message: 2/8 (0/2)\r\n")

	if res := f.do(t, sub{toTag: tag, cseq: 2, expires: "600"}); res.StatusCode != 500 {
		t.Errorf("replayed CSeq answered %d, want 500", res.StatusCode)
	}
	if res := f.do(t, sub{user: "102", resource: "101", callID: "sub-101-101", toTag: tag, cseq: 9}); res.StatusCode != 481 {
		// 102's From tag differs, so this is not 101's dialog at all.
		t.Errorf("refresh of another's dialog answered %d, want 481", res.StatusCode)
	}

	res = f.do(t, sub{toTag: tag, cseq: 3, expires: "0"})
	if res.StatusCode != 200 || headerValue2(res, "Expires") != "0" {
		t.Fatalf("unsubscribe answered:\n%s", res)
	}
	expect("4", "terminated;reason=timeout",
		"Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.test\r\nVoice-Message: 2/8 (0/2)\r\n")
	f.out.quiet(t, f.n)
	if subs := f.n.Subscriptions(""); len(subs) != 0 {
		t.Errorf("subscriptions after unsubscribe: %+v", subs)
	}
	if res := f.do(t, sub{toTag: tag, cseq: 4, expires: "600"}); res.StatusCode != 481 {
		t.Errorf("refresh after unsubscribe answered %d, want 481", res.StatusCode)
	}
}

func headerValue2(res *gosip.Response, name string) string {
	if h := res.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// TestSubscribeRefreshByAnotherUser: a user who learns another's dialog
// identifiers cannot take over the subscription.
func TestSubscribeRefreshByAnotherUser(t *testing.T) {
	f := newNotifierFixture(t, nil)
	tag := toTag(t, f.do(t, sub{}))
	f.out.next(t)
	s := sub{toTag: tag, cseq: 2, expires: "600"}
	req := s.request(t)
	// Same dialog identifiers, authenticated as 102.
	req.From().Address.User = "102"
	tx := newRecTx()
	f.n.HandleSubscribe(req, tx)
	if got := tx.last(t).StatusCode; got != 403 {
		t.Errorf("refresh by 102 answered %d, want 403", got)
	}
}

func TestSubscribeFetch(t *testing.T) {
	f := newNotifierFixture(t, nil)
	f.n.SetMailbox("101", MWICounts{New: 1})
	if res := f.do(t, sub{expires: "0"}); res.StatusCode != 200 {
		t.Fatalf("fetch answered %d", res.StatusCode)
	}
	got := shapeOfNotify(t, f.out.next(t))
	if got.State != "terminated;reason=timeout" || !strings.Contains(got.Body, "Messages-Waiting: yes") {
		t.Errorf("fetch NOTIFY: %+v", got)
	}
	f.out.quiet(t, f.n)
	if subs := f.n.Subscriptions(""); len(subs) != 0 {
		t.Errorf("fetch left a subscription: %+v", subs)
	}
}

func TestSubscribeExpiry(t *testing.T) {
	f := newNotifierFixture(t, nil)
	f.do(t, sub{expires: "60"})
	f.out.next(t)
	f.n.Expire(f.clock.Now().Add(59 * time.Second))
	f.out.quiet(t, f.n)
	if len(f.n.Subscriptions("101")) != 1 {
		t.Fatal("subscription gone before it lapsed")
	}
	f.clock.Add(60 * time.Second)
	f.n.Expire(f.clock.Now())
	if got := shapeOfNotify(t, f.out.next(t)).State; got != "terminated;reason=timeout" {
		t.Errorf("lapse NOTIFY state %q", got)
	}
	f.out.quiet(t, f.n)
	if subs := f.n.Subscriptions(""); len(subs) != 0 {
		t.Errorf("lapsed subscription kept: %+v", subs)
	}
}

// TestSubscribeLapsedUnswept: a subscription past its expiry that the
// sweeper has not seen yet is treated as ended, not revived.
func TestSubscribeLapsedUnswept(t *testing.T) {
	f := newNotifierFixture(t, nil)
	tag := toTag(t, f.do(t, sub{expires: "60"}))
	f.out.next(t)
	f.clock.Add(61 * time.Second)
	if subs := f.n.Subscriptions(""); len(subs) != 0 {
		t.Errorf("lapsed subscription listed: %+v", subs)
	}
	if res := f.do(t, sub{toTag: tag, cseq: 2, expires: "600"}); res.StatusCode != 481 {
		t.Errorf("refresh after lapse answered %d, want 481", res.StatusCode)
	}
	if got := shapeOfNotify(t, f.out.next(t)).State; got != "terminated;reason=timeout" {
		t.Errorf("NOTIFY state %q", got)
	}
	f.n.SetMailbox("101", MWICounts{New: 1})
	f.out.quiet(t, f.n)
}

// TestSubscribeSweeper lets the notifier's own goroutine end a lapsed
// subscription.
func TestSubscribeSweeper(t *testing.T) {
	f := newNotifierFixture(t, func(c *NotifierConfig) { c.SweepInterval = 5 * time.Millisecond })
	f.do(t, sub{expires: "60"})
	f.out.next(t)
	f.clock.Add(61 * time.Second)
	if got := shapeOfNotify(t, f.out.next(t)).State; got != "terminated;reason=timeout" {
		t.Errorf("lapse NOTIFY state %q", got)
	}
	waitFor(t, "subscription removed", func() bool { return len(f.n.Subscriptions("")) == 0 })
}

// TestNotifyFailure: a NOTIFY answered 481 or 408, or not delivered,
// ends the subscription (RFC 6665 section 4.2.2); other refusals do not.
func TestNotifyFailure(t *testing.T) {
	tests := []struct {
		name string
		code int
		err  error
		kept bool
	}{
		{"481", 481, nil, false},
		{"408", 408, nil, false},
		{"transport error", 0, errors.New("connection refused"), false},
		{"500 keeps it", 500, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newNotifierFixture(t, nil)
			f.do(t, sub{})
			f.out.next(t) // the initial NOTIFY succeeds
			f.out.quiet(t, f.n)
			f.out.mu.Lock()
			f.out.answer = func(*gosip.Request) (int, error) { return tc.code, tc.err }
			f.out.mu.Unlock()
			f.n.SetMailbox("101", MWICounts{New: 1})
			f.out.next(t)
			f.out.quiet(t, f.n)
			if got := len(f.n.Subscriptions("101")) == 1; got != tc.kept {
				t.Errorf("subscription kept = %v, want %v", got, tc.kept)
			}
		})
	}
}

// TestNotifyOneInFlight: while a NOTIFY waits for its answer, changes
// are folded into one next NOTIFY carrying the latest state.
func TestNotifyOneInFlight(t *testing.T) {
	f := newNotifierFixture(t, nil)
	hold := make(chan struct{})
	f.out.hold = hold
	f.do(t, sub{})
	first := f.out.next(t)
	for i := 1; i <= 3; i++ {
		f.n.SetMailbox("101", MWICounts{New: i})
	}
	close(hold)
	second := f.out.next(t)
	f.out.quiet(t, f.n)
	if got := summary(t, first).Voice(); got != (MWICounts{}) {
		t.Errorf("first NOTIFY counts %+v", got)
	}
	if got := summary(t, second).Voice(); got != (MWICounts{New: 3}) {
		t.Errorf("second NOTIFY counts %+v, want the latest", got)
	}
	if got := second.CSeq().SeqNo; got != 2 {
		t.Errorf("second NOTIFY CSeq %d", got)
	}
}

func TestSubscribeMaxPerUser(t *testing.T) {
	f := newNotifierFixture(t, func(c *NotifierConfig) { c.MaxPerUser = 2 })
	for _, r := range []string{"102", "103"} {
		if res := f.do(t, sub{event: "dialog", resource: r}); res.StatusCode != 200 {
			t.Fatalf("subscribe to %s: %d", r, res.StatusCode)
		}
		f.out.next(t)
	}
	if res := f.do(t, sub{event: "dialog", resource: "104"}); res.StatusCode != 403 {
		t.Errorf("third subscription answered %d, want 403", res.StatusCode)
	}
	// Another user is not affected.
	if res := f.do(t, sub{user: "105", event: "dialog", resource: "104"}); res.StatusCode != 200 {
		t.Errorf("another user's subscription answered %d", res.StatusCode)
	}
	f.out.next(t)
}

// TestSubscribeDialog: busy lamps of 102 watched by two phones, each
// with its own document version, the Event id echoed.
func TestSubscribeDialog(t *testing.T) {
	f := newNotifierFixture(t, nil)
	watch := func(user string, want []DialogState) {
		res := f.do(t, sub{user: user, resource: "102", event: "dialog;id=7", headers: []string{"Accept: application/dialog-info+xml"}})
		if res.StatusCode != 200 {
			t.Fatalf("%s subscribe: %d", user, res.StatusCode)
		}
		r := f.out.next(t)
		if got := headerValue(r, "Event"); got != "dialog;id=7" {
			t.Errorf("Event %q", got)
		}
		info := dialogInfo(t, r)
		if diff := cmp.Diff(DialogInfo{Version: 0, Full: true, Entity: "sip:102@pbx.test", Dialogs: want}, info); diff != "" {
			t.Errorf("initial document (-want +got):\n%s", diff)
		}
	}
	watch("101", nil)
	call := DialogState{
		ID: "c1", CallID: "abc@pbx", LocalTag: "lt", RemoteTag: "rt",
		Direction: Recipient, Phase: DialogConfirmed,
		Local:  Identity{URI: "sip:102@pbx.test"},
		Remote: Identity{URI: "sip:103@pbx.test", Display: "Carol"},
	}
	if err := f.n.SetDialogState("102", []DialogState{call}); err != nil {
		t.Fatal(err)
	}
	r := f.out.next(t)
	if diff := cmp.Diff(DialogInfo{Version: 1, Full: true, Entity: "sip:102@pbx.test", Dialogs: []DialogState{call}}, dialogInfo(t, r)); diff != "" {
		t.Errorf("confirmed document (-want +got):\n%s", diff)
	}
	watch("103", []DialogState{call}) // a second watcher gets the call at its version 0
	f.out.quiet(t, f.n)

	ended := call
	ended.Phase = DialogTerminated
	if err := f.n.SetDialogState("102", []DialogState{ended}); err != nil {
		t.Fatal(err)
	}
	versions := map[uint32]int{}
	for range 2 {
		info := dialogInfo(t, f.out.next(t))
		versions[info.Version]++
		if len(info.Dialogs) != 1 || info.Dialogs[0].Phase != DialogTerminated {
			t.Errorf("terminated document: %+v", info)
		}
	}
	if diff := cmp.Diff(map[uint32]int{1: 1, 2: 1}, versions); diff != "" {
		t.Errorf("versions per subscription (-want +got):\n%s", diff)
	}
	if err := f.n.SetDialogState("102", []DialogState{{ID: "x"}}); err == nil {
		t.Error("dialog without phase accepted")
	}
	if err := f.n.SetDialogState("102", []DialogState{call, call}); err == nil {
		t.Error("duplicate dialog ID accepted")
	}
}

func dialogInfo(t *testing.T, r *gosip.Request) DialogInfo {
	t.Helper()
	if ct := headerValue(r, "Content-Type"); ct != ContentTypeDialogInfo {
		t.Errorf("Content-Type %q", ct)
	}
	d, err := ParseDialogInfo(r.Body())
	if err != nil {
		t.Fatalf("dialog-info body: %v\n%s", err, r.Body())
	}
	return d
}

// TestNotifyRouteSet: a SUBSCRIBE that came through a proxy gets its
// NOTIFYs with the recorded route, still sent to where it came from.
func TestNotifyRouteSet(t *testing.T) {
	f := newNotifierFixture(t, func(c *NotifierConfig) { c.Contact = "sip:pbx@198.51.100.1:5060" })
	res := f.do(t, sub{headers: []string{
		"Record-Route: <sip:p1.example;lr>",
		"Record-Route: <sip:p2.example;lr>",
	}})
	if got := headerValue2(res, "Contact"); got != "<sip:pbx@198.51.100.1:5060>" {
		t.Errorf("200 Contact %q", got)
	}
	r := f.out.next(t)
	var routes []string
	for _, h := range r.GetHeaders("Route") {
		routes = append(routes, h.Value())
	}
	if diff := cmp.Diff([]string{"<sip:p1.example;lr>", "<sip:p2.example;lr>"}, routes); diff != "" {
		t.Errorf("Route set (-want +got):\n%s", diff)
	}
	if got := r.Destination(); got != "192.0.2.10:5062" {
		t.Errorf("NOTIFY sent to %s, want the SUBSCRIBE's source", got)
	}
}

// fakeLocator is a Locator with fixed bindings.
type fakeLocator map[string][]Binding

func (l fakeLocator) Lookup(aor string, _ time.Time) []Binding { return l[aor] }

func TestUnsolicitedMWI(t *testing.T) {
	phone := func(port uint16) Binding {
		return Binding{
			AOR: "101", Contact: fmt.Sprintf("sip:101@10.0.0.5:%d", port), Transport: "udp",
			Source: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), port),
		}
	}
	// 5062 also subscribes (the sub fixture's source), 5070 does not.
	loc := fakeLocator{"101": {phone(5062), phone(5070)}}
	f := newNotifierFixture(t, func(c *NotifierConfig) { c.Locator = loc })
	f.do(t, sub{})
	f.out.next(t)
	// Voicemail has set the (empty) mailbox; the registrar reports both
	// phones: with no messages at all there is nothing to tell them.
	f.n.mu.Lock()
	f.n.mailboxes["101"] = MWICounts{}
	f.n.mu.Unlock()
	f.n.BindingsChanged("101", loc["101"])
	f.out.quiet(t, f.n)

	f.n.SetMailbox("101", MWICounts{New: 1, Old: 4})
	got := map[string]notifyShape{}
	for range 2 {
		r := f.out.next(t)
		s := shapeOfNotify(t, r)
		s.FromTag, s.CallID = "", "" // random
		if r.To().Params.Has("tag") {
			s.ToTag = "in-dialog"
		}
		got[s.RequestURI] = s
	}
	f.out.quiet(t, f.n)
	body := "Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.test\r\nVoice-Message: 1/4\r\n"
	want := map[string]notifyShape{
		"sip:101@10.0.0.5:5062": {
			RequestURI: "sip:101@10.0.0.5:5062", Destination: "192.0.2.10:5062", CSeq: "2 NOTIFY",
			Event: "message-summary", State: "active;expires=3600", ContentType: ContentTypeMessageSummary,
			ToTag: "in-dialog", Body: body,
		},
		"sip:101@10.0.0.5:5070": {
			RequestURI: "sip:101@10.0.0.5:5070", Destination: "192.0.2.10:5070", CSeq: "1 NOTIFY",
			Event: "message-summary", State: "active", ContentType: ContentTypeMessageSummary,
			Body: body,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NOTIFYs (-want +got):\n%s", diff)
	}

	// A phone registering gets the counts; its refresh does not.
	f.n.BindingsChanged("101", []Binding{phone(5070), phone(5080)})
	r := f.out.next(t)
	if r.Recipient.Port != 5080 || summary(t, r).Voice() != (MWICounts{New: 1, Old: 4}) {
		t.Errorf("NOTIFY on registration:\n%s", r)
	}
	f.n.BindingsChanged("101", []Binding{phone(5070), phone(5080)})
	f.out.quiet(t, f.n)
}

// TestUnsolicitedMWINoMailbox: a phone whose extension has no mailbox (no
// voicemail set it) gets no unsolicited NOTIFY when it registers.
func TestUnsolicitedMWINoMailbox(t *testing.T) {
	loc := fakeLocator{"101": {{AOR: "101", Contact: "sip:101@10.0.0.5:5070", Source: netip.MustParseAddrPort("192.0.2.10:5070")}}}
	f := newNotifierFixture(t, func(c *NotifierConfig) { c.Locator = loc })
	f.n.BindingsChanged("101", loc["101"])
	f.out.quiet(t, f.n)
}

func TestUnsolicitedMWIOff(t *testing.T) {
	loc := fakeLocator{"101": {{AOR: "101", Contact: "sip:101@10.0.0.5:5070", Source: netip.MustParseAddrPort("192.0.2.10:5070")}}}
	f := newNotifierFixture(t, func(c *NotifierConfig) { c.Locator = loc; c.NoUnsolicitedMWI = true })
	f.n.SetMailbox("101", MWICounts{New: 1})
	f.n.BindingsChanged("101", loc["101"])
	f.out.quiet(t, f.n)
}

func TestNewNotifierErrors(t *testing.T) {
	good := NotifierConfig{Auth: trustFrom{}, Sender: newFakeSender(), Domain: "pbx.test"}
	for name, mod := range map[string]func(*NotifierConfig){
		"no auth":       func(c *NotifierConfig) { c.Auth = nil },
		"no sender":     func(c *NotifierConfig) { c.Sender = nil },
		"no domain":     func(c *NotifierConfig) { c.Domain = "" },
		"negative":      func(c *NotifierConfig) { c.MaxPerUser = -1 },
		"max below min": func(c *NotifierConfig) { c.MinExpires = time.Hour; c.MaxExpires = time.Minute },
	} {
		cfg := good
		mod(&cfg)
		if _, err := NewNotifier(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := (&Notifier{}).SetMailbox("101", MWICounts{New: -1}); err == nil {
		t.Error("negative count accepted")
	}
}
