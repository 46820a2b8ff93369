package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/telekit/telekit/media"
)

// App is a telephone application the PBX runs on a call it answers
// itself: voicemail, a feature-code confirmation, an announcement, an auto
// attendant. A Target with App set, from the Router or from NextStep,
// makes the B2BUA answer the caller and call Serve.
type App interface {
	// Serve runs the application on leg until it is done, and says what
	// happens next. ctx ends when the caller hangs up, the application
	// calls leg.Hangup, or the B2BUA closes; Serve must then return
	// promptly, and leave no goroutine using leg: the leg's media session
	// closes when Serve returns. Serve runs in the caller's INVITE
	// goroutine.
	Serve(ctx context.Context, leg *AppLeg) AppResult
}

// AppFunc adapts a function to App.
type AppFunc func(ctx context.Context, leg *AppLeg) AppResult

// Serve calls f.
func (f AppFunc) Serve(ctx context.Context, leg *AppLeg) AppResult { return f(ctx, leg) }

// AppResult is what an App wants once it is done.
type AppResult struct {
	// Next, when it names Bindings or an App, is where the caller goes
	// next, still connected: the devices are rung with a fresh INVITE and,
	// when one answers, the caller's media moves from the application to a
	// bridge with it ("press 0 for the operator", an announcement then
	// ring). If that attempt fails, NextStep decides as usual; an error
	// from it ends the call with a BYE. The zero Target hangs up.
	Next Target
	// Reason says why the call ends when Next is empty, for
	// CallEvent.Reason; empty means "application hung up".
	Reason string
}

// AppLeg is the caller's side of a call the PBX answered itself, as an App
// sees it: the call, its media session, the digits the caller presses.
// Play, Record and SendDigits may be used from any goroutine, but one
// Play or SendDigits at a time and one Record at a time; Record and the
// digits may run beside Play.
type AppLeg struct {
	// Call is the call answered; its fields say who calls whom.
	Call *Call
	// Name is the application's name, Target.AppName.
	Name string
	// Attempt is the last ring attempt of this call that did not connect
	// (busy, no answer…), which NextStep answered with this App; its
	// Outcome is OutcomeUnknown when nothing was rung before (the Router
	// chose the App). Voicemail picks its busy or unavailable greeting
	// from it.
	Attempt Attempt

	s      *media.Session
	c      *Call
	digits chan byte
	src    *packetSource
	done   chan struct{} // closed when the receive loop ends

	hangup func() // what Hangup does on a callee's leg (Confirmer); nil: end the call

	sendMu sync.Mutex // one Play or SendDigits at a time
	player *media.Player
	recMu  sync.Mutex // one Record at a time
}

// appDigitBuffer is how many key presses wait for the App to read them;
// more are dropped (and logged).
const appDigitBuffer = 32

// Session returns the leg's RTP session, for what the helpers do not
// cover (statistics, the codec). Do not call its ReadRTP: the leg's
// receive loop owns it.
func (l *AppLeg) Session() *media.Session { return l.s }

// Digits returns the keys the caller presses ('0'–'9', '*', '#',
// 'A'–'D'), received as RFC 4733 telephone-events, in order, one per key
// press when it goes down. The channel is never closed: select on it with
// the Serve context.
func (l *AppLeg) Digits() <-chan byte { return l.digits }

// Play sends r's audio (8 kHz linear) to the caller, paced at 20 ms a
// packet, and returns when it has been played, or with ctx's error.
func (l *AppLeg) Play(ctx context.Context, r media.SampleReader) error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	return l.player.Play(ctx, r)
}

// SendDigits sends digits to the caller as RFC 4733 events (see
// media.Session.SendDigits), with the default timing.
func (l *AppLeg) SendDigits(ctx context.Context, digits string) error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	return l.s.SendDigits(ctx, digits, media.DigitTiming{})
}

// Record writes the caller's audio, decoded to 8 kHz linear, to w until
// ctx is done (it returns ctx.Err()), maxDur of audio has been written
// (zero: no limit; it returns nil), the call ends (nil) or w fails. Lost
// packets are filled with silence so the recording keeps the call's
// timing. The caller's key presses still arrive on Digits meanwhile, so
// "press # to finish" is a select on Digits that cancels ctx. It returns
// the number of samples written.
func (l *AppLeg) Record(ctx context.Context, w media.SampleWriter, maxDur time.Duration) (int64, error) {
	l.recMu.Lock()
	defer l.recMu.Unlock()
	l.src.start()
	defer l.src.stop()
	rec := media.NewRecorder(l.s, w, media.RecorderConfig{Source: l.src, MaxDuration: maxDur})
	return rec.Record(ctx)
}

// Hangup ends the call with a BYE to the caller; the Serve context ends.
// On a callee's leg given to a Confirmer it declines instead: the callee
// gets the BYE and the Confirm context ends. Safe to call more than once
// and from any goroutine.
func (l *AppLeg) Hangup() {
	if l.hangup != nil {
		l.hangup()
		return
	}
	l.c.hangup("application hung up", nil)
}

