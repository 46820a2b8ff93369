package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/store"
)

// contactUsers is what the contact book needs of the account store: who
// may manage business contacts, and the extensions of the directory.
type contactUsers interface {
	GetUser(ctx context.Context, ext string) (account.User, error)
	ListUsers(ctx context.Context) ([]account.User, error)
}

// contactBook is the PBX's contacts: the store, the caller-ID index that
// names incoming calls (kept current on every change made through the
// API and loaded from the store at start-up), and the import previews
// waiting for a commit. Numbers are read with the call system's numbering
// plan; when it changes, setPlan builds a new index and swaps it in whole.
// Writes are serialised by mu so that a write and the index update after
// it are one step. Safe for concurrent use.
type contactBook struct {
	st    contacts.Store
	users contactUsers
	log   *slog.Logger
	// idx is the caller-ID index and the plan it was built with. Lookups
	// load it without a lock; setPlan replaces it, under mu, only once the
	// new one is complete, so a lookup sees the old index or the new one,
	// never a half-built one. Between two swaps, the index is changed in
	// place (under mu) as contacts are written.
	idx atomic.Pointer[callerIndex]

	mu      sync.Mutex
	indexed map[string]map[string]int // owner → contact ID → revision in idx

	imports *imports
}

// callerIndex is a caller-ID index and the numbering plan it parses with.
type callerIndex struct {
	plan phonenumber.Plan
	ids  *contacts.CallerID
}

// callSystemReader is the part of the PBX's store that holds the call
// system, whose numbering plan the contact book reads numbers with.
type callSystemReader interface {
	CallSystem(ctx context.Context) (store.CallSystem, bool, error)
}

// newContactBook loads every user's and the business contacts into the
// caller-ID index. When users also holds the call system (the PBX's
// store), numbers are read with its numbering plan, or the plan of a new
// data directory's default call system when none is saved yet; otherwise
// with the zero plan until setPlan.
func newContactBook(ctx context.Context, st contacts.Store, users contactUsers, log *slog.Logger) (*contactBook, error) {
	var plan phonenumber.Plan
	if r, ok := users.(callSystemReader); ok {
		cs, saved, err := r.CallSystem(ctx)
		if err != nil {
			return nil, fmt.Errorf("contacts: numbering plan: %w", err)
		}
		if !saved {
			cs = defaultCallSystem(nil) // outside prefixes are not used to read received numbers
		}
		plan = cs.Plan
	}
	b := &contactBook{st: st, users: users, log: log, indexed: map[string]map[string]int{}}
	b.imports = newImports(b)
	us, err := users.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	owners := []string{""}
	for _, u := range us {
		owners = append(owners, u.Extension)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	idx, indexed, err := b.buildIndexLocked(ctx, plan, owners)
	if err != nil {
		return nil, err
	}
	b.indexed = indexed
	b.idx.Store(idx)
	return b, nil
}

// index returns the caller-ID index in use and its plan.
func (b *contactBook) index() *callerIndex { return b.idx.Load() }

// buildIndexLocked builds a new caller-ID index of owners' contacts read
// with plan, and the revisions it holds, without touching the one in use.
func (b *contactBook) buildIndexLocked(ctx context.Context, plan phonenumber.Plan, owners []string) (*callerIndex, map[string]map[string]int, error) {
	idx := &callerIndex{plan: plan, ids: contacts.NewCallerID(plan)}
	indexed := make(map[string]map[string]int, len(owners))
	for _, o := range owners {
		list, err := b.st.List(ctx, o)
		if err != nil {
			return nil, nil, fmt.Errorf("contacts: list %q: %w", o, err)
		}
		revs := make(map[string]int, len(list))
		for _, c := range list {
			idx.ids.Put(c)
			revs[c.ID] = c.Revision
		}
		indexed[o] = revs
	}
	return idx, indexed, nil
}

// setPlan makes the contact book read numbers with plan: the caller-ID
// index is rebuilt from the store with it and swapped in whole, and later
// directory searches and import previews use it. Nothing is done when
// plan is the one in use. On error the old index stays. Writes of
// contacts wait for the rebuild; lookups do not. A nil book does nothing.
func (b *contactBook) setPlan(ctx context.Context, plan phonenumber.Plan) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if samePlan(b.index().plan, plan) {
		return nil
	}
	owners := slices.Collect(maps.Keys(b.indexed))
	idx, indexed, err := b.buildIndexLocked(ctx, plan, owners)
	if err != nil {
		return err
	}
	b.indexed = indexed
	b.idx.Store(idx)
	b.log.Info("contacts: caller-ID index rebuilt for the new numbering plan", "numbers", idx.ids.Len())
	return nil
}

