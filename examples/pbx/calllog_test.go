package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
)

// batchStore records the batches the call-log writer writes.
type batchStore struct {
	mu      sync.Mutex
	batches [][]string // record IDs
	fail    error
}

func (s *batchStore) GetUser(context.Context, string) (account.User, error) {
	return account.User{}, account.ErrNotFound
}

func (s *batchStore) AddRecords(_ context.Context, rs []calllog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	s.batches = append(s.batches, ids)
	return s.fail
}

// TestCallLogWriterBatches: records queued while the writer waits share
// one transaction, in arrival order, up to callLogBatch; Close writes
// what is queued. The linger is an hour, so only the batch bound and
// Close end a batch here.
func TestCallLogWriterBatches(t *testing.T) {
	st := &batchStore{}
	w := newCallLogWriterLinger(st, slog.New(slog.DiscardHandler), time.Hour)
	var want [][]string
	var ids []string
	for i := range callLogBatch + 2 {
		id := fmt.Sprint("r", i)
		w.add(calllog.Record{ID: id})
		ids = append(ids, id)
	}
	want = append(want, ids[:callLogBatch], ids[callLogBatch:])
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, st.batches); diff != "" {
		t.Errorf("batches mismatch (-want +got):\n%s", diff)
	}
}

// TestCallLogWriterLogsErrors: a batch the store refuses is logged with
// the store's error (which names the records), and the writer goes on.
func TestCallLogWriterLogsErrors(t *testing.T) {
	st := &batchStore{fail: errors.New(`record "r0": exists`)}
	var logs bytes.Buffer
	w := newCallLogWriterLinger(st, slog.New(slog.NewTextHandler(&logs, nil)), 0)
	w.add(calllog.Record{ID: "r0"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `record \"r0\": exists`) {
		t.Errorf("log %q does not carry the store's error", logs.String())
	}
	if len(st.batches) != 1 {
		t.Errorf("batches = %v, want one", st.batches)
	}
}

// TestCallLogWriterAfterClose: a call that ends while the server shuts
// down (a SIP handler still running after the B2BUA closed) is dropped
// with a warning, never sent on the closed queue; a second Close is fine.
func TestCallLogWriterAfterClose(t *testing.T) {
	st := &batchStore{}
	var logs bytes.Buffer
	w := newCallLogWriterLinger(st, slog.New(slog.NewTextHandler(&logs, nil)), 0)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.add(calllog.Record{ID: "late"}) // panicked with "send on closed channel" before
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "record after shutdown") || len(st.batches) != 0 {
		t.Errorf("log %q, batches %v: want the late record dropped with a warning", logs.String(), st.batches)
	}
}