// receive is the leg's one reader of the session: key presses go to
// Digits, audio to a Record in progress.
func (l *AppLeg) receive() {
	defer close(l.done)
	log := l.c.b.log
	rx, err := media.NewDTMFReceiver(func(r media.DTMFReport) {
		if r.End {
			return
		}
		d := r.Event.Digit()
		if d == 0 {
			return
		}
		select {
		case l.digits <- d:
		default:
			log.Info("sip: app: key press dropped, the application is not reading digits", "call", l.c.ID, "digit", string(d))
		}
	}, media.DTMFReceiverConfig{})
	if err != nil {
		log.Warn("sip: app: DTMF receiver", "call", l.c.ID, "err", err)
		return
	}
	evPT := l.s.EventPayloadType()
	buf := make([]byte, 1500)
	for {
		p, err := l.s.ReadRTP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Debug("sip: app: read RTP", "call", l.c.ID, "err", err)
			continue
		}
		if p.Header.PayloadType == evPT {
			if err := rx.Receive(p.Header.Timestamp, p.Header.Marker, p.Payload, p.Arrival); err != nil {
				log.Debug("sip: app: telephone-event", "call", l.c.ID, "err", err)
			}
			continue
		}
		rx.Tick(p.Arrival)
		l.src.push(&p)
	}
}

// runApp answers the caller (unless an earlier application did) and runs
// t.App on the caller's leg. It returns the Target to go on with, and
// false when the call is over.
func (c *Call) runApp(t Target, why Attempt) (Target, bool) {
	b := c.b
	name := t.AppName
	if name == "" {
		name = "app"
	}
	c.mu.Lock()
	if c.ended || c.ctx.Err() != nil {
		c.mu.Unlock()
		c.endUnanswered(487, "Request Terminated", OutcomeCancelled)
		return Target{}, false
	}
	late := c.lateOffer
	c.mu.Unlock()
	if late {
		// Answer with our offer first: the session needs the caller's
		// answer, which comes in the ACK.
		if !c.answerHere(name) || !c.waitOfferAnswered() {
			c.hangup("cancelled", nil) // a no-op when the call already ended
			return Target{}, false
		}
	}
	c.mu.Lock()
	neg, conn := c.negA, c.rtpA
	c.mu.Unlock()
	s, err := media.NewSession(conn, media.SessionConfig{Remote: neg.Remote, Codec: neg.Codec, EventPayloadType: neg.EventPT,
		SSRC: rand.Uint32() | 1, Latch: b.latch, RTCPMux: neg.RTCPMux, NoRTCP: !neg.RTCPMux, Logger: b.log, Clock: b.now})
	if err != nil {
		b.log.Warn("sip: app: media session", "call", c.ID, "err", err)
		c.endUnanswered(500, "Server Internal Error", OutcomeUnavailable)
		return Target{}, false
	}
	done := make(chan struct{})
	leg := &AppLeg{Call: c, Name: name, Attempt: why, s: s, c: c, digits: make(chan byte, appDigitBuffer),
		src: newPacketSource(done), done: done, player: media.NewPlayer(s, media.PlayerConfig{})}
	c.mu.Lock()
	c.app = leg
	c.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		leg.receive()
	}()
	if !late && !c.answerHere(name) {
		s.Close()
		<-leg.done
		return Target{}, false
	}

	ctx, cancel := context.WithCancel(c.ctx)
	res := t.App.Serve(ctx, leg)
	cancel()
	port := s.LocalAddr()
	s.Close()
	<-leg.done
	c.mu.Lock()
	c.app = nil
	ended := c.ended
	c.mu.Unlock()
	if ended {
		return Target{}, false
	}
	if res.Next.empty() {
		why := res.Reason
		if why == "" {
			why = "application hung up"
		}
		c.hangup(why, nil)
		return Target{}, false
	}
	// The session closed the caller's socket; take the same port again so
	// the caller's SDP stays true for the bridge.
	// TODO: on failure (another process took the port in this instant) a
	// re-INVITE to the caller with a new port would save the call.
	nc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(port))
	if err != nil {
		b.log.Warn("sip: app: rebind RTP port for the hand-over", "call", c.ID, "port", port, "err", err)
		c.hangup("media failed", nil)
		return Target{}, false
	}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		nc.Close()
		return Target{}, false
	}
	c.rtpA = nc
	c.mu.Unlock()
	return res.Next, true
}

// answerHere sends our 200 to the caller's INVITE for application name,
// unless an earlier application already answered; it reports whether
// the call goes on.
func (c *Call) answerHere(name string) bool {
	b := c.b
	c.mu.Lock()
	c.ev.App, c.ev.Device = name, ""
	if c.answered {
		ev := c.ev
		c.mu.Unlock()
		ev.State = CallAnswered
		b.emit(ev)
		return true
	}
	c.answered = true
	if c.lateOffer {
		c.offerCaller(media.CodecUnknown) // the caller's ACK answers it
	}
	return c.send200(nil)
}

