package prompt_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/media/prompt"
)

// A voicemail greeting: counts with the right plural, a date relative to
// now in the listener's time zone, and a caller's number.
func ExampleBuilder() {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2025, 6, 11, 9, 0, 0, 0, ny)
	received := time.Date(2025, 6, 10, 19, 42, 0, 0, time.UTC) // 3:42 PM in New York

	ph, err := prompt.NewBuilder(prompt.English{}).
		Say("vm-you-have").Count(1, "vm-message", "vm-messages").
		Say("vm-received").DateTime(received, now, ny).
		Say("vm-from").PhoneNumber("+1 212").
		Phrase()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ph.Prompts())
	// Output:
	// [vm-you-have num-1 vm-message vm-received yesterday at num-3 num-40 num-2 pm vm-from plus digit-1 digit-2 digit-1 digit-2]
}

func ExampleEnglish_Cardinal() {
	for _, n := range []int{0, 15, 342, 1_000_000} {
		words, _ := prompt.English{}.Cardinal(nil, n)
		fmt.Println(n, words)
	}
	// Output:
	// 0 [num-0]
	// 15 [num-15]
	// 342 [num-3 num-hundred num-40 num-2]
	// 1000000 [num-1 num-million]
}

func ExampleCatalog_Load() {
	cat, err := prompt.NewCatalog(prompt.CatalogConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := cat.Load("en", "", "vm-enter-pin")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := cat.Text("en", "vm-enter-pin")
	fmt.Printf("%s (%s layer): %q\n", s.Name, s.Layer, text)
	_, err = cat.Load("en", "", "vm-no-such-prompt")
	fmt.Println(err)
	// Output:
	// vm-enter-pin (default layer): "Please enter your PIN, followed by the pound key."
	// prompt: "vm-no-such-prompt" in language "en": prompt not found in the system's replacements or the default set
}

// The caller presses 1 while the main menu plays: the player stops at the
// next frame. In a call, the Output is a media.Player on the call's
// session and the digits come from a media.DTMFReceiver through DigitSink.
func ExamplePlayer() {
	cat, err := prompt.NewCatalog(prompt.CatalogConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	digits := make(chan rune, 1)
	frames := 0
	out := prompt.OutputFunc(func(ctx context.Context, r media.SampleReader) error {
		buf := make([]int16, media.FrameSamples)
		for {
			if frames == 50 { // one second in, the caller presses 1
				digits <- '1'
			}
			n, err := r.ReadSamples(buf)
			if n > 0 {
				frames++ // a real Output sends the frame here, every 20 ms
			}
			if err == io.EOF {
				return nil
			}
		}
	})
	ph, _ := prompt.NewBuilder(prompt.English{}).Say("vm-main-menu").Phrase()
	res, err := prompt.NewPlayer(cat, out).Play(context.Background(), ph, digits)
	fmt.Printf("digit %c after %v, item %d, err %v\n", res.Digit, res.Played, res.Item, err)
	// Output:
	// digit 1 after 1s, item 0, err <nil>
}
