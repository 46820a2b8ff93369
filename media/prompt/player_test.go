package prompt

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/media"
)

func listenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort {
	a := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

func newSession(t testing.TB, conn *net.UDPConn, remote netip.AddrPort) *media.Session {
	t.Helper()
	s, err := media.NewSession(conn, media.SessionConfig{Codec: media.CodecPCMU, Remote: remote, NoRTCP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// countPackets reads what arrived at c until it has been quiet for 200 ms.
func countPackets(t *testing.T, c *net.UDPConn) int {
	t.Helper()
	buf := make([]byte, 1500)
	n := 0
	for {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Read(buf); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return n
			}
			t.Fatal(err)
		}
		n++
	}
}

// TestPlayerBargeIn plays into a real session whose media.Player does not
// sleep: its Wait hook stands for the clock, and presses a key while the
// player waits to send a given frame.
func TestPlayerBargeIn(t *testing.T) {
	cat := newCatalog(t, CatalogConfig{})
	ph, err := NewBuilder(English{}).Say("vm-you-have").Number(3).Pause(100*time.Millisecond).Say("vm-new", "vm-messages").Phrase()
	if err != nil {
		t.Fatal(err)
	}
	// Where each item starts, in samples.
	var starts []int
	total := 0
	for _, it := range ph.Items {
		starts = append(starts, total)
		if it.Prompt == "" {
			total += int(it.Pause * media.SampleRate / time.Second)
			continue
		}
		s, err := cat.Load("en", "", it.Prompt)
		if err != nil {
			t.Fatal(err)
		}
		total += len(s.Samples)
	}
	itemAt := func(sample int) int {
		i := 0
		for i+1 < len(starts) && starts[i+1] <= sample {
			i++
		}
		return i
	}
	allFrames := (total + media.FrameSamples - 1) / media.FrameSamples

	tests := []struct {
		name      string
		early     bool // a key waiting before Play starts
		pressAt   int  // press while waiting for this frame; 0 for none
		want      Result
		sent      int
		leftInBox int // keys still in the channel afterwards
	}{
		{name: "to the end", want: Result{Item: len(ph.Items), Played: time.Duration(allFrames) * media.FrameDuration}, sent: allFrames},
		{name: "key in frame 10", pressAt: 10, want: Result{Digit: '5', Item: itemAt(11 * media.FrameSamples), Played: 11 * media.FrameDuration}, sent: 11},
		{name: "key in the pause", pressAt: starts[2]/media.FrameSamples + 2,
			want: Result{Digit: '5', Item: 2, Played: time.Duration(starts[2]/media.FrameSamples+3) * media.FrameDuration}, sent: starts[2]/media.FrameSamples + 3},
		{name: "type-ahead", early: true, want: Result{Digit: '5', Item: 0, Played: 0}, sent: 0},
		{name: "key after the end", pressAt: allFrames, want: Result{Item: len(ph.Items), Played: time.Duration(allFrames) * media.FrameDuration}, sent: allFrames, leftInBox: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := listenUDP(t)
			s := newSession(t, listenUDP(t), addrOf(peer))
			digits := make(chan rune, 1)
			if tt.early {
				digits <- '5'
			}
			start := time.Unix(1000, 0)
			now := start
			frame := 0
			out := media.NewPlayer(s, media.PlayerConfig{
				Clock: func() time.Time { return now },
				Wait: func(ctx context.Context, until time.Time) error {
					frame = int(until.Sub(start) / media.FrameDuration)
					if tt.pressAt != 0 && frame == tt.pressAt {
						digits <- '5'
					}
					now = until
					return nil
				},
			})
			got, err := NewPlayer(cat, out).Play(context.Background(), ph, digits)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Result mismatch (-want +got):\n%s", diff)
			}
			if n := countPackets(t, peer); n != tt.sent {
				t.Errorf("%d packets sent, want %d", n, tt.sent)
			}
			if len(digits) != tt.leftInBox {
				t.Errorf("%d keys left in the channel, want %d", len(digits), tt.leftInBox)
			}
		})
	}
}

func TestPlayerMissingPrompt(t *testing.T) {
	cat := newCatalog(t, CatalogConfig{})
	called := false
	out := OutputFunc(func(ctx context.Context, r media.SampleReader) error { called = true; return nil })
	ph := Phrase{Lang: "en", Items: []Item{{Prompt: "vm-goodbye"}, {Prompt: "vm-nope"}}}
	_, err := NewPlayer(cat, out).Play(context.Background(), ph, nil)
	if !errors.Is(err, ErrNotFound) || called {
		t.Errorf("Play = %v (output called %v), want ErrNotFound before playing", err, called)
	}
}

