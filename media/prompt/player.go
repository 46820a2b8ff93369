package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/telekit/telekit/media"
)

// Output is where a Player sends audio: something that plays a
// SampleReader in real time until it ends, as media.Player does into an
// RTP session (20 ms frames on a fixed schedule, the last one padded with
// silence). A conference or a test can supply its own.
type Output interface {
	Play(ctx context.Context, r media.SampleReader) error
}

var _ Output = (*media.Player)(nil)

// OutputFunc adapts a function to an Output.
type OutputFunc func(ctx context.Context, r media.SampleReader) error

// Play calls f(ctx, r).
func (f OutputFunc) Play(ctx context.Context, r media.SampleReader) error { return f(ctx, r) }

// Result says how far a Play got.
type Result struct {
	// Digit is the key ('0'–'9', '*', '#', 'A'–'D') that cut the phrase
	// short, or 0 when it played to the end (or ctx ended it).
	Digit rune
	// Item is the index of the item that was playing when the phrase
	// stopped, or len(Items) when it played to the end.
	Item int
	// Played is how much audio went out, in whole 20 ms frames.
	Played time.Duration
}

// Interrupted reports whether a key press cut the phrase short.
func (r Result) Interrupted() bool { return r.Digit != 0 }

// Player plays phrases from a Catalog into an Output, stopping at the
// first key press (barge-in). The caller owns the RTP session and the
// source of key presses; see DigitSink.
//
// Not safe for concurrent use: one Player per call leg, playing one phrase
// at a time. Between items and frames it does not allocate.
type Player struct {
	cat *Catalog
	out Output
	r   phraseReader
}

// NewPlayer returns a Player of cat's prompts into out.
func NewPlayer(cat *Catalog, out Output) *Player {
	return &Player{cat: cat, out: out}
}

// Play says ph. Before sending anything it loads every prompt, so a missing
// prompt is an error (wrapping ErrNotFound) with nothing played.
//
// When digits delivers a key press, Play stops at the next 20 ms frame
// boundary and returns the key in Result.Digit; a key already waiting when
// Play starts stops it before the first frame (type-ahead). Play takes only
// the key that stops it: one pressed after the phrase ended stays in the
// channel for the menu to read. A nil channel disables barge-in.
//
// Play returns ctx.Err() when ctx ends, and the Output's error when it
// fails, with the Result so far.
func (p *Player) Play(ctx context.Context, ph Phrase, digits <-chan rune) (Result, error) {
	r := &p.r
	if err := r.reset(p.cat, ph, digits); err != nil {
		return Result{}, err
	}
	err := p.out.Play(ctx, r)
	// The item playing is the first one not yet finished.
	for r.item < len(r.items) && r.off >= r.length(r.item) {
		r.item, r.off = r.item+1, 0
	}
	res := Result{Digit: r.digit, Item: r.item, Played: r.played()}
	if err != nil {
		if errors.Is(err, ctx.Err()) {
			return res, err
		}
		return res, fmt.Errorf("prompt: play: %w", err)
	}
	return res, nil
}

// phraseReader reads a resolved phrase as one stream of samples, checking
// for a key press at every frame boundary.
type phraseReader struct {
	items  []Item
	sounds []*Sound // per item; nil for a pause
	digits <-chan rune
	item   int   // current item
	off    int   // samples of the current item already read
	read   int64 // samples read in all
	digit  rune
}

// reset loads the sounds of ph, reusing the reader's slices.
func (r *phraseReader) reset(cat *Catalog, ph Phrase, digits <-chan rune) error {
	clear(r.sounds)
	*r = phraseReader{sounds: r.sounds[:0], items: ph.Items, digits: digits}
	for i, it := range ph.Items {
		var s *Sound
		switch {
		case it.Prompt != "":
			var err error
			if s, err = cat.Load(ph.Lang, it.User, it.Prompt); err != nil {
				return fmt.Errorf("prompt: play item %d: %w", i, err)
			}
		case it.Sound != nil:
			s = it.Sound
		case it.Pause < 0:
			return fmt.Errorf("prompt: play item %d: negative pause %v", i, it.Pause)
		}
		r.sounds = append(r.sounds, s)
	}
	return nil
}

// length is the number of samples of item i.
func (r *phraseReader) length(i int) int {
	if s := r.sounds[i]; s != nil {
		return len(s.Samples)
	}
	return int(r.items[i].Pause * media.SampleRate / time.Second)
}

// played is the audio sent: whole frames, the last one padded.
func (r *phraseReader) played() time.Duration {
	frames := (r.read + media.FrameSamples - 1) / media.FrameSamples
	return time.Duration(frames) * media.FrameDuration
}

// ReadSamples fills dst from the phrase. At a frame boundary it first
// looks for a key press, and ends the stream when there is one.
func (r *phraseReader) ReadSamples(dst []int16) (int, error) {
	if r.digit != 0 {
		return 0, io.EOF
	}
	if r.read%media.FrameSamples == 0 {
		select {
		case d := <-r.digits:
			r.digit = d
			return 0, io.EOF
		default:
		}
	}
	n := 0
	for n < len(dst) && r.item < len(r.items) {
		left := r.length(r.item) - r.off
		if left <= 0 {
			r.item++
			r.off = 0
			continue
		}
		k := min(left, len(dst)-n)
		if s := r.sounds[r.item]; s != nil {
			copy(dst[n:n+k], s.Samples[r.off:r.off+k])
		} else {
			clear(dst[n : n+k])
		}
		n += k
		r.off += k
	}
	r.read += int64(n)
	if r.item >= len(r.items) {
		return n, io.EOF
	}
	return n, nil
}

// DigitSink returns a report function for media.NewDTMFReceiver (RFC 4733
// telephone-events) or media.NewDTMFDetector (in-band tones) that sends
// each key press to ch when the key goes down, without blocking: when ch is
// full the press is dropped, as a caller pressing faster than the menu
// reads. Hook flash and other events without a digit are ignored.
func DigitSink(ch chan<- rune) func(media.DTMFReport) {
	return func(rep media.DTMFReport) {
		if rep.End {
			return
		}
		d := rep.Event.Digit()
		if d == 0 {
			return
		}
		select {
		case ch <- rune(d):
		default:
		}
	}
}
