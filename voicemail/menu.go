package voicemail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// MenuMode is how the caller reached the mailbox menu.
type MenuMode uint8

// The menu modes.
const (
	MenuModeUnknown MenuMode = iota
	// AnyMailbox is *60: the caller enters a mailbox number, then its PIN.
	AnyMailbox
	// OwnMailbox is *61: the caller's own mailbox; only the PIN.
	OwnMailbox
)

// MenuStart says who called the menu and how.
type MenuStart struct {
	Mode MenuMode
	// Caller is the calling extension (the own mailbox for *61).
	Caller string
	// OwnPhone is true when the call comes from a phone registered to
	// Caller, which allows Options.SkipPIN and Options.FastLogin.
	OwnPhone bool
}

type menuState uint8

const (
	msIdle menuState = iota
	msEnterMailbox
	msEnterPIN
	msMain
	msPlaying     // a message's details and audio
	msMessageMenu // the message menu after it
	msForwardTo
	msForwardComment
	msRecordComment
	msOptions
	msRecordGreeting
	msReview
	msTempDays // how long a temporary greeting just saved should play
	msNewPIN
	msReenterPIN
	msDone
)

// maxLoginTries is how many wrong PINs one call may try before the menu
// says goodbye (the Store-kept lockout counts across calls).
const maxLoginTries = 3

// maxTimeouts is how many silent timeouts in a row end the call.
const maxTimeouts = 3

// Menu is the telephone menu of a mailbox (*60, *61): login, listening to
// messages and the mailbox options, as a state machine driven by Input
// events and answering with Actions, with the prompt names and keys of
// the menu prompts (see PromptNames). It reads and changes the mailbox
// through its Service. Start it with Start, then feed it every Input;
// after ActionHangup, ActionCallBack or ActionTransfer it is done.
//
// Keys. Main menu: 1 new messages, 2 saved messages, 0 options, * repeat,
// # exit. Message menu: 1 replay, 2 mark urgent, 3 call back, 4 previous,
// 5 details, 6 next, 7 delete, 8 forward, 9 save, * main menu. Options: 1
// unavailable greeting, 2 busy greeting, 3 name, 4 temporary greeting, 5
// erase temporary greeting, 6 change PIN, 7 message details on/off, * main
// menu. Review of a recording: 1 accept, 2 listen, 3 record again. A
// temporary greeting once accepted asks how many days it should play
// (digits then #, 1 to MaxTemporaryDays; # alone: until erased) and says
// until when (Greetings.TemporaryUntil). Numbers (mailbox, PIN,
// extension, days) end with #.
//
// A Menu is not safe for concurrent use; use one per call.
type Menu struct {
	svc      *Service
	st       menuState
	start    MenuStart
	box      string
	mb       Mailbox
	digits   []byte
	tries    int
	timeouts int
	msgs     []Message
	idx      int
	heard    map[string]bool
	fwdTo    string
	rec      *Deposit
	recKind  GreetingKind
	newPIN   string
	back     Action // what to play after an invalid key
}

// NewMenu returns a mailbox menu for one call.
func (s *Service) NewMenu() *Menu { return &Menu{svc: s, heard: map[string]bool{}} }

// Start begins the menu for a call. now is the current time.
func (m *Menu) Start(ctx context.Context, start MenuStart, now time.Time) (Action, error) {
	m.start = start
	switch start.Mode {
	case OwnMailbox:
		return m.mailboxChosen(ctx, start.Caller, now)
	case AnyMailbox:
		if start.OwnPhone && start.Caller != "" {
			if mb, err := m.svc.store.GetMailbox(ctx, start.Caller); err == nil && mb.Options.FastLogin {
				return m.mailboxChosen(ctx, start.Caller, now)
			}
		}
		return m.ask(msEnterMailbox, "vm-enter-mailbox"), nil
	}
	return Action{}, fmt.Errorf("voicemail: menu mode %d", start.Mode)
}

func (m *Menu) ask(st menuState, prompt string) Action {
	m.st, m.digits = st, m.digits[:0]
	m.back = play(Prompt(prompt))
	return m.back
}

// mailboxChosen moves on once the mailbox is known: skip the PIN from the
// own phone when allowed, else ask for it.
func (m *Menu) mailboxChosen(ctx context.Context, box string, now time.Time) (Action, error) {
	m.box = box
	mb, err := m.svc.store.GetMailbox(ctx, box)
	if err != nil && !errors.Is(err, ErrNoMailbox) {
		return Action{}, err
	}
	if err == nil && m.start.OwnPhone && m.start.Caller == box && mb.Options.SkipPIN {
		return m.loggedIn(ctx, now)
	}
	return m.ask(msEnterPIN, "vm-enter-pin"), nil
}

