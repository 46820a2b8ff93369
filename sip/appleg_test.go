package sip

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/media"
)

// rtpPhone is a caller with a real RTP socket: it offers PCMU and
// telephone-event 101, and once answered talks through a media.Session.
type rtpPhone struct {
	*phone
	conn *net.UDPConn
	s    *media.Session
}

func newRTPPhone(t *testing.T, answerCode int) *rtpPhone {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &rtpPhone{phone: newPhone(t, answerCode, 0), conn: conn}
	p.rtp = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	t.Cleanup(func() {
		if p.s != nil {
			p.s.Close()
		} else {
			conn.Close()
		}
	})
	return p
}

// call calls ext through the PBX, expects 200 and starts the phone's RTP
// session towards the address in the answer.
func (p *rtpPhone) call(pbx netip.AddrPort, ext string) *outCall {
	p.t.Helper()
	sdp := (Local{Addr: p.rtp, Codecs: []media.Codec{media.CodecPCMU}, EventPT: 101}).Offer().Marshal()
	oc := p.invite(pbx, ext, sdp)
	res := oc.wait()
	if res.StatusCode != 200 {
		p.t.Fatalf("call %s: status %d, want 200", ext, res.StatusCode)
	}
	ans, err := ParseSDP(res.Body())
	if err != nil {
		p.t.Fatal(err)
	}
	n, err := ReadAnswer(ans, []media.Codec{media.CodecPCMU})
	if err != nil {
		p.t.Fatal(err)
	}
	if n.EventPT != 101 {
		p.t.Errorf("answer's telephone-event payload type %d, want 101", n.EventPT)
	}
	p.s, err = media.NewSession(p.conn, media.SessionConfig{Remote: n.Remote, Codec: n.Codec, EventPayloadType: 101, NoRTCP: true})
	if err != nil {
		p.t.Fatal(err)
	}
	return oc
}

// hear reads d of the PBX's audio, decoded.
func (p *rtpPhone) hear(d time.Duration) []int16 {
	p.t.Helper()
	var pcm []int16
	buf := make([]byte, 1500)
	dec := make([]int16, 1500)
	p.s.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer p.s.SetReadDeadline(time.Time{})
	for len(pcm) < int(d/time.Millisecond)*media.SampleRate/1000 {
		pkt, err := p.s.ReadRTP(buf)
		if err != nil {
			p.t.Fatalf("phone heard %d samples, then: %v", len(pcm), err)
		}
		if pkt.Header.PayloadType != 0 {
			continue
		}
		n := media.DecodeULaw(dec, pkt.Payload)
		pcm = append(pcm, dec[:n]...)
	}
	return pcm
}

