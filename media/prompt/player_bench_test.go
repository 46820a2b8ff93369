package prompt

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/telekit/telekit/media"
)

// benchPlayer is a media.Player into a real session on loopback that does
// not sleep between frames, so the benchmark measures the work per frame.
func benchPlayer(b *testing.B) *media.Player {
	peer := listenUDP(b)
	s := newSession(b, listenUDP(b), addrOf(peer))
	return media.NewPlayer(s, media.PlayerConfig{
		Wait: func(ctx context.Context, until time.Time) error { return nil },
	})
}

// BenchmarkPlayPhrase plays the 20-second message menu with barge-in
// armed; the figure is per 20 ms frame.
func BenchmarkPlayPhrase(b *testing.B) {
	cat := newCatalog(b, CatalogConfig{})
	ph, err := NewBuilder(English{}).Say("vm-you-have").Number(3).Say("vm-new", "vm-messages").
		Pause(200 * time.Millisecond).Say("vm-message-menu").Phrase()
	if err != nil {
		b.Fatal(err)
	}
	p := NewPlayer(cat, benchPlayer(b))
	digits := make(chan rune, 1)
	ctx := context.Background()
	if _, err := p.Play(ctx, ph, digits); err != nil { // load the prompts
		b.Fatal(err)
	}
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		res, err := p.Play(ctx, ph, digits)
		if err != nil {
			b.Fatal(err)
		}
		frames += int(res.Played / media.FrameDuration)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
	b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
}

// BenchmarkPlayPlain is the comparison: media.Player alone playing the
// same number of samples from a slice.
func BenchmarkPlayPlain(b *testing.B) {
	cat := newCatalog(b, CatalogConfig{})
	menu, err := cat.Load("en", "", "vm-message-menu")
	if err != nil {
		b.Fatal(err)
	}
	out := benchPlayer(b)
	ctx := context.Background()
	var r sliceReader
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		r = sliceReader{s: menu.Samples}
		if err := out.Play(ctx, &r); err != nil {
			b.Fatal(err)
		}
		frames += (len(menu.Samples) + media.FrameSamples - 1) / media.FrameSamples
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
}

type sliceReader struct{ s []int16 }

func (r *sliceReader) ReadSamples(dst []int16) (int, error) {
	n := copy(dst, r.s)
	r.s = r.s[n:]
	if len(r.s) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// BenchmarkPhraseReader is the per-frame work of barge-in and phrase
// assembly alone, without encoding or the network: one op is one frame.
func BenchmarkPhraseReader(b *testing.B) {
	cat := newCatalog(b, CatalogConfig{})
	ph, err := NewBuilder(English{}).Say("vm-you-have").Number(3).Say("vm-new", "vm-messages").
		Pause(200 * time.Millisecond).Say("vm-message-menu").Phrase()
	if err != nil {
		b.Fatal(err)
	}
	var r phraseReader
	digits := make(chan rune, 1)
	if err := r.reset(cat, ph, digits); err != nil {
		b.Fatal(err)
	}
	buf := make([]int16, media.FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadSamples(buf); err == io.EOF {
			r.item, r.off, r.read = 0, 0, 0
		}
	}
}