// Handle feeds one input to the menu and returns what to do next.
func (m *Menu) Handle(ctx context.Context, in Input, now time.Time) (Action, error) {
	if m.st == msDone {
		return Action{}, nil
	}
	switch in.Kind {
	case InputHangup:
		m.abortRecording()
		m.st = msDone
		return Action{}, nil
	case InputTimeout:
		m.timeouts++
		if m.timeouts >= maxTimeouts {
			return m.goodbye(), nil
		}
		return m.back, nil
	case InputDigit:
		m.timeouts = 0
	}
	switch m.st {
	case msEnterMailbox, msEnterPIN, msForwardTo, msNewPIN, msReenterPIN, msTempDays:
		if in.Kind != InputDigit {
			return Action{}, nil // wait for the digits
		}
		if in.Digit != '#' {
			if len(m.digits) < 20 {
				m.digits = append(m.digits, in.Digit)
			}
			return Action{}, nil
		}
		entry := string(m.digits)
		m.digits = m.digits[:0]
		return m.entered(ctx, entry, now)
	case msMain:
		if in.Kind == InputDigit {
			return m.mainKey(ctx, in.Digit, now)
		}
	case msPlaying:
		switch in.Kind {
		case InputPlayed:
			return m.played(ctx)
		case InputDigit:
			return m.messageKey(ctx, in.Digit, now)
		}
	case msMessageMenu:
		if in.Kind == InputDigit {
			return m.messageKey(ctx, in.Digit, now)
		}
	case msForwardComment:
		if in.Kind == InputDigit {
			switch in.Digit {
			case '1':
				rec, err := m.svc.BeginRecording(ctx, m.box, 0)
				if err != nil {
					return Action{}, err
				}
				m.rec, m.st = rec, msRecordComment
				return m.record(rec, "vm-record-comment"), nil
			case '2':
				return m.forward(ctx, nil, now)
			}
			return m.invalid(), nil
		}
	case msRecordComment:
		if in.Kind == InputRecorded || in.Kind == InputDigit && in.Digit == '#' {
			rec := m.rec
			m.rec = nil
			return m.forward(ctx, rec, now)
		}
	case msOptions:
		if in.Kind == InputDigit {
			return m.optionsKey(ctx, in.Digit)
		}
	case msRecordGreeting:
		if in.Kind == InputRecorded || in.Kind == InputDigit && in.Digit == '#' {
			m.st = msReview
			m.back = play(Prompt("vm-review"))
			return m.back, nil
		}
	case msReview:
		if in.Kind == InputDigit {
			return m.reviewKey(ctx, in.Digit)
		}
	}
	return Action{}, nil
}

// entered handles a number ended with '#'.
func (m *Menu) entered(ctx context.Context, entry string, now time.Time) (Action, error) {
	switch m.st {
	case msEnterMailbox:
		if entry == "" {
			return m.ask(msEnterMailbox, "vm-enter-mailbox"), nil
		}
		return m.mailboxChosen(ctx, entry, now)
	case msEnterPIN:
		err := m.svc.Login(ctx, m.box, entry, now)
		switch {
		case err == nil:
			return m.loggedIn(ctx, now)
		case errors.Is(err, ErrLocked):
			m.st = msDone
			return Action{Kind: ActionHangup, Play: prompts("vm-locked", "vm-goodbye")}, nil
		case errors.Is(err, ErrWrongPIN), errors.Is(err, ErrNoMailbox):
			m.tries++
			if m.tries >= maxLoginTries {
				m.st = msDone
				return Action{Kind: ActionHangup, Play: prompts("vm-login-incorrect", "vm-goodbye")}, nil
			}
			if m.start.Mode == AnyMailbox {
				a := m.ask(msEnterMailbox, "vm-enter-mailbox")
				return play(Prompt("vm-login-incorrect"), a.Play[0]), nil
			}
			a := m.ask(msEnterPIN, "vm-enter-pin")
			return play(Prompt("vm-login-incorrect"), a.Play[0]), nil
		}
		return Action{}, err
	case msForwardTo:
		if _, err := m.svc.store.GetMailbox(ctx, entry); err != nil || entry == m.box {
			if err != nil && !errors.Is(err, ErrNoMailbox) {
				return Action{}, err
			}
			return m.messageMenu(Prompt("vm-no-such-mailbox")), nil
		}
		m.fwdTo = entry
		m.st = msForwardComment
		m.back = play(Prompt("vm-forward-comment"))
		return m.back, nil
	case msNewPIN:
		if err := m.svc.checkPIN(m.box, entry); err != nil {
			a := m.ask(msNewPIN, "vm-new-pin")
			return play(Prompt("vm-pin-invalid"), a.Play[0]), nil
		}
		m.newPIN = entry
		return m.ask(msReenterPIN, "vm-reenter-pin"), nil
	case msTempDays:
		return m.tempDays(ctx, entry, now)
	case msReenterPIN:
		if entry != m.newPIN {
			m.newPIN = ""
			a := m.ask(msNewPIN, "vm-new-pin")
			return play(Prompt("vm-pin-mismatch"), a.Play[0]), nil
		}
		m.newPIN = ""
		if err := m.svc.SetPIN(ctx, m.box, entry); err != nil {
			return Action{}, err
		}
		return m.options(Prompt("vm-pin-changed")), nil
	}
	return Action{}, nil
}

