package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/internal/interop"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/store"
)

// francePlan is the numbering plan of a PBX in France: +33, trunk prefix
// 0, nine-digit national numbers.
func francePlan(t *testing.T) phonenumber.Plan {
	t.Helper()
	p := phonenumber.Plan{CountryCode: "33", TrunkPrefix: "0", InternationalPrefixes: []string{"00"},
		NationalLengths: phonenumber.Lengths{Min: 9, Max: 9}, ExtensionLengths: phonenumber.Lengths{Min: 3, Max: 3},
		Emergency: []string{"112", "15", "17", "18"}, Grouping: []int{2, 2, 2, 2}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// planUsers are fakeUsers in a store that also holds the call system.
type planUsers struct {
	fakeUsers
	cs    store.CallSystem
	saved bool
}

func (u planUsers) CallSystem(context.Context) (store.CallSystem, bool, error) {
	return u.cs, u.saved, nil
}

// frenchBook returns a contact book of Bob (102) with a decoy put first
// whose number only shares the last eight digits with the callers, then
// Dana saved in national format and Eve in international format.
func frenchBook(t *testing.T, users contactUsers) *contactBook {
	t.Helper()
	ctx := context.Background()
	st := &contacts.MemStore{}
	if err := st.Apply(ctx, contacts.ChangeSet{Add: []contacts.Contact{
		{Owner: "102", DisplayName: "Decoy", Phones: contacts.Phones{Mobile: "12 34 56 78"}, Main: contacts.PhoneMobile},
		{Owner: "102", DisplayName: "Dana", Phones: contacts.Phones{Mobile: "06 12 34 56 78"}, Main: contacts.PhoneMobile},
		{Owner: "102", DisplayName: "Eve", Phones: contacts.Phones{Work: "+33 1 44 55 66 77"}, Main: contacts.PhoneWork},
		{Owner: "102", DisplayName: "Eve's decoy", Phones: contacts.Phones{Work: "4 55 66 77"}, Main: contacts.PhoneWork},
	}}); err != nil {
		t.Fatal(err)
	}
	b, err := newContactBook(ctx, st, users, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type cidMatch struct {
	Name   string
	Suffix bool
}

func lookupAll(b *contactBook, callers []string) []cidMatch {
	var out []cidMatch
	for _, c := range callers {
		m, _ := b.index().ids.Lookup("102", c)
		out = append(out, cidMatch{m.Name, m.Suffix})
	}
	return out
}

// TestContactBookPlan: with the zero plan a French number written
// nationally only matches by its last digits (and the decoy put first
// wins); once the book has the PBX's plan (France), "06 12 34 56 78" is
// an exact match for the caller ID "+33612345678" and the other forms
// providers send, and a contact saved as "+33 1 44 55 66 77" for a
// caller ID in national format. Contacts written after the change are
// indexed with the new plan too.
func TestContactBookPlan(t *testing.T) {
	ctx := context.Background()
	callers := []string{"+33612345678", "sip:+33612345678@trunk.example", "33612345678", "0033612345678", "0144556677"}
	b := frenchBook(t, fakeUsers{{Extension: "101"}, {Extension: "102"}})
	before := lookupAll(b, callers)
	for i, m := range before[:4] {
		if m.Name == "Dana" && !m.Suffix {
			t.Errorf("zero plan: %s is an exact match for Dana; the test proves nothing", callers[i])
		}
	}

	if err := b.setPlan(ctx, francePlan(t)); err != nil {
		t.Fatal(err)
	}
	want := []cidMatch{{"Dana", false}, {"Dana", false}, {"Dana", false}, {"Dana", false}, {"Eve", false}}
	if diff := cmp.Diff(want, lookupAll(b, callers)); diff != "" {
		t.Errorf("France plan (-want +got):\n%s", diff)
	}

	// A contact added after the change is read with the new plan.
	b.mu.Lock()
	_, _, err := b.applyLocked(ctx, "102", contacts.ChangeSet{Add: []contacts.Contact{
		{Owner: "102", DisplayName: "Fred", Phones: contacts.Phones{Home: "02 40 11 22 33"}, Main: contacts.PhoneHome}}})
	b.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]cidMatch{{"Fred", false}}, lookupAll(b, []string{"+33240112233"})); diff != "" {
		t.Errorf("contact added after the change (-want +got):\n%s", diff)
	}
	if n := b.index().ids.Len(); n == 0 {
		t.Error("index empty after the rebuild")
	}

	// The same plan again does not rebuild: the index is the same value.
	idx := b.index()
	if err := b.setPlan(ctx, francePlan(t)); err != nil {
		t.Fatal(err)
	}
	if b.index() != idx {
		t.Error("setting the plan in use rebuilt the index")
	}
}

// TestContactBookPlanFromStore: a book over the PBX's store starts with
// the saved call system's plan, and with the default call system's when
// none is saved.
func TestContactBookPlanFromStore(t *testing.T) {
	users := fakeUsers{{Extension: "102"}}
	b := frenchBook(t, planUsers{fakeUsers: users, cs: store.CallSystem{Plan: francePlan(t)}, saved: true})
	if diff := cmp.Diff([]cidMatch{{"Dana", false}}, lookupAll(b, []string{"+33612345678"})); diff != "" {
		t.Errorf("saved France plan (-want +got):\n%s", diff)
	}
	b = frenchBook(t, planUsers{fakeUsers: users})
	if !samePlan(b.index().plan, defaultCallSystem(nil).Plan) {
		t.Errorf("no saved call system: plan %+v, want the default call system's", b.index().plan)
	}
}

// TestContactBookPlanSwap: lookups running while the plan changes back
// and forth always find the contact (by suffix under the old plan,
// exactly under the new): they never see a half-built index.
func TestContactBookPlanSwap(t *testing.T) {
	ctx := context.Background()
	b := frenchBook(t, fakeUsers{{Extension: "102"}})
	plans := []phonenumber.Plan{francePlan(t), {}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var missed []string
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if m, ok := b.index().ids.Lookup("102", "+33612345678"); !ok || (m.Name != "Dana" && m.Name != "Decoy") {
					mu.Lock()
					missed = append(missed, fmt.Sprintf("%+v %v", m, ok))
					mu.Unlock()
				}
			}
		})
	}
	for i := range 200 {
		if err := b.setPlan(ctx, plans[i%2]); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(missed) > 0 {
		t.Errorf("%d lookups during plan changes found nothing or the wrong contact, first: %s", len(missed), missed[0])
	}
}

