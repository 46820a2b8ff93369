package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/voicemail"
)

// The voicemail endpoints of the JSON API, on the authenticated user's
// own mailbox (another user's message is simply not found: 404). The
// message endpoints also take ?mailbox=ID for a shared or group mailbox
// that lists the user among its members (FortiVoice's Owner column);
// settings, PIN and greetings are the owner's alone:
//
//	GET    /api/v1/voicemail/mailboxes            the mailboxes the user may read: own first, then shared, with owner and counts
//	GET    /api/v1/voicemail/messages?filter=all|inbox|urgent|old&order=oldest-first|newest-first&offset=&limit=&mailbox=
//	                                              the messages (each with its mailbox and owner) and the total the filter selects
//	DELETE /api/v1/voicemail/messages             delete all
//	GET    /api/v1/voicemail/messages/{id}        one message
//	GET    /api/v1/voicemail/messages/{id}/audio  the audio as WAV (16-bit PCM, 8 kHz mono)
//	PATCH  /api/v1/voicemail/messages/{id}        {"folder":"new"|"old","urgent":true|false} (either or both)
//	POST   /api/v1/voicemail/messages/{id}/forward {"to":"103"}: a copy into another mailbox
//	DELETE /api/v1/voicemail/messages/{id}        delete one
//	GET    /api/v1/voicemail/settings             options, greetings, notification, quota, the temporary greeting's state
//	PUT    /api/v1/voicemail/settings             options, greeting mode/schedule(s)/temporary expiry, notification, members (quota is the admin's)
//	PUT    /api/v1/voicemail/pin                  {"pin":"…"}: a new PIN (the account's; unlocks the mailbox)
//	PUT    /api/v1/voicemail/greetings/{kind}     upload a greeting: WAV or MP3, at most 10 MB (413 above)
//	GET    /api/v1/voicemail/greetings/{kind}     download it as WAV
//	DELETE /api/v1/voicemail/greetings/{kind}     erase it
//
// Greeting kinds: simple, scheduled, busy, unavailable, temporary, name.

// handleVoicemail adds the voicemail endpoints to the portal.
func (p *portal) handleVoicemail(vm *vmSystem) {
	a := &vmAPI{vm: vm, p: p}
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET /api/v1/voicemail/mailboxes", a.mailboxes},
		{"GET /api/v1/voicemail/messages", a.list},
		{"DELETE /api/v1/voicemail/messages", a.deleteAll},
		{"GET /api/v1/voicemail/messages/{id}", a.message},
		{"GET /api/v1/voicemail/messages/{id}/audio", a.audio},
		{"PATCH /api/v1/voicemail/messages/{id}", a.mark},
		{"POST /api/v1/voicemail/messages/{id}/forward", a.forward},
		{"DELETE /api/v1/voicemail/messages/{id}", a.delete},
		{"GET /api/v1/voicemail/settings", a.settings},
		{"PUT /api/v1/voicemail/settings", a.putSettings},
		{"PUT /api/v1/voicemail/pin", a.putPIN},
		{"PUT /api/v1/voicemail/greetings/{kind}", a.putGreeting},
		{"GET /api/v1/voicemail/greetings/{kind}", a.greeting},
		{"DELETE /api/v1/voicemail/greetings/{kind}", a.deleteGreeting},
	} {
		p.mux.Handle(r.pattern, p.authed(r.h, false))
	}
}

type vmAPI struct {
	vm *vmSystem
	p  *portal
}

// messageView is a message as the API shows it.
type messageView struct {
	ID            string    `json:"id"`
	CallerNumber  string    `json:"caller_number"`
	CallerName    string    `json:"caller_name"`
	Received      time.Time `json:"received"`
	Seconds       float64   `json:"seconds"`
	Folder        string    `json:"folder"`
	Urgent        bool      `json:"urgent"`
	ForwardedFrom string    `json:"forwarded_from,omitempty"`
	// Mailbox is the mailbox the message is in, Owner how the portal's
	// Owner column shows it ("202 - Bob").
	Mailbox string `json:"mailbox"`
	Owner   string `json:"owner"`
}

