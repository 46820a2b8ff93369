package prompt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/media/prompt/internal/texts"
)

// vocabulary is the set of names in the default English list.
func vocabulary() map[string]bool {
	v := map[string]bool{}
	for _, e := range texts.English() {
		v[e.Name] = true
	}
	return v
}

func split(s string) []string { return strings.Fields(s) }

func TestEnglishCardinal(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "num-0"},
		{7, "num-7"},
		{13, "num-13"},
		{20, "num-20"},
		{21, "num-20 num-1"},
		{99, "num-90 num-9"},
		{100, "num-1 num-hundred"},
		{101, "num-1 num-hundred num-1"},
		{110, "num-1 num-hundred num-10"},
		{342, "num-3 num-hundred num-40 num-2"},
		{1000, "num-1 num-thousand"},
		{1005, "num-1 num-thousand num-5"},
		{1234, "num-1 num-thousand num-2 num-hundred num-30 num-4"},
		{20000, "num-20 num-thousand"},
		{100000, "num-1 num-hundred num-thousand"},
		{999999, "num-9 num-hundred num-90 num-9 num-thousand num-9 num-hundred num-90 num-9"},
		{1000000, "num-1 num-million"},
		{1000001, "num-1 num-million num-1"},
		{2000100, "num-2 num-million num-1 num-hundred"},
		{MaxCardinal, "num-9 num-hundred num-90 num-9 num-million num-9 num-hundred num-90 num-9 num-thousand num-9 num-hundred num-90 num-9"},
	}
	for _, tt := range tests {
		got, err := English{}.Cardinal([]string{"keep"}, tt.n)
		if err != nil {
			t.Errorf("Cardinal(%d): %v", tt.n, err)
			continue
		}
		if diff := cmp.Diff(append([]string{"keep"}, split(tt.want)...), got); diff != "" {
			t.Errorf("Cardinal(%d) mismatch (-want +got):\n%s", tt.n, diff)
		}
	}
	for _, n := range []int{-1, MaxCardinal + 1} {
		got, err := (English{}).Cardinal([]string{"keep"}, n)
		if !errors.Is(err, ErrUnsayable) {
			t.Errorf("Cardinal(%d) error = %v, want ErrUnsayable", n, err)
		}
		if diff := cmp.Diff([]string{"keep"}, got); diff != "" {
			t.Errorf("Cardinal(%d) changed dst on error:\n%s", n, diff)
		}
	}
}

// TestEnglishCardinalRange says every number from 0 to 1,000,000 and reads
// the words back: each is in the vocabulary, "zero" appears only alone, and
// the words mean the number.
func TestEnglishCardinalRange(t *testing.T) {
	vocab := vocabulary()
	value := map[string]int{}
	for i := range 20 {
		value[enNums[i]] = i
	}
	for i := 2; i < 10; i++ {
		value[enTens[i]] = i * 10
	}
	var buf []string
	for n := 0; n <= 1_000_000; n++ {
		var err error
		buf, err = English{}.Cardinal(buf[:0], n)
		if err != nil {
			t.Fatalf("Cardinal(%d): %v", n, err)
		}
		total, cur := 0, 0
		for _, w := range buf {
			if !vocab[w] {
				t.Fatalf("Cardinal(%d) = %v: %q is not in the prompt set", n, buf, w)
			}
			switch w {
			case "num-hundred":
				cur *= 100
			case "num-thousand":
				total, cur = total+cur*1000, 0
			case "num-million":
				total, cur = total+cur*1_000_000, 0
			case "num-0":
				if n != 0 {
					t.Fatalf("Cardinal(%d) = %v says zero", n, buf)
				}
			default:
				cur += value[w]
			}
		}
		if total+cur != n {
			t.Fatalf("Cardinal(%d) = %v reads back as %d", n, buf, total+cur)
		}
	}
}

func TestEnglishOrdinal(t *testing.T) {
	vocab := vocabulary()
	for n := 1; n <= 31; n++ {
		got, err := English{}.Ordinal(nil, n)
		if err != nil || len(got) != 1 || !vocab[got[0]] {
			t.Errorf("Ordinal(%d) = %v, %v", n, got, err)
		}
	}
	if got, _ := (English{}).Ordinal(nil, 3); got[0] != "ord-3" {
		t.Errorf("Ordinal(3) = %v, want ord-3", got)
	}
	for _, n := range []int{0, 32, -5} {
		if _, err := (English{}).Ordinal(nil, n); !errors.Is(err, ErrUnsayable) {
			t.Errorf("Ordinal(%d) error = %v, want ErrUnsayable", n, err)
		}
	}
}