// TestCallerNameWithPlan: Bob saved Dana as "06 12 34 56 78" after a
// decoy "12 34 56 78" (which wins while only last digits can match); the
// administrator then sets the French numbering plan through the API, and
// a call from the trunk provider (sipp) with caller ID +33612345678 rings
// Bob's phone with Dana's name: the index was rebuilt with the new plan.
func TestCallerNameWithPlan(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	provPort := freePort(t)
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	bob, admin := portalUser(t, p, "102"), portalUser(t, p, "101") // 101 is the admin
	for _, c := range []map[string]any{
		{"display_name": "Decoy", "phones": map[string]string{"mobile": "12 34 56 78"}},
		{"display_name": "Dana Okafor", "phones": map[string]string{"mobile": "06 12 34 56 78"}},
	} {
		code, body := bob.do("POST", "/api/v1/contacts", c)
		decode[contactJSON](t, code, body, http.StatusCreated)
	}
	p.stop()
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort), "-user", "u", "-password", "p",
		"-did", "+15551230000=102", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p2 := startPBXArgs(t, data, "-rtp-ports", "40000-49999")
	bob.base, admin.base = p2.http, p2.http
	code, body := admin.do("GET", "/api/v1/admin/callsystem", nil)
	v := decode[callSystemView](t, code, body, http.StatusOK)
	fr := francePlan(t)
	v.NumberingPlan.CountryCode, v.NumberingPlan.TrunkPrefix = fr.CountryCode, fr.TrunkPrefix
	v.NumberingPlan.InternationalPrefixes = fr.InternationalPrefixes
	v.NumberingPlan.NationalLengths = lengthsView{fr.NationalLengths.Min, fr.NationalLengths.Max}
	v.NumberingPlan.Grouping = fr.Grouping
	if code, body := admin.do("PUT", "/api/v1/admin/callsystem", v); code != http.StatusOK {
		t.Fatalf("PUT callsystem: %d %s", code, body)
	}

	scenario, err := os.ReadFile(sippScenario("trunk_inbound.xml"))
	if err != nil {
		t.Fatal(err)
	}
	french := filepath.Join(t.TempDir(), "trunk_inbound_fr.xml")
	if err := os.WriteFile(french, []byte(strings.ReplaceAll(string(scenario), "5557654321", "+33612345678")), 0o644); err != nil {
		t.Fatal(err)
	}
	uas := startPhone(t, sipp, p2.sip, "102", p.demo["102"], sipScenario("uas_answer.xml"))
	prov := startSippBackground(t, sipp, "provider", french,
		p2.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatalf("provider: %v", err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee: %v", err)
	}
	if c := waitCalls(t, bob, "received", 1)[0]; c.FromName != "Dana Okafor" {
		t.Errorf("call as Bob sees it: from %q %q, want Dana Okafor", c.From, c.FromName)
	}
	if msgs := []byte(uas.messages()); !regexp.MustCompile(`(?m)^From: *"Dana Okafor" *<`).Match(msgs) {
		t.Errorf("the INVITE to Bob's phone does not show Dana Okafor in From:\n%.2000s", msgs)
	}
}
