package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telekit/telekit/contacts"
)

const (
	// maxImportBytes is the largest file POST /contacts/import takes.
	maxImportBytes = 20 << 20
	// importTTL is how long a preview waits for its commit or cancel.
	importTTL = 15 * time.Minute
	// maxImportsPerUser is how many previews one user may have pending.
	maxImportsPerUser = 3
	// backgroundImportBytes is the file size from which an import is read
	// in the background: POST answers 202 at once and GET shows progress.
	backgroundImportBytes = 1 << 20
	// detailsPage is how many preview details one response holds by
	// default (details_offset and details_limit page through them).
	detailsPage = 1000
)

// imports holds the import previews waiting for a commit or a cancel.
// Safe for concurrent use; close stops taking new background reads and
// waits for those under way.
type imports struct {
	b   *contactBook
	now func() time.Time

	mu     sync.Mutex
	closed bool
	jobs   map[string]*importJob // by ID
	wg     sync.WaitGroup
}

// importJob is one uploaded file: while state is "reading" only the
// progress fields change; once done is closed the rest is fixed.
type importJob struct {
	id      string
	user    string // who uploaded it
	owner   string // whose contacts it imports into ("" business)
	expires time.Time
	total   int
	read    atomic.Int64
	done    chan struct{}

	// Set before done is closed.
	file  *contacts.File
	plan  *contacts.Plan
	basis map[string]int // the owner's contacts (ID → revision) previewed against
	err   error
}

func newImports(b *contactBook) *imports {
	return &imports{b: b, now: time.Now, jobs: map[string]*importJob{}}
}

func (im *imports) close() {
	im.mu.Lock()
	im.closed = true
	im.mu.Unlock()
	im.wg.Wait()
}

// sweepLocked drops expired previews.
func (im *imports) sweepLocked() {
	now := im.now()
	for id, j := range im.jobs {
		if now.After(j.expires) {
			delete(im.jobs, id)
		}
	}
}

// job returns user ext's import id; anyone else's is "not found".
func (im *imports) job(ext, id string) (*importJob, bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.sweepLocked()
	j, ok := im.jobs[id]
	return j, ok && j.user == ext
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// fieldNames are the names a manual mapping uses for contacts.Field.
var fieldNames = map[string]contacts.Field{
	"": contacts.FieldIgnore, "ignore": contacts.FieldIgnore,
	"first_name": contacts.FieldFirstName, "last_name": contacts.FieldLastName, "nickname": contacts.FieldNickname,
	"display_name": contacts.FieldDisplayName, "job_title": contacts.FieldJobTitle, "organization": contacts.FieldOrganization,
	"home": contacts.FieldHomePhone, "work": contacts.FieldWorkPhone, "mobile": contacts.FieldMobilePhone,
	"fax": contacts.FieldFax, "other": contacts.FieldOtherPhone, "main_number": contacts.FieldMainNumber,
	"main_type": contacts.FieldMainPhoneType, "email1": contacts.FieldEmail1, "email2": contacts.FieldEmail2,
	"sms": contacts.FieldSMS, "home_street": contacts.FieldHomeStreet, "home_city": contacts.FieldHomeCity,
	"home_region": contacts.FieldHomeRegion, "home_postal_code": contacts.FieldHomePostalCode,
	"home_country": contacts.FieldHomeCountry, "work_street": contacts.FieldWorkStreet, "work_city": contacts.FieldWorkCity,
	"work_region": contacts.FieldWorkRegion, "work_postal_code": contacts.FieldWorkPostalCode,
	"work_country": contacts.FieldWorkCountry, "description": contacts.FieldDescription,
	"favorite": contacts.FieldFavorite, "speed_dial": contacts.FieldSpeedDial,
}

// importOptions are what the upload asks for, from the query string or
// the multipart form's other fields.
type importOptions struct {
	read    contacts.ReadOptions
	preview contacts.Options
	owner   string
}

// parseImportOptions reads match=number|name, rule=skip|update|replace|
// keep_both, delete_first, skip_first_line, mapping (field names by
// column, comma-separated; an empty name skips the column) and
// book=personal|business.
func parseImportOptions(ext string, v url.Values) (importOptions, *fieldError) {
	o := importOptions{owner: ext}
	o.preview.MatchBy = contacts.MatchNumber
	o.preview.Rule = contacts.Skip
	bad := func(field, msg string) (importOptions, *fieldError) {
		return o, &fieldError{field + ": " + msg, field}
	}
	switch v.Get("match") {
	case "", "number":
	case "name":
		o.preview.MatchBy = contacts.MatchName
	default:
		return bad("match", "want number or name")
	}
	switch v.Get("rule") {
	case "", "skip":
	case "update":
		o.preview.Rule = contacts.Update
	case "replace":
		o.preview.Rule = contacts.Replace
	case "keep_both":
		o.preview.Rule = contacts.KeepBoth
	default:
		return bad("rule", "want skip, update, replace or keep_both")
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"delete_first", &o.preview.DeleteAllFirst}, {"skip_first_line", &o.read.SkipFirstLine}} {
		if s := v.Get(f.name); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return bad(f.name, "want true or false")
			}
			*f.dst = b
		}
	}
	if m := v.Get("mapping"); m != "" {
		o.read.Mapping = contacts.Mapping{}
		for i, name := range strings.Split(m, ",") {
			f, ok := fieldNames[strings.TrimSpace(strings.ToLower(name))]
			if !ok {
				return bad("mapping", fmt.Sprintf("column %d: unknown field %q", i+1, name))
			}
			if f != contacts.FieldIgnore {
				o.read.Mapping[i] = f
			}
		}
	}
	switch v.Get("book") {
	case "", "personal":
	case "business":
		o.owner = ""
	default:
		return bad("book", "want personal or business")
	}
	o.read.Owner = o.owner
	o.read.MaxBytes = maxImportBytes
	return o, nil
}

