package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/telekit/telekit/account"
)

const userCols = `extension, name, email, access, may_call_external, may_call_international,
	voicemail_enabled, created_ns, updated_ns`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (account.User, error) {
	var u account.User
	var access string
	var created, updated sql.NullInt64
	err := row.Scan(&u.Extension, &u.Name, &u.Email, &access, &u.Privileges.External,
		&u.Privileges.International, &u.Privileges.Voicemail, &created, &updated)
	if err != nil {
		return u, err
	}
	if u.Access, err = account.ParseAccessLevel(access); err != nil {
		return u, fmt.Errorf("store: user %s: %w", u.Extension, err)
	}
	u.Created, u.Updated = fromNS(created), fromNS(updated)
	return u, nil
}

func userNotFound(ext string) error { return fmt.Errorf("user %q: %w", ext, account.ErrNotFound) }

// CreateUser implements [account.Store].
func (s *SQLite) CreateUser(ctx context.Context, u account.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.Updated.IsZero() {
		u.Updated = u.Created
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Extension, u.Name, u.Email, u.Access.String(), b2i(u.Privileges.External),
		b2i(u.Privileges.International), b2i(u.Privileges.Voicemail), ns(u.Created), ns(u.Updated))
	if isConstraint(err) {
		return fmt.Errorf("user %q: %w", u.Extension, account.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store: create user %s: %w", u.Extension, err)
	}
	return nil
}

// GetUser implements [account.Store].
func (s *SQLite) GetUser(ctx context.Context, ext string) (account.User, error) {
	u, err := scanUser(s.getUser.QueryRowContext(ctx, ext))
	if errors.Is(err, sql.ErrNoRows) {
		return account.User{}, userNotFound(ext)
	}
	if err != nil {
		return account.User{}, fmt.Errorf("store: get user %s: %w", ext, err)
	}
	return u, nil
}

// ListUsers implements [account.Store].
func (s *SQLite) ListUsers(ctx context.Context) ([]account.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY extension`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	out := []account.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// UpdateUser implements [account.Store].
func (s *SQLite) UpdateUser(ctx context.Context, u account.User) error {
	v := u
	if v.Created.IsZero() {
		v.Created = time.Unix(1, 0) // the stored Created is kept
	}
	if err := v.Validate(); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE users SET name = ?, email = ?, access = ?, may_call_external = ?,
		may_call_international = ?, voicemail_enabled = ?, updated_ns = COALESCE(?, updated_ns) WHERE extension = ?`,
		u.Name, u.Email, u.Access.String(), b2i(u.Privileges.External), b2i(u.Privileges.International),
		b2i(u.Privileges.Voicemail), ns(u.Updated), u.Extension)
	return affected(res, err, "update user", userNotFound(u.Extension))
}

// affected turns an Exec result into nil, the store error, or notFound
// when no row was touched.
func affected(res sql.Result, err error, what string, notFound error) error {
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// DeleteUser implements [account.Store]. The user's HA1s go with it.
func (s *SQLite) DeleteUser(ctx context.Context, ext string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM users WHERE extension = ?`, ext)
	return affected(res, err, "delete user", userNotFound(ext))
}

// SetSIPSecret implements [account.Store].
func (s *SQLite) SetSIPSecret(ctx context.Context, ext string, ha1s []account.HA1, now time.Time) error {
	if err := account.ValidateHA1s(ha1s); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET updated_ns = ? WHERE extension = ?`, ns(now), ext)
		if err := affected(res, err, "set SIP secret", userNotFound(ext)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sip_ha1 WHERE extension = ?`, ext); err != nil {
			return fmt.Errorf("store: set SIP secret: %w", err)
		}
		for _, h := range ha1s {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sip_ha1 (realm, extension, algorithm, ha1) VALUES (?, ?, ?, ?)`,
				h.Realm, ext, h.Algorithm.String(), h.Digest); err != nil {
				return fmt.Errorf("store: set SIP secret: %w", err)
			}
		}
		return nil
	})
}

// SetPortalPassword implements [account.Store].
func (s *SQLite) SetPortalPassword(ctx context.Context, ext, hash string, mustChange bool, now time.Time) error {
	if err := account.ValidatePasswordHash(hash); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE users SET portal_hash = ?, portal_must_change = ?, updated_ns = ? WHERE extension = ?`,
		hash, b2i(mustChange), ns(now), ext)
	return affected(res, err, "set portal password", userNotFound(ext))
}

// SetPIN implements [account.Store].
func (s *SQLite) SetPIN(ctx context.Context, ext, hash string, now time.Time) error {
	if err := account.ValidatePasswordHash(hash); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE users SET pin_hash = ?, updated_ns = ? WHERE extension = ?`, hash, ns(now), ext)
	return affected(res, err, "set PIN", userNotFound(ext))
}

// HA1 implements [account.Store] with one indexed lookup on a prepared
// statement; it reads the database each time, so a secret changed by
// another process takes effect on the next request.
func (s *SQLite) HA1(ctx context.Context, realm, username string, alg account.Algorithm) (string, error) {
	var h string
	err := s.ha1.QueryRowContext(ctx, realm, username, alg.String()).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("credentials for %q: %w", username, account.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: HA1: %w", err)
	}
	return h, nil
}

