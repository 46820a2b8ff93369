package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/media/prompt"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/sip"
	"github.com/telekit/telekit/voicemail"
)

// Voicemail in the PBX. Package voicemail keeps the mailboxes (audio under
// <data>/voicemail, the index in SQLite) and decides what callers hear;
// this file and vmmenu.go carry it out on calls:
//
//   - Deposit: call handling's Voicemail step (unanswered, busy, DND,
//     unavailable, locked or blocked-to-voicemail) becomes an application
//     leg, "voicemail", that runs voicemail.DepositCall: the greeting for
//     the reason, the beep, the recording, the deposit menu.
//   - *60 (any mailbox) and *61 (own mailbox) become "voicemail-menu",
//     running voicemail.Menu.
//   - Every change of a mailbox's counts goes to the phones as
//     message-summary NOTIFY (sip.Notifier.SetMailbox); every new message
//     to the mailbox's email choice (email.go).
//
// The PIN. The one place a voicemail PIN lives is the account's pin_hash
// (account.Store.SetPIN; `pbx ext add -pin` writes it). The voicemail
// Service reads and writes it through vmStore, which fills
// Mailbox.PINHash from the account on every read and moves it back on
// every write, so the mailbox row never holds a second copy and a PIN set
// by `ext add`, the telephone menu or the API is the same PIN. A mailbox
// that is no user's (none are made yet) keeps its own.

// vmSystem is the PBX's voicemail: the Service, what renders its menus,
// and the hooks for MWI and email. Safe for concurrent use.
type vmSystem struct {
	svc     *voicemail.Service
	st      vmAccounts
	dir     string // the Service's FS root, <data>/voicemail
	prompts *prompt.Catalog
	events  *sip.Notifier
	reg     sip.Locator
	mail    *mailer // nil: no email
	log     *slog.Logger
	now     func() time.Time
	loc     *time.Location // for "received today at …"
	// dial is how a menu's call back and a deposit's operator reach a
	// number, for the user whose call it is.
	dial func(ctx context.Context, user, number string) (sip.Target, bool)
	// transfers are the calls a deposit handed on to the operator, by
	// Call-ID, until their record is written.
	transfers sync.Map

	wg sync.WaitGroup // email sent in the background
}

// noteTransfer remembers that the deposit of call callID handed the
// caller on to operator, for the call's record.
func (vm *vmSystem) noteTransfer(callID, operator string) {
	if vm != nil {
		vm.transfers.Store(callID, operator)
	}
}

// takeTransfer returns and forgets the operator call callID was handed
// on to, if it was.
func (vm *vmSystem) takeTransfer(callID string) (string, bool) {
	if vm == nil {
		return "", false
	}
	op, ok := vm.transfers.LoadAndDelete(callID)
	if !ok {
		return "", false
	}
	return op.(string), true
}

// vmAccounts is what voicemail needs of the accounts: users (for names
// and the Voicemail privilege) and the PIN hash.
type vmAccounts interface {
	GetUser(ctx context.Context, ext string) (account.User, error)
	ListUsers(ctx context.Context) ([]account.User, error)
	GetSecrets(ctx context.Context, ext string) (account.Secrets, error)
	SetPIN(ctx context.Context, ext, hash string, now time.Time) error
}

// vmStore is the Service's Store: package store's voicemail tables, with
// the PIN kept in the account (see above).
type vmStore struct {
	voicemail.Store
	acct vmAccounts
	now  func() time.Time
}

// GetMailbox implements voicemail.Store, with the account's PIN hash.
func (v vmStore) GetMailbox(ctx context.Context, id string) (voicemail.Mailbox, error) {
	mb, err := v.Store.GetMailbox(ctx, id)
	if err != nil {
		return mb, err
	}
	sec, err := v.acct.GetSecrets(ctx, id)
	switch {
	case errors.Is(err, account.ErrNotFound):
		return mb, nil
	case err != nil:
		return mb, err
	}
	mb.PINHash = sec.PINHash
	return mb, nil
}

