package main

import (
	"errors"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/media/prompt"
)

// defaultPrompt reads a prompt of the default set as samples.
func defaultPrompt(t *testing.T, name string) []int16 {
	t.Helper()
	b, err := fs.ReadFile(prompt.DefaultSounds(), "en/"+name+".wav")
	if err != nil {
		t.Fatal(err)
	}
	return trimSilence(wavSamples(t, b), 100)
}

// TestVoicemailMenuPromptsInOrder is the prompt check of the prompts
// issue, through the PBX with a real softphone: baresip dials *60 and
// records what it hears. It hears "Please enter your mailbox number…"
// whole; it keys nothing, so after ten silent seconds the menu says it
// again, and that repeat, which starts a new talkspurt after a long
// pause, must be heard whole from its first syllable (the RTP timestamps
// move on with the pause and the marker bit starts the talkspurt; see
// media.Player). Then it keys 202# (RFC 4733): "Please enter your PIN…"
// starts at once; a key pressed one second into that prompt cuts it
// short: the phone hears no more of it while the menu waits for the rest
// of the PIN. Prompts are found by their energy envelope, then sample by
// sample, against the files of the default set.
func TestVoicemailMenuPromptsInOrder(t *testing.T) {
	bin := interop.LookPath(t, "baresip", "baresip")
	v := startVMTest(t)
	mailbox := defaultPrompt(t, "vm-enter-mailbox")
	pin := defaultPrompt(t, "vm-enter-pin")
	d := func(x []int16) time.Duration { return time.Duration(len(x)) * time.Second / 8000 }

	phone := startBaresip(t, bin, v.p, "201", 440)
	caller := &apiClient{t: t, base: v.p.http, user: "201", pass: "Portal-pass-201"}
	waitRegistered(t, caller, "baresip")
	writeTone(t, filepath.Join(phone.dir, "tone.wav"), 440, time.Minute) // outlast the call
	phone.command(t, "dial", "*60")
	phone.waitEvent(t, "CALL_ESTABLISHED")
	// The phone records only what it decodes, and the PBX sends nothing
	// while it waits for keys: the recording is the prompts back to back.
	// (baresip's jitter buffer keeps the last few packets of a prompt
	// until the next one arrives, so the recording only passes the first
	// prompt's length once the repeat has begun.)
	waitFor(t, "the mailbox prompt and its repeat", menuTimeout+20*time.Second, func() bool { return phone.recorded() >= d(mailbox)+time.Second }, phone.state)
	phone.command(t, "sndcode", "202#")
	keyed := phone.recorded()
	waitFor(t, "a second of the PIN prompt", 10*time.Second, func() bool { return phone.recorded() >= keyed+time.Second }, phone.state)
	phone.command(t, "sndcode", "4")
	// The menu now waits for the rest of the PIN and sends nothing: the
	// recording stops growing once the phone has heard all it was sent.
	last, since := phone.recorded(), time.Now()
	waitFor(t, "the PBX to go quiet", 10*time.Second, func() bool {
		if r := phone.recorded(); r != last {
			last, since = r, time.Now()
		}
		return time.Since(since) > scaled(1500*time.Millisecond)
	}, phone.state)
	phone.command(t, "hangup", "")
	phone.waitEvent(t, "CALL_CLOSED")
	phone.quit(t)
	heard := phone.recording(t)
	if testing.Verbose() {
		var line []byte
		for i, e := range envelope(heard) {
			if i%10 == 0 {
				line = append(line, " .:-=+*#%@"[min(9, int(e/300))])
			}
		}
		t.Logf("heard %.2f s, 100 ms levels: %s", float64(len(heard))/8000, line)
	}

	at1, c1 := find(heard, mailbox, 0)
	t.Logf("vm-enter-mailbox (%v) heard at %.2f s, correlation %.3f", d(mailbox), float64(at1)/8000, c1)
	if c1 < 0.9 || at1 > 8000 {
		t.Fatalf("vm-enter-mailbox not heard whole at the start: correlation %.3f at %.2f s", c1, float64(at1)/8000)
	}
	// The repeat after the silent wait: whole from its start (its first
	// second, before the keys cut it).
	again := mailbox[:8000]
	at1b, c1b := find(heard, again, at1+len(mailbox)-800)
	t.Logf("vm-enter-mailbox again after %v of silence at %.2f s, correlation %.3f", menuTimeout, float64(at1b)/8000, c1b)
	if c1b < 0.9 || at1b > at1+len(mailbox)+4000 {
		t.Fatalf("the prompt after the silent wait not heard whole from its start: correlation %.3f at %.2f s", c1b, float64(at1b)/8000)
	}
	if c := correlation(toFloat(heard[at1b:at1b+1600]), toFloat(again[:1600])); c < 0.9 {
		t.Errorf("the first 200 ms after the silent wait are garbled: correlation %.3f", c)
	}
	head := pin[:8000*3/4] // what plays before the key
	at2, c2 := find(heard, head, at1b+4000)
	t.Logf("vm-enter-pin starts at %.2f s, correlation %.3f", float64(at2)/8000, c2)
	if c2 < 0.9 || at2 > at1b+3*8000 {
		t.Fatalf("vm-enter-pin not heard right after the keys cut the repeat short: correlation %.3f at %.2f s", c2, float64(at2)/8000)
	}
	// Cut short: past 1.6 s (the key came after about a second) the rest
	// of the prompt was not played.
	if from, end := at2+8000*16/10, min(len(heard), at2+len(pin)); end-from > 4000 {
		if c := correlation(toFloat(heard[from:end]), toFloat(pin[8000*16/10:8000*16/10+end-from])); c > 0.5 {
			t.Errorf("vm-enter-pin went on after the key (correlation of its last part %.3f)", c)
		}
	}
	if played := time.Duration(len(heard)-at2) * time.Second / 8000; played > d(pin)-time.Second {
		t.Errorf("%v heard from the start of vm-enter-pin on, want it cut at about 1 s of its %v", played, d(pin))
	}
}

