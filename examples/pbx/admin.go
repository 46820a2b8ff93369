package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/internal/cli"
	"github.com/telekit/telekit/store"
)

// defaultData is where the server keeps its database and files when -data
// is not given.
const defaultData = "telekit-data"

// defaultRealm is the SIP digest realm. Phones hash it into their
// credentials (HA1), so changing it means setting every SIP secret again.
const defaultRealm = "telekit"

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// openStore opens the SQLite store in dir, creating it.
func openStore(ctx context.Context, dir string) (*store.SQLite, error) {
	st, err := store.Open(ctx, dir, nil)
	if err != nil {
		return nil, fmt.Errorf("open data directory %s: %w", dir, err)
	}
	return st, nil
}

// newExtension is what `ext add` and the demo set-up create.
type newExtension struct {
	Number, Name, Email string
	SIPSecret           string
	PortalPassword, PIN string // optional
	Access              account.AccessLevel
	// NoExternal withholds the privilege of calling outside numbers
	// through a trunk.
	NoExternal bool
	Realm      string
	Argon2     account.Argon2Params
}

// addExtension validates everything first, then creates the user and its
// secrets; if a later step fails the user is removed again, so nothing is
// half-created.
func addExtension(ctx context.Context, st account.Store, e newExtension, now time.Time) (mustChange bool, err error) {
	if e.Access == account.AccessUnknown {
		e.Access = account.AccessUser
	}
	u := account.User{
		Extension: e.Number, Name: e.Name, Email: e.Email, Access: e.Access,
		Privileges: account.Privileges{External: !e.NoExternal, Voicemail: true},
		Created:    now,
	}
	if err := u.Validate(); err != nil {
		return false, err
	}
	ha1s, err := account.SIPHA1s(e.Number, e.SIPSecret, e.Realm)
	if err != nil {
		return false, err
	}
	portal := e.PortalPassword
	mustChange = portal == ""
	if mustChange {
		portal = e.SIPSecret // changed at the first portal login
	}
	portalHash, err := account.HashPortalPassword(e.Number, portal, e.Argon2)
	if err != nil {
		return false, fmt.Errorf("portal password: %w", err)
	}
	var pinHash string
	if e.PIN != "" {
		if pinHash, err = account.HashPIN(e.Number, e.PIN, e.Argon2); err != nil {
			return false, fmt.Errorf("PIN: %w", err)
		}
	}
	if err := st.CreateUser(ctx, u); err != nil {
		return false, err
	}
	undo := func(err error) (bool, error) {
		if derr := st.DeleteUser(context.WithoutCancel(ctx), e.Number); derr != nil {
			err = errors.Join(err, derr)
		}
		return false, err
	}
	if err := st.SetSIPSecret(ctx, e.Number, ha1s, now); err != nil {
		return undo(err)
	}
	if err := st.SetPortalPassword(ctx, e.Number, portalHash, mustChange, now); err != nil {
		return undo(err)
	}
	if pinHash != "" {
		if err := st.SetPIN(ctx, e.Number, pinHash, now); err != nil {
			return undo(err)
		}
	}
	return mustChange, nil
}

func extAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pbx ext add", stderr)
	var e newExtension
	fs.StringVar(&e.Name, "name", "", "display name (required)")
	fs.StringVar(&e.Email, "email", "", "e-mail address")
	fs.StringVar(&e.SIPSecret, "password", "", "SIP secret the phone registers with (required, at least 8 characters)")
	fs.StringVar(&e.PortalPassword, "portal-password", "", "portal password (default: the SIP secret, to be changed at the first login)")
	fs.StringVar(&e.PIN, "pin", "", "voicemail PIN (4-12 digits, not trivial)")
	admin := fs.Bool("admin", false, "give the extension administrator access")
	fs.BoolVar(&e.NoExternal, "no-external", false, "do not let the extension call outside numbers through a trunk")
	fs.StringVar(&e.Realm, "realm", defaultRealm, "SIP realm (must match the server's)")
	data := fs.String("data", defaultData, "data directory")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("ext add: want exactly one extension NUMBER, got %q", pos)
	}
	e.Number = pos[0]
	if e.Name == "" || e.SIPSecret == "" {
		return errors.New("ext add: -name and -password are required")
	}
	if *admin {
		e.Access = account.AccessAdmin
	}
	st, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	mustChange, err := addExtension(ctx, st, e, time.Now())
	if err != nil {
		return fmt.Errorf("ext add %s: %w", e.Number, err)
	}
	fmt.Fprintf(stdout, "added extension %s (%s)", e.Number, e.Name)
	if mustChange {
		fmt.Fprint(stdout, "; portal password = SIP secret, to be changed at first login")
	}
	fmt.Fprintln(stdout)
	return nil
}

