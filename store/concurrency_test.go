package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/store"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func user(ext string) account.User {
	return account.User{Extension: ext, Name: "User " + ext, Access: account.AccessUser, Created: t0}
}

// TestManyConcurrentWriters has 50 goroutines write 20 call records each
// through one SQLite, and, at the same time, a second SQLite on the same
// directory (another process's view) write too: no write may fail with
// "database is locked".
func TestManyConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	ctx := context.Background()
	const workers, each = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		s := a
		if w%5 == 0 {
			s = b
		}
		wg.Go(func() {
			for i := range each {
				start := t0.Add(time.Duration(w*each+i) * time.Second)
				err := s.AddRecord(ctx, calllog.Record{
					ID: fmt.Sprintf("w%02d-%02d", w, i), From: "101", To: "102", Start: start, End: start,
					Disposition: calllog.NoAnswer, Direction: calllog.Internal, Type: calllog.Voice,
					Parties: []calllog.Party{{Extension: "101", Role: calllog.Caller}, {Extension: "102", Role: calllog.Callee}},
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, s := range []*store.SQLite{a, b} {
		n, err := s.CountRecords(ctx, calllog.Filter{Owner: "102", View: calllog.ViewMissed})
		if err != nil || n != workers*each {
			t.Errorf("CountRecords = %d, %v; want %d", n, err, workers*each)
		}
	}
}

// TestSecondInstanceSeesWritesAtOnce is the "pbx ext add on a running
// server" case: one SQLite writes, another on the same directory reads
// immediately, with no reopening and no waiting.
func TestSecondInstanceSeesWritesAtOnce(t *testing.T) {
	dir := t.TempDir()
	server, cli := open(t, dir), open(t, dir)
	ctx := context.Background()
	// The server has looked the user up before (warm connections, a
	// prepared statement): it must not keep answering from the past.
	if _, err := server.HA1(ctx, "pbx.example", "101", account.MD5); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("HA1 before add: %v", err)
	}
	for i, secret := range []string{"first secret", "second secret"} {
		if i == 0 {
			if err := cli.CreateUser(ctx, user("101")); err != nil {
				t.Fatal(err)
			}
		}
		ha1s, err := account.SIPHA1s("101", secret, "pbx.example")
		if err != nil {
			t.Fatal(err)
		}
		if err := cli.SetSIPSecret(ctx, "101", ha1s, t0); err != nil {
			t.Fatal(err)
		}
		got, err := server.HA1(ctx, "pbx.example", "101", account.MD5)
		if want := account.ComputeHA1(account.MD5, "101", "pbx.example", secret); err != nil || got != want {
			t.Errorf("server HA1 after CLI set %q = %q, %v; want %q", secret, got, err, want)
		}
	}
	if err := cli.DeleteUser(ctx, "101"); err != nil {
		t.Fatal(err)
	}
	if _, err := server.HA1(ctx, "pbx.example", "101", account.MD5); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("server still authenticates a deleted user: %v", err)
	}
}

// TestReopenKeepsDataAndSchema opens, writes, closes, and opens again:
// migrations are not re-run and the data is there.
func TestReopenKeepsDataAndSchema(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, user("101")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err = store.Open(ctx, dir, nil)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if _, err := s.GetUser(ctx, "101"); err != nil {
			t.Errorf("after reopen: %v", err)
		}
		s.Close()
	}
	fi, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("database file mode %v is readable by others: it holds trunk passwords", fi.Mode().Perm())
	}
}

// TestConcurrentOpen opens the same fresh directory from several
// goroutines at once: exactly one applies the migrations, none fails.
func TestConcurrentOpen(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := store.Open(context.Background(), dir, nil)
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestOddDirectoryName opens a data directory whose name has characters
// that URI parsing would mangle.
func TestOddDirectoryName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my data %20 #1")
	if _, err := store.Open(context.Background(), dir, nil); err == nil {
		t.Fatal("a '#' in the directory name was accepted")
	}
	dir = filepath.Join(t.TempDir(), "my data %20")
	s := open(t, dir)
	if err := s.CreateUser(context.Background(), user("101")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Errorf("database not created where asked: %v", err)
	}
}