func viewOf(mb voicemail.Mailbox, m voicemail.Message) messageView {
	return messageView{ID: m.ID, CallerNumber: m.CallerNumber, CallerName: m.CallerName, Received: m.Received,
		Seconds: m.Duration.Seconds(), Folder: m.Folder.String(), Urgent: m.Urgent, ForwardedFrom: m.ForwardedFrom,
		Mailbox: mb.ID, Owner: ownerOf(mb)}
}

// ownerOf is a mailbox as the Owner column shows it: "202 - Bob", or the
// ID alone when it has no name.
func ownerOf(mb voicemail.Mailbox) string {
	if mb.Name == "" {
		return mb.ID
	}
	return mb.ID + " - " + mb.Name
}

// mailboxView is a mailbox in the list of those a user may read.
type mailboxView struct {
	ID     string           `json:"id"`
	Name   string           `json:"name,omitempty"`
	Owner  string           `json:"owner"`
	Own    bool             `json:"own"`
	Counts voicemail.Counts `json:"counts"`
}

type messageList struct {
	Messages []messageView `json:"messages"`
	Total    int           `json:"total"`
}

// own returns the user's mailbox ID, creating the mailbox if it is due;
// it answers 404 itself for a user without voicemail.
func (a *vmAPI) own(w http.ResponseWriter, r *http.Request) (string, bool) {
	ext := userOf(r).ext
	if _, err := a.vm.mailbox(r.Context(), ext); err != nil {
		a.fail(w, r, err)
		return "", false
	}
	return ext, true
}

// box returns the mailbox the message endpoints work on: the user's own,
// or the one ?mailbox= names when the user may read it (a shared or
// group mailbox); it answers 404 itself otherwise, the same for a
// mailbox that does not exist as for one the user may not see.
func (a *vmAPI) box(w http.ResponseWriter, r *http.Request) (voicemail.Mailbox, bool) {
	ext := userOf(r).ext
	id := r.URL.Query().Get("mailbox")
	if id == "" || id == ext {
		mb, err := a.vm.mailbox(r.Context(), ext)
		if err != nil {
			a.fail(w, r, err)
			return voicemail.Mailbox{}, false
		}
		return mb, true
	}
	mb, err := a.vm.svc.Mailbox(r.Context(), id)
	if errors.Is(err, voicemail.ErrNoMailbox) || (err == nil && !mb.Visible(ext)) {
		writeError(w, http.StatusNotFound, "no mailbox "+strconv.Quote(id)+" that you may read")
		return voicemail.Mailbox{}, false
	}
	if err != nil {
		a.fail(w, r, err)
		return voicemail.Mailbox{}, false
	}
	return mb, true
}

