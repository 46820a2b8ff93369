package voicemail_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/telekit/telekit/voicemail"
	"github.com/telekit/telekit/voicemail/voicemailtest"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// plainHasher keeps tests fast: the argon2 hasher has its own test.
type plainHasher struct{}

func (plainHasher) HashPIN(pin string) (string, error) { return "plain:" + pin, nil }
func (plainHasher) VerifyPIN(h, pin string) (bool, error) {
	return h == "plain:"+pin, nil
}

// events records what a Notifier hears.
type events struct {
	mu      sync.Mutex
	arrived []string // message IDs
	counts  []voicemail.Counts
	fail    error
}

func (e *events) MessageArrived(_ context.Context, a voicemail.Arrival) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.arrived = append(e.arrived, a.Message.Mailbox+"/"+a.Message.CallerNumber)
	return e.fail
}

func (e *events) CountsChanged(_ context.Context, _ string, c voicemail.Counts) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts = append(e.counts, c)
}

type rig struct {
	svc   *voicemail.Service
	fs    *voicemailtest.MemFS
	store *voicemail.MemStore
	ev    *events
}

func newRig(t testing.TB, mailboxes ...voicemail.Mailbox) *rig {
	t.Helper()
	r := &rig{fs: voicemailtest.NewMemFS(), store: voicemail.NewMemStore(), ev: &events{}}
	r.svc = r.service(t)
	for _, mb := range mailboxes {
		if err := r.svc.CreateMailbox(context.Background(), mb); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r *rig) service(t testing.TB) *voicemail.Service {
	svc, err := voicemail.New(voicemail.Config{FS: r.fs, Store: r.store, Notifier: r.ev, PINHasher: plainHasher{}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// tone returns d of a 440 Hz-ish square wave, distinct per seed.
func tone(d time.Duration, seed int) []int16 {
	n := int(d / (time.Second / 8000))
	out := make([]int16, n)
	for i := range out {
		if (i/(9+seed))%2 == 0 {
			out[i] = 8000
		} else {
			out[i] = -8000
		}
	}
	return out
}

// deposit leaves a message of length d from caller.
func deposit(t testing.TB, svc *voicemail.Service, mailbox, caller string, d time.Duration, at time.Time) (voicemail.Message, error) {
	t.Helper()
	ctx := context.Background()
	dep, err := svc.Begin(ctx, mailbox, voicemail.DepositMeta{CallerNumber: caller, Received: at})
	if err != nil {
		return voicemail.Message{}, err
	}
	samples := tone(d, len(caller))
	for len(samples) > 0 {
		n := min(160, len(samples))
		if _, err := dep.WriteSamples(samples[:n]); err != nil && !errors.Is(err, voicemail.ErrMaxLength) {
			dep.Abort()
			return voicemail.Message{}, err
		}
		samples = samples[n:]
	}
	return dep.Commit(ctx)
}

// readAll reads a recording back.
func readAll(t testing.TB, svc *voicemail.Service, ref string) []int16 {
	t.Helper()
	a, err := svc.OpenAudio(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out []int16
	buf := make([]int16, 512)
	for {
		n, err := a.ReadSamples(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}