// PutMailbox implements voicemail.Store: a new PIN hash goes to the
// account first, the rest to the mailbox. An empty PINHash leaves the
// account's PIN alone (CreateMailbox of a user who has one; the Service
// never clears a PIN).
func (v vmStore) PutMailbox(ctx context.Context, mb voicemail.Mailbox) error {
	sec, err := v.acct.GetSecrets(ctx, mb.ID)
	switch {
	case errors.Is(err, account.ErrNotFound):
		return v.Store.PutMailbox(ctx, mb)
	case err != nil:
		return err
	}
	if mb.PINHash != "" && sec.PINHash != mb.PINHash {
		if err := v.acct.SetPIN(ctx, mb.ID, mb.PINHash, v.now()); err != nil {
			return err
		}
	}
	mb.PINHash = ""
	return v.Store.PutMailbox(ctx, mb)
}

// vmConfig is what startVoicemail needs.
type vmConfig struct {
	Data    string
	Store   voicemail.Store
	Acct    vmAccounts
	Prompts *prompt.Catalog
	Events  *sip.Notifier
	Reg     sip.Locator
	Mail    *mailer
	Log     *slog.Logger
}

// newVoicemail opens the mailboxes, finishes what a crash interrupted,
// makes sure every user with the Voicemail privilege has a mailbox, and
// tells the notifier every mailbox's counts so phones light their lamps
// when they register.
func newVoicemail(ctx context.Context, c vmConfig) (*vmSystem, error) {
	vm := &vmSystem{st: c.Acct, dir: filepath.Join(c.Data, "voicemail"), prompts: c.Prompts, events: c.Events, reg: c.Reg,
		mail: c.Mail, log: c.Log, now: time.Now, loc: time.Local,
		dial: func(context.Context, string, string) (sip.Target, bool) { return sip.Target{}, false }}
	svc, err := voicemail.New(voicemail.Config{
		FS:       voicemail.OSFS{Dir: vm.dir},
		Store:    vmStore{Store: c.Store, acct: c.Acct, now: time.Now},
		Notifier: vm,
		Logger:   c.Log.With("component", "voicemail"),
		CheckPIN: account.ValidatePIN,
	})
	if err != nil {
		return nil, err
	}
	vm.svc = svc
	rep, err := svc.Recover(ctx)
	if err != nil {
		return nil, fmt.Errorf("voicemail: recover: %w", err)
	}
	if n := len(rep.Indexed) + len(rep.Dropped) + len(rep.TempRemoved); n > 0 {
		c.Log.Warn("voicemail: recovered after a crash", "indexed", len(rep.Indexed), "dropped", len(rep.Dropped),
			"unfinished", len(rep.TempRemoved), "unreadable", len(rep.Unreadable))
	}
	users, err := c.Acct.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Privileges.Voicemail {
			if _, err := vm.mailbox(ctx, u.Extension); err != nil {
				return nil, err
			}
		}
	}
	ids, err := c.Store.MailboxIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if cnt, err := svc.Counts(ctx, id); err == nil {
			vm.CountsChanged(ctx, id, cnt)
		}
	}
	return vm, nil
}

// Close waits for email being sent in the background.
func (vm *vmSystem) Close() error {
	vm.wg.Wait()
	return nil
}

// mailbox returns ext's mailbox, creating it for a user with the
// Voicemail privilege (an extension added while the server runs gets its
// mailbox at its first call). It returns voicemail.ErrNoMailbox for
// anyone else.
func (vm *vmSystem) mailbox(ctx context.Context, ext string) (voicemail.Mailbox, error) {
	mb, err := vm.svc.Mailbox(ctx, ext)
	if !errors.Is(err, voicemail.ErrNoMailbox) {
		return mb, err
	}
	u, err := vm.st.GetUser(ctx, ext)
	if errors.Is(err, account.ErrNotFound) || err == nil && !u.Privileges.Voicemail {
		return voicemail.Mailbox{}, voicemail.ErrNoMailbox
	}
	if err != nil {
		return voicemail.Mailbox{}, err
	}
	mb = voicemail.Mailbox{ID: ext, Name: u.Name}
	mb.Notify.Address = u.Email
	if err := vm.svc.CreateMailbox(ctx, mb); err != nil {
		return voicemail.Mailbox{}, err
	}
	vm.log.Info("voicemail: mailbox created", "mailbox", ext)
	return vm.svc.Mailbox(ctx, ext)
}