func (a *vmAPI) mailboxes(w http.ResponseWriter, r *http.Request) {
	ext := userOf(r).ext
	if _, ok := a.own(w, r); !ok {
		return
	}
	mbs, err := a.vm.svc.VisibleMailboxes(r.Context(), ext)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := struct {
		Mailboxes []mailboxView `json:"mailboxes"`
	}{Mailboxes: make([]mailboxView, 0, len(mbs))}
	for _, mb := range mbs {
		c, err := a.vm.svc.Counts(r.Context(), mb.ID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out.Mailboxes = append(out.Mailboxes, mailboxView{ID: mb.ID, Name: mb.Name, Owner: ownerOf(mb), Own: mb.ID == ext, Counts: c})
	}
	writeJSON(w, http.StatusOK, out)
}

// fail answers an error from package voicemail.
func (a *vmAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ue *voicemail.UploadError
	switch {
	case errors.Is(err, voicemail.ErrNoMailbox):
		writeError(w, http.StatusNotFound, "you have no voicemail")
	case errors.Is(err, voicemail.ErrNoMessage):
		writeError(w, http.StatusNotFound, "no such message")
	case errors.Is(err, voicemail.ErrNoGreeting):
		writeError(w, http.StatusNotFound, "that greeting was never recorded")
	case errors.As(err, &ue) && errors.Is(err, voicemail.ErrUploadTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, ue.Error())
	case errors.As(err, &ue):
		writeError(w, http.StatusBadRequest, ue.Error())
	case isPINError(err):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		a.vm.log.Error("voicemail API", "path", r.URL.Path, "ext", userOf(r).ext, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

func isPINError(err error) bool {
	var pe *voicemail.PINError
	if errors.As(err, &pe) {
		return true
	}
	var ae *account.PINError
	return errors.As(err, &ae)
}

func (a *vmAPI) list(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	box := mb.ID
	var q voicemail.Query
	qs := r.URL.Query()
	if v := qs.Get("filter"); v != "" {
		if err := q.Filter.UnmarshalText([]byte(v)); err != nil {
			writeError(w, http.StatusBadRequest, "filter: want all, inbox, urgent or old")
			return
		}
	}
	if v := qs.Get("order"); v != "" {
		if err := q.Order.UnmarshalText([]byte(v)); err != nil {
			writeError(w, http.StatusBadRequest, "order: want oldest-first or newest-first")
			return
		}
	} else {
		q.Order = voicemail.NewestFirst // the portal shows the latest on top
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"offset", &q.Offset}, {"limit", &q.Limit}} {
		if v := qs.Get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, f.name+": want a whole number, 0 or more")
				return
			}
			*f.dst = n
		}
	}
	page, err := a.vm.svc.List(r.Context(), box, q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := messageList{Messages: make([]messageView, 0, len(page.Messages)), Total: page.Total}
	for _, m := range page.Messages {
		out.Messages = append(out.Messages, viewOf(mb, m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *vmAPI) message(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	m, err := a.vm.svc.Message(r.Context(), mb.ID, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(mb, m))
}

func (a *vmAPI) audio(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	box := mb.ID
	m, err := a.vm.svc.Message(r.Context(), box, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.sendWAV(w, r, m.Audio, "voicemail-"+m.ID+".wav")
}

func (a *vmAPI) sendWAV(w http.ResponseWriter, r *http.Request, ref, name string) {
	b, err := a.vm.wav(r.Context(), ref)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// markRequest changes a message's flags; absent fields stay.
type markRequest struct {
	Folder *voicemail.Folder `json:"folder"`
	Urgent *bool             `json:"urgent"`
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func (a *vmAPI) mark(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	box := mb.ID
	var req markRequest
	if !decodeBody(w, r, &req) {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	if _, err := a.vm.svc.Message(ctx, box, id); err != nil {
		a.fail(w, r, err)
		return
	}
	var err error
	if req.Folder != nil {
		switch *req.Folder {
		case voicemail.FolderNew:
			err = a.vm.svc.MarkNew(ctx, box, id)
		case voicemail.FolderOld:
			err = a.vm.svc.MarkHeard(ctx, box, id)
		default:
			writeError(w, http.StatusBadRequest, "folder: want new or old")
			return
		}
	}
	if err == nil && req.Urgent != nil {
		err = a.vm.svc.SetUrgent(ctx, box, id, *req.Urgent)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.message(w, r)
}

func (a *vmAPI) forward(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	box := mb.ID
	var req struct {
		To string `json:"to"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.To == box {
		writeError(w, http.StatusBadRequest, "to: that is your own mailbox")
		return
	}
	if _, err := a.vm.mailbox(r.Context(), req.To); err != nil {
		if errors.Is(err, voicemail.ErrNoMailbox) {
			writeError(w, http.StatusBadRequest, "to: there is no mailbox "+strconv.Quote(req.To))
			return
		}
		a.fail(w, r, err)
		return
	}
	m, err := a.vm.svc.Forward(r.Context(), box, r.PathValue("id"), req.To, nil, a.vm.now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"mailbox": m.Mailbox, "id": m.ID})
}

func (a *vmAPI) delete(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	box := mb.ID
	n, err := a.vm.svc.Delete(r.Context(), box, r.PathValue("id"))
	if err == nil && n == 0 {
		err = voicemail.ErrNoMessage
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *vmAPI) deleteAll(w http.ResponseWriter, r *http.Request) {
	mb, ok := a.box(w, r)
	if !ok {
		return
	}
	box := mb.ID
	n, err := a.vm.svc.DeleteAll(r.Context(), box)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
}

// vmSettings are the mailbox settings a user sees and changes. Quota and
// the recorded greetings are shown, not changed, here.
type vmSettings struct {
	Options   voicemail.Options   `json:"options"`
	Greetings voicemail.Greetings `json:"greetings"`
	Notify    voicemail.Notify    `json:"notify"`
	Quota     voicemail.Quota     `json:"quota"`
	HasPIN    bool                `json:"has_pin"`
	// Members are the extensions the owner shares the mailbox with: they
	// see it in GET /mailboxes and read its messages with ?mailbox=.
	Members []string `json:"members"`
	// Temporary is the temporary greeting's state now (shown, not
	// changed: PUT greetings.temporary_until, or the phone menu, sets the
	// end).
	Temporary vmTemporary `json:"temporary"`
}

// vmTemporary is the temporary greeting as the portal shows it: "Your
// temporary greeting is active until 24 December, 18:00".
type vmTemporary struct {
	// Recorded is true when there is a temporary greeting.
	Recorded bool `json:"recorded"`
	// Until is when it stops playing; absent: until erased.
	Until time.Time `json:"until,omitzero"`
	// Active is true when callers hear it now: recorded and not past
	// Until.
	Active bool `json:"active"`
}

// dialable reports whether s can be the operator's number: empty (no
// operator), or up to 32 digits with an optional leading '+'.
func dialable(s string) bool {
	if len(s) > 32 {
		return false
	}
	for i, c := range []byte(s) {
		if (c < '0' || c > '9') && !(c == '+' && i == 0 && len(s) > 1) {
			return false
		}
	}
	return true
}

// temporaryState is g's temporary greeting at now.
func temporaryState(g voicemail.Greetings, now time.Time) vmTemporary {
	rec := g.Has(voicemail.GreetingTemporary)
	return vmTemporary{Recorded: rec, Until: g.TemporaryUntil,
		Active: rec && (g.TemporaryUntil.IsZero() || now.Before(g.TemporaryUntil))}
}

func (a *vmAPI) settings(w http.ResponseWriter, r *http.Request) {
	box, ok := a.own(w, r)
	if !ok {
		return
	}
	mb, err := a.vm.svc.Mailbox(r.Context(), box)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vmSettings{Options: mb.Options, Greetings: mb.Greetings, Notify: mb.Notify,
		Quota: mb.Quota.WithDefaults(), HasPIN: mb.PINHash != "", Members: append([]string{}, mb.Members...),
		Temporary: temporaryState(mb.Greetings, a.vm.now())})
}

func (a *vmAPI) putSettings(w http.ResponseWriter, r *http.Request) {
	box, ok := a.own(w, r)
	if !ok {
		return
	}
	var req struct {
		Options   voicemail.Options `json:"options"`
		Greetings struct {
			Mode           voicemail.GreetingMode        `json:"mode"`
			Schedule       json.RawMessage               `json:"schedule,omitempty"`
			Schedules      []voicemail.ScheduledGreeting `json:"schedules,omitempty"`
			TemporaryUntil time.Time                     `json:"temporary_until,omitzero"`
			Recorded       json.RawMessage               `json:"recorded,omitempty"` // shown by GET; ignored
		} `json:"greetings"`
		Notify    voicemail.Notify `json:"notify"`
		Quota     json.RawMessage  `json:"quota,omitempty"`     // shown by GET; ignored
		HasPIN    json.RawMessage  `json:"has_pin,omitempty"`   // shown by GET; ignored
		Temporary json.RawMessage  `json:"temporary,omitempty"` // shown by GET; ignored
		Members   []string         `json:"members"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if err := checkNotify(req.Notify); err != nil {
		writeError(w, http.StatusBadRequest, "notify: "+err.Error())
		return
	}
	if !dialable(req.Options.Operator) {
		writeError(w, http.StatusBadRequest, "options.operator: "+strconv.Quote(req.Options.Operator)+" is not a number to dial")
		return
	}
	for _, m := range req.Members {
		if err := voicemail.ValidateMailboxID(m); err != nil || m == box {
			writeError(w, http.StatusBadRequest, "members: "+strconv.Quote(m)+" is not another extension")
			return
		}
	}
	var greetings voicemail.Greetings
	greetings.Mode, greetings.TemporaryUntil = req.Greetings.Mode, req.Greetings.TemporaryUntil
	greetings.Schedules = req.Greetings.Schedules
	if len(req.Greetings.Schedule) > 0 && string(req.Greetings.Schedule) != "null" {
		var g voicemail.Greetings
		if err := json.Unmarshal([]byte(`{"schedule":`+string(req.Greetings.Schedule)+`}`), &g); err != nil {
			writeError(w, http.StatusBadRequest, "greetings.schedule: "+err.Error())
			return
		}
		greetings.Schedule = g.Schedule
	}
	if err := greetings.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	err := a.vm.svc.UpdateMailbox(r.Context(), box, func(mb *voicemail.Mailbox) {
		mb.Options, mb.Notify = req.Options, req.Notify
		mb.Greetings.Mode, mb.Greetings.Schedule, mb.Greetings.TemporaryUntil = greetings.Mode, greetings.Schedule, greetings.TemporaryUntil
		mb.Greetings.Schedules = greetings.Schedules
		if req.Members != nil {
			mb.Members = slices.Compact(slices.Sorted(slices.Values(req.Members)))
		}
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.settings(w, r)
}

func (a *vmAPI) putPIN(w http.ResponseWriter, r *http.Request) {
	box, ok := a.own(w, r)
	if !ok {
		return
	}
	var req struct {
		PIN string `json:"pin"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if err := a.vm.svc.SetPIN(r.Context(), box, req.PIN); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// greetingKind reads {kind}; it answers 404 itself for an unknown one.
func greetingKind(w http.ResponseWriter, r *http.Request) (voicemail.GreetingKind, bool) {
	var k voicemail.GreetingKind
	if err := k.UnmarshalText([]byte(r.PathValue("kind"))); err != nil || k == voicemail.GreetingStandard {
		writeError(w, http.StatusNotFound, "no greeting kind "+strconv.Quote(r.PathValue("kind"))+
			": want simple, scheduled, busy, unavailable, temporary or name")
		return 0, false
	}
	return k, true
}

func (a *vmAPI) putGreeting(w http.ResponseWriter, r *http.Request) {
	box, ok := a.own(w, r)
	if !ok {
		return
	}
	k, ok := greetingKind(w, r)
	if !ok {
		return
	}
	// The Service stops reading past its limit; this only stops a client
	// that keeps sending.
	body := http.MaxBytesReader(w, r.Body, 11<<20)
	if err := a.vm.svc.SetGreetingFromUpload(r.Context(), box, k, body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "greeting too large: at most 10 MB")
			return
		}
		a.fail(w, r, err)
		return
	}
	a.vm.log.Info("voicemail: greeting uploaded", "mailbox", box, "kind", k.String())
	a.settings(w, r)
}

func (a *vmAPI) greeting(w http.ResponseWriter, r *http.Request) {
	box, ok := a.own(w, r)
	if !ok {
		return
	}
	k, ok := greetingKind(w, r)
	if !ok {
		return
	}
	ref, err := a.vm.svc.GreetingAudio(r.Context(), box, k)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.sendWAV(w, r, ref, "greeting-"+k.String()+".wav")
}

func (a *vmAPI) deleteGreeting(w http.ResponseWriter, r *http.Request) {
	box, ok := a.own(w, r)
	if !ok {
		return
	}
	k, ok := greetingKind(w, r)
	if !ok {
		return
	}
	if err := a.vm.svc.DeleteGreeting(r.Context(), box, k); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
