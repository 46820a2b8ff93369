package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/telekit/telekit/calllog"
)

// AddRecord implements [calllog.Store]: the call, its parties and its
// events in one transaction.
func (s *SQLite) AddRecord(ctx context.Context, r calllog.Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return newRecordWriter(ctx, s, tx).add(r)
	})
}

// AddRecords stores rs in one transaction, so that one commit (one fsync
// with synchronous=FULL) serves them all: the call-log writer of a busy
// server uses it for the records queued while the previous commit ran. A
// record that cannot be stored (invalid, or [calllog.ErrExists]) is left
// out and its error returned, joined with the others' and naming the
// record's ID; the others are stored. When AddRecords returns, what it
// stored is durable. An error of the transaction itself (begin, commit)
// stores nothing.
func (s *SQLite) AddRecords(ctx context.Context, rs []calllog.Record) error {
	var bad []error
	ok := make([]calllog.Record, 0, len(rs))
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			bad = append(bad, fmt.Errorf("record %q: %w", r.ID, err))
			continue
		}
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return errors.Join(bad...)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		w := newRecordWriter(ctx, s, tx)
		for _, r := range ok {
			// A savepoint per record: one that fails (a duplicate ID)
			// is undone alone, and the rest still commit.
			if _, err := tx.ExecContext(ctx, "SAVEPOINT rec"); err != nil {
				return fmt.Errorf("store: savepoint: %w", err)
			}
			if err := w.add(r); err != nil {
				bad = append(bad, err)
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO rec"); err != nil {
					return fmt.Errorf("store: rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE rec"); err != nil {
				return fmt.Errorf("store: release savepoint: %w", err)
			}
		}
		return nil
	})
	return errors.Join(append(bad, err)...)
}

// recordWriter inserts call records in one transaction, with the
// transaction's statements bound once.
type recordWriter struct {
	ctx                context.Context
	call, party, event *sql.Stmt
}

func newRecordWriter(ctx context.Context, s *SQLite, tx *sql.Tx) recordWriter {
	return recordWriter{ctx: ctx, call: tx.StmtContext(ctx, s.addCall),
		party: tx.StmtContext(ctx, s.addCallParty), event: tx.StmtContext(ctx, s.addCallEv)}
}