func tone(t *testing.T, hz float64, d time.Duration) *media.ToneGenerator {
	t.Helper()
	g, err := media.NewToneGenerator(media.TonePlan{Name: "test", Components: []media.ToneComponent{{Frequency: hz, Level: -10}}}, d)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// samples collects what a Record writes.
type samples struct {
	mu  sync.Mutex
	pcm []int16
}

func (s *samples) WriteSamples(src []int16) (int, error) {
	s.mu.Lock()
	s.pcm = append(s.pcm, src...)
	s.mu.Unlock()
	return len(src), nil
}

func appRouter(name string, app AppFunc) Router {
	return RouterFunc(func(context.Context, *Call) (Target, error) {
		return Target{App: app, AppName: name}, nil
	})
}

// The PBX answers, plays a 1 kHz tone the phone hears, receives the
// phone's RFC 4733 digits in order, records the phone's 400 Hz tone and
// hangs up with a BYE.
func TestAppLegPlaysHearsDigitsAndRecords(t *testing.T) {
	type result struct {
		digits string
		rec    []int16
		err    error
		leg    *AppLeg
	}
	got := make(chan result, 1)
	p := startPBX(t, Config{Router: appRouter("echo-test", func(ctx context.Context, leg *AppLeg) AppResult {
		var r result
		r.leg = leg
		defer func() { got <- r }()
		if r.err = leg.Play(ctx, tone(t, 1000, time.Second)); r.err != nil {
			return AppResult{}
		}
		for len(r.digits) < 3 {
			select {
			case d := <-leg.Digits():
				r.digits += string(d)
			case <-ctx.Done():
				r.err = ctx.Err()
				return AppResult{}
			case <-time.After(10 * time.Second):
				r.err = errors.New("no digits in 10 s")
				return AppResult{}
			}
		}
		// Record until the caller presses # again.
		recCtx, stop := context.WithCancel(ctx)
		go func() {
			defer stop()
			for {
				select {
				case d := <-leg.Digits():
					if d == '#' {
						return
					}
				case <-recCtx.Done():
					return
				}
			}
		}()
		var rec samples
		_, r.err = leg.Record(recCtx, &rec, 0)
		if errors.Is(r.err, context.Canceled) && ctx.Err() == nil {
			r.err = nil // ended by the #
		}
		r.rec = rec.pcm
		return AppResult{Reason: "done"}
	})})
	caller := newRTPPhone(t, 0)
	caller.call(p.addr, "*98")
	heard := caller.hear(600 * time.Millisecond)
	if lvl, other := media.ToneLevel(heard[1600:], 1000), media.ToneLevel(heard[1600:], 1400); lvl < -16 || other > lvl-20 {
		t.Errorf("phone hears 1 kHz at %.1f dBm0 and 1.4 kHz at %.1f, want the -10 dBm0 tone alone", lvl, other)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := caller.s.SendDigits(ctx, "7*#", media.DigitTiming{}); err != nil {
		t.Fatal(err)
	}
	if err := media.NewPlayer(caller.s, media.PlayerConfig{}).Play(ctx, tone(t, 400, time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := caller.s.SendDigits(ctx, "#", media.DigitTiming{}); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("application did not finish")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.digits != "7*#" {
		t.Errorf("application got digits %q, want 7*#", r.digits)
	}
	// The phone played 1 s of tone between the two #s; the recording holds
	// it, give or take a packet or two at either end.
	if len(r.rec) < 7200 || len(r.rec) > 12000 {
		t.Errorf("recorded %d samples, want about 8000 (the 1 s tone between the #s)", len(r.rec))
	} else if lvl, other := media.ToneLevel(r.rec[2000:6000], 400), media.ToneLevel(r.rec[2000:6000], 1000); lvl < -16 || other > lvl-20 {
		t.Errorf("recording has 400 Hz at %.1f dBm0 and 1 kHz at %.1f, want the phone's -10 dBm0 400 Hz alone", lvl, other)
	}
	if r.leg.Call.To != "*98" || r.leg.Name != "echo-test" || r.leg.Attempt.Outcome != OutcomeUnknown {
		t.Errorf("leg: to %q name %q attempt %+v", r.leg.Call.To, r.leg.Name, r.leg.Attempt)
	}
	waitWithin(t, 5*time.Second, "the application's BYE at the phone", func() bool { return caller.byeCount() == 1 })
	e := p.ended(t)
	if e.App != "echo-test" || e.Outcome != OutcomeAnswered || e.Reason != "done" || e.Answered.IsZero() {
		t.Errorf("ended event %+v: want answered by echo-test, reason done", e)
	}
	if diff := cmp.Diff([]CallState{CallAnswered, CallEnded}, p.states()); diff != "" {
		t.Errorf("call events (-want +got):\n%s", diff)
	}
	waitWithin(t, 5*time.Second, "the call to be released", func() bool { return p.b.Calls() == 0 })
}

// A BYE from the phone ends the application's context.
func TestAppLegCallerHangsUp(t *testing.T) {
	ended := make(chan error, 1)
	p := startPBX(t, Config{Router: appRouter("wait", func(ctx context.Context, leg *AppLeg) AppResult {
		var rec samples
		_, err := leg.Record(ctx, &rec, 0) // until the caller hangs up
		if err != nil && !errors.Is(err, context.Canceled) {
			ended <- err
			return AppResult{}
		}
		select {
		case <-ctx.Done():
			ended <- nil
		case <-time.After(5 * time.Second):
			ended <- errors.New("Record returned but the context goes on")
		}
		return AppResult{}
	})})
	caller := newRTPPhone(t, 0)
	call := caller.call(p.addr, "500")
	if res := call.bye(); res.StatusCode != 200 {
		t.Fatalf("BYE: %d", res.StatusCode)
	}
	select {
	case err := <-ended:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the application's context did not end on the caller's BYE")
	}
	if e := p.ended(t); e.Reason != "caller hung up" || e.App != "wait" {
		t.Errorf("ended %+v, want caller hung up from app wait", e)
	}
	if n := caller.byeCount(); n != 0 {
		t.Errorf("phone got %d BYEs after hanging up itself", n)
	}
}

// Hangup from the application sends the BYE and ends its context.
func TestAppLegHangup(t *testing.T) {
	ctxEnded := make(chan bool, 1)
	p := startPBX(t, Config{Router: appRouter("bye", func(ctx context.Context, leg *AppLeg) AppResult {
		leg.Hangup()
		select {
		case <-ctx.Done():
			ctxEnded <- true
		case <-time.After(5 * time.Second):
			ctxEnded <- false
		}
		return AppResult{Next: Target{App: AppFunc(func(context.Context, *AppLeg) AppResult {
			t.Error("Next ran after Hangup")
			return AppResult{}
		})}}
	})})
	caller := newRTPPhone(t, 0)
	caller.call(p.addr, "500")
	if !<-ctxEnded {
		t.Fatal("Hangup did not end the application's context")
	}
	waitWithin(t, 5*time.Second, "BYE at the phone", func() bool { return caller.byeCount() == 1 })
	if e := p.ended(t); e.Reason != "application hung up" {
		t.Errorf("ended %+v, want application hung up", e)
	}
}

// Busy, then NextStep sends the caller to voicemail: the application
// learns the attempt that failed.
func TestNextStepToAppAfterBusy(t *testing.T) {
	callee := newPhone(t, 486, 0)
	atts := make(chan Attempt, 1)
	vm := AppFunc(func(ctx context.Context, leg *AppLeg) AppResult {
		atts <- leg.Attempt
		return AppResult{Reason: "message left"}
	})
	p := pbxFor(t, Config{Next: func(_ context.Context, _ *Call, a Attempt) (Target, error) {
		if a.Outcome == OutcomeBusy {
			return Target{App: vm, AppName: "voicemail"}, nil
		}
		return Target{}, ErrUnavailable
	}}, callee)
	caller := newRTPPhone(t, 0)
	caller.call(p.addr, "201")
	a := <-atts
	if a.Outcome != OutcomeBusy || a.Status != 486 || len(a.Target.Bindings) != 1 {
		t.Errorf("voicemail learnt %+v, want the busy attempt (486) on the callee", a)
	}
	waitWithin(t, 5*time.Second, "BYE at the caller", func() bool { return caller.byeCount() == 1 })
	e := p.ended(t)
	if e.App != "voicemail" || e.Outcome != OutcomeAnswered || e.Reason != "message left" {
		t.Errorf("ended %+v, want answered by voicemail", e)
	}
	if diff := cmp.Diff([]CallState{CallRinging, CallAnswered, CallEnded}, p.states()); diff != "" {
		t.Errorf("call events (-want +got):\n%s", diff)
	}
}

// "Press 0 for the operator": the application hands the answered caller
// on to a phone; the caller's RTP then flows through a bridge on the same
// port, and the caller's BYE reaches the operator.
func TestAppHandsCallerOnToPhone(t *testing.T) {
	operator := newPhone(t, 200, 0)
	attendant := AppFunc(func(ctx context.Context, leg *AppLeg) AppResult {
		select {
		case d := <-leg.Digits():
			if d == '0' {
				return AppResult{Next: Target{Bindings: []Binding{operator.binding("200")}}}
			}
		case <-ctx.Done():
		}
		return AppResult{}
	})
	p := startPBX(t, Config{Router: appRouter("attendant", attendant)})
	caller := newRTPPhone(t, 0)
	call := caller.call(p.addr, "0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := caller.s.SendDigits(ctx, "0", media.DigitTiming{}); err != nil {
		t.Fatal(err)
	}
	c := <-p.calls
	waitWithin(t, 10*time.Second, "the operator to answer", func() bool { _, ok := c.BridgeStats(); return ok })
	go media.NewPlayer(caller.s, media.PlayerConfig{}).Play(ctx, tone(t, 400, 3*time.Second))
	waitWithin(t, 10*time.Second, "the caller's RTP through the bridge", func() bool {
		s, ok := c.BridgeStats()
		return ok && s.A.Relayed >= 10
	})
	cancel()
	if res := call.bye(); res.StatusCode != 200 {
		t.Fatalf("BYE: %d", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "BYE at the operator", func() bool { return operator.byeCount() == 1 })
	e := p.ended(t)
	if e.App != "" || e.Device != operator.binding("200").Contact || e.Reason != "caller hung up" {
		t.Errorf("ended %+v, want the operator's device, caller hung up", e)
	}
	if diff := cmp.Diff([]CallState{CallAnswered, CallRinging, CallAnswered, CallEnded}, p.states()); diff != "" {
		t.Errorf("call events (-want +got):\n%s", diff)
	}
}

// The hand-over fails (the operator is busy) and NextStep gives up: the
// caller, already answered, gets a BYE rather than a final response.
func TestAppHandOverFailsHangsUp(t *testing.T) {
	operator := newPhone(t, 486, 0)
	p := startPBX(t, Config{Router: appRouter("attendant", func(context.Context, *AppLeg) AppResult {
		return AppResult{Next: Target{Bindings: []Binding{operator.binding("200")}}}
	})})
	caller := newRTPPhone(t, 0)
	caller.call(p.addr, "0")
	waitWithin(t, 5*time.Second, "BYE at the caller", func() bool { return caller.byeCount() == 1 })
	if e := p.ended(t); e.Reason != "hand-over busy" || e.Outcome != OutcomeAnswered {
		t.Errorf("ended %+v, want answered, hand-over busy", e)
	}
}

// The caller holds while the application runs: the PBX answers the
// re-INVITE itself (recvonly), keeping the codec.
func TestAppLegHold(t *testing.T) {
	holding := make(chan struct{})
	p := startPBX(t, Config{Router: appRouter("hold", func(ctx context.Context, leg *AppLeg) AppResult {
		select {
		case <-holding:
		case <-ctx.Done():
		}
		return AppResult{}
	})})
	caller := newRTPPhone(t, 0)
	call := caller.call(p.addr, "500")
	offer := (Local{Addr: caller.rtp, Codecs: []media.Codec{media.CodecPCMA, media.CodecPCMU}, EventPT: 101,
		Direction: DirectionSendOnly, Origin: Origin{Version: 2}}).Offer().Marshal()
	req := call.inDialog("INVITE", call.invite.CSeq().SeqNo+1)
	req.AppendHeader(call.invite.Contact())
	req.AppendHeader(call.invite.GetHeader("Content-Type"))
	req.SetBody(offer)
	res := call.do(req)
	close(holding)
	if res.StatusCode != 200 {
		t.Fatalf("hold re-INVITE: %d", res.StatusCode)
	}
	caller.cli.WriteRequest(call.inDialog("ACK", req.CSeq().SeqNo))
	ans, err := ParseSDP(res.Body())
	if err != nil {
		t.Fatal(err)
	}
	m := ans.Audio()
	if m.Direction != DirectionRecvOnly || len(m.Formats) == 0 || m.Formats[0] != "0" {
		t.Errorf("hold answered %v with formats %v, want recvonly keeping PCMU (0)", m.Direction, m.Formats)
	}
	waitWithin(t, 5*time.Second, "BYE at the caller", func() bool { return caller.byeCount() == 1 })
}

// Close ends a call an application is running: BYE to the caller, and
// the application's context ends.
func TestAppLegCloseEndsCall(t *testing.T) {
	running := make(chan struct{})
	p := startPBX(t, Config{Router: appRouter("wait", func(ctx context.Context, leg *AppLeg) AppResult {
		close(running)
		<-ctx.Done()
		return AppResult{}
	})})
	caller := newRTPPhone(t, 0)
	caller.call(p.addr, "500")
	c := <-p.calls
	<-running
	waitWithin(t, 5*time.Second, "the caller's ACK to confirm the dialog", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.a.confirmed
	})
	p.b.Close() // returns only once the application has returned
	waitWithin(t, 5*time.Second, "BYE at the caller", func() bool { return caller.byeCount() == 1 })
	if e := p.ended(t); e.Reason != "shutdown" || e.App != "wait" {
		t.Errorf("ended %+v, want shutdown", e)
	}
}

// Passing a packet from the receive loop to a recording allocates
// nothing.
func TestPacketSourceNoAllocs(t *testing.T) {
	done := make(chan struct{})
	s := newPacketSource(done)
	s.start()
	p := media.Packet{Payload: make([]byte, 160)}
	buf := make([]byte, 1500)
	if n := testing.AllocsPerRun(100, func() {
		s.push(&p)
		if _, err := s.ReadRTP(buf); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("push and ReadRTP: %v allocations per packet, want 0", n)
	}
}

func BenchmarkPacketSource(b *testing.B) {
	s := newPacketSource(make(chan struct{}))
	s.start()
	p := media.Packet{Payload: make([]byte, 160)}
	buf := make([]byte, 1500)
	b.ReportAllocs()
	for b.Loop() {
		s.push(&p)
		if _, err := s.ReadRTP(buf); err != nil {
			b.Fatal(err)
		}
	}
}
