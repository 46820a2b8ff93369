package sip

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// toneDevice is a device with a real RTP socket. On an INVITE it either
// sends 183 Session Progress with its SDP and plays a tone of earlyHz
// (a carrier's ringback) or, with earlyHz 0, rings with 180. When answer
// is closed it answers 200 with the same SDP and plays answerHz. A CANCEL
// stops its tone.
type toneDevice struct {
	*phone
	conn   *net.UDPConn
	answer chan struct{}

	mu        sync.Mutex
	cancelled bool
	stop      func() // stops the tone playing now
}

func newToneDevice(t *testing.T, earlyHz, answerHz float64) *toneDevice {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	m := &toneDevice{conn: conn, answer: make(chan struct{})}
	var early, answered *media.ToneGenerator
	if earlyHz > 0 {
		early = tone(t, earlyHz, 30*time.Second)
	}
	if answerHz > 0 {
		answered = tone(t, answerHz, 30*time.Second)
	}
	var sess *media.Session
	m.phone = newPhoneWith(t, func(p *phone) {
		p.rtp = conn.LocalAddr().(*net.UDPAddr).AddrPort()
		p.srv.OnInvite(func(req *gosip.Request, tx gosip.ServerTransaction) {
			offer, err := ParseSDP(req.Body())
			if err != nil {
				tx.Respond(gosip.NewResponseFromRequest(req, 400, "Bad SDP", nil))
				return
			}
			ans, n, err := (Local{Addr: p.rtp, Origin: Origin{Username: "callee", SessionID: 7, Version: 1},
				Codecs: []media.Codec{media.CodecPCMU}}).Answer(offer)
			if err != nil {
				tx.Respond(gosip.NewResponseFromRequest(req, 488, "Not Acceptable", nil))
				return
			}
			s, err := media.NewSession(conn, media.SessionConfig{Remote: n.Remote, Codec: n.Codec, NoRTCP: true})
			if err != nil {
				tx.Respond(gosip.NewResponseFromRequest(req, 500, "No media", nil))
				return
			}
			m.mu.Lock()
			sess = s
			m.mu.Unlock()
			cancelled := make(chan struct{})
			tx.OnCancel(func(*gosip.Request) {
				m.mu.Lock()
				m.cancelled = true
				m.mu.Unlock()
				m.play(s, nil)
				close(cancelled)
			})
			if earlyHz > 0 {
				res := sdpResponse(req, ans.Marshal(), p.addr)
				res.StatusCode, res.Reason = 183, "Session Progress"
				m.play(s, early)
				tx.Respond(res)
			} else {
				tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
			}
			select {
			case <-m.answer:
			case <-cancelled:
				return
			case <-tx.Done():
				return
			}
			m.play(s, answered)
			tx.Respond(sdpResponse(req, ans.Marshal(), p.addr))
		})
	})
	t.Cleanup(func() {
		m.mu.Lock()
		s := sess
		m.mu.Unlock()
		if s != nil {
			m.play(s, nil)
			s.Close()
		} else {
			conn.Close()
		}
	})
	return m
}

// play stops the tone playing and starts g (nil: silence).
func (m *toneDevice) play(s *media.Session, g *media.ToneGenerator) {
	m.mu.Lock()
	stop := m.stop
	m.stop = nil
	m.mu.Unlock()
	if stop != nil {
		stop()
	}
	if g == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		media.NewPlayer(s, media.PlayerConfig{}).Play(ctx, g)
	}()
	m.mu.Lock()
	m.stop = func() { cancel(); <-done }
	m.mu.Unlock()
}

func (m *toneDevice) wasCancelled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cancelled
}

// until reads the call's responses until one with status code, failing
// the test on a final response first.
func (c *outCall) until(code int) *gosip.Response {
	c.p.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case res := <-c.tx.Responses():
			c.codes = append(c.codes, res.StatusCode)
			if res.StatusCode == code {
				return res
			}
			if res.StatusCode >= 200 {
				c.p.t.Fatalf("got %d before %d", res.StatusCode, code)
			}
		case <-timeout:
			c.p.t.Fatalf("no %d in 10 s (got %v)", code, c.codes)
		}
	}
}

// listen starts the phone's RTP session towards the address in sdp.
func (p *rtpPhone) listen(sdp []byte) {
	p.t.Helper()
	ans, err := ParseSDP(sdp)
	if err != nil {
		p.t.Fatal(err)
	}
	n, err := ReadAnswer(ans, []media.Codec{media.CodecPCMU})
	if err != nil {
		p.t.Fatal(err)
	}
	p.s, err = media.NewSession(p.conn, media.SessionConfig{Remote: n.Remote, Codec: n.Codec, EventPayloadType: 101, NoRTCP: true})
	if err != nil {
		p.t.Fatal(err)
	}
}

// hearsTone fails the test unless the last 400 ms of what the phone hears
// in the next d is a tone of hz alone (not other).
func (p *rtpPhone) hearsTone(d time.Duration, hz, other float64, when string) {
	p.t.Helper()
	pcm := p.hear(d)
	pcm = pcm[len(pcm)-3200:]
	if lvl, o := media.ToneLevel(pcm, hz), media.ToneLevel(pcm, other); lvl < -16 || o > lvl-20 {
		p.t.Errorf("%s: phone hears %.0f Hz at %.1f dBm0 and %.0f Hz at %.1f, want the -10 dBm0 %.0f Hz tone alone", when, hz, lvl, other, o, hz)
	}
}