// readUpload reads the uploaded file: the "file" part of a multipart
// form (its other parts are options) or the raw body. It answers the
// request itself when it fails.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, url.Values, bool) {
	opts := r.URL.Query()
	body := http.MaxBytesReader(w, r.Body, maxImportBytes+64<<10)
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d MB", maxImportBytes>>20))
			return true
		}
		return false
	}
	var data []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		r.Body = body
		mr, err := r.MultipartReader()
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad multipart upload: "+err.Error())
			return nil, nil, false
		}
		found := false
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !tooLarge(err) {
					writeError(w, http.StatusBadRequest, "bad multipart upload: "+err.Error())
				}
				return nil, nil, false
			}
			limit := int64(4096)
			if part.FormName() == "file" {
				limit = maxImportBytes + 1
			}
			b, err := io.ReadAll(io.LimitReader(part, limit))
			if err != nil {
				if !tooLarge(err) {
					writeError(w, http.StatusBadRequest, "bad multipart upload: "+err.Error())
				}
				return nil, nil, false
			}
			if part.FormName() == "file" {
				data, found = b, true
			} else if part.FormName() != "" {
				opts.Set(part.FormName(), string(b))
			}
		}
		if !found {
			writeJSON(w, http.StatusBadRequest, fieldError{"file: no file in the upload", "file"})
			return nil, nil, false
		}
	} else {
		var err error
		if data, err = io.ReadAll(io.LimitReader(body, maxImportBytes+1)); err != nil {
			if !tooLarge(err) {
				writeError(w, http.StatusBadRequest, "reading the upload: "+err.Error())
			}
			return nil, nil, false
		}
	}
	if len(data) > maxImportBytes {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d MB", maxImportBytes>>20))
		return nil, nil, false
	}
	return data, opts, true
}

// looksBinary reports whether the start of an upload, decoded as
// contacts.DecodeText would, holds control bytes no CSV or vCard has.
func looksBinary(data []byte) bool {
	text, _ := contacts.DecodeText(data[:min(len(data), 8192)])
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return false
}

