// Package accounttest is the contract every [account.Store] must meet,
// written once and run against each implementation (account.MemStore,
// store.SQLite), so that they behave identically.
package accounttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/account"
)

// FastArgon2 returns cheap argon2id parameters for tests only: hashing with
// the real defaults in every test would make suites slow.
func FastArgon2() account.Argon2Params { return account.Argon2Params{Memory: 64, Time: 1} }

// Run runs the account.Store contract against stores made by newStore,
// which must return a new, empty store for each call (one per subtest).
func Run(t *testing.T, newStore func(t *testing.T) account.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, account.Store)
	}{
		{"UserCRUD", testUserCRUD},
		{"UserValidation", testUserValidation},
		{"SIPSecret", testSIPSecret},
		{"PortalPasswordIndependentOfSIP", testPortalIndependent},
		{"AuthenticateUnknownEqualsWrong", testAuthenticateUnknown},
		{"PIN", testPIN},
		{"DeleteRemovesSecrets", testDeleteRemovesSecrets},
		{"TrunkCRUD", testTrunkCRUD},
		{"ConcurrentWrites", testConcurrentWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, newStore(t)) })
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Alice returns a valid user with extension ext.
func Alice(ext string) account.User {
	return account.User{
		Extension:  ext,
		Name:       "Alice Example " + ext,
		Email:      "alice" + ext + "@example.com",
		Access:     account.AccessUser,
		Privileges: account.Privileges{External: true, Voicemail: true},
		Created:    t0,
		Updated:    t0,
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testUserCRUD(t *testing.T, s account.Store) {
	ctx := context.Background()
	a, b := Alice("102"), Alice("101")
	b.Access = account.AccessAdmin
	b.Privileges = account.Privileges{International: true}
	must(t, s.CreateUser(ctx, a))
	must(t, s.CreateUser(ctx, b))
	if err := s.CreateUser(ctx, a); !errors.Is(err, account.ErrExists) {
		t.Errorf("CreateUser twice: got %v, want ErrExists", err)
	}
	got, err := s.GetUser(ctx, "102")
	must(t, err)
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetUser mismatch (-want +got):\n%s", diff)
	}
	list, err := s.ListUsers(ctx)
	must(t, err)
	if diff := cmp.Diff([]account.User{b, a}, list); diff != "" {
		t.Errorf("ListUsers mismatch (-want +got):\n%s", diff)
	}

	upd := a
	upd.Name = "Alice Renamed"
	upd.Email = ""
	upd.Privileges = account.Privileges{}
	upd.Created = t0.Add(time.Hour) // must be ignored
	upd.Updated = t0.Add(2 * time.Hour)
	must(t, s.UpdateUser(ctx, upd))
	got, err = s.GetUser(ctx, "102")
	must(t, err)
	want := upd
	want.Created = t0
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
	if err := s.UpdateUser(ctx, Alice("999")); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("UpdateUser unknown: got %v, want ErrNotFound", err)
	}

	must(t, s.DeleteUser(ctx, "102"))
	if _, err := s.GetUser(ctx, "102"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("GetUser after delete: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteUser(ctx, "102"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("DeleteUser twice: got %v, want ErrNotFound", err)
	}
	// A deleted extension can be created again.
	must(t, s.CreateUser(ctx, a))
}

func testUserValidation(t *testing.T, s account.Store) {
	ctx := context.Background()
	tests := []struct {
		field  string
		mutate func(*account.User)
	}{
		{"Extension", func(u *account.User) { u.Extension = "1" }},
		{"Extension", func(u *account.User) { u.Extension = "123456789" }},
		{"Extension", func(u *account.User) { u.Extension = "10a" }},
		{"Name", func(u *account.User) { u.Name = "  " }},
		{"Email", func(u *account.User) { u.Email = "Alice <a@example.com>" }},
		{"Access", func(u *account.User) { u.Access = account.AccessUnknown }},
	}
	for _, tc := range tests {
		u := Alice("201")
		tc.mutate(&u)
		err := s.CreateUser(ctx, u)
		var ve *account.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("CreateUser(%+v) = %v, want ValidationError on %s", u, err, tc.field)
		}
	}
	if list, _ := s.ListUsers(ctx); len(list) != 0 {
		t.Errorf("invalid users were stored: %v", list)
	}
	must(t, s.CreateUser(ctx, Alice("201")))
	bad := Alice("201")
	bad.Name = ""
	var ve *account.ValidationError
	if err := s.UpdateUser(ctx, bad); !errors.As(err, &ve) {
		t.Errorf("UpdateUser with empty name: got %v, want ValidationError", err)
	}
}