// loggedIn says the counts, then auto-plays new messages or offers the
// main menu.
func (m *Menu) loggedIn(ctx context.Context, now time.Time) (Action, error) {
	mb, err := m.svc.store.GetMailbox(ctx, m.box)
	if err != nil {
		return Action{}, err
	}
	m.mb = mb
	c, err := m.svc.store.CountMessages(ctx, m.box)
	if err != nil {
		return Action{}, err
	}
	intro := countItems(c)
	if mb.Options.AutoPlay && c.New > 0 {
		a, err := m.listen(ctx, FilterInbox)
		a.Play = append(intro, a.Play...)
		return a, err
	}
	a := m.main()
	a.Play = append(intro, a.Play...)
	return a, nil
}

// countItems says "You have 2 new messages and 1 old message" or "You
// have no messages".
func countItems(c Counts) []Item {
	if c.New == 0 && c.Old == 0 {
		return prompts("vm-no-messages")
	}
	noun := func(n int) Item {
		if n == 1 {
			return Prompt("vm-message")
		}
		return Prompt("vm-messages")
	}
	out := []Item{Prompt("vm-you-have")}
	if c.New > 0 {
		out = append(out, Number(c.New))
		if c.UrgentNew > 0 && c.UrgentNew == c.New {
			out = append(out, Prompt("vm-urgent"))
		}
		out = append(out, Prompt("vm-new"), noun(c.New))
	}
	if c.Old > 0 {
		out = append(out, Number(c.Old), Prompt("vm-old"), noun(c.Old))
	}
	return out
}

func (m *Menu) main(pre ...Item) Action {
	m.st = msMain
	m.back = play(Prompt("vm-main-menu"))
	return play(append(pre, Prompt("vm-main-menu"))...)
}

func (m *Menu) goodbye() Action {
	m.abortRecording()
	m.st = msDone
	return Action{Kind: ActionHangup, Play: prompts("vm-goodbye")}
}

func (m *Menu) invalid() Action {
	return Action{Kind: ActionPlay, Play: append([]Item{Prompt("vm-invalid")}, m.back.Play...)}
}

func (m *Menu) mainKey(ctx context.Context, d byte, now time.Time) (Action, error) {
	switch d {
	case '1':
		return m.listen(ctx, FilterInbox)
	case '2':
		return m.listen(ctx, FilterOld)
	case '0':
		return m.options(), nil
	case '*':
		return m.main(), nil
	case '#':
		return m.goodbye(), nil
	}
	return m.invalid(), nil
}

// listen loads the new or saved messages in the mailbox's play order and
// plays the first.
func (m *Menu) listen(ctx context.Context, f Filter) (Action, error) {
	p, err := m.svc.store.ListMessages(ctx, m.box, Query{Filter: f, Order: m.mb.Options.Order})
	if err != nil {
		return Action{}, err
	}
	m.msgs, m.idx = p.Messages, 0
	if len(m.msgs) == 0 {
		return m.main(Prompt("vm-no-messages")), nil
	}
	return m.playMessage(), nil
}

// details are the envelope of the current message.
func (m *Menu) details() []Item {
	msg := m.msgs[m.idx]
	out := []Item{Prompt("vm-message-number"), Number(m.idx + 1)}
	if msg.Urgent {
		out = append(out, Prompt("vm-urgent"))
	}
	out = append(out, Prompt("vm-received"), DateTime(msg.Received), Prompt("vm-from"))
	if msg.CallerNumber != "" {
		out = append(out, Digits(msg.CallerNumber))
	} else {
		out = append(out, Prompt("vm-unknown-caller"))
	}
	return out
}