// TestCallHandlingPromptsInDefaultSet checks that the default prompt set
// has every confirmation callhandling's Apply and CheckOutgoing can ask
// the PBX to play. callhandling may not import media/prompt, so the check
// lives here, where both meet. The names are every "ch-…" string literal
// in callhandling's source (each prompt the package returns is written
// out whole there), and a locked phone's refusal from CheckOutgoing
// checks the collection reaches the returned values.
func TestCallHandlingPromptsInDefaultSet(t *testing.T) {
	names := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("..", "..", "callhandling", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("callhandling sources: %v %v", files, err)
	}
	fset := gotoken.NewFileSet()
	chName := regexp.MustCompile(`^ch-[a-z0-9-]+$`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && chName.MatchString(s) {
					names[s] = true
				}
			}
			return true
		})
	}
	var s callhandling.Settings
	s.Lock.Locked = true
	out := callhandling.CheckOutgoing(&s, &callhandling.System{}, "5551234", time.Now())
	if out.Allowed || !names[out.Prompt] {
		t.Fatalf("a locked phone's call: %+v; want refused with a prompt among %d found in the source", out, len(names))
	}
	for _, want := range []string{"ch-code-invalid", "ch-forward-on", "ch-dnd-off", "ch-wrong-password", "ch-mode-away"} {
		if !names[want] {
			t.Errorf("%s not found in callhandling's source: the scan is broken", want)
		}
	}
	cat, err := prompt.NewCatalog(prompt.CatalogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		snd, err := cat.Load("en", "", name)
		switch {
		case errors.Is(err, prompt.ErrNotFound):
			t.Errorf("%s: callhandling asks for it, the default prompt set lacks it", name)
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case snd.Duration() == 0:
			t.Errorf("%s: empty in the default prompt set", name)
		}
	}
	t.Logf("%d call-handling prompts, all in the default set", len(names))
}
