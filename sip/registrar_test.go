package sip

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

type regFixture struct {
	*authFixture
	reg     *Registrar
	mu      sync.Mutex
	changes []string // "aor:count" per OnChange call
}

func newRegFixture(t *testing.T, mod func(*RegistrarConfig)) *regFixture {
	t.Helper()
	f := &regFixture{authFixture: newAuth(t, nil)}
	cfg := RegistrarConfig{
		Auth:        f.auth,
		Clock:       f.clock.Now,
		MaxContacts: 2,
		OnChange: func(aor string, bs []Binding) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.changes = append(f.changes, aor+":"+string(rune('0'+len(bs))))
		},
		SweepInterval: -1,
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := NewRegistrar(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f.reg = r
	return f
}

// register sends m as a phone would: unauthenticated, then answering the
// challenge with the password of authUser. It returns the final response.
func (f *regFixture) register(t *testing.T, m msg, authUser, password string) *gosip.Response {
	t.Helper()
	tx := newRecTx()
	f.reg.HandleRegister(m.request(t), tx)
	ch := tx.last(t)
	if ch.StatusCode != 401 {
		return ch
	}
	m.auth = solve(t, ch, MD5, authUser, password, "REGISTER", "sip:pbx.test", "00000001")
	tx = newRecTx()
	f.reg.HandleRegister(m.request(t), tx)
	return tx.last(t)
}

func contactsOf(res *gosip.Response) []string {
	var out []string
	for _, h := range res.GetHeaders("Contact") {
		out = append(out, h.Value())
	}
	return out
}

type regStep struct {
	m        msg
	wait     time.Duration // before the step
	wantCode int
	want     []string // Contact values of the 200
}

func TestRegistrar(t *testing.T) {
	c1 := "Contact: <sip:101@10.0.0.5:5060>"
	c2 := "Contact: <sip:101@10.0.0.6:5062>"
	c3 := "Contact: <sip:101@10.0.0.7:5064>"
	tests := []struct {
		name  string
		steps []regStep
	}{
		{"register with default expires", []regStep{
			{m: msg{headers: []string{c1}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=3600"}},
		}},
		{"expires header and contact param, clamped to max", []regStep{
			{m: msg{headers: []string{c1 + ";expires=120", c2, "Expires: 86400"}}, wantCode: 200,
				want: []string{"<sip:101@10.0.0.5:5060>;expires=120", "<sip:101@10.0.0.6:5062>;expires=3600"}},
		}},
		{"too brief gets 423", []regStep{
			{m: msg{headers: []string{c1, "Expires: 30"}}, wantCode: 423},
		}},
		{"query returns bindings with remaining time", []regStep{
			{m: msg{headers: []string{c1, "Expires: 600"}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=600"}},
			{m: msg{cseq: 2}, wait: 100 * time.Second, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=500"}},
		}},
		{"refresh keeps one binding", []regStep{
			{m: msg{headers: []string{c1, "Expires: 600"}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=600"}},
			{m: msg{cseq: 2, headers: []string{c1, "Expires: 600"}}, wait: time.Minute, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=600"}},
		}},
		{"unregister one contact", []regStep{
			{m: msg{headers: []string{c1, c2}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=3600", "<sip:101@10.0.0.6:5062>;expires=3600"}},
			{m: msg{cseq: 2, headers: []string{c1, "Expires: 0"}}, wantCode: 200, want: []string{"<sip:101@10.0.0.6:5062>;expires=3600"}},
		}},
		{"unregister all with star", []regStep{
			{m: msg{headers: []string{c1, c2}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=3600", "<sip:101@10.0.0.6:5062>;expires=3600"}},
			{m: msg{cseq: 2, headers: []string{"Contact: *", "Expires: 0"}}, wantCode: 200},
		}},
		{"star without expires 0 is 400", []regStep{
			{m: msg{headers: []string{"Contact: *", "Expires: 60"}}, wantCode: 400},
			{m: msg{headers: []string{"Contact: *", c1, "Expires: 0"}}, wantCode: 400},
		}},
		{"max contacts replaces the least recently refreshed", []regStep{
			{m: msg{callID: "a", headers: []string{c1}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=3600"}},
			{m: msg{callID: "b", headers: []string{c2}}, wait: time.Minute, wantCode: 200,
				want: []string{"<sip:101@10.0.0.5:5060>;expires=3540", "<sip:101@10.0.0.6:5062>;expires=3600"}},
			{m: msg{callID: "c", headers: []string{c3}}, wait: time.Minute, wantCode: 200,
				want: []string{"<sip:101@10.0.0.6:5062>;expires=3540", "<sip:101@10.0.0.7:5064>;expires=3600"}},
		}},
		{"more contacts than allowed in one request is 403", []regStep{
			{m: msg{headers: []string{c1, c2, c3}}, wantCode: 403},
		}},
		{"same call-id, lower cseq is 500 and changes nothing", []regStep{
			{m: msg{cseq: 5, headers: []string{c1, "Expires: 600"}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=600"}},
			{m: msg{cseq: 5, headers: []string{c1, c2, "Expires: 0"}}, wantCode: 500},
			{m: msg{cseq: 4, headers: []string{"Contact: *", "Expires: 0"}}, wantCode: 500},
			{m: msg{cseq: 6}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=600"}},
		}},
		{"other call-id may have any cseq", []regStep{
			{m: msg{cseq: 5, headers: []string{c1, "Expires: 600"}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=600"}},
			{m: msg{callID: "other", cseq: 1, headers: []string{c1, "Expires: 300"}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=300"}},
		}},
		{"bindings lapse", []regStep{
			{m: msg{headers: []string{c1 + ";expires=60", c2}}, wantCode: 200, want: []string{"<sip:101@10.0.0.5:5060>;expires=60", "<sip:101@10.0.0.6:5062>;expires=3600"}},
			{m: msg{cseq: 2}, wait: 61 * time.Second, wantCode: 200, want: []string{"<sip:101@10.0.0.6:5062>;expires=3539"}},
		}},
		{"bad expires is 400", []regStep{
			{m: msg{headers: []string{c1, "Expires: soon"}}, wantCode: 400},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRegFixture(t, nil)
			for i, s := range tt.steps {
				f.clock.Add(s.wait)
				res := f.register(t, s.m, "101", "secret101")
				if res.StatusCode != s.wantCode {
					t.Fatalf("step %d: status %d %s, want %d", i, res.StatusCode, res.Reason, s.wantCode)
				}
				if s.wantCode == 423 {
					if h := res.GetHeader("Min-Expires"); h == nil || h.Value() != "60" {
						t.Errorf("step %d: 423 without Min-Expires: 60:\n%s", i, res)
					}
				}
				if s.wantCode != 200 {
					continue
				}
				if diff := cmp.Diff(s.want, contactsOf(res)); diff != "" {
					t.Errorf("step %d: contacts mismatch (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestRegistrarOnlyOwnExtension(t *testing.T) {
	f := newRegFixture(t, nil)
	// 102 authenticates correctly but tries to register 101's extension.
	res := f.register(t, msg{user: "101", headers: []string{"Contact: <sip:evil@203.0.113.9>"}}, "102", "secret102")
	if res.StatusCode != 403 {
		t.Fatalf("registering someone else's extension: %d, want 403", res.StatusCode)
	}
	if bs := f.reg.Bindings("101"); len(bs) != 0 {
		t.Errorf("bindings of 101 after refused REGISTER: %v", bs)
	}
}

func TestRegistrarRecordsDevice(t *testing.T) {
	f := newRegFixture(t, nil)
	start := f.clock.Now()
	res := f.register(t, msg{src: "192.0.2.10:40000", headers: []string{"Contact: <sip:101@10.0.0.5:5060>", "Expires: 600"}}, "101", "secret101")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got, _ := res.Via().Params.Get("received"); got != "192.0.2.10" {
		t.Errorf("Via received = %q, want the NAT's address 192.0.2.10", got)
	}
	f.clock.Add(time.Minute)
	want := []Binding{{
		AOR: "101", Contact: "sip:101@10.0.0.5:5060", Source: netip.MustParseAddrPort("192.0.2.10:40000"),
		Transport: "udp", UserAgent: "TestPhone/1.0", CallID: "call-1", CSeq: 1,
		Registered: start, Expires: start.Add(600 * time.Second),
	}}
	if diff := cmp.Diff(want, f.reg.Bindings("101"), cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("bindings mismatch (-want +got):\n%s", diff)
	}
	if got := f.reg.Lookup("101", start.Add(601*time.Second)); len(got) != 0 {
		t.Errorf("lapsed binding still looked up: %v", got)
	}
}

func TestRegistrarOnChangeAndExpire(t *testing.T) {
	f := newRegFixture(t, nil)
	f.register(t, msg{headers: []string{"Contact: <sip:101@10.0.0.5>", "Expires: 60"}}, "101", "secret101")
	f.register(t, msg{user: "102", headers: []string{"Contact: <sip:102@10.0.0.6>", "Expires: 120"}}, "102", "secret102")
	f.register(t, msg{cseq: 2}, "101", "secret101") // a query changes nothing
	f.reg.Expire(f.clock.Now().Add(90 * time.Second))
	f.reg.Expire(f.clock.Now().Add(90 * time.Second)) // nothing left to lapse
	f.reg.Expire(f.clock.Now().Add(121 * time.Second))
	want := []string{"101:1", "102:1", "101:0", "102:0"}
	f.mu.Lock()
	defer f.mu.Unlock()
	if diff := cmp.Diff(want, f.changes); diff != "" {
		t.Errorf("OnChange calls mismatch (-want +got):\n%s", diff)
	}
}

func TestRegistrarSweeperStopsOnClose(t *testing.T) {
	changed := make(chan string, 1)
	f := newRegFixture(t, func(c *RegistrarConfig) {
		c.SweepInterval = time.Millisecond
		c.OnChange = func(aor string, bs []Binding) {
			if len(bs) == 0 {
				select {
				case changed <- aor:
				default:
				}
			}
		}
	})
	f.register(t, msg{headers: []string{"Contact: <sip:101@10.0.0.5>", "Expires: 60"}}, "101", "secret101")
	f.clock.Add(time.Hour)
	select {
	case aor := <-changed:
		if aor != "101" {
			t.Errorf("lapsed %q", aor)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sweeper did not remove the lapsed binding")
	}
	if err := f.reg.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRegistrarOptions(t *testing.T) {
	f := newRegFixture(t, nil)
	tx := newRecTx()
	f.reg.HandleOptions(msg{method: "OPTIONS"}.request(t), tx)
	if got := tx.last(t).StatusCode; got != 200 {
		t.Errorf("OPTIONS: %d, want 200", got)
	}
}