// playMessage plays the current message as Options.Playback says.
func (m *Menu) playMessage(pre ...Item) Action {
	msg := m.msgs[m.idx]
	items := pre
	if m.mb.Options.Playback != PlayMessageOnly {
		items = append(items, m.details()...)
	}
	if m.mb.Options.Playback != PlayDetailsOnly {
		items = append(items, AudioItem(msg.Audio))
	}
	m.st = msPlaying
	m.back = play(Prompt("vm-message-menu"))
	return play(items...)
}

// played marks the message heard once its audio was played through, and
// offers the message menu.
func (m *Menu) played(ctx context.Context) (Action, error) {
	msg := &m.msgs[m.idx]
	if msg.Folder == FolderNew && m.mb.Options.Playback != PlayDetailsOnly {
		if err := m.svc.MarkHeard(ctx, m.box, msg.ID); err != nil && !errors.Is(err, ErrNoMessage) {
			return Action{}, err
		}
		msg.Folder = FolderOld
	}
	return m.messageMenu(), nil
}

func (m *Menu) messageMenu(pre ...Item) Action {
	m.st = msMessageMenu
	m.back = play(Prompt("vm-message-menu"))
	return play(append(pre, Prompt("vm-message-menu"))...)
}

// next moves to the next message, or back to the main menu after the last.
func (m *Menu) next(pre ...Item) Action {
	if m.idx+1 >= len(m.msgs) {
		return m.main(append(pre, Prompt("vm-no-more"))...)
	}
	m.idx++
	return m.playMessage(pre...)
}

func (m *Menu) messageKey(ctx context.Context, d byte, now time.Time) (Action, error) {
	msg := m.msgs[m.idx]
	switch d {
	case '1': // replay: the audio even when details-only
		m.st = msPlaying
		return play(AudioItem(msg.Audio)), nil
	case '2':
		if err := m.svc.SetUrgent(ctx, m.box, msg.ID, true); err != nil {
			return Action{}, err
		}
		m.msgs[m.idx].Urgent = true
		return m.messageMenu(Prompt("vm-marked-urgent")), nil
	case '3':
		if msg.CallerNumber == "" {
			return m.invalid(), nil
		}
		m.st = msDone
		return Action{Kind: ActionCallBack, Number: msg.CallerNumber}, nil
	case '4':
		if m.idx == 0 {
			return m.playMessage(Prompt("vm-first-message")), nil
		}
		m.idx--
		return m.playMessage(), nil
	case '5':
		m.st = msMessageMenu
		return play(append(m.details(), Prompt("vm-message-menu"))...), nil
	case '6':
		return m.next(), nil
	case '7':
		if _, err := m.svc.Delete(ctx, m.box, msg.ID); err != nil {
			return Action{}, err
		}
		m.msgs = slices.Delete(m.msgs, m.idx, m.idx+1)
		if m.idx >= len(m.msgs) {
			m.idx = max(len(m.msgs)-1, 0)
			return m.main(Prompt("vm-deleted"), Prompt("vm-no-more")), nil
		}
		return m.playMessage(Prompt("vm-deleted")), nil
	case '8':
		return m.ask(msForwardTo, "vm-forward-to"), nil
	case '9':
		if err := m.svc.MarkHeard(ctx, m.box, msg.ID); err != nil {
			return Action{}, err
		}
		m.msgs[m.idx].Folder = FolderOld
		return m.next(Prompt("vm-saved")), nil
	case '*':
		return m.main(), nil
	}
	return m.invalid(), nil
}

func (m *Menu) forward(ctx context.Context, comment *Deposit, now time.Time) (Action, error) {
	if _, err := m.svc.Forward(ctx, m.box, m.msgs[m.idx].ID, m.fwdTo, comment, now); err != nil {
		return Action{}, err
	}
	return m.messageMenu(Prompt("vm-forwarded")), nil
}

func (m *Menu) options(pre ...Item) Action {
	m.st = msOptions
	m.back = play(Prompt("vm-options-menu"))
	return play(append(pre, Prompt("vm-options-menu"))...)
}

func (m *Menu) record(rec *Deposit, prompt string) Action {
	return Action{Kind: ActionRecord, Play: prompts(prompt), Beep: true, Recording: rec,
		MaxLength: time.Duration(rec.max) * time.Second / 8000, Silence: recordSilence}
}

func (m *Menu) recordGreeting(ctx context.Context, k GreetingKind) (Action, error) {
	m.abortRecording()
	rec, err := m.svc.BeginRecording(ctx, m.box, 0)
	if err != nil {
		return Action{}, err
	}
	m.rec, m.recKind, m.st = rec, k, msRecordGreeting
	if k == GreetingName {
		return m.record(rec, "vm-record-name"), nil
	}
	return m.record(rec, "vm-record-greeting"), nil
}

