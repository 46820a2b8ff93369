package prompt

import (
	"fmt"
	"slices"
	"time"
)

// Item is one step of a Phrase: a prompt by name, a pause, or a sound the
// caller already holds (a recorded message, a greeting).
type Item struct {
	// Prompt is the name of a catalogue prompt, as "vm-you-have".
	Prompt string
	// User, with Prompt, prefers that user's replacement (a recorded name).
	User string
	// Pause is a silence, when Prompt is empty and Sound nil. Rounded to
	// whole samples.
	Pause time.Duration
	// Sound is audio to play as it is, when Prompt is empty.
	Sound *Sound
}

// Phrase is what to say: a sequence of items in one language. Building it
// does no I/O; the catalogue is read when it is played. The zero Phrase
// says nothing.
type Phrase struct {
	// Lang is the language tag whose sound directory the prompts come
	// from.
	Lang string
	// Items are said in order.
	Items []Item
}

// Prompts returns the names of the phrase's prompts in order, for tests
// and logs: a pause is "pause:<duration>", a sound "sound:<name>".
func (p Phrase) Prompts() []string {
	names := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		switch {
		case it.Prompt != "":
			names = append(names, it.Prompt)
		case it.Sound != nil:
			names = append(names, "sound:"+it.Sound.Name)
		default:
			names = append(names, "pause:"+it.Pause.String())
		}
	}
	return names
}

// Builder composes a Phrase in one language with a fluent interface. The
// first error (a number the language cannot say) is kept and returned by
// Phrase; later calls do nothing. Not safe for concurrent use.
//
//	ph, err := prompt.NewBuilder(prompt.English{}).
//		Say("vm-you-have").Number(3).Say("vm-new").
//		Plural(3, "vm-message", "vm-messages").Phrase()
type Builder struct {
	lang    Language
	ph      Phrase
	scratch []string
	err     error
}

// NewBuilder returns a Builder of phrases in lang.
func NewBuilder(lang Language) *Builder {
	return &Builder{lang: lang, ph: Phrase{Lang: lang.Tag()}}
}

// Say adds prompts by name.
func (b *Builder) Say(names ...string) *Builder {
	if b.err == nil {
		for _, n := range names {
			b.ph.Items = append(b.ph.Items, Item{Prompt: n})
		}
	}
	return b
}

// SayUser adds the prompt name from user's replacements when there is one
// (a recorded name), else the system's or the default.
func (b *Builder) SayUser(user, name string) *Builder {
	if b.err == nil {
		b.ph.Items = append(b.ph.Items, Item{Prompt: name, User: user})
	}
	return b
}

// Sound adds audio the caller holds, played as it is.
func (b *Builder) Sound(s *Sound) *Builder {
	if b.err == nil {
		if s == nil {
			b.err = fmt.Errorf("prompt: nil sound")
			return b
		}
		b.ph.Items = append(b.ph.Items, Item{Sound: s})
	}
	return b
}

// Pause adds d of silence.
func (b *Builder) Pause(d time.Duration) *Builder {
	if b.err == nil && d > 0 {
		b.ph.Items = append(b.ph.Items, Item{Pause: d})
	}
	return b
}

// Number says n as a cardinal: "Message" Number(3).
func (b *Builder) Number(n int) *Builder {
	return b.add(func(dst []string) ([]string, error) { return b.lang.Cardinal(dst, n) })
}

// Ordinal says n as an ordinal: "third".
func (b *Builder) Ordinal(n int) *Builder {
	return b.add(func(dst []string) ([]string, error) { return b.lang.Ordinal(dst, n) })
}

// Digits says s digit by digit (see Language.Digits).
func (b *Builder) Digits(s string) *Builder {
	return b.add(func(dst []string) ([]string, error) { return b.lang.Digits(dst, s) })
}

// Extension says an extension digit by digit: "four one" for 41. It
// accepts digits, '*' and '#' only.
func (b *Builder) Extension(ext string) *Builder {
	for i := 0; i < len(ext); i++ {
		if c := ext[i]; !(c >= '0' && c <= '9' || c == '*' || c == '#') {
			if b.err == nil {
				b.err = fmt.Errorf("prompt: extension %q: %w: %q at %d", ext, ErrUnsayable, c, i)
			}
			return b
		}
	}
	if ext == "" && b.err == nil {
		b.err = fmt.Errorf("prompt: empty extension: %w", ErrUnsayable)
	}
	return b.Digits(ext)
}

// PhoneNumber says a phone number digit by digit, with "plus" for a
// leading '+', skipping the usual punctuation: "+1 (212) 555-0100".
func (b *Builder) PhoneNumber(number string) *Builder {
	if number == "" && b.err == nil {
		b.err = fmt.Errorf("prompt: empty phone number: %w", ErrUnsayable)
	}
	return b.Digits(number)
}

// Date says the day of t relative to now, both read in loc, the
// listener's time zone: "today", "yesterday", "Tuesday", "March fifth".
func (b *Builder) Date(t, now time.Time, loc *time.Location) *Builder {
	return b.add(func(dst []string) ([]string, error) { return b.lang.Date(dst, t.In(loc), now.In(loc)), nil })
}

// Time says the time of day of t in loc: "three forty-two P M".
func (b *Builder) Time(t time.Time, loc *time.Location) *Builder {
	return b.add(func(dst []string) ([]string, error) { return b.lang.Time(dst, t.In(loc)), nil })
}

// DateTime says when t was, relative to now, both read in loc: "today at
// three forty-two P M".
func (b *Builder) DateTime(t, now time.Time, loc *time.Location) *Builder {
	return b.add(func(dst []string) ([]string, error) { return b.lang.DateTime(dst, t.In(loc), now.In(loc)), nil })
}

// Plural adds one when n takes the singular form in the builder's language
// and other otherwise: Plural(n, "vm-message", "vm-messages").
func (b *Builder) Plural(n int, one, other string) *Builder {
	if b.lang.Plural(n) == PluralOne {
		return b.Say(one)
	}
	return b.Say(other)
}

// Count says n and then the noun in the form n takes: Count(3, "vm-message",
// "vm-messages") is "three messages".
func (b *Builder) Count(n int, one, other string) *Builder {
	return b.Number(n).Plural(n, one, other)
}

// Phrase returns a copy of the phrase built so far, or the first error.
// The builder may go on adding to it.
func (b *Builder) Phrase() (Phrase, error) {
	if b.err != nil {
		return Phrase{}, b.err
	}
	return Phrase{Lang: b.ph.Lang, Items: slices.Clone(b.ph.Items)}, nil
}

// add appends the names a language rule produces.
func (b *Builder) add(rule func(dst []string) ([]string, error)) *Builder {
	if b.err != nil {
		return b
	}
	names, err := rule(b.scratch[:0])
	if err != nil {
		b.err = err
		return b
	}
	for _, n := range names {
		b.ph.Items = append(b.ph.Items, Item{Prompt: n})
	}
	b.scratch = names[:0]
	return b
}