func TestEnglishDigits(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "0", want: "digit-0"},
		{in: "41", want: "digit-4 digit-1"},
		{in: "*72#", want: "star digit-7 digit-2 pound"},
		{in: "+1 (212) 555-0100", want: "plus digit-1 digit-2 digit-1 digit-2 digit-5 digit-5 digit-5 digit-0 digit-1 digit-0 digit-0"},
		{in: "+33.1.23", want: "plus digit-3 digit-3 digit-1 digit-2 digit-3"},
		{in: "", want: ""},
		{in: "12a", err: true},
		{in: "1+2", err: true},
		{in: "++1", err: true},
		{in: "٣", err: true},
	}
	for _, tt := range tests {
		got, err := English{}.Digits(nil, tt.in)
		if (err != nil) != tt.err {
			t.Errorf("Digits(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if tt.err {
			if !errors.Is(err, ErrUnsayable) || len(got) != 0 {
				t.Errorf("Digits(%q) = %v, %v: want ErrUnsayable and nothing added", tt.in, got, err)
			}
			continue
		}
		if diff := cmp.Diff(split(tt.want), got, cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" {
			t.Errorf("Digits(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestEnglishPlural(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "vm-you-have num-0 vm-new vm-messages"},
		{1, "vm-you-have num-1 vm-new vm-message"},
		{2, "vm-you-have num-2 vm-new vm-messages"},
		{21, "vm-you-have num-20 num-1 vm-new vm-messages"},
	}
	for _, tt := range tests {
		ph, err := NewBuilder(English{}).Say("vm-you-have").Number(tt.n).Say("vm-new").Plural(tt.n, "vm-message", "vm-messages").Phrase()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(split(tt.want), ph.Prompts()); diff != "" {
			t.Errorf("%d messages mismatch (-want +got):\n%s", tt.n, diff)
		}
		if got := (English{}).Plural(tt.n); (got == PluralOne) != (tt.n == 1) {
			t.Errorf("Plural(%d) = %v", tt.n, got)
		}
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v (tzdata missing)", name, err)
	}
	return loc
}

func TestEnglishDateTime(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	paris := mustLoad(t, "Europe/Paris")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	// Wednesday 2025-06-11 in both zones.
	tests := []struct {
		name    string
		t, now  time.Time
		loc     *time.Location
		want    string
		nowDate bool // check Date alone instead of DateTime
	}{
		{"same day", at(ny, 2025, 6, 11, 15, 42), at(ny, 2025, 6, 11, 18, 0), ny, "today at num-3 num-40 num-2 pm", false},
		{"oh minutes", at(ny, 2025, 6, 11, 3, 5), at(ny, 2025, 6, 11, 18, 0), ny, "today at num-3 oh num-5 am", false},
		{"on the hour", at(ny, 2025, 6, 11, 15, 0), at(ny, 2025, 6, 11, 18, 0), ny, "today at num-3 pm", false},
		{"noon", at(ny, 2025, 6, 11, 12, 0), at(ny, 2025, 6, 11, 18, 0), ny, "today at num-12 pm", false},
		{"midnight", at(ny, 2025, 6, 11, 0, 0), at(ny, 2025, 6, 11, 18, 0), ny, "today at num-12 am", false},
		{"after midnight", at(ny, 2025, 6, 11, 0, 10), at(ny, 2025, 6, 11, 18, 0), ny, "today at num-12 num-10 am", false},
		{"across midnight", at(ny, 2025, 6, 10, 23, 50), at(ny, 2025, 6, 11, 0, 10), ny, "yesterday at num-11 num-50 pm", false},
		{"weekday", at(ny, 2025, 6, 8, 9, 30), at(ny, 2025, 6, 11, 9, 0), ny, "day-sunday at num-9 num-30 am", false},
		{"six days ago", at(ny, 2025, 6, 5, 9, 30), at(ny, 2025, 6, 11, 9, 0), ny, "day-thursday at num-9 num-30 am", false},
		{"a week ago", at(ny, 2025, 6, 4, 9, 30), at(ny, 2025, 6, 11, 9, 0), ny, "month-june ord-4 at num-9 num-30 am", false},
		{"last year", at(ny, 2024, 12, 31, 17, 1), at(ny, 2025, 1, 20, 9, 0), ny, "month-december ord-31 num-2 num-thousand num-20 num-4 at num-5 oh num-1 pm", false},
		{"future", at(ny, 2025, 6, 12, 9, 30), at(ny, 2025, 6, 11, 9, 0), ny, "month-june ord-12", true},
		// The same instant is today in New York and tomorrow in Paris.
		{"UTC evening, New York", time.Date(2025, 6, 10, 22, 30, 0, 0, time.UTC), at(ny, 2025, 6, 11, 9, 0), ny, "yesterday at num-6 num-30 pm", false},
		{"UTC evening, Paris", time.Date(2025, 6, 10, 22, 30, 0, 0, time.UTC), at(paris, 2025, 6, 11, 9, 0), paris, "today at num-12 num-30 am", false},
		{"now given in UTC", at(paris, 2025, 6, 11, 0, 30), time.Date(2025, 6, 10, 23, 0, 0, 0, time.UTC), paris, "today at num-12 num-30 am", false},
		// DST: the 23-hour and 25-hour days still count as one day each.
		{"NY spring forward", at(ny, 2025, 3, 9, 0, 30), at(ny, 2025, 3, 10, 0, 15), ny, "yesterday at num-12 num-30 am", false},
		{"NY spring forward, after the gap", at(ny, 2025, 3, 9, 3, 30), at(ny, 2025, 3, 9, 23, 59), ny, "today at num-3 num-30 am", false},
		{"NY fall back, first 1:30", time.Date(2025, 11, 2, 5, 30, 0, 0, time.UTC), at(ny, 2025, 11, 3, 0, 5), ny, "yesterday at num-1 num-30 am", false},
		{"NY fall back, second 1:30", time.Date(2025, 11, 2, 6, 30, 0, 0, time.UTC), at(ny, 2025, 11, 2, 23, 59), ny, "today at num-1 num-30 am", false},
		{"Paris spring forward", at(paris, 2025, 3, 30, 3, 15), at(paris, 2025, 3, 31, 0, 30), paris, "yesterday at num-3 num-15 am", false},
		{"Paris fall back", at(paris, 2025, 10, 26, 2, 30), at(paris, 2025, 11, 1, 23, 0), paris, "day-sunday at num-2 num-30 am", false},
	}
	for _, tt := range tests {
		b := NewBuilder(English{})
		if tt.nowDate {
			b.Date(tt.t, tt.now, tt.loc)
		} else {
			b.DateTime(tt.t, tt.now, tt.loc)
		}
		ph, err := b.Phrase()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(split(tt.want), ph.Prompts()); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tt.name, diff)
		}
		vocab := vocabulary()
		for _, n := range ph.Prompts() {
			if !vocab[n] {
				t.Errorf("%s: %q is not in the prompt set", tt.name, n)
			}
		}
	}
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *Builder) *Builder
		want  error
	}{
		{"negative number", func(b *Builder) *Builder { return b.Number(-1) }, ErrUnsayable},
		{"letter in extension", func(b *Builder) *Builder { return b.Extension("10a") }, ErrUnsayable},
		{"plus in extension", func(b *Builder) *Builder { return b.Extension("+101") }, ErrUnsayable},
		{"empty extension", func(b *Builder) *Builder { return b.Extension("") }, ErrUnsayable},
		{"empty phone number", func(b *Builder) *Builder { return b.PhoneNumber("") }, ErrUnsayable},
		{"first error kept", func(b *Builder) *Builder { return b.Ordinal(40).Number(-1).Say("vm-new") }, ErrUnsayable},
	}
	for _, tt := range tests {
		_, err := tt.build(NewBuilder(English{}).Say("vm-from")).Phrase()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestBuilderPhrase(t *testing.T) {
	b := NewBuilder(English{}).Say("vm-person-at").Extension("41").Say("vm-unavailable").
		Pause(500*time.Millisecond).Say("vm-from").PhoneNumber("+1 212").SayUser("101", "name").Count(1, "vm-message", "vm-messages")
	ph, err := b.Phrase()
	if err != nil {
		t.Fatal(err)
	}
	want := Phrase{Lang: "en", Items: []Item{
		{Prompt: "vm-person-at"}, {Prompt: "digit-4"}, {Prompt: "digit-1"}, {Prompt: "vm-unavailable"},
		{Pause: 500 * time.Millisecond}, {Prompt: "vm-from"},
		{Prompt: "plus"}, {Prompt: "digit-1"}, {Prompt: "digit-2"}, {Prompt: "digit-1"}, {Prompt: "digit-2"},
		{Prompt: "name", User: "101"}, {Prompt: "num-1"}, {Prompt: "vm-message"},
	}}
	if diff := cmp.Diff(want, ph); diff != "" {
		t.Errorf("Phrase mismatch (-want +got):\n%s", diff)
	}
	// The phrase returned is a copy: building on does not change it.
	b.Say("vm-goodbye")
	if len(ph.Items) != len(want.Items) {
		t.Errorf("Phrase changed by a later Say: %d items", len(ph.Items))
	}
}

// FuzzEnglishDigits checks that any string either fails with nothing added
// or says exactly its sayable characters, each with a prompt of the set.
func FuzzEnglishDigits(f *testing.F) {
	for _, s := range []string{"+1 (212) 555-0100", "*72#", "41", "12a", "", "++"} {
		f.Add(s)
	}
	vocab := vocabulary()
	f.Fuzz(func(t *testing.T, s string) {
		got, err := English{}.Digits(nil, s)
		if err != nil {
			if !errors.Is(err, ErrUnsayable) || len(got) != 0 {
				t.Fatalf("Digits(%q) = %v, %v", s, got, err)
			}
			return
		}
		want := 0
		for _, c := range s {
			if strings.ContainsRune("0123456789*#+", c) {
				want++
			}
		}
		if len(got) != want {
			t.Fatalf("Digits(%q) = %v: %d names, want %d", s, got, len(got), want)
		}
		for _, n := range got {
			if !vocab[n] {
				t.Fatalf("Digits(%q): %q not in the set", s, n)
			}
		}
	})
}