// extView is one line of `ext list -json`.
type extView struct {
	Extension string `json:"extension"`
	Name      string `json:"name"`
	Email     string `json:"email,omitempty"`
	Access    string `json:"access"`
}

func extList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pbx ext list", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	data := fs.String("data", defaultData, "data directory")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("ext list: unexpected arguments %q", pos)
	}
	st, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	views := make([]extView, 0, len(users))
	for _, u := range users {
		views = append(views, extView{u.Extension, u.Name, u.Email, u.Access.String()})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXTENSION\tNAME\tACCESS")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Extension, v.Name, v.Access)
	}
	return tw.Flush()
}

func trunkAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pbx trunk add", stderr)
	host := fs.String("host", "", "provider HOST:PORT (required)")
	user := fs.String("user", "", "username at the provider (required)")
	password := fs.String("password", "", "password at the provider (required)")
	prefix := fs.String("prefix", "", "dial prefix that sends a call out through this trunk, e.g. 9")
	var dids multiFlag
	fs.Var(&dids, "did", "incoming number routed to an extension, NUMBER=EXT (repeatable)")
	data := fs.String("data", defaultData, "data directory")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("trunk add: want exactly one trunk NAME, got %q", pos)
	}
	if *host == "" || *user == "" || *password == "" {
		return errors.New("trunk add: -host, -user and -password are required")
	}
	t := account.Trunk{Name: pos[0], Host: *host, Username: *user, Password: *password,
		Prefix: *prefix, DIDs: map[string]string{}, Enabled: true, Created: time.Now()}
	for _, d := range dids {
		num, ext, ok := strings.Cut(d, "=")
		if !ok {
			return fmt.Errorf("trunk add: -did %q: want NUMBER=EXT", d)
		}
		t.DIDs[num] = ext
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("trunk add: %w", err)
	}
	st, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	for num, ext := range t.DIDs {
		if _, err := st.GetUser(ctx, ext); err != nil {
			return fmt.Errorf("trunk add: -did %s=%s: extension %s: %w", num, ext, ext, err)
		}
	}
	if err := st.CreateTrunk(ctx, t); err != nil {
		return fmt.Errorf("trunk add %s: %w", t.Name, err)
	}
	fmt.Fprintf(stdout, "added trunk %s (%s as %s, %d DIDs)\n", t.Name, t.Host, t.Username, len(t.DIDs))
	return nil
}

// randomSecret returns n characters from an alphabet without look-alikes.
// randomPIN returns a random 6-digit voicemail PIN that the PIN policy
// accepts for ext.
func randomPIN(ext string) string {
	for {
		pin := make([]byte, 0, 6)
		var b [1]byte
		for len(pin) < cap(pin) {
			rand.Read(b[:])
			if b[0] < 250 { // no modulo bias
				pin = append(pin, '0'+b[0]%10)
			}
		}
		if account.ValidatePIN(ext, string(pin)) == nil {
			return string(pin)
		}
	}
}

func randomSecret(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	out := make([]byte, 0, n)
	var b [1]byte
	for len(out) < n {
		rand.Read(b[:])
		if int(b[0]) < 256/len(alphabet)*len(alphabet) { // no modulo bias
			out = append(out, alphabet[int(b[0])%len(alphabet)])
		}
	}
	return string(out)
}
