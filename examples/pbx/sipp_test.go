package main

// sipp helpers: phones and trunk providers played by sipp, in the
// foreground (the test goes on when sipp has passed) or in the background
// (waited for later). Every run keeps sipp's message and error logs, and
// a failure shows them. sipp's own -timeout is scaled like every other
// deadline (testScale).

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sippScenario is the path of a scenario: name as is when absolute, else
// in this package's testdata/sipp.
func sippScenario(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join("testdata", "sipp", name)
}

// sipScenario is the path of a scenario of package sip's testdata, which
// the registration and callee scenarios are.
func sipScenario(name string) string {
	return filepath.Join("..", "..", "sip", "testdata", "sipp", name)
}

// sippUser writes sipp's injection file (-inf) for one user with its
// digest credentials: field0 the user, field1 the [authentication]
// keyword.
func sippUser(t *testing.T, user, password string) string {
	t.Helper()
	inf := filepath.Join(t.TempDir(), "user.csv")
	line := fmt.Sprintf("SEQUENTIAL\n%s;[authentication username=%s password=%s]\n", user, user, password)
	if err := os.WriteFile(inf, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return inf
}

// sippTimeout is sipp's -timeout flag for d, scaled.
func sippTimeout(d time.Duration) []string {
	// In whole seconds: sipp rounds a time in ms down to them.
	return []string{"-timeout", fmt.Sprintf("%ds", int(math.Ceil(scaled(d).Seconds()))), "-timeout_error"}
}

// sippLogs are the message and error logs of one sipp run.
type sippLogs struct{ msgLog, errLog string }

func newSippLogs(t *testing.T) sippLogs {
	dir := t.TempDir()
	return sippLogs{msgLog: filepath.Join(dir, "messages.log"), errLog: filepath.Join(dir, "errors.log")}
}

func (l sippLogs) args() []string {
	return []string{"-trace_msg", "-message_file", l.msgLog, "-trace_err", "-error_file", l.errLog}
}

// messages is what sipp sent and received so far.
func (l sippLogs) messages() string {
	b, _ := os.ReadFile(l.msgLog)
	return string(b)
}

// report is the end of both logs, for a failure message.
func (l sippLogs) report() string {
	errs, _ := os.ReadFile(l.errLog)
	msgs, _ := os.ReadFile(l.msgLog)
	return fmt.Sprintf("errors:\n%s\nmessages:\n%s", trimTo(errs, 2000), trimTo(msgs, 6000))
}

// runSipp runs sipp with scenario and args in the foreground, its own
// timeout d (scaled), and fails the test unless it passes.
func runSipp(t *testing.T, sipp, what, scenario string, d time.Duration, args ...string) {
	t.Helper()
	logs := newSippLogs(t)
	ctx, cancel := context.WithTimeout(context.Background(), scaled(d+20*time.Second))
	defer cancel()
	all := append([]string{"-sf", scenario, "-nostdin"}, sippTimeout(d)...)
	all = append(append(all, logs.args()...), args...)
	cmd := exec.CommandContext(ctx, sipp, all...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s (sipp %s): %v\n%s\n%s", what, filepath.Base(scenario), err, logs.report(), trimTo(out, 1500))
	}
}

// sippRegister registers user with password through sipp, using the
// registrar's scenario.
func sippRegister(t *testing.T, sipp, addr, user, password string) {
	t.Helper()
	sippRegisterFrom(t, sipp, addr, user, password, 0)
}

// sippRegisterFrom registers from a chosen local port (0: any), so that a
// sipp UAS started later on that port is the registered device.
func sippRegisterFrom(t *testing.T, sipp, addr, user, password string, port int) {
	t.Helper()
	args := []string{addr, "-inf", sippUser(t, user, password), "-i", "127.0.0.1", "-m", "1"}
	if port != 0 {
		args = append(args, "-p", fmt.Sprint(port))
	}
	runSipp(t, sipp, "register "+user, sipScenario("register_ok.xml"), 10*time.Second, args...)
}

// placeCall runs a sipp phone of ext that dials number with scenario
// (see sippScenario) and fails the test unless sipp succeeds.
func placeCall(t *testing.T, sipp, pbx, ext, password, number, scenario string) {
	t.Helper()
	placeCallFor(t, sipp, pbx, ext, password, number, scenario, 20*time.Second)
}

// placeCallFor is placeCall with a longer call than 20 s allowed.
func placeCallFor(t *testing.T, sipp, pbx, ext, password, number, scenario string, d time.Duration) {
	t.Helper()
	runSipp(t, sipp, ext+"'s call to "+number, sippScenario(scenario), d,
		pbx, "-s", number, "-inf", sippUser(t, ext, password), "-i", "127.0.0.1", "-m", "1")
}

// bgProc is sipp running in the background.
type bgProc struct {
	name string
	sippLogs
	done chan error
	out  *limitedBuffer
}

// startSipp runs sipp with scenario and args in the background, its own
// timeout d (scaled); it is killed at cleanup.
func startSipp(t *testing.T, sipp, name, scenario string, d time.Duration, args ...string) *bgProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scaled(d+30*time.Second))
	p := &bgProc{name: name, sippLogs: newSippLogs(t), done: make(chan error, 1), out: &limitedBuffer{}}
	all := append([]string{"-sf", scenario, "-nostdin"}, sippTimeout(d)...)
	all = append(append(all, p.sippLogs.args()...), args...)
	cmd := exec.CommandContext(ctx, sipp, all...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { cancel(); <-p.done; p.done <- nil })
	return p
}

