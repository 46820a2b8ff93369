package voicemail

import (
	"time"

	"github.com/telekit/telekit/media"
)

// ItemKind says what an Item of a play sequence is.
type ItemKind uint8

// The item kinds.
const (
	ItemUnknown ItemKind = iota
	// ItemPrompt is a recorded prompt by name ("vm-main-menu"); see
	// PromptNames.
	ItemPrompt
	// ItemNumber is a number said as a quantity ("three", "twenty-one").
	ItemNumber
	// ItemDigits is a string of digits said one by one ("one zero one").
	ItemDigits
	// ItemDateTime is a date and time said relative to now ("today at
	// three oh five P M").
	ItemDateTime
	// ItemAudio is a recording: a message, greeting or recorded name (a
	// path for Service.OpenAudio).
	ItemAudio
)

var itemNames = []string{"", "prompt", "number", "digits", "date-time", "audio"}

// String returns the kind's name, e.g. "prompt".
func (k ItemKind) String() string { return enumString(k, itemNames) }

// Item is one element of what the telephone menu plays: the application
// (examples/pbx) renders prompts, numbers, digits and times with
// package media/prompt and opens audio with Service.OpenAudio.
type Item struct {
	Kind ItemKind
	// Prompt is the prompt name (ItemPrompt).
	Prompt string
	// Number is the number (ItemNumber).
	Number int
	// Digits are the digits (ItemDigits).
	Digits string
	// Time is the instant (ItemDateTime).
	Time time.Time
	// Audio is the recording's path (ItemAudio).
	Audio string
}

// Prompt returns an ItemPrompt item.
func Prompt(name string) Item { return Item{Kind: ItemPrompt, Prompt: name} }

// Number returns an ItemNumber item.
func Number(n int) Item { return Item{Kind: ItemNumber, Number: n} }

// Digits returns an ItemDigits item.
func Digits(s string) Item { return Item{Kind: ItemDigits, Digits: s} }

// DateTime returns an ItemDateTime item.
func DateTime(t time.Time) Item { return Item{Kind: ItemDateTime, Time: t} }

// AudioItem returns an ItemAudio item.
func AudioItem(ref string) Item { return Item{Kind: ItemAudio, Audio: ref} }

// InputKind says what happened on the line.
type InputKind uint8

// The inputs a Menu or DepositCall handles.
const (
	InputUnknown InputKind = iota
	// InputDigit: the caller pressed Input.Digit (0-9, *, #), RFC 4733
	// or in-band. It interrupts what is playing (barge-in).
	InputDigit
	// InputPlayed: everything the last ActionPlay asked for was played.
	InputPlayed
	// InputRecorded: the last ActionRecord stopped: silence, '#' (which
	// may also be sent as an InputDigit), or the maximum length.
	InputRecorded
	// InputTimeout: no key was pressed for a while after a menu played.
	InputTimeout
	// InputHangup: the caller hung up. Recordings in progress are
	// committed (a deposit) or discarded (a greeting).
	InputHangup
)

// Input is an event for Menu.Handle or DepositCall.Handle.
type Input struct {
	Kind  InputKind
	Digit byte
}

// Key returns the InputDigit input for key d.
func Key(d byte) Input { return Input{Kind: InputDigit, Digit: d} }

// ActionKind says what the application should do next.
type ActionKind uint8

// The actions. Every action first plays Action.Play, if any.
const (
	// ActionNone: nothing more (the call is over, or keep waiting).
	ActionNone ActionKind = iota
	// ActionPlay: play Play, letting digits interrupt, then send
	// InputPlayed (or InputTimeout if no key follows the menu).
	ActionPlay
	// ActionRecord: play Play, then the beep if Beep, then record the
	// caller into Recording until '#', Silence of silence, MaxLength or
	// hang-up, then send InputRecorded (or InputHangup).
	ActionRecord
	// ActionHangup: play Play, then hang up.
	ActionHangup
	// ActionCallBack: call Number back (the message menu's 3), ending
	// the menu.
	ActionCallBack
	// ActionTransfer: transfer the caller to Number (the operator).
	ActionTransfer
)

var actionNames = []string{"none", "play", "record", "hangup", "call-back", "transfer"}

// String returns the kind's name, e.g. "record".
func (k ActionKind) String() string { return enumString(k, actionNames) }

// Action is what a Menu or DepositCall asks the application to do.
type Action struct {
	Kind ActionKind
	// Play is played first.
	Play []Item
	// Beep plays the beep before recording (ActionRecord).
	Beep bool
	// Recording receives the recorded audio (ActionRecord). It is a
	// *Deposit owned by the state machine: write to it, never Commit or
	// Abort it.
	Recording media.SampleWriter
	// MaxLength is the longest recording (ActionRecord); the Recording
	// also refuses samples past it with ErrMaxLength.
	MaxLength time.Duration
	// Silence stops the recording after this much silence (ActionRecord).
	Silence time.Duration
	// Number is the number to call back or transfer to.
	Number string
}

// recordSilence is how much silence ends a recording.
const recordSilence = 5 * time.Second

func play(items ...Item) Action { return Action{Kind: ActionPlay, Play: items} }

func prompts(names ...string) []Item {
	out := make([]Item, len(names))
	for i, n := range names {
		out[i] = Prompt(n)
	}
	return out
}

// PromptNames returns every prompt name the telephone menus play, sorted,
// so that a test can check that the prompt set has them all.
func PromptNames() []string {
	return []string{
		"vm-busy", "vm-deleted", "vm-deposit-menu", "vm-details-off", "vm-details-on",
		"vm-enter-mailbox", "vm-enter-pin", "vm-first-message", "vm-forward-comment",
		"vm-forward-to", "vm-forwarded", "vm-from", "vm-goodbye", "vm-greeting-erased",
		"vm-greeting-saved", "vm-invalid", "vm-leave-message", "vm-locked", "vm-login-incorrect",
		"vm-mailbox-full", "vm-main-menu", "vm-marked-urgent", "vm-message", "vm-message-menu",
		"vm-message-number", "vm-message-sent", "vm-messages", "vm-new", "vm-new-pin",
		"vm-no-messages", "vm-no-more", "vm-no-such-mailbox", "vm-old", "vm-operator-hint",
		"vm-options-menu", "vm-person-at", "vm-pin-changed", "vm-pin-invalid", "vm-pin-mismatch",
		"vm-received", "vm-record-comment", "vm-record-greeting", "vm-record-name", "vm-reenter-pin", "vm-review",
		"vm-saved", "vm-temp-days", "vm-temp-no-end", "vm-temp-until", "vm-unavailable", "vm-unknown-caller", "vm-urgent", "vm-you-have",
	}
}
