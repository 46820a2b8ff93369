package store_test

import (
	"context"
	"fmt"
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
