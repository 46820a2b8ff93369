package sip

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lateEvents records the call events the B2BUA delivers, and counts those
// delivered after Close returned (there must be none).
type lateEvents struct {
	mu     sync.Mutex
	closed bool
	states []CallState
	late   []CallEvent
}

func (l *lateEvents) record(e CallEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states = append(l.states, e.State)
	if l.closed {
		l.late = append(l.late, e)
	}
}

// closeAndCheck runs Close in a goroutine while a handler is held: Close
// must not return before release is closed, then must return.
func closeAndCheck(t *testing.T, p *pbx, ev *lateEvents, release chan struct{}) {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		p.b.Close()
		ev.mu.Lock()
		ev.closed = true
		ev.mu.Unlock()
		close(closed)
	}()
	// Close cannot return while the handler is held; the grace only
	// bounds how long a broken Close has to show it (it cannot fail a
	// correct one).
	select {
	case <-closed:
		close(release)
		t.Fatal("Close returned while a SIP handler it installed was still running")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the handler was released")
	}
}

// TestB2BUACloseWaitsForHandlers holds a running SIP handler (a BYE
// delivering its CallEnded, or a Router) while Close runs: Close waits for
// it, no event reaches the application after Close returns, and requests
// that come after get 503.
func TestB2BUACloseWaitsForHandlers(t *testing.T) {
	t.Run("BYE", func(t *testing.T) {
		callee := newPhone(t, 200, 0)
		p := pbxFor(t, Config{}, callee)
		caller := newPhone(t, 0, 0)
		call := caller.invite(p.addr, "201", nil)
		if res := call.wait(); res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		ev := &lateEvents{}
		entered, release := make(chan struct{}), make(chan struct{})
		p.b.OnCallEvent(func(e CallEvent) {
			ev.record(e)
			if e.State == CallEnded && e.Reason == "caller hung up" {
				close(entered)
				<-release // the BYE handler is still running
			}
		})
		// onBye answers 200 before it ends the call and tells the application.
		if res := call.bye(); res.StatusCode != 200 {
			t.Fatalf("BYE status %d", res.StatusCode)
		}
		<-entered
		closeAndCheck(t, p, ev, release)
		checkAfterClose(t, p, caller, ev)
		if diff := cmp.Diff([]CallState{CallEnded}, ev.states); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
	t.Run("Router", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		p := pbxFor(t, Config{Router: RouterFunc(func(ctx context.Context, c *Call) (Target, error) {
			close(entered)
			<-ctx.Done() // Close ends the routing context: no deadlock
			<-release
			return Target{}, ctx.Err()
		})})
		ev := &lateEvents{}
		p.b.OnCallEvent(ev.record)
		caller := newPhone(t, 0, 0)
		call := caller.invite(p.addr, "201", nil)
		<-entered
		closeAndCheck(t, p, ev, release)
		if res := call.wait(); res.StatusCode < 400 {
			t.Errorf("routing ended by Close: status %d, want a failure", res.StatusCode)
		}
		checkAfterClose(t, p, caller, ev)
	})
}

// checkAfterClose sends a new INVITE after Close: it gets 503, and no
// event was delivered after Close returned.
func checkAfterClose(t *testing.T, p *pbx, caller *phone, ev *lateEvents) {
	t.Helper()
	if res := caller.invite(p.addr, "201", nil).wait(); res.StatusCode != 503 {
		t.Errorf("INVITE after Close: status %d, want 503", res.StatusCode)
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if len(ev.late) != 0 {
		t.Errorf("events after Close returned: %+v", ev.late)
	}
}
