package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/calllog"
)

// callRecord is a finished internal call from 101 to 102, as the PBX
// writes one.
func callRecord(id string, start time.Time) calllog.Record {
	return calllog.Record{
		ID: id, From: "101", FromName: "Alice", To: "102", ToName: "Bob",
		Start: start, Answer: start.Add(2 * time.Second), End: start.Add(62 * time.Second),
		Disposition: calllog.Answered, Direction: calllog.Internal, Type: calllog.Voice,
		Parties: []calllog.Party{{Extension: "101", Role: calllog.Caller}, {Extension: "102", Role: calllog.Callee}},
		Events: []calllog.Event{
			{At: start, Kind: "call", Detail: "101 dialled 102"},
			{At: start.Add(2 * time.Second), Kind: "answered", Detail: "answered on 102"},
			{At: start.Add(62 * time.Second), Kind: "ended", Detail: "caller hung up"},
		},
	}
}

// TestAddRecords: a batch is stored whole, as AddRecord would store each;
// a record that cannot be stored is left out, named in the error, and the
// others are still stored.
func TestAddRecords(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	if err := s.AddRecord(ctx, callRecord("taken", t0)); err != nil {
		t.Fatal(err)
	}
	invalid := callRecord("invalid", t0)
	invalid.Direction = calllog.DirectionUnknown
	batch := []calllog.Record{
		callRecord("a", t0.Add(time.Minute)),
		callRecord("taken", t0.Add(2*time.Minute)), // a duplicate ID
		invalid,
		callRecord("b", t0.Add(3*time.Minute)),
	}
	err := s.AddRecords(ctx, batch)
	if !errors.Is(err, calllog.ErrExists) {
		t.Errorf("AddRecords error = %v, want one wrapping ErrExists", err)
	}
	for _, id := range []string{`"taken"`, `"invalid"`} {
		if err == nil || !strings.Contains(err.Error(), id) {
			t.Errorf("AddRecords error %v does not name record %s", err, id)
		}
	}
	got, err := s.ListRecords(ctx, calllog.Filter{Owner: "101"})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; the duplicate did not replace the first "taken".
	want := []calllog.Record{batch[3], batch[0], callRecord("taken", t0)}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("records mismatch (-want +got):\n%s", diff)
	}
	if err := s.AddRecords(ctx, nil); err != nil {
		t.Errorf("AddRecords(nil) = %v", err)
	}
}

// BenchmarkAddRecord is the call log's cost per finished call with one
// transaction (one fsync) per record, as the PBX wrote it before batching.
func BenchmarkAddRecord(b *testing.B) {
	ctx := context.Background()
	s := open(b, b.TempDir())
	b.ReportAllocs()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		if err := s.AddRecord(ctx, callRecord(fmt.Sprint("r", i), t0)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(i), "cpu-µs/record")
}

// cpuTime is this process's CPU time so far, user and system: the
// records' wall time is mostly waiting for fsync.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAddRecords is the same records written 16 to a transaction,
// as the call-log writer batches them when calls end faster than a
// commit; the figure is per record.
func BenchmarkAddRecords16(b *testing.B) {
	ctx := context.Background()
	s := open(b, b.TempDir())
	b.ReportAllocs()
	batch := make([]calllog.Record, 16)
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		for j := range batch {
			batch[j] = callRecord(fmt.Sprint("r", i), t0)
			i++
		}
		if err := s.AddRecords(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(i), "cpu-µs/record")
}