// start answers POST /contacts/import: the file is read and previewed
// against the owner's contacts, changing nothing. A file under
// backgroundImportBytes answers 201 with the preview; a larger one 202
// at once, its preview following at GET /contacts/import/{id}.
func (im *imports) start(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	data, values, ok := readUpload(w, r)
	if !ok {
		return
	}
	o, ferr := parseImportOptions(u.ext, values)
	if ferr != nil {
		writeJSON(w, http.StatusBadRequest, ferr)
		return
	}
	if o.owner == "" && !im.b.isAdmin(r.Context(), u.ext) {
		writeError(w, http.StatusForbidden, forbiddenBusiness)
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		writeJSON(w, http.StatusBadRequest, fieldError{"file: the file is empty", "file"})
		return
	}
	if looksBinary(data) {
		writeJSON(w, http.StatusBadRequest, fieldError{"file: this is not a CSV or vCard file (it holds binary data)", "file"})
		return
	}
	j := &importJob{id: randomToken()[:22], user: u.ext, owner: o.owner, total: len(data), done: make(chan struct{})}
	im.mu.Lock()
	im.sweepLocked()
	pending := 0
	for _, other := range im.jobs {
		if other.user == u.ext {
			pending++
		}
	}
	switch {
	case im.closed:
		im.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "shutting down")
		return
	case pending >= maxImportsPerUser:
		im.mu.Unlock()
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("%d imports are waiting for a commit or cancel; finish one first", pending))
		return
	}
	j.expires = im.now().Add(importTTL)
	im.jobs[j.id] = j
	im.wg.Add(1)
	im.mu.Unlock()

	if len(data) >= backgroundImportBytes {
		go func() {
			defer im.wg.Done()
			im.read(context.Background(), j, data, o)
		}()
		w.Header().Set("Location", "/api/v1/contacts/import/"+j.id)
		writeJSON(w, http.StatusAccepted, j.view(0, 0))
		return
	}
	im.read(r.Context(), j, data, o)
	im.wg.Done()
	if j.err != nil {
		// A file that cannot be read leaves nothing pending.
		im.drop(j.id)
		writeImportError(w, j.err)
		return
	}
	w.Header().Set("Location", "/api/v1/contacts/import/"+j.id)
	writeJSON(w, http.StatusCreated, j.view(0, detailsPage))
}

// read reads and previews one upload, then closes j.done.
func (im *imports) read(ctx context.Context, j *importJob, data []byte, o importOptions) {
	defer close(j.done)
	in := countingReader{bytes.NewReader(data), &j.read}
	var f *contacts.File
	var err error
	if contacts.IsVCard(data) {
		f, err = contacts.ReadVCard(in, o.read)
	} else {
		f, err = contacts.ReadCSV(in, o.read)
	}
	if err != nil {
		j.err = err
		return
	}
	existing, err := im.b.st.List(ctx, o.owner)
	if err != nil {
		j.err = err
		return
	}
	o.preview.Plan = im.b.index().plan
	p, err := contacts.Preview(existing, f.Rows, o.preview)
	if err != nil {
		j.err = err
		return
	}
	j.basis = make(map[string]int, len(existing))
	for _, c := range existing {
		j.basis[c.ID] = c.Revision
	}
	j.file, j.plan = f, p
}

func (im *imports) drop(id string) {
	im.mu.Lock()
	delete(im.jobs, id)
	im.mu.Unlock()
}