// reinviteHere answers a re-INVITE from the caller when no callee leg
// exists (an application answered, or is handing the call on): hold,
// unhold, a new address or a session refresh, keeping the codec in use.
func (c *Call) reinviteHere(l *leg, req *gosip.Request, tx gosip.ServerTransaction) {
	b := c.b
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reinviting {
		b.respond(tx, b.response(req, 491, "Request Pending", l.localTag, nil))
		return
	}
	me := side{l: c.a, neg: &c.negA, local: &c.localA}
	cseq := req.CSeq().SeqNo
	if len(req.Body()) == 0 {
		c.finishReinvite(me, req, tx, b.response(req, 200, "OK", l.localTag, c.lastSDP(me)), cseq)
		return
	}
	offer, err := ParseSDP(req.Body())
	if err != nil {
		b.respond(tx, b.response(req, 400, "Bad Request", l.localTag, nil))
		return
	}
	ml := c.localA
	ml.Codecs = []media.Codec{c.negA.Codec} // the application's session cannot change codec
	ml.Origin.Version++
	ans, n, err := ml.Answer(offer)
	if err != nil {
		b.respond(tx, b.response(req, 488, "Not Acceptable Here", l.localTag, nil))
		return
	}
	c.localA.Origin.Version = ml.Origin.Version
	keepRemote(&c.negA, n)
	c.answerA = ans
	if c.app != nil && !unspecified(n.Remote) {
		c.app.s.Relearn(n.Remote)
	}
	c.finishReinvite(me, req, tx, b.response(req, 200, "OK", l.localTag, ans.Marshal()), cseq)
}

// packetSource hands audio packets from an AppLeg's receive loop to a
// media.Recorder, as a media.PacketReader. Packets are copied into a small
// ring of buffers; when the recorder falls behind, new packets are
// dropped (the recorder fills the gap with silence). Nothing is allocated
// per packet.
type packetSource struct {
	on    atomic.Bool
	ready chan *packetSlot
	free  chan *packetSlot
	timer *time.Timer

	closed <-chan struct{} // the receive loop ended: the call is over

	mu       sync.Mutex
	deadline time.Time
	wake     chan struct{} // closed when the deadline changes
}

type packetSlot struct {
	p   media.Packet
	buf [1500]byte
}

// packetRing is how many packets may wait for the recorder: 320 ms.
const packetRing = 16

func newPacketSource(closed <-chan struct{}) *packetSource {
	s := &packetSource{closed: closed, ready: make(chan *packetSlot, packetRing), free: make(chan *packetSlot, packetRing),
		wake: make(chan struct{}), timer: time.NewTimer(time.Hour)}
	s.timer.Stop()
	for range packetRing {
		s.free <- &packetSlot{}
	}
	return s
}

// start begins passing packets on, dropping any left from before.
func (s *packetSource) start() {
	s.drain()
	s.on.Store(true)
}

// stop stops passing packets on.
func (s *packetSource) stop() {
	s.on.Store(false)
	s.drain()
}

func (s *packetSource) drain() {
	for {
		select {
		case sl := <-s.ready:
			s.free <- sl
		default:
			return
		}
	}
}

// push queues a copy of p for the recorder, if one is recording.
func (s *packetSource) push(p *media.Packet) {
	if !s.on.Load() {
		return
	}
	var sl *packetSlot
	select {
	case sl = <-s.free:
	default:
		return // the recorder is behind: drop
	}
	n := copy(sl.buf[:], p.Payload)
	sl.p = *p
	sl.p.Header.CSRC, sl.p.Header.Extensions = nil, nil
	sl.p.Payload = sl.buf[:n]
	s.ready <- sl
}

// ReadRTP returns the next queued packet, its payload copied into buf.
func (s *packetSource) ReadRTP(buf []byte) (media.Packet, error) {
	for {
		s.mu.Lock()
		dl, wake := s.deadline, s.wake
		s.mu.Unlock()
		var expired <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return media.Packet{}, os.ErrDeadlineExceeded
			}
			s.timer.Reset(d)
			expired = s.timer.C
		}
		select {
		case sl := <-s.ready:
			s.timer.Stop()
			p := sl.p
			p.Payload = buf[:copy(buf, sl.p.Payload)]
			s.free <- sl
			return p, nil
		case <-wake:
			s.timer.Stop()
		case <-expired:
			return media.Packet{}, os.ErrDeadlineExceeded
		case <-s.closed:
			s.timer.Stop()
			return media.Packet{}, net.ErrClosed
		}
	}
}

// SetReadDeadline sets when a blocked ReadRTP gives up; a zero time means
// never.
func (s *packetSource) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	s.deadline = t
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	return nil
}

var _ media.PacketReader = (*packetSource)(nil)