// A callee's 183 with SDP reaches the caller as a 183 with the PBX's SDP,
// and the callee's early tone before any 200; the 200 carries the same
// SDP, and the same bridge goes on with the answered call's audio.
func TestEarlyMediaBeforeAnswer(t *testing.T) {
	callee := newToneDevice(t, 1000, 600)
	p := pbxFor(t, Config{}, callee.phone)
	caller := newRTPPhone(t, 0)
	oc := caller.invite(p.addr, "201", (Local{Addr: caller.rtp, Codecs: []media.Codec{media.CodecPCMU}, EventPT: 101}).Offer().Marshal())
	prog := oc.until(183)
	if len(prog.Body()) == 0 {
		t.Fatal("183 to the caller has no SDP")
	}
	caller.listen(prog.Body())
	caller.hearsTone(time.Second, 1000, 600, "early media")
	c := <-p.calls
	if c.isAnswered() {
		t.Fatal("call answered before the callee's 200")
	}
	st, ok := c.BridgeStats()
	if !ok || st.B.Relayed == 0 {
		t.Errorf("bridge stats during early media = %+v, %v; want packets relayed from the callee", st, ok)
	}

	close(callee.answer)
	res := oc.wait()
	if res.StatusCode != 200 {
		t.Fatalf("caller got %d, want 200", res.StatusCode)
	}
	if string(res.Body()) != string(prog.Body()) {
		t.Errorf("200's SDP differs from the 183's:\n%s\nvs\n%s", res.Body(), prog.Body())
	}
	caller.hearsTone(time.Second, 600, 1000, "after the answer")
	if st2, _ := c.BridgeStats(); st2.A.SentSSRC != st.A.SentSSRC {
		t.Errorf("the caller's stream changed SSRC at the answer: %x → %x", st.A.SentSSRC, st2.A.SentSSRC)
	}
	if r := oc.bye(); r.StatusCode != 200 {
		t.Errorf("BYE: %d", r.StatusCode)
	}
	if e := p.ended(t); e.Outcome != OutcomeAnswered || e.Reason != "caller hung up" {
		t.Errorf("ended event = %+v, want answered, caller hung up", e)
	}
}

// Two devices ring: the first sends early media, the second answers. The
// caller hears the first's tone, then the second's through the same bridge
// (its callee side re-pointed), and the first is cancelled.
func TestEarlyMediaRepointedToAnsweringFork(t *testing.T) {
	early := newToneDevice(t, 1000, 0)
	other := newToneDevice(t, 0, 600)
	p := pbxFor(t, Config{}, early.phone, other.phone)
	caller := newRTPPhone(t, 0)
	oc := caller.invite(p.addr, "201", (Local{Addr: caller.rtp, Codecs: []media.Codec{media.CodecPCMU}, EventPT: 101}).Offer().Marshal())
	caller.listen(oc.until(183).Body())
	caller.hearsTone(time.Second, 1000, 600, "early media")

	close(other.answer)
	if res := oc.wait(); res.StatusCode != 200 {
		t.Fatalf("caller got %d, want 200", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "CANCEL at the early-media device", early.wasCancelled)
	caller.hearsTone(time.Second, 600, 1000, "after the other device answered")
	c := <-p.calls
	c.mu.Lock()
	winner := c.winner.device
	c.mu.Unlock()
	if want := other.binding("201").Contact; winner != want {
		t.Errorf("call connected to %s, want %s", winner, want)
	}
	oc.bye()
}

// The caller cancels during early media: it gets 487, the device a
// CANCEL, and the call (bridge, ports) is gone.
func TestEarlyMediaCancelled(t *testing.T) {
	callee := newToneDevice(t, 1000, 600)
	p := pbxFor(t, Config{}, callee.phone)
	caller := newRTPPhone(t, 0)
	oc := caller.invite(p.addr, "201", (Local{Addr: caller.rtp, Codecs: []media.Codec{media.CodecPCMU}, EventPT: 101}).Offer().Marshal())
	caller.listen(oc.until(183).Body())
	caller.hear(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := caller.cli.Do(ctx, cancelFor(oc.invite)); err != nil || res.StatusCode != 200 {
		t.Fatalf("CANCEL: %v %v", res, err)
	}
	if res := oc.wait(); res.StatusCode != 487 {
		t.Fatalf("caller got %d after CANCEL, want 487", res.StatusCode)
	}
	waitWithin(t, 5*time.Second, "CANCEL at the device", callee.wasCancelled)
	if e := p.ended(t); e.Outcome != OutcomeCancelled {
		t.Errorf("ended event = %+v, want cancelled", e)
	}
	waitWithin(t, 5*time.Second, "the call to go", func() bool { return p.b.Calls() == 0 })
	p.b.mu.Lock()
	held := len(p.b.held)
	p.b.mu.Unlock()
	if held != 0 {
		t.Errorf("%d RTP ports still held after the cancelled call", held)
	}
}