// samePlan reports whether a and b read and write numbers alike; a nil
// list and an empty one are the same.
func samePlan(a, b phonenumber.Plan) bool {
	return a.CountryCode == b.CountryCode && a.TrunkPrefix == b.TrunkPrefix &&
		slices.Equal(a.InternationalPrefixes, b.InternationalPrefixes) &&
		slices.Equal(a.OutsidePrefixes, b.OutsidePrefixes) &&
		a.NationalLengths == b.NationalLengths && a.ExtensionLengths == b.ExtensionLengths &&
		slices.Equal(a.ExtensionRanges, b.ExtensionRanges) && slices.Equal(a.Emergency, b.Emergency) &&
		slices.Equal(a.Grouping, b.Grouping)
}

// Close cancels the imports still being read and waits for them.
func (b *contactBook) Close() error {
	b.imports.close()
	return nil
}

// reindexLocked lists owner's contacts and brings the caller-ID index in
// line with them: new and changed contacts are put, gone ones deleted.
// It returns the list and the IDs that were not indexed before.
func (b *contactBook) reindexLocked(ctx context.Context, owner string) ([]contacts.Contact, []string, error) {
	list, err := b.st.List(ctx, owner)
	if err != nil {
		return nil, nil, fmt.Errorf("contacts: list %q: %w", owner, err)
	}
	ids := b.index().ids // stable: setPlan swaps it under mu
	old := b.indexed[owner]
	next := make(map[string]int, len(list))
	var added []string
	for _, c := range list {
		next[c.ID] = c.Revision
		rev, ok := old[c.ID]
		if !ok {
			added = append(added, c.ID)
		}
		if !ok || rev != c.Revision {
			ids.Put(c)
		}
	}
	for id := range old {
		if _, ok := next[id]; !ok {
			ids.Delete(id)
		}
	}
	b.indexed[owner] = next
	return list, added, nil
}

// applyLocked writes cs to the store and updates the index.
func (b *contactBook) applyLocked(ctx context.Context, owner string, cs contacts.ChangeSet) ([]contacts.Contact, []string, error) {
	if err := b.st.Apply(ctx, cs); err != nil {
		return nil, nil, err
	}
	list, added, err := b.reindexLocked(ctx, owner)
	if err != nil {
		// The write happened; only the index may be behind until the
		// next change of this owner's contacts.
		b.log.Error("contacts: caller-ID index not updated", "owner", owner, "err", err)
	}
	return list, added, nil
}

// ownerOf returns the owner of contact id as user ext may see it: ext's
// own, or "" for a business contact; ok is false for anyone else's.
func (b *contactBook) ownerOf(ext, id string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.indexed[ext][id]; ok {
		return ext, true
	}
	if _, ok := b.indexed[""][id]; ok {
		return "", true
	}
	return "", false
}

// nameRecord names the outside party of a finished call from contacts,
// as the extension whose history the record is in sees it: the caller of
// an incoming or internal call in the callee's contacts, the number an
// extension called out in the caller's. A name already known (an
// extension's) is kept, and a party that is not an extension of the
// record never sees another's contact names, since only they are parties.
func (b *contactBook) nameRecord(r *calllog.Record, callee string) {
	if b == nil {
		return
	}
	if r.Direction == calllog.Outgoing {
		if r.ToName == "" {
			if m, ok := b.index().ids.Lookup(r.From, r.To); ok {
				r.ToName = m.Name
			}
		}
		return
	}
	if r.FromName == "" {
		if m, ok := b.index().ids.Lookup(callee, r.From); ok {
			r.FromName = m.Name
		}
	}
}

// callerName is the name callee gave caller (a number in any format) in
// their contacts, then in the business contacts; "" when none.
func (b *contactBook) callerName(callee, caller string) string {
	if b == nil {
		return ""
	}
	if m, ok := b.index().ids.Lookup(callee, caller); ok {
		return m.Name
	}
	return ""
}

