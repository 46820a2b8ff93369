package prompt

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/media/prompt/internal/texts"
)

func newCatalog(t testing.TB, cfg CatalogConfig) *Catalog {
	t.Helper()
	c, err := NewCatalog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDefaultSet checks the committed set against the list it was made
// from: every prompt exists, decodes, says the listed text, and lasts a
// sane time; nothing else is in it; and the whole set fits its budget.
func TestDefaultSet(t *testing.T) {
	c := newCatalog(t, CatalogConfig{})
	entries := texts.English()
	var names []string
	var total int64
	for _, e := range entries {
		names = append(names, e.Name)
		s, err := c.Load("en", "", e.Name)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if text, _ := c.Text("en", e.Name); text != e.Text {
			t.Errorf("%s: manifest says %q, the list %q: run `make prompts`", e.Name, text, e.Text)
		}
		d := s.Duration()
		switch e.Kind {
		case texts.Speech:
			// About 0.2 to 0.8 s a word at 175 words a minute.
			words := len(strings.Fields(e.Text))
			lo, hi := 200*time.Millisecond, time.Duration(words)*800*time.Millisecond+time.Second
			if d < lo || d > hi {
				t.Errorf("%s: %v long for %d words, want %v to %v", e.Name, d, words, lo, hi)
			}
			if rms(s.Samples) < 500 {
				t.Errorf("%s: too quiet (RMS %.0f)", e.Name, rms(s.Samples))
			}
		case texts.Tone:
			// -10 dBFS is about -7 dBm0 in µ-law, all of it at 1000 Hz.
			if lvl := media.ToneLevel(s.Samples, 1000); d != 400*time.Millisecond || lvl < -8 || lvl > -6 {
				t.Errorf("%s: %v long, 1000 Hz at %.1f dBm0; want 400ms at -7 dBm0", e.Name, d, lvl)
			}
		case texts.Silence:
			if d != 500*time.Millisecond || rms(s.Samples) != 0 {
				t.Errorf("%s: %v long, RMS %.0f", e.Name, d, rms(s.Samples))
			}
		}
		info, err := fs.Stat(DefaultSounds(), "en/"+e.Name+".wav")
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	if diff := cmp.Diff(sortedCopy(names), c.Names("en")); diff != "" {
		t.Errorf("manifest names differ from the list (-list +manifest):\n%s", diff)
	}
	files, err := fs.Glob(DefaultSounds(), "en/*.wav")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(entries) {
		t.Errorf("%d WAV files in sounds/en, %d on the list", len(files), len(entries))
	}
	if total > 9<<18 { // 2.25 MiB: the issue asks for "under ~2 MB"; 192 prompts come to ≈ 2.0 MiB
		t.Errorf("default set is %d bytes, over the 2.25 MiB budget", total)
	}
	t.Logf("default set: %d prompts, %d bytes", len(entries), total)
	if diff := cmp.Diff([]string{"en"}, c.Languages()); diff != "" {
		t.Errorf("Languages mismatch:\n%s", diff)
	}
}

// TestSpecNames checks the names the shared prompt contract promises to
// the voicemail menu, call handling, conference and park.
func TestSpecNames(t *testing.T) {
	c := newCatalog(t, CatalogConfig{})
	spec := []string{
		"vm-enter-mailbox", "vm-enter-pin", "vm-login-incorrect", "vm-locked", "vm-goodbye", "vm-you-have",
		"vm-no-messages", "vm-new", "vm-old", "vm-urgent", "vm-message", "vm-messages", "vm-main-menu",
		"vm-message-menu", "vm-message-number", "vm-received", "vm-from", "vm-unknown-caller", "vm-no-more",
		"vm-first-message", "vm-deleted", "vm-saved", "vm-marked-urgent", "vm-options-menu", "vm-record-greeting",
		"vm-record-name", "vm-review", "vm-greeting-saved", "vm-greeting-erased", "vm-new-pin", "vm-reenter-pin",
		"vm-pin-mismatch", "vm-pin-invalid", "vm-pin-changed", "vm-details-on", "vm-details-off", "vm-forward-to",
		"vm-forward-comment", "vm-forwarded", "vm-no-such-mailbox", "vm-invalid", "vm-person-at", "vm-unavailable",
		"vm-busy", "vm-leave-message", "vm-operator-hint", "vm-deposit-menu", "vm-message-sent", "vm-mailbox-full",
		"ch-code-accepted", "ch-code-invalid", "ch-forward-on", "ch-forward-off", "ch-forward-busy-on",
		"ch-forward-busy-off", "ch-forward-noanswer-on", "ch-forward-noanswer-off", "ch-forward-unavailable-on",
		"ch-forward-unavailable-off", "ch-dnd-on", "ch-dnd-off", "ch-block-added", "ch-block-removed",
		"ch-block-not-allowed", "ch-mode-out-of-office", "ch-mode-away", "ch-mode-other", "ch-mode-off",
		"ch-phone-locked", "ch-phone-unlocked", "ch-wrong-password", "ch-followme-call", "ch-phone-is-locked",
		"conf-enter-pin", "conf-pin-invalid", "conf-joining", "conf-only-person", "conf-there-are", "conf-people",
		"conf-locked", "conf-full", "conf-muted", "conf-unmuted", "conf-wait-moderator", "park-parked-on", "park-nothing",
		"star", "pound", "plus", "num-hundred", "num-thousand", "num-million", "today", "yesterday", "at", "oh",
		"oclock", "am", "pm", "and", "extension", "beep", "silence-500ms",
	}
	for i := range 10 {
		spec = append(spec, "digit-"+string(rune('0'+i)))
	}
	spec = append(spec, "num-0", "num-9", "num-10", "num-19", "num-20", "num-90", "ord-1", "ord-31",
		"day-sunday", "day-saturday", "month-january", "month-december")
	for _, name := range spec {
		if _, err := c.Load("en", "", name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

func rms(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return sqrt(sum / float64(len(s)))
}

func sqrt(x float64) float64 {
	r := x
	for range 60 {
		if r == 0 {
			return 0
		}
		r = (r + x/r) / 2
	}
	return r
}

// wavBytes encodes n samples of value v as a 16-bit PCM WAV file.
func wavBytes(t testing.TB, n int, v int16) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewWAVWriter(f, media.WAVFormat{Encoding: media.WAVPCM16, Rate: media.SampleRate, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, n)
	for i := range buf {
		buf[i] = v
	}
	if _, err := w.WriteSamples(buf); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCatalogLayers(t *testing.T) {
	def := fstest.MapFS{
		"en/manifest.tsv": {Data: []byte("# test\nname\t10\tA name.\ngreeting\t10\tHello.\nbye\t10\tBye.\n")},
		"en/name.wav":     {Data: wavBytes(t, 80, 1)},
		"en/greeting.wav": {Data: wavBytes(t, 80, 2)},
		"en/bye.wav":      {Data: wavBytes(t, 80, 3)},
	}
	sys := fstest.MapFS{
		"en/greeting.wav": {Data: wavBytes(t, 160, 20)},
		"en/bye.wav":      {Data: []byte("not audio")}, // a bad upload
	}
	users := fstest.MapFS{
		"101/en/name.wav":     {Data: wavBytes(t, 240, 100)},
		"101/en/greeting.wav": {Data: wavBytes(t, 240, 200)},
	}
	c := newCatalog(t, CatalogConfig{Default: def, System: sys, Users: users})
	tests := []struct {
		user, name string
		layer      Layer
		value      int16
		n          int
	}{
		{"101", "name", LayerUser, 100, 240},
		{"101", "greeting", LayerUser, 200, 240},
		{"102", "name", LayerDefault, 1, 80},
		{"102", "greeting", LayerSystem, 20, 160},
		{"", "greeting", LayerSystem, 20, 160},
		{"", "name", LayerDefault, 1, 80},
		{"", "bye", LayerDefault, 3, 80}, // the bad system file is skipped
	}
	for _, tt := range tests {
		s, err := c.Load("en", tt.user, tt.name)
		if err != nil {
			t.Errorf("Load(%q, %q): %v", tt.user, tt.name, err)
			continue
		}
		if s.Layer != tt.layer || len(s.Samples) != tt.n || s.Samples[0] != tt.value || s.Name != tt.name || s.Lang != "en" {
			t.Errorf("Load(%q, %q) = %v %q, %d samples of %d; want %v, %d of %d",
				tt.user, tt.name, s.Layer, s.Name, len(s.Samples), s.Samples[0], tt.layer, tt.n, tt.value)
		}
	}
	if text, ok := c.Text("en", "greeting"); !ok || text != "Hello." {
		t.Errorf("Text = %q, %v", text, ok)
	}
}

func TestCatalogNoticesReplacement(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "en"), 0o755))
	c := newCatalog(t, CatalogConfig{System: os.DirFS(dir)})
	s, err := c.Load("en", "", "vm-goodbye")
	must(err)
	if s.Layer != LayerDefault {
		t.Fatalf("before upload: layer %v", s.Layer)
	}
	file := filepath.Join(dir, "en", "vm-goodbye.wav")
	must(os.WriteFile(file, wavBytes(t, 160, 7), 0o644))
	s, err = c.Load("en", "", "vm-goodbye")
	must(err)
	if s.Layer != LayerSystem || len(s.Samples) != 160 {
		t.Fatalf("after upload: layer %v, %d samples", s.Layer, len(s.Samples))
	}
	again, _ := c.Load("en", "", "vm-goodbye")
	if again != s {
		t.Errorf("unchanged replacement decoded again")
	}
	must(os.WriteFile(file, wavBytes(t, 320, 9), 0o644))
	must(os.Chtimes(file, time.Now(), time.Now().Add(time.Minute)))
	s, err = c.Load("en", "", "vm-goodbye")
	must(err)
	if len(s.Samples) != 320 || s.Samples[0] != 9 {
		t.Errorf("after a new upload: %d samples of %d", len(s.Samples), s.Samples[0])
	}
	must(os.Remove(file))
	s, err = c.Load("en", "", "vm-goodbye")
	must(err)
	if s.Layer != LayerDefault {
		t.Errorf("after removal: layer %v", s.Layer)
	}
}

func TestCatalogErrors(t *testing.T) {
	c := newCatalog(t, CatalogConfig{Users: fstest.MapFS{}})
	tests := []struct {
		lang, user, name string
		want             error
		says             string
	}{
		{"en", "", "vm-nope", ErrNotFound, `"vm-nope" in language "en": prompt not found in the system's replacements or the default set`},
		{"en", "101", "vm-nope", ErrNotFound, "user 101's replacements"},
		{"fr", "", "vm-goodbye", ErrNotFound, `language "fr"`},
		{"en", "", "../en/vm-goodbye", ErrBadName, "invalid"},
		{"en", "", "VM-GOODBYE", ErrBadName, "invalid"},
		{"../x", "", "vm-goodbye", ErrBadName, "invalid"},
		{"en", "..", "vm-goodbye", ErrBadName, "invalid"},
		{"en", "a/b", "vm-goodbye", ErrBadName, "invalid"},
		{"en", "", "", ErrBadName, "invalid"},
	}
	for _, tt := range tests {
		_, err := c.Load(tt.lang, tt.user, tt.name)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Load(%q, %q, %q) = %v, want %v saying %q", tt.lang, tt.user, tt.name, err, tt.want, tt.says)
		}
	}
	_, err := NewCatalog(CatalogConfig{Default: fstest.MapFS{"en/manifest.tsv": {Data: []byte("name only\n")}}})
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("malformed manifest: %v", err)
	}
}

func TestCatalogConcurrent(t *testing.T) {
	c := newCatalog(t, CatalogConfig{})
	names := []string{"vm-goodbye", "digit-1", "beep", "vm-main-menu"}
	var wg sync.WaitGroup
	got := make([][]*Sound, 8)
	for g := range got {
		wg.Go(func() {
			for _, n := range names {
				s, err := c.Load("en", "", n)
				if err != nil {
					t.Error(err)
					return
				}
				got[g] = append(got[g], s)
			}
		})
	}
	wg.Wait()
	for g := range got {
		for i := range got[g] {
			if !bytes.Equal(i16bytes(got[g][i].Samples), i16bytes(got[0][i].Samples)) {
				t.Errorf("goroutine %d got different audio for %s", g, names[i])
			}
		}
	}
}

func i16bytes(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		b[2*i], b[2*i+1] = byte(v), byte(v>>8)
	}
	return b
}
