package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/calllog"
)

// FileName is the database file Open creates in the data directory.
const FileName = "telekit.db"

// BusyTimeout is how long a write waits for another process's write lock
// before failing with "database is locked".
const BusyTimeout = 10 * time.Second

// SQLite is the SQLite implementation of [account.Store] and
// [calllog.Store]. Safe for concurrent use; several SQLite values, in one
// process or several, may open the same directory.
type SQLite struct {
	w   *sql.DB // the single writer connection
	r   *sql.DB // read-only pool
	log *slog.Logger
	ha1 *sql.Stmt // the registrar's hot lookup, prepared once

	// Statements every call runs, prepared once: preparing them again
	// per call cost as much CPU as running them.
	getUser                          *sql.Stmt // on the read pool
	addCall, addCallParty, addCallEv *sql.Stmt // on the writer
}

var (
	_ account.Store = (*SQLite)(nil)
	_ calllog.Store = (*SQLite)(nil)
)

// Open opens (creating if needed) dir/telekit.db and migrates it to the
// current schema. logger receives migration and error events; nil means
// none. Close the result when done.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*SQLite, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if strings.ContainsAny(dir, "?#") {
		return nil, fmt.Errorf("store: data directory %q must not contain '?' or '#'", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)",
		BusyTimeout.Milliseconds())
	w, err := sql.Open("sqlite", path+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	s := &SQLite{w: w, log: logger}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: restrict %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	s.r = r
	for _, p := range []struct {
		dst *(*sql.Stmt)
		db  *sql.DB
		sql string
	}{
		{&s.ha1, r, `SELECT ha1 FROM sip_ha1 WHERE realm = ? AND extension = ? AND algorithm = ?`},
		{&s.getUser, r, `SELECT ` + userCols + ` FROM users WHERE extension = ?`},
		{&s.addCall, w, `INSERT INTO calls (id, from_number, from_name, to_number, to_name,
			start_ns, answer_ns, end_ns, disposition, direction, call_type, trunk)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.addCallParty, w, `INSERT INTO call_parties (call_id, seq, extension, role, start_ns) VALUES (?, ?, ?, ?, ?)`},
		{&s.addCallEv, w, `INSERT INTO call_events (call_id, seq, at_ns, kind, detail) VALUES (?, ?, ?, ?, ?)`},
	} {
		if *p.dst, err = p.db.PrepareContext(ctx, p.sql); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
	}
	return s, nil
}

// Close closes the database connections. Calls in progress may fail.
func (s *SQLite) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.ha1, s.getUser, s.addCall, s.addCallParty, s.addCallEv} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// inTx runs f in a write transaction (BEGIN IMMEDIATE) and commits it, or
// rolls back when f fails.
func (s *SQLite) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// readTx runs f in a read-only transaction, so its queries see one
// consistent snapshot.
func (s *SQLite) readTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer tx.Rollback()
	return f(tx)
}

// isConstraint reports whether err is a primary-key or unique violation.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// ns converts a time to stored nanoseconds; the zero time is NULL.
func ns(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNS converts stored nanoseconds back; NULL is the zero time.
func fromNS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