func testSIPSecret(t *testing.T, s account.Store) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, Alice("101")))
	ha1s, err := account.SIPHA1s("101", "correct horse", "pbx.example", "other.example")
	must(t, err)
	if err := s.SetSIPSecret(ctx, "999", ha1s, t0); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("SetSIPSecret unknown user: got %v, want ErrNotFound", err)
	}
	now := t0.Add(time.Minute)
	must(t, s.SetSIPSecret(ctx, "101", ha1s, now))
	for _, realm := range []string{"pbx.example", "other.example"} {
		for _, alg := range []account.Algorithm{account.MD5, account.SHA256} {
			got, err := s.HA1(ctx, realm, "101", alg)
			must(t, err)
			if want := account.ComputeHA1(alg, "101", realm, "correct horse"); got != want {
				t.Errorf("HA1(%s, %s) = %s, want %s", realm, alg, got, want)
			}
		}
	}
	for _, q := range []struct{ realm, user string }{{"nope.example", "101"}, {"pbx.example", "102"}} {
		if _, err := s.HA1(ctx, q.realm, q.user, account.MD5); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("HA1(%q, %q): got %v, want ErrNotFound", q.realm, q.user, err)
		}
	}
	u, err := s.GetUser(ctx, "101")
	must(t, err)
	if !u.Updated.Equal(now) {
		t.Errorf("Updated = %v, want %v", u.Updated, now)
	}
	// Setting a new secret replaces every old digest, including realms
	// no longer listed.
	ha1s, err = account.SIPHA1s("101", "new secret!", "pbx.example")
	must(t, err)
	must(t, s.SetSIPSecret(ctx, "101", ha1s, now))
	got, err := s.HA1(ctx, "pbx.example", "101", account.MD5)
	must(t, err)
	if want := account.ComputeHA1(account.MD5, "101", "pbx.example", "new secret!"); got != want {
		t.Errorf("HA1 after change = %s, want %s", got, want)
	}
	if _, err := s.HA1(ctx, "other.example", "101", account.MD5); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("old realm still has a digest: %v", err)
	}
	var ve *account.ValidationError
	bad := []account.HA1{{Realm: "pbx.example", Algorithm: account.MD5, Digest: "xyz"}}
	if err := s.SetSIPSecret(ctx, "101", bad, now); !errors.As(err, &ve) {
		t.Errorf("SetSIPSecret bad digest: got %v, want ValidationError", err)
	}
}