// writeImportError answers a file that cannot be imported: 400 with the
// line when the file is at fault.
func writeImportError(w http.ResponseWriter, err error) {
	var ie *contacts.ImportError
	switch {
	case errors.Is(err, contacts.ErrUnknownHeader):
		writeJSON(w, http.StatusBadRequest, fieldError{
			"mapping: the first line names no column we know; give a mapping (e.g. mapping=display_name,main_number,mobile,email1) and skip_first_line=true if it is a header", "mapping"})
	case errors.As(err, &ie):
		writeJSON(w, http.StatusBadRequest, fieldError{"file: " + ie.Error(), "file"})
	default:
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// importView is an import as the API shows it.
type importView struct {
	ID           string       `json:"id"`
	State        string       `json:"state"` // reading, ready, failed
	Error        string       `json:"error,omitempty"`
	BytesTotal   int          `json:"bytes_total"`
	BytesRead    int64        `json:"bytes_read"`
	Expires      time.Time    `json:"expires"`
	Book         string       `json:"book"`
	Format       string       `json:"format,omitempty"`
	Encoding     string       `json:"encoding,omitempty"`
	Dialect      string       `json:"dialect,omitempty"`
	Counts       *countsJSON  `json:"counts,omitempty"`
	DetailsTotal int          `json:"details_total"`
	Details      []detailJSON `json:"details,omitempty"`
}

// countsJSON are a preview's totals.
type countsJSON struct {
	New     int `json:"new"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
	Ignored int `json:"ignored"`
}

type detailJSON struct {
	Row        int    `json:"row,omitempty"`
	Line       int    `json:"line,omitempty"`
	Action     string `json:"action"`
	Name       string `json:"name"`
	Reason     string `json:"reason"`
	ExistingID string `json:"existing_id,omitempty"`
}

// view shows j with details [offset, offset+limit).
func (j *importJob) view(offset, limit int) importView {
	v := importView{ID: j.id, State: "reading", BytesTotal: j.total, BytesRead: j.read.Load(), Expires: j.expires.UTC(), Book: "personal"}
	if j.owner == "" {
		v.Book = "business"
	}
	select {
	case <-j.done:
	default:
		return v
	}
	if j.err != nil {
		v.State, v.Error = "failed", j.err.Error()
		return v
	}
	v.State = "ready"
	v.Format, v.Encoding, v.Dialect = "csv", j.file.Encoding.String(), j.file.Dialect.String()
	if j.file.Dialect == contacts.DialectVCard {
		v.Format = "vcard"
	}
	c := countsJSON(j.plan.Counts)
	v.Counts = &c
	v.DetailsTotal = len(j.plan.Details)
	for _, d := range j.plan.Details[min(offset, len(j.plan.Details)):min(offset+limit, len(j.plan.Details))] {
		v.Details = append(v.Details, detailJSON{d.Row, d.Line, d.Action.String(), d.Name, d.Reason, d.ExistingID})
	}
	return v
}

// get answers GET /contacts/import/{id}?details_offset=&details_limit=.
func (im *imports) get(w http.ResponseWriter, r *http.Request) {
	j, ok := im.job(userOf(r).ext, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, noSuchImport)
		return
	}
	page := []int{0, detailsPage}
	for i, name := range []string{"details_offset", "details_limit"} {
		if s := r.URL.Query().Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				writeJSON(w, http.StatusBadRequest, fieldError{name + ": want a whole number", name})
				return
			}
			page[i] = n
		}
	}
	writeJSON(w, http.StatusOK, j.view(page[0], page[1]))
}

const noSuchImport = "no such import (a preview expires 15 minutes after the upload, and ends with its commit or cancel)"

// commit answers POST /contacts/import/{id}/commit: exactly the preview's
// changes, all or nothing. If the owner's contacts changed since the
// preview it is 409 and nothing is written.
func (im *imports) commit(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	j, ok := im.job(u.ext, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, noSuchImport)
		return
	}
	select {
	case <-j.done:
	default:
		writeError(w, http.StatusConflict, "the file is still being read; commit when its state is ready")
		return
	}
	if j.err != nil {
		writeError(w, http.StatusConflict, "this import failed and has nothing to commit: "+j.err.Error())
		return
	}
	if j.owner == "" && !im.b.isAdmin(r.Context(), u.ext) {
		writeError(w, http.StatusForbidden, forbiddenBusiness)
		return
	}
	b := im.b
	b.mu.Lock()
	defer b.mu.Unlock()
	// Only one commit of a job: whoever takes it out of the table.
	im.mu.Lock()
	_, still := im.jobs[j.id]
	delete(im.jobs, j.id)
	im.mu.Unlock()
	if !still {
		writeError(w, http.StatusNotFound, noSuchImport)
		return
	}
	stale := func() {
		writeError(w, http.StatusConflict, "your contacts changed since this preview, so it no longer says what the import would do; nothing was imported: upload the file again")
	}
	cur, err := b.st.List(r.Context(), j.owner)
	if err != nil {
		b.writeContactError(w, err)
		return
	}
	now := make(map[string]int, len(cur))
	for _, c := range cur {
		now[c.ID] = c.Revision
	}
	if !maps.Equal(now, j.basis) {
		stale()
		return
	}
	if err := contacts.Commit(r.Context(), b.st, j.plan); err != nil {
		if errors.Is(err, contacts.ErrStale) {
			stale()
			return
		}
		b.writeContactError(w, err)
		return
	}
	if _, _, err := b.reindexLocked(r.Context(), j.owner); err != nil {
		b.log.Error("contacts: caller-ID index not updated after import", "owner", j.owner, "err", err)
	}
	writeJSON(w, http.StatusOK, struct {
		Counts countsJSON `json:"counts"`
	}{countsJSON(j.plan.Counts)})
}

// cancel answers DELETE /contacts/import/{id}: the preview is dropped and
// nothing changes.
func (im *imports) cancel(w http.ResponseWriter, r *http.Request) {
	j, ok := im.job(userOf(r).ext, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, noSuchImport)
		return
	}
	im.drop(j.id)
	w.WriteHeader(http.StatusNoContent)
}
