package store_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/telekit/telekit/voicemail"
	"github.com/telekit/telekit/voicemail/voicemailtest"
)

func TestVoicemailContract(t *testing.T) {
	voicemailtest.Run(t, func(t *testing.T) voicemail.Store { return open(t, t.TempDir()).Voicemail() })
}

// BenchmarkVoicemailList lists a 10,000-message mailbox: a page of 50
// newest first (the portal), and all of them (the telephone menu's
// session and Recover).
func BenchmarkVoicemailList(b *testing.B) {
	ctx := context.Background()
	v := open(b, b.TempDir()).Voicemail()
	if err := v.PutMailbox(ctx, voicemail.Mailbox{ID: "101"}); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10000 {
		m := voicemail.Message{ID: fmt.Sprintf("m%05d", i), Mailbox: "101", CallerNumber: "+15550100", CallerName: "Caller",
			Received: t0.Add(time.Duration(i) * time.Minute), Duration: 20 * time.Second,
			Folder: voicemail.Folder(1 + i%2), Urgent: i%7 == 0, Audio: fmt.Sprintf("101/m%05d.wav", i)}
		if err := v.AddMessage(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		q    voicemail.Query
		want int
	}{
		{"page50-newest", voicemail.Query{Order: voicemail.NewestFirst, Limit: 50}, 50},
		{"inbox-page50", voicemail.Query{Filter: voicemail.FilterInbox, Limit: 50, Offset: 100}, 50},
		{"all-10000", voicemail.Query{}, 10000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := v.ListMessages(ctx, "101", bc.q)
				if err != nil || len(p.Messages) != bc.want || p.Total < bc.want {
					b.Fatalf("got %d of %d, %v", len(p.Messages), p.Total, err)
				}
			}
		})
	}
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			if c, err := v.CountMessages(ctx, "101"); err != nil || c.New != 5000 {
				b.Fatal(c, err)
			}
		}
	})
}

// mwiClock records when the Service announced new counts, the moment
// the PBX builds and sends the message-summary NOTIFY.
type mwiClock struct {
	at chan time.Time
}

func (m mwiClock) MessageArrived(context.Context, voicemail.Arrival) error { return nil }
func (m mwiClock) CountsChanged(_ context.Context, _ string, c voicemail.Counts) {
	select {
	case m.at <- time.Now():
	default:
	}
}

// BenchmarkDepositToMWI measures what a caller's '#' or BYE starts: from
// the end of a 10-second message to the MWI announcement, over the real
// filesystem and SQLite with their fsyncs (temp file, fsync, rename,
// directory fsync, the index row with synchronous=FULL, then the counts
// query). It reports the median and 95th percentile in ms; the NOTIFY
// itself (one UDP write in package sip) is not included.
func BenchmarkDepositToMWI(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	mwi := mwiClock{at: make(chan time.Time, 1)}
	svc, err := voicemail.New(voicemail.Config{FS: voicemail.OSFS{Dir: filepath.Join(dir, "voicemail")},
		Store: open(b, dir).Voicemail(), Notifier: mwi})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.CreateMailbox(ctx, voicemail.Mailbox{ID: "101", Quota: voicemail.Quota{MaxMessages: 1 << 30}}); err != nil {
		b.Fatal(err)
	}
	frame := make([]int16, 160)
	for i := range frame {
		frame[i] = int16(4000 * math.Sin(2*math.Pi*float64(i)/16))
	}
	var lat []time.Duration
	for b.Loop() {
		d, err := svc.Begin(ctx, "101", voicemail.DepositMeta{CallerNumber: "+15550100", Received: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		for range 500 {
			if _, err := d.WriteSamples(frame); err != nil {
				b.Fatal(err)
			}
		}
		hash := time.Now() // the caller presses '#'
		if _, err := d.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-mwi.at:
			lat = append(lat, at.Sub(hash))
		default:
			b.Fatal("no MWI after the deposit")
		}
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
}
