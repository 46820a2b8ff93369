package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/store"
)

// realm is the digest realm of both servers; the HA1s depend on it.
const realm = "telekit"

// firstExt is the first load-test extension; users are firstExt, firstExt+1, ...
const firstExt = 20000

// loadUser is one extension the load registers.
type loadUser struct {
	Ext, Password string
}

// loadUsers returns n users with known passwords. The password is
// derived from the extension the same way the Kamailio WITH_PV script
// derives it.
func loadUsers(n int) []loadUser {
	us := make([]loadUser, n)
	for i := range us {
		ext := strconv.Itoa(firstExt + i)
		us[i] = loadUser{Ext: ext, Password: "lt-" + ext + "-secret"}
	}
	return us
}

// createPBXUsers writes the users into a fresh PBX data directory through
// the account and store packages: only what registration needs (the user
// and its SIP HA1s), skipping `pbx ext add`'s argon2 portal hash, which
// costs half a second a user.
func createPBXUsers(ctx context.Context, dir string, us []loadUser) error {
	st, err := store.Open(ctx, dir, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	for _, u := range us {
		ha1s, err := account.SIPHA1s(u.Ext, u.Password, realm)
		if err != nil {
			return fmt.Errorf("user %s: %w", u.Ext, err)
		}
		err = st.CreateUser(ctx, account.User{
			Extension: u.Ext, Name: "Load " + u.Ext, Access: account.AccessUser, Created: now,
		})
		if err != nil {
			return fmt.Errorf("user %s: %w", u.Ext, err)
		}
		if err := st.SetSIPSecret(ctx, u.Ext, ha1s, now); err != nil {
			return fmt.Errorf("user %s: %w", u.Ext, err)
		}
	}
	return nil
}

// writeSippUsers writes sipp's -inf file: user;[authentication ...].
func writeSippUsers(path string, us []loadUser) error {
	var b strings.Builder
	b.WriteString("SEQUENTIAL\n")
	for _, u := range us {
		fmt.Fprintf(&b, "%s;[authentication username=%s password=%s]\n", u.Ext, u.Ext, u.Password)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// writeDBText writes a db_text database for Kamailio's auth_db: the
// subscriber table with the users' MD5 HA1s (the same ones the PBX
// stores) and the version table auth_db checks.
func writeDBText(dir string, us []loadUser) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n")
	for i, u := range us {
		ha1 := account.ComputeHA1(account.MD5, u.Ext, realm, u.Password)
		fmt.Fprintf(&b, "%d:%s:%s:%s:%s:%s\n", i+1, u.Ext, realm, u.Password, ha1, ha1)
	}
	if err := os.WriteFile(filepath.Join(dir, "subscriber"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "version"),
		[]byte("table_name(string) table_version(int)\nsubscriber:7\n"), 0o600)
}
