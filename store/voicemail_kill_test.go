package store_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/voicemail"
)

// killChildEnv names the data directory when the test binary runs as the
// child that deposits until it is killed.
const killChildEnv = "TELEKIT_VM_KILL_CHILD"

func vmService(t testing.TB, dir string) (*voicemail.Service, func()) {
	db := open(t, dir)
	svc, err := voicemail.New(voicemail.Config{FS: voicemail.OSFS{Dir: filepath.Join(dir, "voicemail")}, Store: db.Voicemail()})
	if err != nil {
		t.Fatal(err)
	}
	return svc, func() { db.Close() }
}

// TestVoicemailKillDuringDeposits re-runs this test binary as a child
// that deposits (and deletes) messages in a loop, SIGKILLs it at a random
// moment, many times, and checks after Recover each time that every
// message the child saw committed is indexed and whole, every delete it
// saw succeed stuck, no temporary file is left and every file is indexed.
// (SIGKILL keeps the page cache, so this proves the ordering of the
// steps; the fsyncs are proven by voicemail's power-cut test.)
func TestVoicemailKillDuringDeposits(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		killChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	ctx := context.Background()
	svc, done := vmService(t, dir)
	if err := svc.CreateMailbox(ctx, voicemail.Mailbox{ID: "101", Quota: voicemail.Quota{MaxMessages: 1 << 20}}); err != nil {
		t.Fatal(err)
	}
	done()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestVoicemailKillDuringDeposits$", "-test.count=1")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a random moment once the child is depositing.
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line != "depositing\n" {
			t.Fatalf("round %d: child said %q", round, line)
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		svc, done := vmService(t, dir)
		rep, err := svc.Recover(ctx)
		if err != nil {
			t.Fatalf("round %d: Recover: %v", round, err)
		}
		acked, deleted := readAckLog(t, filepath.Join(dir, "acked.log"))
		p, err := svc.List(ctx, "101", voicemail.Query{})
		if err != nil {
			t.Fatal(err)
		}
		indexed := map[string]bool{}
		for _, m := range p.Messages {
			indexed[m.ID] = true
			if deleted[m.ID] {
				t.Errorf("round %d: deleted message %s came back", round, m.ID)
			}
			a, err := svc.OpenAudio(ctx, m.Audio)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			n := 0
			buf := make([]int16, 4096)
			for {
				k, err := a.ReadSamples(buf)
				n += k
				if err != nil {
					break
				}
			}
			a.Close()
			if want := int(m.Duration / (time.Second / media.SampleRate)); n != want {
				t.Errorf("round %d: message %s has %d samples, index says %d", round, m.ID, n, want)
			}
		}
		for id := range acked {
			if !indexed[id] && !deleted[id] {
				t.Errorf("round %d: committed message %s lost", round, id)
			}
		}
		names, _ := os.ReadDir(filepath.Join(dir, "voicemail", "101"))
		for _, e := range names {
			id, ok := strings.CutSuffix(e.Name(), ".wav")
			if strings.HasPrefix(e.Name(), ".tmp-") || !ok || !indexed[id] {
				t.Errorf("round %d: stray file %s after Recover", round, e.Name())
			}
		}
		t.Logf("round %d: %d messages, %d committed, %d deleted; recover: %d re-indexed, %d dropped, %d temp removed",
			round, len(p.Messages), len(acked), len(deleted), len(rep.Indexed), len(rep.Dropped), len(rep.TempRemoved))
		done()
	}
}

// killChild deposits 0.5–2 s messages, deleting every third, until
// killed, logging each acknowledged commit ("C id") and delete ("D id").
func killChild(t *testing.T, dir string) {
	ctx := context.Background()
	svc, done := vmService(t, dir)
	defer done()
	log, err := os.OpenFile(filepath.Join(dir, "acked.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("depositing")
	frame := make([]int16, 160)
	for i := range frame {
		frame[i] = int16((i % 40) * 500)
	}
	for i := 0; ; i++ {
		d, err := svc.Begin(ctx, "101", voicemail.DepositMeta{CallerNumber: fmt.Sprint(1000 + i), Received: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		for range 25 + rand.IntN(75) {
			d.WriteSamples(frame)
		}
		m, err := d.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(log, "C %s\n", m.ID)
		if i%3 == 2 {
			if _, err := svc.Delete(ctx, "101", m.ID); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(log, "D %s\n", m.ID)
		}
	}
}

func readAckLog(t *testing.T, path string) (acked, deleted map[string]bool) {
	acked, deleted = map[string]bool{}, map[string]bool{}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kind, id, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue // a line cut by the kill
		}
		switch kind {
		case "C":
			acked[id] = true
		case "D":
			deleted[id] = true
		}
	}
	return acked, deleted
}