// mount registers the contacts endpoints on the portal's API.
func (b *contactBook) mount(p *portal) {
	h := func(pattern string, f func(http.ResponseWriter, *http.Request)) {
		p.mux.Handle(pattern, p.authed(f, false))
	}
	h("GET /api/v1/contacts", b.list)
	h("POST /api/v1/contacts", b.create)
	h("GET /api/v1/contacts/export", b.export)
	h("POST /api/v1/contacts/import", b.imports.start)
	h("GET /api/v1/contacts/import/{id}", b.imports.get)
	h("POST /api/v1/contacts/import/{id}/commit", b.imports.commit)
	h("DELETE /api/v1/contacts/import/{id}", b.imports.cancel)
	h("GET /api/v1/contacts/{id}", b.get)
	h("PUT /api/v1/contacts/{id}", b.update)
	h("DELETE /api/v1/contacts/{id}", b.remove)
	h("PUT /api/v1/contacts/{id}/favorite", b.favorite)
	h("GET /api/v1/speeddial", b.speedDials)
	h("PUT /api/v1/speeddial/{slot}", b.setSpeedDial)
	h("DELETE /api/v1/speeddial/{slot}", b.clearSpeedDial)
	h("GET /api/v1/directory", b.directory)
}

// contactJSON is a contact as the API reads and writes it.
type contactJSON struct {
	ID           string          `json:"id,omitempty"`
	Revision     int             `json:"revision,omitempty"`
	Business     bool            `json:"business"`
	Name         string          `json:"name,omitempty"` // shown name; ignored on input
	FirstName    string          `json:"first_name,omitempty"`
	LastName     string          `json:"last_name,omitempty"`
	Nickname     string          `json:"nickname,omitempty"`
	DisplayName  string          `json:"display_name,omitempty"`
	JobTitle     string          `json:"job_title,omitempty"`
	Organization string          `json:"organization,omitempty"`
	Phones       phonesJSON      `json:"phones"`
	Main         string          `json:"main"`
	Emails       []string        `json:"emails,omitempty"`
	SMS          string          `json:"sms,omitempty"`
	HomeAddress  *addressJSON    `json:"home_address,omitempty"`
	WorkAddress  *addressJSON    `json:"work_address,omitempty"`
	Description  string          `json:"description,omitempty"`
	Favorite     bool            `json:"favorite"`
	SpeedDial    []speedDialJSON `json:"speed_dial,omitempty"`
}

type phonesJSON struct {
	Home   string `json:"home,omitempty"`
	Work   string `json:"work,omitempty"`
	Mobile string `json:"mobile,omitempty"`
	Fax    string `json:"fax,omitempty"`
	Other  string `json:"other,omitempty"`
}

type addressJSON struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
}

type speedDialJSON struct {
	Slot  int    `json:"slot"`
	Phone string `json:"phone"`
}

func addrJSON(a contacts.Address) *addressJSON {
	if a.IsZero() {
		return nil
	}
	return &addressJSON{a.Street, a.City, a.Region, a.PostalCode, a.Country}
}