// CountsChanged implements voicemail.Notifier: the phones' message lamps.
func (vm *vmSystem) CountsChanged(_ context.Context, mailbox string, c voicemail.Counts) {
	if vm.events == nil {
		return
	}
	if err := vm.events.SetMailbox(mailbox, sip.MWICounts{New: c.New, Old: c.Old, UrgentNew: c.UrgentNew, UrgentOld: c.UrgentOld}); err != nil {
		vm.log.Warn("voicemail: MWI", "mailbox", mailbox, "err", err)
	}
}

// MessageArrived implements voicemail.Notifier: the email the mailbox
// asks for. A forward that deletes the message is sent before returning
// (the Service deletes the message only when it succeeded); every other
// email goes in the background, so the caller does not wait for SMTP. A
// failed email is logged; the message stays in the mailbox either way.
func (vm *vmSystem) MessageArrived(ctx context.Context, a voicemail.Arrival) error {
	if a.Notify.Email == voicemail.EmailNone && a.Notify.AutoForward == voicemail.ForwardOff {
		return nil
	}
	if vm.mail == nil {
		vm.log.Warn("voicemail: email asked for but no -smtp server configured", "mailbox", a.Message.Mailbox)
		if a.Notify.AutoForward == voicemail.ForwardDelete {
			return errors.New("no SMTP server configured")
		}
		return nil
	}
	send := func(ctx context.Context) error {
		err := vm.mail.sendArrival(ctx, a, func() ([]byte, error) { return vm.wav(ctx, a.Message.Audio) })
		if err != nil {
			vm.log.Warn("voicemail: email", "mailbox", a.Message.Mailbox, "message", a.Message.ID, "to", a.Notify.Address, "err", err)
		} else {
			vm.log.Info("voicemail: email sent", "mailbox", a.Message.Mailbox, "message", a.Message.ID, "to", a.Notify.Address)
		}
		return err
	}
	if a.Notify.AutoForward == voicemail.ForwardDelete {
		return send(ctx)
	}
	vm.wg.Add(1)
	go func() {
		defer vm.wg.Done()
		send(context.WithoutCancel(ctx))
	}()
	return nil
}