func (m *Menu) abortRecording() {
	if m.rec != nil {
		_ = m.rec.Abort()
		m.rec = nil
	}
}

func (m *Menu) optionsKey(ctx context.Context, d byte) (Action, error) {
	switch d {
	case '1':
		return m.recordGreeting(ctx, GreetingUnavailable)
	case '2':
		return m.recordGreeting(ctx, GreetingBusy)
	case '3':
		return m.recordGreeting(ctx, GreetingName)
	case '4':
		return m.recordGreeting(ctx, GreetingTemporary)
	case '5':
		if err := m.svc.DeleteGreeting(ctx, m.box, GreetingTemporary); err != nil && !errors.Is(err, ErrNoGreeting) {
			return Action{}, err
		}
		return m.options(Prompt("vm-greeting-erased")), nil
	case '6':
		return m.ask(msNewPIN, "vm-new-pin"), nil
	case '7':
		on := m.mb.Options.Playback == PlayMessageOnly
		pb := PlayMessageOnly
		say := "vm-details-off"
		if on {
			pb, say = PlayDetailsAndMessage, "vm-details-on"
		}
		if err := m.svc.UpdateMailbox(ctx, m.box, func(mb *Mailbox) { mb.Options.Playback = pb }); err != nil {
			return Action{}, err
		}
		m.mb.Options.Playback = pb
		return m.options(Prompt(say)), nil
	case '*':
		return m.main(), nil
	}
	return m.invalid(), nil
}

func (m *Menu) reviewKey(ctx context.Context, d byte) (Action, error) {
	switch d {
	case '1':
		rec := m.rec
		m.rec = nil
		if err := m.svc.SaveGreeting(ctx, m.box, m.recKind, rec); err != nil {
			return Action{}, err
		}
		if m.recKind == GreetingTemporary {
			// A new temporary greeting plays until the caller says
			// otherwise: an end date left from an earlier one would
			// silence it at once.
			if err := m.svc.UpdateMailbox(ctx, m.box, func(mb *Mailbox) { mb.Greetings.TemporaryUntil = time.Time{} }); err != nil {
				return Action{}, err
			}
			a := m.ask(msTempDays, "vm-temp-days")
			return play(Prompt("vm-greeting-saved"), a.Play[0]), nil
		}
		if m.recKind == GreetingUnavailable || m.recKind == GreetingBusy {
			// A busy or unavailable greeting recorded by phone is meant to
			// be heard: a mailbox still on the standard greeting switches
			// to conditional (other modes are the user's explicit choice).
			if err := m.svc.UpdateMailbox(ctx, m.box, func(mb *Mailbox) {
				if mb.Greetings.Mode == ModeStandard {
					mb.Greetings.Mode = ModeConditional
				}
			}); err != nil {
				return Action{}, err
			}
		}
		return m.options(Prompt("vm-greeting-saved")), nil
	case '2':
		return play(AudioItem(m.rec.Audio()), Prompt("vm-review")), nil
	case '3':
		return m.recordGreeting(ctx, m.recKind)
	}
	return m.invalid(), nil
}

// MaxTemporaryDays is the most days the telephone menu lets a temporary
// greeting play (about a year); longer absences set no end date.
const MaxTemporaryDays = 366

// tempDays sets how long the temporary greeting just saved plays: entry
// days from now (calendar days in now's location, so "2" said at 09:00
// on Monday ends at 09:00 on Wednesday), or "" for no end date. It says
// until when, or asks again after a number out of range.
func (m *Menu) tempDays(ctx context.Context, entry string, now time.Time) (Action, error) {
	var until time.Time
	if entry != "" {
		n, err := strconv.Atoi(entry)
		if err != nil || n < 1 || n > MaxTemporaryDays {
			a := m.ask(msTempDays, "vm-temp-days")
			return play(Prompt("vm-invalid"), a.Play[0]), nil
		}
		until = now.AddDate(0, 0, n)
	}
	if err := m.svc.UpdateMailbox(ctx, m.box, func(mb *Mailbox) { mb.Greetings.TemporaryUntil = until }); err != nil {
		return Action{}, err
	}
	m.mb.Greetings.TemporaryUntil = until
	if until.IsZero() {
		return m.options(Prompt("vm-temp-no-end")), nil
	}
	return m.options(Prompt("vm-temp-until"), DateTime(until)), nil
}
