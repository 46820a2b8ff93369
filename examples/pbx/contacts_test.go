package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/internal/interop"
)

// multipartUpload is a browser's form upload of file with fields.
func multipartUpload(t *testing.T, name string, file []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func decode[T any](t *testing.T, code int, body []byte, want int) T {
	t.Helper()
	var v T
	if code != want {
		t.Fatalf("status %d, want %d: %s", code, want, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func listContacts(t *testing.T, c *apiClient, query string) []contactJSON {
	t.Helper()
	code, body := c.do("GET", "/api/v1/contacts"+query, nil)
	return decode[[]contactJSON](t, code, body, http.StatusOK)
}

func contactNames(cs []contactJSON) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "contacts", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestContactsAPI walks the contacts API as users do: create, read,
// change and delete personal contacts; business contacts only an
// administrator writes; another user's contacts stay invisible (404);
// favorites, speed dial with its conflicts, export and the directory.
func TestContactsAPI(t *testing.T) {
	p := startPBX(t, t.TempDir())
	alice, bob := portalUser(t, p, "101"), portalUser(t, p, "102") // 101 is the admin

	code, body := alice.do("POST", "/api/v1/contacts", map[string]any{
		"first_name": "Jane", "last_name": "Doe", "organization": "Acme Corp",
		"phones": map[string]string{"mobile": "+1 (555) 123-4567", "work": "555 765 0000"}, "main": "mobile",
		"emails": []string{"jane@example.com"}})
	jane := decode[contactJSON](t, code, body, http.StatusCreated)
	if jane.ID == "" || jane.Name != "Jane Doe" || jane.Revision != 1 || jane.Business {
		t.Fatalf("created %+v", jane)
	}

	// Validation errors name the field.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"first_name": "No", "phones": map[string]string{}}, "main"},
		{map[string]any{"first_name": "X", "phones": map[string]string{"mobile": "call me"}}, "phones.mobile"},
		{map[string]any{"first_name": "X", "phones": map[string]string{"home": "555 123 4567"}, "emails": []string{"nope"}}, "emails[0]"},
		{map[string]any{"first_name": "X", "phones": map[string]string{"home": "555 123 4567"}, "main": "pager"}, "main"},
		{map[string]any{"first_name": "X", "phones": map[string]string{"home": "555 123 4567"}, "speed_dial": []map[string]any{{"slot": 2, "phone": "mobile"}}}, "speed_dial"},
	} {
		code, body := alice.do("POST", "/api/v1/contacts", tc.body)
		fe := decode[fieldError](t, code, body, http.StatusBadRequest)
		if fe.Field != tc.field {
			t.Errorf("%v: field %q (%s), want %q", tc.body, fe.Field, fe.Error, tc.field)
		}
	}

	// Bob cannot see, change or delete Alice's contact: it does not exist for him.
	path := "/api/v1/contacts/" + jane.ID
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		var b any
		if m == "PUT" {
			b = map[string]any{"first_name": "Mallory", "phones": map[string]string{"home": "5550000000"}}
		}
		if code, body := bob.do(m, path, b); code != http.StatusNotFound {
			t.Errorf("Bob %s Alice's contact: %d %s, want 404", m, code, body)
		}
	}
	if got := listContacts(t, bob, ""); len(got) != 0 {
		t.Errorf("Bob's contacts: %v", contactNames(got))
	}

	// Update with the revision read; an old revision is a conflict.
	jane.JobTitle = "Buyer"
	code, body = alice.do("PUT", path, jane)
	updated := decode[contactJSON](t, code, body, http.StatusOK)
	if updated.Revision != 2 || updated.JobTitle != "Buyer" {
		t.Errorf("updated %+v", updated)
	}
	if code, body := alice.do("PUT", path, jane); code != http.StatusConflict {
		t.Errorf("PUT with revision 1 after 2: %d %s, want 409", code, body)
	}

	// Business contacts: Bob (user) may read, not write; Alice (admin) writes.
	support := map[string]any{"business": true, "display_name": "Acme Support", "phones": map[string]string{"work": "+1 800 555 0199"}}
	if code, body := bob.do("POST", "/api/v1/contacts", support); code != http.StatusForbidden {
		t.Errorf("Bob creates a business contact: %d %s, want 403", code, body)
	}
	code, body = alice.do("POST", "/api/v1/contacts", support)
	biz := decode[contactJSON](t, code, body, http.StatusCreated)
	if code, body := bob.do("GET", "/api/v1/contacts/"+biz.ID, nil); code != http.StatusOK || !strings.Contains(string(body), "Acme Support") {
		t.Errorf("Bob reads the business contact: %d %s", code, body)
	}
	if code, _ := bob.do("DELETE", "/api/v1/contacts/"+biz.ID, nil); code != http.StatusForbidden {
		t.Errorf("Bob deletes the business contact: %d, want 403", code)
	}
	if diff := cmp.Diff([]string{"Acme Support"}, contactNames(listContacts(t, bob, "?book=business"))); diff != "" {
		t.Errorf("business book as Bob sees it (-want +got):\n%s", diff)
	}

	// Favorites.
	if code, body := alice.do("PUT", path+"/favorite", map[string]bool{"favorite": true}); code != http.StatusOK {
		t.Fatalf("favorite: %d %s", code, body)
	}
	if diff := cmp.Diff([]string{"Jane Doe"}, contactNames(listContacts(t, alice, "?favorites=true"))); diff != "" {
		t.Errorf("favorites (-want +got):\n%s", diff)
	}

	// Speed dial: set, conflict, replace, clear.
	code, body = alice.do("POST", "/api/v1/contacts", map[string]any{"display_name": "Mum", "phones": map[string]string{"home": "+44 20 7946 0018"}})
	mum := decode[contactJSON](t, code, body, http.StatusCreated)
	if code, body := alice.do("PUT", "/api/v1/speeddial/2", map[string]any{"contact_id": jane.ID, "phone": "mobile"}); code != http.StatusOK {
		t.Fatalf("speed dial 2: %d %s", code, body)
	}
	code, body = alice.do("PUT", "/api/v1/speeddial/2", map[string]any{"contact_id": mum.ID, "phone": "home"})
	if ce := decode[conflictError](t, code, body, http.StatusConflict); ce.ContactID != jane.ID || !strings.Contains(ce.Error, "Jane Doe") {
		t.Errorf("slot conflict: %+v", ce)
	}
	if code, body := alice.do("PUT", "/api/v1/speeddial/2", map[string]any{"contact_id": mum.ID, "phone": "home", "replace": true}); code != http.StatusOK {
		t.Fatalf("speed dial 2 replaced: %d %s", code, body)
	}
	if code, body := bob.do("PUT", "/api/v1/speeddial/3", map[string]any{"contact_id": jane.ID, "phone": "mobile"}); code != http.StatusNotFound {
		t.Errorf("Bob's speed dial to Alice's contact: %d %s, want 404", code, body)
	}
	code, body = alice.do("GET", "/api/v1/speeddial", nil)
	want := []speedDialView{{2, mum.ID, "Mum", "home", "+44 20 7946 0018"}}
	if diff := cmp.Diff(want, decode[[]speedDialView](t, code, body, http.StatusOK)); diff != "" {
		t.Errorf("speed dial (-want +got):\n%s", diff)
	}
	if code, _ := alice.do("DELETE", "/api/v1/speeddial/2", nil); code != http.StatusNoContent {
		t.Errorf("clear slot 2: %d", code)
	}
	if code, _ := alice.do("DELETE", "/api/v1/speeddial/2", nil); code != http.StatusNotFound {
		t.Errorf("clear a free slot: %d, want 404", code)
	}

	// Export: CSV and vCard read back to the same names.
	for _, f := range []string{"csv", "vcard3", "vcard4"} {
		code, body := alice.do("GET", "/api/v1/contacts/export?format="+f, nil)
		if code != http.StatusOK {
			t.Fatalf("export %s: %d %s", f, code, body)
		}
		read := contacts.ReadCSV
		if f != "csv" {
			read = contacts.ReadVCard
		}
		file, err := read(bytes.NewReader(body), contacts.ReadOptions{})
		if err != nil {
			t.Fatalf("export %s reads back: %v", f, err)
		}
		var names []string
		for _, r := range file.Rows {
			names = append(names, r.Contact.Name())
		}
		if diff := cmp.Diff([]string{"Jane Doe", "Mum"}, names); diff != "" {
			t.Errorf("export %s (-want +got):\n%s", f, diff)
		}
	}

	// Directory: extensions, business and own personal contacts, with spans.
	code, body = alice.do("GET", "/api/v1/directory?q=acme", nil)
	res := decode[[]directoryResult](t, code, body, http.StatusOK)
	var got []string
	for _, r := range res {
		got = append(got, r.Source+":"+r.Contact.Name+":"+fmt.Sprintf("%s %d %d", r.Matches[0].Field, r.Matches[0].Start, r.Matches[0].End))
	}
	if diff := cmp.Diff([]string{"personal:Jane Doe:organization 0 4", "business:Acme Support:display_name 0 4"}, got); diff != "" {
		t.Errorf("directory acme as Alice (-want +got):\n%s", diff)
	}
	code, body = bob.do("GET", "/api/v1/directory?q=acme", nil)
	if res := decode[[]directoryResult](t, code, body, http.StatusOK); len(res) != 1 || res[0].Source != "business" {
		t.Errorf("directory acme as Bob: %s", body)
	}
	code, body = bob.do("GET", "/api/v1/directory?q=car", nil)
	if res := decode[[]directoryResult](t, code, body, http.StatusOK); len(res) != 1 || res[0].Extension == nil || res[0].Extension.Number != "103" {
		t.Errorf("directory car: %s", body)
	}

	// Delete.
	if code, _ := alice.do("DELETE", path, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := alice.do("GET", path, nil); code != http.StatusNotFound {
		t.Errorf("GET after delete: %d, want 404", code)
	}
}

// TestContactsImportAPI: upload → preview → commit or cancel, with the
// Outlook CSV and iCloud vCard of contacts/testdata; a stale preview, and
// files that cannot be imported, change nothing.
func TestContactsImportAPI(t *testing.T) {
	p := startPBX(t, t.TempDir())
	alice, bob := portalUser(t, p, "101"), portalUser(t, p, "102")
	outlook := readTestdata(t, "outlook_windows1252.csv")

	// What the contacts package itself previews for the file.
	f, err := contacts.ReadCSV(bytes.NewReader(outlook), contacts.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := contacts.Preview(nil, f.Rows, contacts.Options{MatchBy: contacts.MatchNumber, Rule: contacts.Skip})
	if err != nil {
		t.Fatal(err)
	}

	// Raw-body upload, then cancel: nothing changes.
	code, body := alice.raw("POST", "/api/v1/contacts/import", "text/csv", outlook)
	v := decode[importView](t, code, body, http.StatusCreated)
	if v.State != "ready" || v.Dialect != "Outlook" || v.Encoding != "Windows-1252" || *v.Counts != countsJSON(plan.Counts) || len(v.Details) != len(plan.Details) {
		t.Fatalf("preview: %s", body)
	}
	if code, _ := bob.do("GET", "/api/v1/contacts/import/"+v.ID, nil); code != http.StatusNotFound {
		t.Errorf("Bob reads Alice's import: %d, want 404", code)
	}
	if code, _ := bob.do("POST", "/api/v1/contacts/import/"+v.ID+"/commit", nil); code != http.StatusNotFound {
		t.Errorf("Bob commits Alice's import: %d, want 404", code)
	}
	if code, _ := alice.do("DELETE", "/api/v1/contacts/import/"+v.ID, nil); code != http.StatusNoContent {
		t.Errorf("cancel: %d", code)
	}
	if code, _ := alice.do("POST", "/api/v1/contacts/import/"+v.ID+"/commit", nil); code != http.StatusNotFound {
		t.Errorf("commit after cancel: %d, want 404", code)
	}
	if got := listContacts(t, alice, ""); len(got) != 0 {
		t.Fatalf("after cancel: %v", contactNames(got))
	}

	// Multipart upload, then commit: exactly the previewed contacts.
	ct, form := multipartUpload(t, "contacts.csv", outlook, map[string]string{"match": "number", "rule": "update"})
	code, body = alice.raw("POST", "/api/v1/contacts/import", ct, form)
	v = decode[importView](t, code, body, http.StatusCreated)
	code, body = alice.do("POST", "/api/v1/contacts/import/"+v.ID+"/commit", nil)
	if code != http.StatusOK {
		t.Fatalf("commit: %d %s", code, body)
	}
	var wantNames []string
	for _, c := range plan.Changes().Add {
		wantNames = append(wantNames, c.Name())
	}
	if diff := cmp.Diff(wantNames, contactNames(listContacts(t, alice, ""))); diff != "" {
		t.Errorf("after commit (-want +got):\n%s", diff)
	}
	if code, _ := alice.do("POST", "/api/v1/contacts/import/"+v.ID+"/commit", nil); code != http.StatusNotFound {
		t.Errorf("second commit: %d, want 404", code)
	}

	// A vCard is sniffed by content; a contact added after the preview
	// makes it stale: 409, and nothing of it is imported.
	code, body = alice.raw("POST", "/api/v1/contacts/import?rule=keep_both", "application/octet-stream", readTestdata(t, "icloud.vcf"))
	v = decode[importView](t, code, body, http.StatusCreated)
	if v.Format != "vcard" || v.Counts.New == 0 {
		t.Fatalf("vCard preview: %s", body)
	}
	if code, body := alice.do("POST", "/api/v1/contacts", map[string]any{"display_name": "Late", "phones": map[string]string{"mobile": "5550101010"}}); code != http.StatusCreated {
		t.Fatalf("add: %d %s", code, body)
	}
	before := contactNames(listContacts(t, alice, ""))
	code, body = alice.do("POST", "/api/v1/contacts/import/"+v.ID+"/commit", nil)
	if code != http.StatusConflict || !strings.Contains(string(body), "changed since this preview") {
		t.Errorf("stale commit: %d %s, want 409", code, body)
	}
	if diff := cmp.Diff(before, contactNames(listContacts(t, alice, ""))); diff != "" {
		t.Errorf("stale commit changed contacts (-before +after):\n%s", diff)
	}

	// Files that cannot be imported: a clear error, nothing pending or changed.
	big := bytes.Repeat([]byte("a,b\n"), (maxImportBytes/4)+1)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 100)...)
	for _, tc := range []struct {
		name  string
		body  []byte
		query string
		code  int
		want  string
	}{
		{"oversized", big, "", http.StatusRequestEntityTooLarge, "larger than 20 MB"},
		{"binary", png, "", http.StatusBadRequest, "not a CSV or vCard"},
		{"empty", []byte("\r\n"), "", http.StatusBadRequest, "empty"},
		{"unknown header", []byte("foo,bar\n1,2\n"), "", http.StatusBadRequest, "give a mapping"},
		{"bad quoting", []byte("Name,Phone\n\"Jane,555\n\"x\"y,1\n"), "", http.StatusBadRequest, "line"},
		{"bad mapping", []byte("a,b\n"), "?mapping=name,telephone", http.StatusBadRequest, "unknown field"},
		{"business as user", outlook, "?book=business", http.StatusForbidden, "administrator"},
	} {
		c := alice
		if tc.name == "business as user" {
			c = bob
		}
		code, body := c.raw("POST", "/api/v1/contacts/import"+tc.query, "text/csv", tc.body)
		if code != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want %d mentioning %q", tc.name, code, body, tc.code, tc.want)
		}
	}
	if diff := cmp.Diff(before, contactNames(listContacts(t, alice, ""))); diff != "" {
		t.Errorf("refused uploads changed contacts (-before +after):\n%s", diff)
	}

	// A manual mapping for a headerless file.
	code, body = alice.raw("POST", "/api/v1/contacts/import?mapping=display_name,main_number,email1&rule=keep_both", "text/csv",
		[]byte("Pat Kim,+1 555 300 4000,pat@example.com\n"))
	if v := decode[importView](t, code, body, http.StatusCreated); v.Counts.New != 1 || v.Dialect != "manual mapping" {
		t.Errorf("mapped preview: %s", body)
	}

	// A large file is read in the background: 202, progress, then ready.
	var rows []contacts.Contact
	for i := range 12_000 {
		rows = append(rows, contacts.Contact{FirstName: fmt.Sprintf("Bulk%d", i), LastName: "Import",
			Phones: contacts.Phones{Mobile: fmt.Sprintf("+1 556 %07d", i)}, Main: contacts.PhoneMobile,
			Emails: [2]string{fmt.Sprintf("bulk%d@example.com", i)}, Description: strings.Repeat("x", 40)})
	}
	var large bytes.Buffer
	if err := contacts.Export(&large, rows); err != nil {
		t.Fatal(err)
	}
	if large.Len() < backgroundImportBytes {
		t.Fatalf("test file of %d bytes is not large", large.Len())
	}
	code, body = bob.raw("POST", "/api/v1/contacts/import", "text/csv", large.Bytes())
	v = decode[importView](t, code, body, http.StatusAccepted)
	if v.BytesTotal != large.Len() {
		t.Errorf("progress total %d, want %d", v.BytesTotal, large.Len())
	}
	waitForCond(t, "the large import's preview", func() bool {
		code, body := bob.do("GET", "/api/v1/contacts/import/"+v.ID+"?details_limit=5", nil)
		v = decode[importView](t, code, body, http.StatusOK)
		return v.State == "ready"
	})
	if v.Counts.New != 12_000 || v.DetailsTotal != 12_000 || len(v.Details) != 5 || v.BytesRead != int64(v.BytesTotal) {
		t.Errorf("large preview: %+v", v)
	}
	if code, body := bob.do("POST", "/api/v1/contacts/import/"+v.ID+"/commit", nil); code != http.StatusOK {
		t.Fatalf("large commit: %d %s", code, body)
	}
	if got := listContacts(t, bob, ""); len(got) != 12_000 {
		t.Errorf("Bob has %d contacts after the large import, want 12000", len(got))
	}
}

// fakeUsers is a contactUsers of fixed accounts.
type fakeUsers []account.User

func (f fakeUsers) GetUser(_ context.Context, ext string) (account.User, error) {
	for _, u := range f {
		if u.Extension == ext {
			return u, nil
		}
	}
	return account.User{}, account.ErrNotFound
}

func (f fakeUsers) ListUsers(context.Context) ([]account.User, error) { return f, nil }

// TestNameRecord: the caller of an incoming call is named from the
// callee's personal contacts first, then business contacts, never from
// another user's; an extension's own name is kept; an outgoing call's
// number is named from the caller's contacts.
func TestNameRecord(t *testing.T) {
	ctx := context.Background()
	st := &contacts.MemStore{}
	if err := st.Apply(ctx, contacts.ChangeSet{Add: []contacts.Contact{
		{DisplayName: "Acme Reception", Phones: contacts.Phones{Work: "+1 555 765 4321"}, Main: contacts.PhoneWork},
		{Owner: "102", DisplayName: "Dana (Acme)", Phones: contacts.Phones{Mobile: "(555) 765-4321"}, Main: contacts.PhoneMobile},
		{Owner: "103", DisplayName: "Carol's plumber", Phones: contacts.Phones{Mobile: "+33 6 12 34 56 78"}, Main: contacts.PhoneMobile},
	}}); err != nil {
		t.Fatal(err)
	}
	b, err := newContactBook(ctx, st, fakeUsers{{Extension: "101"}, {Extension: "102"}, {Extension: "103"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		r      calllog.Record
		callee string
		want   calllog.Record
	}{
		{"personal first", calllog.Record{From: "5557654321", To: "15551230000", Direction: calllog.Incoming}, "102",
			calllog.Record{From: "5557654321", FromName: "Dana (Acme)", To: "15551230000", Direction: calllog.Incoming}},
		{"business", calllog.Record{From: "+15557654321", To: "101", Direction: calllog.Incoming}, "101",
			calllog.Record{From: "+15557654321", FromName: "Acme Reception", To: "101", Direction: calllog.Incoming}},
		{"not another user's", calllog.Record{From: "+33612345678", To: "102", Direction: calllog.Incoming}, "102",
			calllog.Record{From: "+33612345678", To: "102", Direction: calllog.Incoming}},
		{"extension name kept", calllog.Record{From: "103", FromName: "Carol", To: "102", Direction: calllog.Internal}, "102",
			calllog.Record{From: "103", FromName: "Carol", To: "102", Direction: calllog.Internal}},
		{"outgoing", calllog.Record{From: "103", FromName: "Carol", To: "0033612345678", Direction: calllog.Outgoing}, "0033612345678",
			calllog.Record{From: "103", FromName: "Carol", To: "0033612345678", ToName: "Carol's plumber", Direction: calllog.Outgoing}},
	} {
		b.nameRecord(&tc.r, tc.callee)
		if diff := cmp.Diff(tc.want, tc.r); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestImportPreviewsExpire: a preview left alone is gone after importTTL.
func TestImportPreviewsExpire(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	im := newImports(nil)
	im.now = func() time.Time { return now }
	im.jobs["x"] = &importJob{id: "x", user: "101", expires: now.Add(importTTL), done: make(chan struct{})}
	if _, ok := im.job("101", "x"); !ok {
		t.Fatal("fresh preview not found")
	}
	if _, ok := im.job("102", "x"); ok {
		t.Error("another user finds the preview")
	}
	now = now.Add(importTTL + time.Second)
	if _, ok := im.job("101", "x"); ok || len(im.jobs) != 0 {
		t.Error("expired preview still there")
	}
}

// TestCallerNameFromContacts: Bob has the outside caller in his contacts
// (added before a restart, so the index is loaded from the store, and
// then corrected through the API, so it follows changes); the trunk
// provider (sipp) calls Bob's DID, and Bob's call history names the
// caller from his contact.
func TestCallerNameFromContacts(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	provPort := freePort(t)
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	bob := portalUser(t, p, "102")
	code, body := bob.do("POST", "/api/v1/contacts", map[string]any{"display_name": "Dana Okafor", "phones": map[string]string{"mobile": "+1 (555) 765-0000"}})
	dana := decode[contactJSON](t, code, body, http.StatusCreated)
	p.stop()
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort), "-user", "u", "-password", "p",
		"-did", "+15551230000=102", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p2 := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	bob.base = p2.http
	dana.Phones.Mobile = "+1 (555) 765-4321" // the number trunk_inbound.xml calls from
	if code, body := bob.do("PUT", "/api/v1/contacts/"+dana.ID, dana); code != http.StatusOK {
		t.Fatalf("update: %d %s", code, body)
	}

	uas := startPhone(t, sipp, p2.sip, "102", p.demo["102"], sipScenario("uas_answer.xml"))
	prov := startSippBackground(t, sipp, "provider", sippScenario("trunk_inbound.xml"),
		p2.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatalf("provider: %v", err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee: %v", err)
	}
	if c := waitCalls(t, bob, "received", 1)[0]; c.From != "5557654321" || c.FromName != "Dana Okafor" {
		t.Errorf("call as Bob sees it: from %q %q, want 5557654321 named Dana Okafor", c.From, c.FromName)
	}
	// Bob's phone rang with the name he gave the number.
	msgs := []byte(uas.messages())
	if !regexp.MustCompile(`(?m)^From: *"Dana Okafor" *<`).Match(msgs) {
		t.Errorf("the INVITE to Bob's phone does not show Dana Okafor in From:\n%.2000s", msgs)
	}
}