// add inserts r, which is valid.
func (w recordWriter) add(r calllog.Record) error {
	ctx := w.ctx
	disp, _ := r.Disposition.MarshalText()
	dir, _ := r.Direction.MarshalText()
	typ, _ := r.Type.MarshalText()
	_, err := w.call.ExecContext(ctx,
		r.ID, r.From, r.FromName, r.To, r.ToName, ns(r.Start), ns(r.Answer), ns(r.End),
		string(disp), string(dir), string(typ), r.Trunk)
	if isConstraint(err) {
		return fmt.Errorf("record %q: %w", r.ID, calllog.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store: add call record %q: %w", r.ID, err)
	}
	for i, p := range r.Parties {
		if _, err := w.party.ExecContext(ctx, r.ID, i, p.Extension, p.Role.String(), ns(r.Start)); err != nil {
			return fmt.Errorf("store: add call record %q party: %w", r.ID, err)
		}
	}
	for i, e := range r.Events {
		if _, err := w.event.ExecContext(ctx, r.ID, i, ns(e.At), string(e.Kind), e.Detail); err != nil {
			return fmt.Errorf("store: add call record %q event: %w", r.ID, err)
		}
	}
	return nil
}

const callCols = `c.id, c.from_number, c.from_name, c.to_number, c.to_name, c.start_ns, c.answer_ns, c.end_ns,
	c.disposition, c.direction, c.call_type, c.trunk`

func scanCall(row scanner) (calllog.Record, error) {
	var r calllog.Record
	var start, answer, end sql.NullInt64
	var disp, dir, typ string
	if err := row.Scan(&r.ID, &r.From, &r.FromName, &r.To, &r.ToName, &start, &answer, &end, &disp, &dir, &typ, &r.Trunk); err != nil {
		return r, err
	}
	r.Start, r.Answer, r.End = fromNS(start), fromNS(answer), fromNS(end)
	if err := errors.Join(r.Disposition.UnmarshalText([]byte(disp)), r.Direction.UnmarshalText([]byte(dir)),
		r.Type.UnmarshalText([]byte(typ))); err != nil {
		return r, fmt.Errorf("call %s: %w", r.ID, err)
	}
	return r, nil
}

// receivedDispositions are the dispositions for which a callee received
// the call (see calllog.Filter's views); all others are missed.
const receivedDispositions = `('answered', 'transferred')`

// where builds the SQL condition and arguments for f, over call_parties p
// joined to calls c. Every condition of calllog.Filter.Match is here, so
// nothing is filtered in Go.
func where(f calllog.Filter) (string, []any) {
	conds := []string{"p.extension = ?"}
	args := []any{f.Owner}
	switch f.View {
	case calllog.ViewPlaced:
		conds = append(conds, "p.role = 'caller'")
	case calllog.ViewReceived:
		conds = append(conds, "p.role = 'callee'", "c.disposition IN "+receivedDispositions)
	case calllog.ViewMissed:
		conds = append(conds, "p.role = 'callee'", "c.disposition NOT IN "+receivedDispositions)
	}
	if f.Direction != calllog.DirectionUnknown {
		d, _ := f.Direction.MarshalText()
		conds, args = append(conds, "c.direction = ?"), append(args, string(d))
	}
	if f.Disposition != calllog.DispositionUnknown {
		d, _ := f.Disposition.MarshalText()
		conds, args = append(conds, "c.disposition = ?"), append(args, string(d))
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "p.start_ns >= ?"), append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "p.start_ns < ?"), append(args, f.Until.UnixNano())
	}
	if f.Search != "" {
		pat := "%" + escapeLike(f.Search) + "%"
		conds = append(conds, `(c.from_number LIKE ? ESCAPE '\' OR c.from_name LIKE ? ESCAPE '\'
			OR c.to_number LIKE ? ESCAPE '\' OR c.to_name LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat, pat, pat)
	}
	return strings.Join(conds, " AND "), args
}

// escapeLike makes s match itself literally in a LIKE pattern with
// ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListRecords implements [calllog.Store].
func (s *SQLite) ListRecords(ctx context.Context, f calllog.Filter) ([]calllog.Record, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	cond, args := where(f)
	out := []calllog.Record{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+callCols+` FROM call_parties p JOIN calls c ON c.id = p.call_id
			WHERE `+cond+` ORDER BY p.start_ns DESC, p.call_id DESC LIMIT ? OFFSET ?`,
			append(args, f.PageSize(), f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanCall(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return loadDetails(ctx, tx, out)
	})
	if err != nil {
		return nil, fmt.Errorf("store: list call records: %w", err)
	}
	return out, nil
}

// detailChunk bounds the IN list of one details query.
const detailChunk = 500

// loadDetails fills in the parties and events of rs, in stored order.
func loadDetails(ctx context.Context, tx *sql.Tx, rs []calllog.Record) error {
	for start := 0; start < len(rs); start += detailChunk {
		chunk := rs[start:min(len(rs), start+detailChunk)]
		idx := make(map[string]*calllog.Record, len(chunk))
		args := make([]any, len(chunk))
		for i := range chunk {
			idx[chunk[i].ID] = &chunk[i]
			args[i] = chunk[i].ID
		}
		in := "(" + strings.Repeat("?, ", len(chunk)-1) + "?)"
		rows, err := tx.QueryContext(ctx, `SELECT call_id, extension, role FROM call_parties WHERE call_id IN `+in+` ORDER BY call_id, seq`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, role string
			var p calllog.Party
			if err := rows.Scan(&id, &p.Extension, &role); err != nil {
				rows.Close()
				return err
			}
			if err := p.Role.UnmarshalText([]byte(role)); err != nil {
				rows.Close()
				return err
			}
			idx[id].Parties = append(idx[id].Parties, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT call_id, at_ns, kind, detail FROM call_events WHERE call_id IN `+in+` ORDER BY call_id, seq`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, kind string
			var at sql.NullInt64
			var e calllog.Event
			if err := rows.Scan(&id, &at, &kind, &e.Detail); err != nil {
				rows.Close()
				return err
			}
			e.At, e.Kind = fromNS(at), calllog.EventKind(kind)
			idx[id].Events = append(idx[id].Events, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// CountRecords implements [calllog.Store].
func (s *SQLite) CountRecords(ctx context.Context, f calllog.Filter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	cond, args := where(f)
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM call_parties p JOIN calls c ON c.id = p.call_id WHERE `+cond, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count call records: %w", err)
	}
	return n, nil
}

// GetRecord implements [calllog.Store]: only a party to the call gets it.
func (s *SQLite) GetRecord(ctx context.Context, owner, id string) (calllog.Record, error) {
	var r calllog.Record
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanCall(tx.QueryRowContext(ctx, `SELECT `+callCols+` FROM call_parties p JOIN calls c ON c.id = p.call_id
			WHERE p.extension = ? AND p.call_id = ?`, owner, id))
		if err != nil {
			return err
		}
		rs := []calllog.Record{r}
		err = loadDetails(ctx, tx, rs)
		r = rs[0]
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return calllog.Record{}, fmt.Errorf("record %q: %w", id, calllog.ErrNotFound)
	}
	if err != nil {
		return calllog.Record{}, fmt.Errorf("store: get call record: %w", err)
	}
	return r, nil
}