// startSippBackground is startSipp with sipp's timeout of 30 s.
func startSippBackground(t *testing.T, sipp, name, scenario string, args ...string) *bgProc {
	t.Helper()
	return startSipp(t, sipp, name, scenario, 30*time.Second, args...)
}

// exited reports whether the process has ended, without waiting.
func (p *bgProc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// wait waits up to d (scaled) for sipp to end, and says why it failed,
// with its logs.
func (p *bgProc) wait(d time.Duration) error {
	d = scaled(d)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			return fmt.Errorf("%s: %v\n%s\n%s", p.name, err, p.report(), p.out)
		}
		return nil
	case <-time.After(d):
		return fmt.Errorf("%s did not finish in %v\n%s", p.name, d, p.report())
	}
}

// startSippUAS runs sipp as a UAS with scenario on a free 127.0.0.1 port,
// as startSipp does, and returns once sipp holds the port. Another
// process may take a port between its choice and sipp's bind: then sipp
// exits, and another port is tried.
func startSippUAS(t *testing.T, sipp, name, scenario string, d time.Duration, args ...string) (*bgProc, int) {
	t.Helper()
	var last *bgProc
	for range 3 {
		port := freePort(t)
		p := startSipp(t, sipp, name, scenario, d, append([]string{"-i", "127.0.0.1", "-p", fmt.Sprint(port)}, args...)...)
		last = p
		bound := false
		waitFor(t, fmt.Sprintf("%s to bind port %d", name, port), condWait, func() bool {
			bound = udpBound(port) && !p.exited()
			return bound || p.exited()
		}, nil)
		if bound {
			return p, port
		}
	}
	t.Fatalf("%s did not start: %v", name, last.wait(0))
	return nil, 0
}

// startCall starts ext's sipp phone calling number with scenario (see
// sippScenario), as placeCall does, without waiting for it.
func startCall(t *testing.T, sipp, pbx, ext, password, number, scenario string, d time.Duration) *bgProc {
	t.Helper()
	return startSipp(t, sipp, ext+" "+filepath.Base(scenario), sippScenario(scenario), d,
		pbx, "-s", number, "-inf", sippUser(t, ext, password), "-i", "127.0.0.1", "-m", "1")
}

// registers counts the REGISTER requests sipp has received.
func (p *bgProc) registers() int {
	return strings.Count(p.messages(), "\nREGISTER sip:")
}

// startPhone is ext's phone played by sipp: it registers from a free port
// and then runs the callee scenario (a path) there in the background,
// returning once sipp holds the port.
func startPhone(t *testing.T, sipp, pbx, ext, password, scenario string, args ...string) *bgProc {
	t.Helper()
	port := freePort(t)
	sippRegisterFrom(t, sipp, pbx, ext, password, port)
	p := startSippBackground(t, sipp, ext+"'s phone ("+filepath.Base(scenario)+")", scenario,
		append([]string{"-i", "127.0.0.1", "-p", fmt.Sprint(port), "-m", "1"}, args...)...)
	p.waitBound(t, port)
	return p
}

// waitBound waits until the port is held, failing the test if sipp ended
// first (another process took the port, or sipp refused its arguments).
func (p *bgProc) waitBound(t *testing.T, port int) {
	t.Helper()
	waitForCond(t, fmt.Sprintf("%s to bind UDP port %d", p.name, port), func() bool { return p.exited() || udpBound(port) })
	if p.exited() {
		t.Fatalf("%s ended before it was used: %v", p.name, p.wait(0))
	}
}
