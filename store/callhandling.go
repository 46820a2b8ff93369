package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
)

// CallSettingsFormat is the layout of the JSON stored for call-handling
// settings and the call system: callhandling.Settings and CallSystem as
// encoding/json writes them. A row of another format is refused on read
// rather than misread.
const CallSettingsFormat = 1

// ErrStale is returned by PutCallSettings when the settings were saved by
// someone else since the version the caller read.
var ErrStale = errors.New("store: settings changed since they were read")

// CallSystem is the system-wide call-handling configuration as stored;
// the PBX compiles it into a callhandling.System.
type CallSystem struct {
	// Plan is the numbering plan, with the emergency numbers.
	Plan phonenumber.Plan `json:"plan"`
	// Blacklist is the system blacklist.
	Blacklist []string `json:"blacklist,omitempty"`
	// DefaultRingSeconds is the ring time of users who set none, in whole
	// seconds; 0 means callhandling's default.
	DefaultRingSeconds int `json:"default_ring_seconds,omitempty"`
	// Schedules are the named schedules rules refer to.
	Schedules map[string]schedule.Schedule `json:"schedules,omitempty"`
	// TimeZone is the IANA zone of "the end of the day" for quick modes;
	// "" means UTC.
	TimeZone string `json:"time_zone,omitempty"`
}

// CallSettings returns the stored call-handling settings of ext and their
// version (1 for the first save). When none were ever saved it returns an
// error wrapping account.ErrNotFound; the caller then uses its defaults.
func (s *SQLite) CallSettings(ctx context.Context, ext string) (callhandling.Settings, int64, error) {
	var set callhandling.Settings
	var format int
	var version int64
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT format, version, settings FROM call_settings WHERE extension = ?`, ext).
		Scan(&format, &version, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return set, 0, fmt.Errorf("call settings of %q: %w", ext, account.ErrNotFound)
	}
	if err != nil {
		return set, 0, fmt.Errorf("store: call settings of %q: %w", ext, err)
	}
	if format != CallSettingsFormat {
		return set, 0, fmt.Errorf("store: call settings of %q: format %d, this program reads %d", ext, format, CallSettingsFormat)
	}
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return set, 0, fmt.Errorf("store: call settings of %q: %w", ext, err)
	}
	return set, version, nil
}

// PutCallSettings saves set as the settings of set.Extension and returns
// the new version. With ifVersion >= 0 the save happens only when the
// stored version is still ifVersion (0: none stored yet), else it fails
// with ErrStale; a negative ifVersion saves unconditionally. It does not
// validate: the caller runs callhandling.Validate first. The extension must
// exist (account.ErrNotFound otherwise).
func (s *SQLite) PutCallSettings(ctx context.Context, set callhandling.Settings, ifVersion int64, now time.Time) (int64, error) {
	raw, err := json.Marshal(set)
	if err != nil {
		return 0, fmt.Errorf("store: encode call settings: %w", err)
	}
	var version int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE extension = ?`, set.Extension).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return userNotFound(set.Extension)
		}
		var cur int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM call_settings WHERE extension = ?`, set.Extension).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if ifVersion >= 0 && cur != ifVersion {
			return ErrStale
		}
		version = cur + 1
		_, err = tx.ExecContext(ctx, `INSERT INTO call_settings (extension, format, version, settings, updated_ns) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (extension) DO UPDATE SET format = excluded.format, version = excluded.version,
			settings = excluded.settings, updated_ns = excluded.updated_ns`,
			set.Extension, CallSettingsFormat, version, string(raw), now.UnixNano())
		return err
	})
	if err != nil {
		if errors.Is(err, ErrStale) || errors.Is(err, account.ErrNotFound) {
			return 0, err
		}
		return 0, fmt.Errorf("store: save call settings of %q: %w", set.Extension, err)
	}
	return version, nil
}

// CallSystem returns the stored system configuration; ok is false when
// none was ever saved (a fresh data directory), and the caller uses its
// defaults.
func (s *SQLite) CallSystem(ctx context.Context) (_ CallSystem, ok bool, _ error) {
	var c CallSystem
	var format int
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT format, config FROM call_system WHERE id = 1`).Scan(&format, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("store: call system: %w", err)
	}
	if format != CallSettingsFormat {
		return c, false, fmt.Errorf("store: call system: format %d, this program reads %d", format, CallSettingsFormat)
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return c, false, fmt.Errorf("store: call system: %w", err)
	}
	return c, true, nil
}

// PutCallSystem saves the system configuration. It does not validate: the
// caller compiles it into a callhandling.System and validates that first.
func (s *SQLite) PutCallSystem(ctx context.Context, c CallSystem, now time.Time) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: encode call system: %w", err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO call_system (id, format, version, config, updated_ns) VALUES (1, ?, 1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET format = excluded.format, version = call_system.version + 1,
			config = excluded.config, updated_ns = excluded.updated_ns`, CallSettingsFormat, string(raw), now.UnixNano())
		if err != nil {
			return fmt.Errorf("store: save call system: %w", err)
		}
		return nil
	})
}