// GetSecrets implements [account.Store].
func (s *SQLite) GetSecrets(ctx context.Context, ext string) (account.Secrets, error) {
	var sec account.Secrets
	err := s.r.QueryRowContext(ctx, `SELECT portal_hash, portal_must_change, pin_hash FROM users WHERE extension = ?`, ext).
		Scan(&sec.PortalHash, &sec.MustChangePassword, &sec.PINHash)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Secrets{}, userNotFound(ext)
	}
	if err != nil {
		return account.Secrets{}, fmt.Errorf("store: get secrets: %w", err)
	}
	return sec, nil
}

func trunkNotFound(name string) error { return fmt.Errorf("trunk %q: %w", name, account.ErrNotFound) }

func insertDIDs(ctx context.Context, tx *sql.Tx, t account.Trunk) error {
	for _, did := range slices.Sorted(maps.Keys(t.DIDs)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO trunk_dids (trunk, did, extension) VALUES (?, ?, ?)`,
			t.Name, did, t.DIDs[did]); err != nil {
			return fmt.Errorf("store: trunk %s DID %s: %w", t.Name, did, err)
		}
	}
	return nil
}

// CreateTrunk implements [account.Store]. The password is stored as given
// (see [account.Trunk]).
func (s *SQLite) CreateTrunk(ctx context.Context, t account.Trunk) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.Updated.IsZero() {
		t.Updated = t.Created
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO trunks (name, host, username, password, prefix, enabled, created_ns, updated_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Name, t.Host, t.Username, t.Password, t.Prefix, b2i(t.Enabled), ns(t.Created), ns(t.Updated))
		if isConstraint(err) {
			return fmt.Errorf("trunk %q: %w", t.Name, account.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("store: create trunk %s: %w", t.Name, err)
		}
		return insertDIDs(ctx, tx, t)
	})
}

// loadTrunks reads the trunks selected by where (with args) and their DIDs
// in one snapshot, ordered by name.
func (s *SQLite) loadTrunks(ctx context.Context, where string, args ...any) ([]account.Trunk, error) {
	var out []account.Trunk
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name, host, username, password, prefix, enabled, created_ns, updated_ns
			FROM trunks `+where+` ORDER BY name`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		idx := map[string]int{}
		for rows.Next() {
			var t account.Trunk
			var c, u sql.NullInt64
			if err := rows.Scan(&t.Name, &t.Host, &t.Username, &t.Password, &t.Prefix, &t.Enabled, &c, &u); err != nil {
				return err
			}
			t.Created, t.Updated = fromNS(c), fromNS(u)
			idx[t.Name] = len(out)
			out = append(out, t)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		drows, err := tx.QueryContext(ctx, `SELECT trunk, did, extension FROM trunk_dids WHERE trunk IN (SELECT name FROM trunks `+where+`)`, args...)
		if err != nil {
			return err
		}
		defer drows.Close()
		for drows.Next() {
			var name, did, ext string
			if err := drows.Scan(&name, &did, &ext); err != nil {
				return err
			}
			i, ok := idx[name]
			if !ok {
				continue
			}
			if out[i].DIDs == nil {
				out[i].DIDs = map[string]string{}
			}
			out[i].DIDs[did] = ext
		}
		return drows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: load trunks: %w", err)
	}
	return out, nil
}

// GetTrunk implements [account.Store].
func (s *SQLite) GetTrunk(ctx context.Context, name string) (account.Trunk, error) {
	ts, err := s.loadTrunks(ctx, `WHERE name = ?`, name)
	if err != nil {
		return account.Trunk{}, err
	}
	if len(ts) == 0 {
		return account.Trunk{}, trunkNotFound(name)
	}
	return ts[0], nil
}

// ListTrunks implements [account.Store].
func (s *SQLite) ListTrunks(ctx context.Context) ([]account.Trunk, error) {
	ts, err := s.loadTrunks(ctx, "")
	if ts == nil && err == nil {
		ts = []account.Trunk{}
	}
	return ts, err
}

// UpdateTrunk implements [account.Store].
func (s *SQLite) UpdateTrunk(ctx context.Context, t account.Trunk) error {
	v := t
	if v.Created.IsZero() {
		v.Created = time.Unix(1, 0) // the stored Created is kept
	}
	if err := v.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE trunks SET host = ?, username = ?, password = ?, prefix = ?, enabled = ?,
			updated_ns = COALESCE(?, updated_ns) WHERE name = ?`, t.Host, t.Username, t.Password, t.Prefix, b2i(t.Enabled), ns(t.Updated), t.Name)
		if err := affected(res, err, "update trunk", trunkNotFound(t.Name)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM trunk_dids WHERE trunk = ?`, t.Name); err != nil {
			return fmt.Errorf("store: update trunk: %w", err)
		}
		return insertDIDs(ctx, tx, t)
	})
}

// DeleteTrunk implements [account.Store].
func (s *SQLite) DeleteTrunk(ctx context.Context, name string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM trunks WHERE name = ?`, name)
	return affected(res, err, "delete trunk", trunkNotFound(name))
}
