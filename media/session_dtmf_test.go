package media

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSendDigitsReachesReceiver sends keys from one session and decodes them
// at the other through the recorder's event hook and a DTMFReceiver, as the
// voicemail menu will.
func TestSendDigitsReachesReceiver(t *testing.T) {
	ca, cb := listenUDP(t), listenUDP(t)
	a := newSession(t, ca, SessionConfig{Remote: addrOf(cb), NoRTCP: true, EventPayloadType: 96})
	b := newSession(t, cb, SessionConfig{Remote: addrOf(ca), NoRTCP: true, EventPayloadType: 96})

	var mu sync.Mutex
	var got []string
	rx, err := NewDTMFReceiver(func(r DTMFReport) {
		mu.Lock()
		defer mu.Unlock()
		if !r.End {
			got = append(got, r.Event.String())
		}
	}, DTMFReceiverConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := NewRecorder(b, SampleWriterFunc(func(s []int16) (int, error) { return len(s), nil }), RecorderConfig{
		OnEvent: func(p Packet) {
			if err := rx.Receive(p.Header.Timestamp, p.Header.Marker, p.Payload, p.Arrival); err != nil {
				t.Errorf("receive: %v", err)
			}
		},
	})
	recDone := make(chan error, 1)
	go func() { _, err := rec.Record(ctx); recDone <- err }()

	ts0 := a.Timestamp()
	timing := DigitTiming{Tone: 60 * time.Millisecond, Gap: 40 * time.Millisecond, Pause: 100 * time.Millisecond}
	start := time.Now()
	if err := a.SendDigits(ctx, "12,#*", timing); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	waitFor(t, "four digits", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 4 })
	cancel()
	<-recDone

	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"1", "2", "#", "*"}, got); diff != "" {
		t.Errorf("digits (-want +got):\n%s", diff)
	}
	// The audio clock advanced by the time the digits took, within a
	// frame or two of scheduling slack either way.
	adv := time.Duration(a.Timestamp()-ts0) * time.Second / SampleRate
	if d := adv - elapsed; d < -60*time.Millisecond || d > 60*time.Millisecond {
		t.Errorf("audio clock advanced %v over %v of sending", adv, elapsed)
	}
}

func TestSendDigitsRejectsBadKeysBeforeSending(t *testing.T) {
	ca, cb := listenUDP(t), listenUDP(t)
	a := newSession(t, ca, SessionConfig{Remote: addrOf(cb), NoRTCP: true})
	ts0 := a.Timestamp()
	err := a.SendDigits(context.Background(), "12x3", DigitTiming{})
	if err == nil || !strings.Contains(err.Error(), `'x' at position 2`) {
		t.Fatalf("err = %v, want one naming 'x' at position 2", err)
	}
	if st := a.Stats(); st.PacketsSent != 0 || a.Timestamp() != ts0 {
		t.Errorf("sent %d packets before rejecting the digits", st.PacketsSent)
	}
}

func TestSendDigitsStopsOnCancel(t *testing.T) {
	ca, cb := listenUDP(t), listenUDP(t)
	a := newSession(t, ca, SessionConfig{Remote: addrOf(cb), NoRTCP: true})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	err := a.SendDigits(ctx, "1234567890", DigitTiming{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}