func TestPlayerContext(t *testing.T) {
	cat := newCatalog(t, CatalogConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	out := OutputFunc(func(ctx context.Context, r media.SampleReader) error {
		buf := make([]int16, media.FrameSamples)
		r.ReadSamples(buf)
		cancel()
		return ctx.Err()
	})
	ph, _ := NewBuilder(English{}).Say("vm-main-menu").Phrase()
	got, err := NewPlayer(cat, out).Play(ctx, ph, nil)
	if !errors.Is(err, context.Canceled) || got.Played != media.FrameDuration || got.Item != 0 {
		t.Errorf("Play = %+v, %v; want one frame and context.Canceled", got, err)
	}
}

// TestPlayerFrameAllocs checks the per-frame path, the phrase reader that
// media.Player pulls 20 ms at a time, allocates nothing.
func TestPlayerFrameAllocs(t *testing.T) {
	cat := newCatalog(t, CatalogConfig{})
	ph, _ := NewBuilder(English{}).Say("vm-main-menu").Pause(time.Second).Say("vm-goodbye").Phrase()
	var r phraseReader
	digits := make(chan rune, 1)
	if err := r.reset(cat, ph, digits); err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, media.FrameSamples)
	allocs := testing.AllocsPerRun(500, func() {
		if _, err := r.ReadSamples(buf); err != nil {
			r.reset(cat, ph, digits)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}

// TestPlayerOverRTP plays a phrase from one session to another on
// loopback, in real time: the far end hears exactly the prompts' samples
// (µ-law survives the round trip) and silence in the pause.
func TestPlayerOverRTP(t *testing.T) {
	cat := newCatalog(t, CatalogConfig{})
	ca, cb := listenUDP(t), listenUDP(t)
	alice := newSession(t, ca, addrOf(cb))
	bob := newSession(t, cb, addrOf(ca))
	ph, err := NewBuilder(English{}).Say("beep").Pause(300 * time.Millisecond).Digits("5").Phrase()
	if err != nil {
		t.Fatal(err)
	}
	beep, _ := cat.Load("en", "", "beep")
	five, _ := cat.Load("en", "", "digit-5")
	var want []int16
	want = append(want, beep.Samples...)
	want = append(want, make([]int16, 300*media.SampleRate/1000)...)
	want = append(want, five.Samples...)
	want = append(want, make([]int16, (media.FrameSamples-len(want)%media.FrameSamples)%media.FrameSamples)...)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []int16
	recCtx, stop := context.WithCancel(ctx)
	rec := media.NewRecorder(bob, media.SampleWriterFunc(func(s []int16) (int, error) {
		got = append(got, s...)
		if len(got) >= len(want) {
			stop()
		}
		return len(s), nil
	}), media.RecorderConfig{})
	done := make(chan error, 1)
	go func() { _, err := rec.Record(recCtx); done <- err }()

	res, err := NewPlayer(cat, media.NewPlayer(alice, media.PlayerConfig{})).Play(ctx, ph, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("record: %v (got %d of %d samples)", err, len(got), len(want))
	}
	if res.Played != time.Duration(len(want)/media.FrameSamples)*media.FrameDuration {
		t.Errorf("Played %v for %d samples", res.Played, len(want))
	}
	if len(got) != len(want) {
		t.Fatalf("received %d samples, want %d", len(got), len(want))
	}
	// Energy where the prompts are, silence in the pause, and the very
	// samples of the prompt files.
	b := len(beep.Samples)
	if lvl := media.ToneLevel(got[:b], 1000); lvl < -8 {
		t.Errorf("beep heard at %.1f dBm0", lvl)
	}
	if r := rms(got[b : b+2400]); r != 0 {
		t.Errorf("pause has RMS %.0f, want silence", r)
	}
	if r := rms(got[b+2400:]); r < 500 {
		t.Errorf("\"five\" has RMS %.0f", r)
	}
	if !cmp.Equal(want, got) {
		t.Errorf("received audio differs from the prompt files")
	}
}

// TestPlayerRTPDigit has the far end press a key (RFC 4733) in the middle
// of a long menu: the near end's DTMF receiver, fed by its recorder, stops
// the menu.
func TestPlayerRTPDigit(t *testing.T) {
	cat := newCatalog(t, CatalogConfig{})
	ca, cb := listenUDP(t), listenUDP(t)
	alice := newSession(t, ca, addrOf(cb))
	bob := newSession(t, cb, addrOf(ca))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Alice listens for keys: recorder → DTMF receiver → channel.
	digits := make(chan rune, 4)
	recv, err := media.NewDTMFReceiver(DigitSink(digits), media.DTMFReceiverConfig{})
	if err != nil {
		t.Fatal(err)
	}
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	go media.NewRecorder(alice, media.SampleWriterFunc(func(s []int16) (int, error) { return len(s), nil }),
		media.RecorderConfig{OnEvent: func(p media.Packet) {
			recv.Receive(p.Header.Timestamp, p.Header.Marker, p.Payload, time.Now())
		}}).Record(listenCtx)

	// Bob presses 7 once he has heard half a second of the menu.
	heard := make(chan struct{})
	go func() {
		n := 0
		media.NewRecorder(bob, media.SampleWriterFunc(func(s []int16) (int, error) {
			if n < 4000 && n+len(s) >= 4000 {
				close(heard)
			}
			n += len(s)
			return len(s), nil
		}), media.RecorderConfig{}).Record(listenCtx)
	}()
	go func() {
		select {
		case <-heard:
			bob.SendDigits(ctx, "7", media.DigitTiming{})
		case <-ctx.Done():
		}
	}()

	menu, _ := cat.Load("en", "", "vm-message-menu")
	ph, _ := NewBuilder(English{}).Say("vm-message-menu").Phrase()
	res, err := NewPlayer(cat, media.NewPlayer(alice, media.PlayerConfig{})).Play(ctx, ph, digits)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digit != '7' || res.Item != 0 || res.Played < 500*time.Millisecond || res.Played >= menu.Duration() {
		t.Errorf("Play = %+v; want cut short by 7 after 0.5 s of a %v menu", res, menu.Duration())
	}
}