func testPortalIndependent(t *testing.T, s account.Store) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, Alice("101")))
	ha1s, err := account.SIPHA1s("101", "sip-secret-1", "pbx.example")
	must(t, err)
	must(t, s.SetSIPSecret(ctx, "101", ha1s, t0))
	// The portal password defaults to the SIP secret and must be changed.
	h, err := account.HashPortalPassword("101", "sip-secret-1", FastArgon2())
	must(t, err)
	must(t, s.SetPortalPassword(ctx, "101", h, true, t0))
	u, mustChange, err := account.Authenticate(ctx, s, "101", "sip-secret-1")
	must(t, err)
	if u.Extension != "101" || !mustChange {
		t.Errorf("Authenticate = %v, mustChange %v; want 101, true", u.Extension, mustChange)
	}
	before, err := s.HA1(ctx, "pbx.example", "101", account.SHA256)
	must(t, err)

	h, err = account.HashPortalPassword("101", "portal-pass-2", FastArgon2())
	must(t, err)
	must(t, s.SetPortalPassword(ctx, "101", h, false, t0))
	after, err := s.HA1(ctx, "pbx.example", "101", account.SHA256)
	must(t, err)
	if before != after {
		t.Errorf("changing the portal password changed the SIP HA1")
	}
	if _, _, err := account.Authenticate(ctx, s, "101", "sip-secret-1"); !errors.Is(err, account.ErrBadCredentials) {
		t.Errorf("old portal password: got %v, want ErrBadCredentials", err)
	}
	if _, mc, err := account.Authenticate(ctx, s, "101", "portal-pass-2"); err != nil || mc {
		t.Errorf("new portal password: mustChange %v, err %v; want false, nil", mc, err)
	}

	// And changing the SIP secret leaves the portal password alone.
	ha1s, err = account.SIPHA1s("101", "sip-secret-3", "pbx.example")
	must(t, err)
	must(t, s.SetSIPSecret(ctx, "101", ha1s, t0))
	if _, _, err := account.Authenticate(ctx, s, "101", "portal-pass-2"); err != nil {
		t.Errorf("portal password after SIP change: %v", err)
	}
	var ve *account.ValidationError
	if err := s.SetPortalPassword(ctx, "101", "plain text", false, t0); !errors.As(err, &ve) {
		t.Errorf("SetPortalPassword with a non-hash: got %v, want ValidationError", err)
	}
}

func testAuthenticateUnknown(t *testing.T, s account.Store) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, Alice("101")))
	h, err := account.HashPortalPassword("101", "right password", FastArgon2())
	must(t, err)
	must(t, s.SetPortalPassword(ctx, "101", h, false, t0))
	must(t, s.CreateUser(ctx, Alice("102"))) // no portal password at all

	var answers []string
	for _, c := range []struct{ ext, pw string }{{"101", "wrong password"}, {"555", "right password"}, {"102", ""}} {
		_, _, err := account.Authenticate(ctx, s, c.ext, c.pw)
		if !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("Authenticate(%s): got %v, want ErrBadCredentials", c.ext, err)
		}
		answers = append(answers, fmt.Sprint(err))
	}
	if answers[0] != answers[1] || answers[1] != answers[2] {
		t.Errorf("unknown user answered differently from wrong password: %q", answers)
	}
}

func testPIN(t *testing.T, s account.Store) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, Alice("101")))
	if err := account.VerifyPIN(ctx, s, "101", "2580"); !errors.Is(err, account.ErrBadCredentials) {
		t.Errorf("VerifyPIN with none set: got %v, want ErrBadCredentials", err)
	}
	h, err := account.HashPIN("101", "2580", FastArgon2())
	must(t, err)
	must(t, s.SetPIN(ctx, "101", h, t0))
	if err := account.VerifyPIN(ctx, s, "101", "2580"); err != nil {
		t.Errorf("VerifyPIN right: %v", err)
	}
	for _, c := range []struct{ ext, pin string }{{"101", "2581"}, {"555", "2580"}} {
		if err := account.VerifyPIN(ctx, s, c.ext, c.pin); !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("VerifyPIN(%s, %s): got %v, want ErrBadCredentials", c.ext, c.pin, err)
		}
	}
	sec, err := s.GetSecrets(ctx, "101")
	must(t, err)
	if sec.PINHash != h || sec.PortalHash != "" {
		t.Errorf("GetSecrets = %+v", sec)
	}
}

func testDeleteRemovesSecrets(t *testing.T, s account.Store) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, Alice("101")))
	ha1s, err := account.SIPHA1s("101", "sip-secret-1", "pbx.example")
	must(t, err)
	must(t, s.SetSIPSecret(ctx, "101", ha1s, t0))
	must(t, s.DeleteUser(ctx, "101"))
	must(t, s.CreateUser(ctx, Alice("101")))
	if _, err := s.HA1(ctx, "pbx.example", "101", account.MD5); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("a re-created extension inherited the old SIP secret: %v", err)
	}
	if _, err := s.GetSecrets(ctx, "555"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("GetSecrets unknown: got %v, want ErrNotFound", err)
	}
}

