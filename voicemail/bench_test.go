package voicemail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/telekit/telekit/voicemail"
)

// BenchmarkMemStoreList lists a 10,000-message mailbox from MemStore.
func BenchmarkMemStoreList(b *testing.B) {
	ctx := context.Background()
	s := voicemail.NewMemStore()
	s.PutMailbox(ctx, voicemail.Mailbox{ID: "101"})
	for i := range 10000 {
		s.AddMessage(ctx, voicemail.Message{ID: fmt.Sprintf("m%05d", i), Mailbox: "101",
			Received: t0.Add(time.Duration(i) * time.Minute), Folder: voicemail.Folder(1 + i%2), Urgent: i%7 == 0})
	}
	for _, bc := range []struct {
		name string
		q    voicemail.Query
	}{
		{"page50-newest", voicemail.Query{Order: voicemail.NewestFirst, Limit: 50}},
		{"all-10000", voicemail.Query{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ListMessages(ctx, "101", bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDeposit leaves 10-second messages on the real filesystem (with
// its fsyncs) through the whole Commit path, one after another and from
// many goroutines at once (unpaced; the paced 200-call test belongs to the
// load test).
func BenchmarkDeposit(b *testing.B) {
	frame := tone(20*time.Millisecond, 1)
	leave := func(b *testing.B, svc *voicemail.Service, mb string) {
		ctx := context.Background()
		d, err := svc.Begin(ctx, mb, voicemail.DepositMeta{CallerNumber: "+15550100", Received: t0})
		if err != nil {
			b.Fatal(err)
		}
		for range 500 { // 10 s of 20 ms frames
			if _, err := d.WriteSamples(frame); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := d.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	setup := func(b *testing.B, n int) *voicemail.Service {
		svc, err := voicemail.New(voicemail.Config{FS: voicemail.OSFS{Dir: b.TempDir()}, Store: voicemail.NewMemStore()})
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			svc.CreateMailbox(context.Background(), voicemail.Mailbox{ID: fmt.Sprint(100 + i), Quota: voicemail.Quota{MaxMessages: 1 << 30}})
		}
		return svc
	}
	b.Run("serial", func(b *testing.B) {
		svc := setup(b, 1)
		b.ReportAllocs()
		for b.Loop() {
			leave(b, svc, "100")
		}
		b.ReportMetric(float64(b.N)*10/b.Elapsed().Seconds(), "audio-s/s")
	})
	b.Run("concurrent-200", func(b *testing.B) {
		svc := setup(b, 200)
		b.ReportAllocs()
		for b.Loop() {
			var wg sync.WaitGroup
			for i := range 200 {
				wg.Go(func() { leave(b, svc, fmt.Sprint(100+i)) })
			}
			wg.Wait()
		}
		b.ReportMetric(float64(b.N)*200*10/b.Elapsed().Seconds(), "audio-s/s")
	})
}