// wav returns a message's or greeting's audio as a 16-bit PCM WAV file
// (what browsers and mail clients play; the stored µ-law is not).
func (vm *vmSystem) wav(ctx context.Context, ref string) ([]byte, error) {
	a, err := vm.svc.OpenAudio(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	var buf seekBuffer
	w, err := media.NewWAVWriter(&buf, media.WAVFormat{Encoding: media.WAVPCM16, Rate: media.SampleRate, Channels: 1})
	if err != nil {
		return nil, err
	}
	samples := make([]int16, 4096)
	for {
		n, err := a.ReadSamples(samples)
		if n > 0 {
			if _, werr := w.WriteSamples(samples[:n]); werr != nil {
				return nil, werr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.b, nil
}

// seekBuffer is an in-memory io.WriteSeeker for media.WAVWriter.
type seekBuffer struct {
	b   []byte
	pos int
}

func (s *seekBuffer) Write(p []byte) (int, error) {
	if end := s.pos + len(p); end > len(s.b) {
		s.b = append(s.b, make([]byte, end-len(s.b))...)
	}
	s.pos += copy(s.b[s.pos:], p)
	return len(p), nil
}

func (s *seekBuffer) Seek(off int64, whence int) (int64, error) {
	base := 0
	switch whence {
	case io.SeekCurrent:
		base = s.pos
	case io.SeekEnd:
		base = len(s.b)
	}
	n := base + int(off)
	if n < 0 {
		return 0, errors.New("seek before start")
	}
	s.pos = n
	return int64(n), nil
}

// reasonOf maps call handling's reason to the greeting's. Locked phones,
// blocked callers sent to voicemail and forwarding loops hear the
// unavailable greeting.
func reasonOf(r callhandling.VoicemailReason) voicemail.Reason {
	switch r {
	case callhandling.ReasonBusy:
		return voicemail.ReasonBusy
	case callhandling.ReasonNoAnswer:
		return voicemail.ReasonNoAnswer
	case callhandling.ReasonDND:
		return voicemail.ReasonDND
	}
	return voicemail.ReasonUnavailable
}

// voicemailTarget is where call handling sends a call to ext's voicemail,
// reason choosing the greeting (busy, unavailable…): the deposit
// application. An extension without a mailbox (no Voicemail privilege)
// ends the call with 480, or 486 when the line is busy.
func (s *server) voicemailTarget(call *sip.Call, ext string, reason callhandling.VoicemailReason) (sip.Target, error) {
	vm := s.vm
	noMailbox := func() (sip.Target, error) {
		if reason == callhandling.ReasonBusy {
			return sip.Target{}, sip.ErrBusy
		}
		return sip.Target{}, sip.ErrUnavailable
	}
	if vm == nil {
		return noMailbox()
	}
	if _, err := vm.mailbox(context.Background(), ext); err != nil {
		if !errors.Is(err, voicemail.ErrNoMailbox) {
			vm.log.Error("voicemail: mailbox", "mailbox", ext, "err", err)
		}
		return noMailbox()
	}
	meta := voicemail.DepositMeta{CallerNumber: call.From}
	if call.From == "anonymous" || call.From == "Anonymous" {
		meta.CallerNumber = ""
	}
	if call.Invite != nil {
		if f := call.Invite.From(); f != nil {
			meta.CallerName = f.DisplayName
		}
	}
	note := func(line string) { s.noteFlow(call.ID, line) }
	return sip.Target{AppName: "voicemail", App: sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		return vm.deposit(ctx, leg, ext, meta, reasonOf(reason), note)
	})}, nil
}

// noteFlow adds line to the call-flow trace of call callID (the call
// log's "call-handling" events), when call handling routed the call.
func (s *server) noteFlow(callID, line string) {
	ch := s.ch
	if ch == nil {
		return
	}
	ch.mu.Lock()
	rc := ch.calls[callID]
	ch.mu.Unlock()
	if rc != nil {
		rc.addFlow(ch.now(), line)
	}
}

// voicemailMenu is the target of *60 (own false: any mailbox) and *61.
// OwnPhone is true for a call from a device registered to the caller,
// which the B2BUA authenticated, so SkipPIN may let it in.
func (s *server) voicemailMenu(c *sip.Call, own bool) sip.Target {
	vm := s.vm
	start := voicemail.MenuStart{Mode: voicemail.AnyMailbox, Caller: c.From, OwnPhone: true}
	if own {
		start.Mode = voicemail.OwnMailbox
	}
	return sip.Target{AppName: "voicemail-menu", App: sip.AppFunc(func(ctx context.Context, leg *sip.AppLeg) sip.AppResult {
		if own {
			if _, err := vm.mailbox(ctx, c.From); err != nil {
				vm.log.Info("voicemail menu: no mailbox", "ext", c.From, "err", err)
				r := vm.runner(ctx, leg, c.From)
				r.say(ctx, voicemail.Prompt("vm-no-such-mailbox"), voicemail.Prompt("vm-goodbye"))
				return sip.AppResult{Reason: "no mailbox"}
			}
		}
		return vm.menu(ctx, leg, start, func(line string) { s.noteFlow(c.ID, line) })
	})}
}

// dialTarget rings number for user: an extension's registered devices,
// or an outside number through a trunk when user may call out.
func (s *server) dialTarget(ctx context.Context, user, number string) (sip.Target, bool) {
	ch := s.ch
	n, err := phonenumber.Parse(ch.system().Plan, number, phonenumber.Dialled)
	if err == nil && n.Kind == phonenumber.Extension {
		bs := ch.reg.Lookup(n.Digits, time.Now())
		return sip.Target{Bindings: bs, RingFor: ringFor}, len(bs) > 0
	}
	if !ch.mayCallOut(ctx, user) {
		return sip.Target{}, false
	}
	t, _, ok := ch.tc.trunkTarget(number, ringFor)
	return t, ok
}

// startVoicemail opens the voicemail before the SIP server takes calls.
func (s *server) startVoicemail(ctx context.Context, c serveConfig) error {
	ml, err := newMailer(c.SMTP)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	cat, err := prompt.NewCatalog(prompt.CatalogConfig{Logger: s.log})
	if err != nil {
		return err
	}
	s.vm, err = newVoicemail(ctx, vmConfig{Data: c.Data, Store: s.st.Voicemail(), Acct: s.st, Prompts: cat,
		Events: s.events, Reg: s.reg, Mail: ml, Log: s.log})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, s.vm.Close)
	return nil
}

// wireVoicemail connects voicemail and call handling, once both exist.
func (s *server) wireVoicemail() {
	s.vm.dial = s.dialTarget
	s.ch.voicemailMenu = s.voicemailMenu
}