// Trunk returns a valid trunk called name.
func Trunk(name string) account.Trunk {
	return account.Trunk{
		Name:     name,
		Host:     "sip.provider.example:5060",
		Username: "acct-42",
		Password: "provider secret",
		Prefix:   "9",
		DIDs:     map[string]string{"+15550100": "101", "15550101": "102"},
		Enabled:  true,
		Created:  t0,
		Updated:  t0,
	}
}

func testTrunkCRUD(t *testing.T, s account.Store) {
	ctx := context.Background()
	b, a := Trunk("b-provider"), Trunk("a-provider")
	a.DIDs = nil
	a.Prefix = ""
	a.Host = "[2001:db8::1]:5080"
	must(t, s.CreateTrunk(ctx, b))
	must(t, s.CreateTrunk(ctx, a))
	if err := s.CreateTrunk(ctx, b); !errors.Is(err, account.ErrExists) {
		t.Errorf("CreateTrunk twice: got %v, want ErrExists", err)
	}
	got, err := s.GetTrunk(ctx, "b-provider")
	must(t, err)
	if diff := cmp.Diff(b, got); diff != "" {
		t.Errorf("GetTrunk mismatch (-want +got):\n%s", diff)
	}
	got.DIDs["+15550199"] = "103" // must not reach the store
	list, err := s.ListTrunks(ctx)
	must(t, err)
	if diff := cmp.Diff([]account.Trunk{a, b}, list); diff != "" {
		t.Errorf("ListTrunks mismatch (-want +got):\n%s", diff)
	}
	upd := b
	upd.DIDs = map[string]string{"+15550100": "103"}
	upd.Enabled = false
	upd.Created = t0.Add(time.Hour)
	upd.Updated = t0.Add(time.Hour)
	must(t, s.UpdateTrunk(ctx, upd))
	got, err = s.GetTrunk(ctx, "b-provider")
	must(t, err)
	upd.Created = t0
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("after UpdateTrunk (-want +got):\n%s", diff)
	}
	var ve *account.ValidationError
	for _, bad := range []func(*account.Trunk){
		func(tr *account.Trunk) { tr.Host = "no-port.example" },
		func(tr *account.Trunk) { tr.Host = "bad_host!:5060" },
		func(tr *account.Trunk) { tr.DIDs = map[string]string{"55-01": "101"} },
		func(tr *account.Trunk) { tr.Name = "" },
	} {
		tr := Trunk("c-provider")
		bad(&tr)
		if err := s.CreateTrunk(ctx, tr); !errors.As(err, &ve) {
			t.Errorf("CreateTrunk(%+v): got %v, want ValidationError", tr, err)
		}
	}
	must(t, s.DeleteTrunk(ctx, "b-provider"))
	if _, err := s.GetTrunk(ctx, "b-provider"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("GetTrunk after delete: %v", err)
	}
	if err := s.DeleteTrunk(ctx, "b-provider"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("DeleteTrunk twice: %v", err)
	}
	if err := s.UpdateTrunk(ctx, b); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("UpdateTrunk unknown: %v", err)
	}
}

// testConcurrentWrites has many goroutines create users and set secrets at
// once; every write must succeed (no "database is locked").
func testConcurrentWrites(t *testing.T, s account.Store) {
	ctx := context.Background()
	const workers, each = 10, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ext := fmt.Sprintf("%d%02d", w+1, i)
				if err := s.CreateUser(ctx, Alice(ext)); err != nil {
					errs <- err
					continue
				}
				ha1s, err := account.SIPHA1s(ext, "secret-"+ext, "pbx.example")
				if err == nil {
					err = s.SetSIPSecret(ctx, ext, ha1s, t0)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := s.ListUsers(ctx)
	must(t, err)
	if len(list) != workers*each {
		t.Errorf("ListUsers has %d users, want %d", len(list), workers*each)
	}
}