func (a *addressJSON) address() contacts.Address {
	if a == nil {
		return contacts.Address{}
	}
	return contacts.Address{Street: a.Street, City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
}

func toContactJSON(c contacts.Contact) contactJSON {
	v := contactJSON{ID: c.ID, Revision: c.Revision, Business: c.Owner == "", Name: c.Name(),
		FirstName: c.FirstName, LastName: c.LastName, Nickname: c.Nickname, DisplayName: c.DisplayName,
		JobTitle: c.JobTitle, Organization: c.Organization,
		Phones: phonesJSON(c.Phones), SMS: c.SMS,
		HomeAddress: addrJSON(c.HomeAddress), WorkAddress: addrJSON(c.WorkAddress),
		Description: c.Description, Favorite: c.Favorite}
	if c.Main != contacts.PhoneUnknown {
		v.Main = c.Main.String()
	}
	for _, e := range c.Emails {
		if e != "" {
			v.Emails = append(v.Emails, e)
		}
	}
	for _, sd := range c.SpeedDial {
		v.SpeedDial = append(v.SpeedDial, speedDialJSON{sd.Slot, sd.Phone.String()})
	}
	return v
}

// contact turns v into a Contact of owner; a *contacts.ValidationError
// names the field that cannot be read.
func (v contactJSON) contact(owner string) (contacts.Contact, error) {
	c := contacts.Contact{Owner: owner, FirstName: v.FirstName, LastName: v.LastName, Nickname: v.Nickname,
		DisplayName: v.DisplayName, JobTitle: v.JobTitle, Organization: v.Organization,
		Phones: contacts.Phones(v.Phones), SMS: v.SMS,
		HomeAddress: v.HomeAddress.address(), WorkAddress: v.WorkAddress.address(),
		Description: v.Description, Favorite: v.Favorite}
	if v.Main != "" {
		if c.Main = contacts.ParsePhoneType(v.Main); c.Main == contacts.PhoneUnknown {
			return c, &contacts.ValidationError{Field: "Main", Reason: fmt.Sprintf("%q is not home, work, mobile, fax or other", v.Main)}
		}
	} else {
		// One number and no main: that number is the main one.
		for _, t := range []contacts.PhoneType{contacts.PhoneMobile, contacts.PhoneWork, contacts.PhoneHome, contacts.PhoneOther, contacts.PhoneFax} {
			if c.Phones.Get(t) != "" {
				c.Main = t
				break
			}
		}
	}
	if len(v.Emails) > len(c.Emails) {
		return c, &contacts.ValidationError{Field: "Emails", Reason: "at most two e-mail addresses"}
	}
	copy(c.Emails[:], v.Emails)
	for i, sd := range v.SpeedDial {
		t := contacts.ParsePhoneType(sd.Phone)
		if t == contacts.PhoneUnknown {
			return c, &contacts.ValidationError{Field: fmt.Sprintf("SpeedDial[%d].Phone", i), Reason: fmt.Sprintf("%q is not home, work, mobile, fax or other", sd.Phone)}
		}
		c.SpeedDial = append(c.SpeedDial, contacts.SpeedDial{Slot: sd.Slot, Phone: t})
	}
	return c, c.Validate()
}

// jsonField turns a ValidationError field ("Phones.Mobile", "Emails[1]")
// into the API's JSON name ("phones.mobile", "emails[1]").
func jsonField(f string) string {
	var sb strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 && f[i-1] >= 'a' && f[i-1] <= 'z' {
				sb.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// fieldError is the body of a 400 for an invalid field.
type fieldError struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

// writeContactError answers err from a contact operation: a validation
// error names its field (400), a stale write is a conflict (409).
func (b *contactBook) writeContactError(w http.ResponseWriter, err error) {
	var ve *contacts.ValidationError
	switch {
	case errors.As(err, &ve):
		f := jsonField(ve.Field)
		writeJSON(w, http.StatusBadRequest, fieldError{f + ": " + ve.Reason, f})
	case errors.Is(err, contacts.ErrStale):
		writeError(w, http.StatusConflict, "the contact was changed since you read it; read it again")
	default:
		b.log.Error("contacts", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// isAdmin reports whether ext may manage business contacts.
func (b *contactBook) isAdmin(ctx context.Context, ext string) bool {
	u, err := b.users.GetUser(ctx, ext)
	return err == nil && u.Access == account.AccessAdmin
}

const forbiddenBusiness = "business contacts are managed by an administrator"

// book returns whose contacts a request names with ?book=personal
// (default) or business.
func book(r *http.Request, ext string) (string, error) {
	switch r.URL.Query().Get("book") {
	case "", "personal":
		return ext, nil
	case "business":
		return "", nil
	}
	return "", errors.New("book: want personal or business")
}

// list answers GET /contacts: ?book=personal|business|all, ?favorites=true.
func (b *contactBook) list(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	owners := []string{u.ext}
	switch bk := r.URL.Query().Get("book"); bk {
	case "", "personal":
	case "business":
		owners = []string{""}
	case "all":
		owners = []string{u.ext, ""}
	default:
		writeError(w, http.StatusBadRequest, "book: want personal, business or all")
		return
	}
	favOnly := r.URL.Query().Get("favorites") == "true"
	out := []contactJSON{}
	for _, o := range owners {
		list, err := b.st.List(r.Context(), o)
		if err != nil {
			b.writeContactError(w, err)
			return
		}
		for _, c := range list {
			if !favOnly || c.Favorite {
				out = append(out, toContactJSON(c))
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// readContact decodes a contact body, refusing unknown fields.
func readContact(w http.ResponseWriter, r *http.Request) (contactJSON, bool) {
	var v contactJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		writeError(w, http.StatusBadRequest, "want a JSON contact: "+err.Error())
		return v, false
	}
	return v, true
}

// slotConflict returns the first speed-dial slot of c that another of
// list's contacts holds, and that contact.
func slotConflict(list []contacts.Contact, c contacts.Contact) (int, contacts.Contact, bool) {
	for _, sd := range c.SpeedDial {
		for _, o := range list {
			if o.ID == c.ID {
				continue
			}
			for _, osd := range o.SpeedDial {
				if osd.Slot == sd.Slot {
					return sd.Slot, o, true
				}
			}
		}
	}
	return 0, contacts.Contact{}, false
}

// conflictError is the body of a 409 for a speed-dial slot in use.
type conflictError struct {
	Error     string `json:"error"`
	Slot      int    `json:"slot"`
	ContactID string `json:"contact_id"`
}

func writeSlotConflict(w http.ResponseWriter, slot int, holder contacts.Contact) {
	writeJSON(w, http.StatusConflict, conflictError{
		fmt.Sprintf("speed-dial slot %d is already %s's; clear it first", slot, holder.Name()), slot, holder.ID})
}

// create answers POST /contacts; "business": true makes a business
// contact (administrators only).
func (b *contactBook) create(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	v, ok := readContact(w, r)
	if !ok {
		return
	}
	owner := u.ext
	if v.Business {
		if !b.isAdmin(r.Context(), u.ext) {
			writeError(w, http.StatusForbidden, forbiddenBusiness)
			return
		}
		owner = ""
	}
	c, err := v.contact(owner)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, err := b.st.List(r.Context(), owner)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	if slot, holder, clash := slotConflict(cur, c); clash {
		writeSlotConflict(w, slot, holder)
		return
	}
	list, added, err := b.applyLocked(r.Context(), owner, contacts.ChangeSet{Add: []contacts.Contact{c}})
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	for _, got := range list {
		if len(added) == 1 && got.ID == added[0] {
			w.Header().Set("Location", "/api/v1/contacts/"+got.ID)
			writeJSON(w, http.StatusCreated, toContactJSON(got))
			return
		}
	}
	writeError(w, http.StatusInternalServerError, "the contact was stored but cannot be read back")
}

// findLocked returns contact id of owner from the store.
func (b *contactBook) findLocked(ctx context.Context, owner, id string) (contacts.Contact, []contacts.Contact, bool, error) {
	list, err := b.st.List(ctx, owner)
	if err != nil {
		return contacts.Contact{}, nil, false, err
	}
	for _, c := range list {
		if c.ID == id {
			return c, list, true, nil
		}
	}
	return contacts.Contact{}, list, false, nil
}

const noSuchContact = "no such contact"

func (b *contactBook) get(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	owner, ok := b.ownerOf(u.ext, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, noSuchContact)
		return
	}
	b.mu.Lock()
	c, _, found, err := b.findLocked(r.Context(), owner, r.PathValue("id"))
	b.mu.Unlock()
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, noSuchContact)
		return
	}
	writeJSON(w, http.StatusOK, toContactJSON(c))
}

// edit runs change on contact {id} of the request's user (or a business
// contact, for an administrator) and writes the result, all under mu.
// change returns the new value, or false having answered the request.
func (b *contactBook) edit(w http.ResponseWriter, r *http.Request, change func(old contacts.Contact, list []contacts.Contact) (contacts.ChangeSet, bool)) {
	u := userOf(r)
	id := r.PathValue("id")
	owner, ok := b.ownerOf(u.ext, id)
	if !ok {
		writeError(w, http.StatusNotFound, noSuchContact)
		return
	}
	if owner == "" && !b.isAdmin(r.Context(), u.ext) {
		writeError(w, http.StatusForbidden, forbiddenBusiness)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old, list, found, err := b.findLocked(r.Context(), owner, id)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, noSuchContact)
		return
	}
	cs, ok := change(old, list)
	if !ok {
		return
	}
	list, _, err = b.applyLocked(r.Context(), owner, cs)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	if len(cs.Delete) == 1 && len(cs.Update) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	for _, c := range list {
		if c.ID == id {
			writeJSON(w, http.StatusOK, toContactJSON(c))
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// update answers PUT /contacts/{id}: the body replaces the contact. A
// "revision" other than the stored one is a conflict (409).
func (b *contactBook) update(w http.ResponseWriter, r *http.Request) {
	v, ok := readContact(w, r)
	if !ok {
		return
	}
	b.edit(w, r, func(old contacts.Contact, list []contacts.Contact) (contacts.ChangeSet, bool) {
		c, err := v.contact(old.Owner)
		if err != nil {
			b.writeContactError(w, err)
			return contacts.ChangeSet{}, false
		}
		if v.Revision != 0 && v.Revision != old.Revision {
			b.writeContactError(w, contacts.ErrStale)
			return contacts.ChangeSet{}, false
		}
		c.ID, c.Revision = old.ID, old.Revision
		if slot, holder, clash := slotConflict(list, c); clash {
			writeSlotConflict(w, slot, holder)
			return contacts.ChangeSet{}, false
		}
		return contacts.ChangeSet{Update: []contacts.Contact{c}}, true
	})
}

func (b *contactBook) remove(w http.ResponseWriter, r *http.Request) {
	b.edit(w, r, func(old contacts.Contact, _ []contacts.Contact) (contacts.ChangeSet, bool) {
		return contacts.ChangeSet{Delete: []contacts.Ref{{ID: old.ID, Revision: old.Revision}}}, true
	})
}

// favorite answers PUT /contacts/{id}/favorite {"favorite": bool}.
func (b *contactBook) favorite(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Favorite *bool `json:"favorite"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&req); err != nil || req.Favorite == nil {
		writeJSON(w, http.StatusBadRequest, fieldError{"want JSON {\"favorite\": true|false}", "favorite"})
		return
	}
	b.edit(w, r, func(old contacts.Contact, _ []contacts.Contact) (contacts.ChangeSet, bool) {
		old.Favorite = *req.Favorite
		return contacts.ChangeSet{Update: []contacts.Contact{old}}, true
	})
}

// speedDialView is one used keypad slot of a user.
type speedDialView struct {
	Slot      int    `json:"slot"`
	ContactID string `json:"contact_id"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Number    string `json:"number"`
}

// speedDials answers GET /speeddial: the user's slots, by slot. Speed
// dial is personal: it lives on the user's own contacts.
func (b *contactBook) speedDials(w http.ResponseWriter, r *http.Request) {
	list, err := b.st.List(r.Context(), userOf(r).ext)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	out := []speedDialView{}
	for _, c := range list {
		for _, sd := range c.SpeedDial {
			out = append(out, speedDialView{sd.Slot, c.ID, c.Name(), sd.Phone.String(), c.Phones.Get(sd.Phone)})
		}
	}
	slices.SortFunc(out, func(a, b speedDialView) int { return a.Slot - b.Slot })
	writeJSON(w, http.StatusOK, out)
}

func pathSlot(w http.ResponseWriter, r *http.Request) (int, bool) {
	slot, err := strconv.Atoi(r.PathValue("slot"))
	if err != nil || slot < 0 || slot > contacts.MaxSpeedDialSlot {
		writeJSON(w, http.StatusBadRequest, fieldError{fmt.Sprintf("slot: want 0 to %d", contacts.MaxSpeedDialSlot), "slot"})
		return 0, false
	}
	return slot, true
}

// setSpeedDial answers PUT /speeddial/{slot} {"contact_id", "phone",
// "replace"}: the slot dials that number of one of the user's contacts.
// A slot held by another contact is a conflict (409) unless replace is
// true, which moves it in the same write.
func (b *contactBook) setSpeedDial(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	slot, ok := pathSlot(w, r)
	if !ok {
		return
	}
	var req struct {
		ContactID string `json:"contact_id"`
		Phone     string `json:"phone"`
		Replace   bool   `json:"replace"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "want JSON {contact_id, phone, replace}")
		return
	}
	phone := contacts.ParsePhoneType(req.Phone)
	if phone == contacts.PhoneUnknown {
		writeJSON(w, http.StatusBadRequest, fieldError{"phone: want home, work, mobile, fax or other", "phone"})
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	target, list, found, err := b.findLocked(r.Context(), u.ext, req.ContactID)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	if !found {
		writeJSON(w, http.StatusNotFound, fieldError{"contact_id: no such contact of yours (speed dial uses your personal contacts)", "contact_id"})
		return
	}
	var cs contacts.ChangeSet
	for _, c := range list {
		if c.ID == target.ID {
			continue
		}
		if i := slices.IndexFunc(c.SpeedDial, func(sd contacts.SpeedDial) bool { return sd.Slot == slot }); i >= 0 {
			if !req.Replace {
				writeSlotConflict(w, slot, c)
				return
			}
			c.SpeedDial = slices.Delete(slices.Clone(c.SpeedDial), i, i+1)
			cs.Update = append(cs.Update, c)
		}
	}
	target.SpeedDial = slices.DeleteFunc(slices.Clone(target.SpeedDial), func(sd contacts.SpeedDial) bool { return sd.Slot == slot })
	target.SpeedDial = append(target.SpeedDial, contacts.SpeedDial{Slot: slot, Phone: phone})
	if err := target.Validate(); err != nil {
		b.writeContactError(w, err)
		return
	}
	cs.Update = append(cs.Update, target)
	if _, _, err := b.applyLocked(r.Context(), u.ext, cs); err != nil {
		b.writeContactError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, speedDialView{slot, target.ID, target.Name(), phone.String(), target.Phones.Get(phone)})
}

// clearSpeedDial answers DELETE /speeddial/{slot}; a free slot is 404.
func (b *contactBook) clearSpeedDial(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	slot, ok := pathSlot(w, r)
	if !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	list, err := b.st.List(r.Context(), u.ext)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	for _, c := range list {
		if i := slices.IndexFunc(c.SpeedDial, func(sd contacts.SpeedDial) bool { return sd.Slot == slot }); i >= 0 {
			c.SpeedDial = slices.Delete(slices.Clone(c.SpeedDial), i, i+1)
			if _, _, err := b.applyLocked(r.Context(), u.ext, contacts.ChangeSet{Update: []contacts.Contact{c}}); err != nil {
				b.writeContactError(w, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("speed-dial slot %d is not set", slot))
}

// export answers GET /contacts/export?format=csv|vcard3|vcard4&book=.
func (b *contactBook) export(w http.ResponseWriter, r *http.Request) {
	owner, err := book(r, userOf(r).ext)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	format := cmpOrDefault(r.URL.Query().Get("format"), "csv")
	var ctype, ext, version string
	switch format {
	case "csv":
		ctype, ext = "text/csv; charset=utf-8", "csv"
	case "vcard3", "vcard4":
		ctype, ext, version = "text/vcard; charset=utf-8", "vcf", contacts.VCard3
		if format == "vcard4" {
			version = contacts.VCard4
		}
	default:
		writeJSON(w, http.StatusBadRequest, fieldError{"format: want csv, vcard3 or vcard4", "format"})
		return
	}
	list, err := b.st.List(r.Context(), owner)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.`+ext+`"`)
	if version == "" {
		err = contacts.Export(w, list)
	} else {
		err = contacts.ExportVCard(w, list, version)
	}
	if err != nil {
		b.log.Error("export contacts", "err", err)
	}
}

func cmpOrDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// directoryResult is one directory entry with where the query matched.
type directoryResult struct {
	Source    string         `json:"source"`
	Extension *extensionJSON `json:"extension,omitempty"`
	Contact   *contactJSON   `json:"contact,omitempty"`
	Matches   []matchJSON    `json:"matches"`
}

type extensionJSON struct {
	Number string `json:"number"`
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
}

type matchJSON struct {
	Field string `json:"field"`
	Value string `json:"value"`
	Start int    `json:"start"` // byte offsets of the match in value
	End   int    `json:"end"`
}

// directory answers GET /directory?q=&limit=: extensions, business
// contacts and the user's own contacts matching every word of q.
func (b *contactBook) directory(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeJSON(w, http.StatusBadRequest, fieldError{"limit: want 1 to 1000", "limit"})
			return
		}
		limit = n
	}
	users, err := b.users.ListUsers(r.Context())
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	exts := make([]contacts.Extension, 0, len(users))
	for _, x := range users {
		exts = append(exts, contacts.Extension{Number: x.Extension, Name: x.Name, Email: x.Email})
	}
	business, err := b.st.List(r.Context(), "")
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	personal, err := b.st.List(r.Context(), u.ext)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	d := contacts.NewDirectory(b.index().plan, exts, business).WithPersonal(personal)
	out := []directoryResult{}
	for _, res := range d.Search(r.URL.Query().Get("q"), limit) {
		v := directoryResult{Source: res.Entry.Source.String(), Matches: []matchJSON{}}
		if res.Entry.Source == contacts.SourceExtension {
			e := res.Entry.Extension
			v.Extension = &extensionJSON{e.Number, e.Name, e.Email}
		} else {
			c := toContactJSON(res.Entry.Contact)
			v.Contact = &c
		}
		for _, m := range res.Matches {
			v.Matches = append(v.Matches, matchJSON{jsonField(m.Field), m.Value, m.Start, m.End})
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}
