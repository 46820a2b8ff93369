package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/telekit/telekit/voicemail"
)

// Voicemail is the SQLite implementation of [voicemail.Store]: mailbox
// settings as JSON, the message index, and wrong-PIN state, in the same
// database and with the same durability (synchronous=FULL) as the rest.
// Listings are served by indexes on (mailbox, received), (mailbox,
// folder, received) and (mailbox, urgent, received). Get one with
// [SQLite.Voicemail]. Safe for concurrent use.
type Voicemail struct {
	db *SQLite
}

var _ voicemail.Store = (*Voicemail)(nil)

// Voicemail returns the voicemail store over s's database.
func (s *SQLite) Voicemail() *Voicemail { return &Voicemail{db: s} }

// PutMailbox implements [voicemail.Store].
func (v *Voicemail) PutMailbox(ctx context.Context, m voicemail.Mailbox) error {
	if err := voicemail.ValidateMailboxID(m.ID); err != nil {
		return err
	}
	js, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("store: encode mailbox %s: %w", m.ID, err)
	}
	return v.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO vm_mailboxes (id, settings, updated_ns) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_ns = excluded.updated_ns`,
			m.ID, string(js), time.Now().UnixNano())
		if err != nil {
			return fmt.Errorf("store: put mailbox %s: %w", m.ID, err)
		}
		return nil
	})
}

// GetMailbox implements [voicemail.Store].
func (v *Voicemail) GetMailbox(ctx context.Context, id string) (voicemail.Mailbox, error) {
	var js string
	err := v.db.r.QueryRowContext(ctx, `SELECT settings FROM vm_mailboxes WHERE id = ?`, id).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return voicemail.Mailbox{}, fmt.Errorf("%w: %q", voicemail.ErrNoMailbox, id)
	}
	if err != nil {
		return voicemail.Mailbox{}, fmt.Errorf("store: get mailbox %s: %w", id, err)
	}
	var m voicemail.Mailbox
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return voicemail.Mailbox{}, fmt.Errorf("store: decode mailbox %s: %w", id, err)
	}
	return m, nil
}

// DeleteMailbox implements [voicemail.Store]; messages and PIN state go
// with it (ON DELETE CASCADE).
func (v *Voicemail) DeleteMailbox(ctx context.Context, id string) error {
	return v.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM vm_mailboxes WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: delete mailbox %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %q", voicemail.ErrNoMailbox, id)
		}
		return nil
	})
}

// MailboxIDs implements [voicemail.Store].
func (v *Voicemail) MailboxIDs(ctx context.Context) ([]string, error) {
	rows, err := v.db.r.QueryContext(ctx, `SELECT id FROM vm_mailboxes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list mailboxes: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func mailboxExists(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM vm_mailboxes WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %q", voicemail.ErrNoMailbox, id)
	}
	return err
}

// AddMessage implements [voicemail.Store].
func (v *Voicemail) AddMessage(ctx context.Context, m voicemail.Message) error {
	folder, err := m.Folder.MarshalText()
	if err != nil {
		return err
	}
	return v.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := mailboxExists(ctx, tx, m.Mailbox); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO vm_messages (mailbox, id, caller_number, caller_name,
			received_ns, duration_ns, folder, urgent, forwarded_from, audio) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Mailbox, m.ID, m.CallerNumber, m.CallerName, m.Received.UnixNano(), int64(m.Duration),
			string(folder), b2i(m.Urgent), m.ForwardedFrom, m.Audio)
		if isConstraint(err) {
			return fmt.Errorf("%w: %q", voicemail.ErrExists, m.ID)
		}
		if err != nil {
			return fmt.Errorf("store: add message %s: %w", m.ID, err)
		}
		return nil
	})
}

const vmCols = `mailbox, id, caller_number, caller_name, received_ns, duration_ns, folder, urgent, forwarded_from, audio`

func scanVM(row scanner) (voicemail.Message, error) {
	var m voicemail.Message
	var received, dur int64
	var folder string
	var urgent int
	if err := row.Scan(&m.Mailbox, &m.ID, &m.CallerNumber, &m.CallerName, &received, &dur, &folder, &urgent,
		&m.ForwardedFrom, &m.Audio); err != nil {
		return m, err
	}
	m.Received = time.Unix(0, received).UTC()
	m.Duration = time.Duration(dur)
	m.Urgent = urgent != 0
	return m, m.Folder.UnmarshalText([]byte(folder))
}

// GetMessage implements [voicemail.Store].
func (v *Voicemail) GetMessage(ctx context.Context, mailbox, id string) (voicemail.Message, error) {
	m, err := scanVM(v.db.r.QueryRowContext(ctx, `SELECT `+vmCols+` FROM vm_messages WHERE mailbox = ? AND id = ?`, mailbox, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("%w: %q in %q", voicemail.ErrNoMessage, id, mailbox)
	}
	if err != nil {
		return m, fmt.Errorf("store: get message %s: %w", id, err)
	}
	return m, nil
}

// ListMessages implements [voicemail.Store]: the filter and the page are
// pushed down to SQL and served by the indexes.
func (v *Voicemail) ListMessages(ctx context.Context, mailbox string, q voicemail.Query) (voicemail.Page, error) {
	where := `mailbox = ?`
	args := []any{mailbox}
	switch q.Filter {
	case voicemail.FilterInbox:
		where += ` AND folder = 'new'`
	case voicemail.FilterOld:
		where += ` AND folder = 'old'`
	case voicemail.FilterUrgent:
		where += ` AND urgent = 1`
	}
	dir := "ASC"
	if q.Order == voicemail.NewestFirst {
		dir = "DESC"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `SELECT %s FROM vm_messages WHERE %s ORDER BY received_ns %s, id %s`, vmCols, where, dir, dir)
	pageArgs := append([]any(nil), args...)
	if q.Limit > 0 {
		sb.WriteString(` LIMIT ? OFFSET ?`)
		pageArgs = append(pageArgs, q.Limit, max(q.Offset, 0))
	} else if q.Offset > 0 {
		sb.WriteString(` LIMIT -1 OFFSET ?`)
		pageArgs = append(pageArgs, q.Offset)
	}
	var p voicemail.Page
	err := v.db.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vm_messages WHERE `+where, args...).Scan(&p.Total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, sb.String(), pageArgs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := max(p.Total-max(q.Offset, 0), 0)
		if q.Limit > 0 {
			n = min(n, q.Limit)
		}
		p.Messages = make([]voicemail.Message, 0, n)
		for rows.Next() {
			m, err := scanVM(rows)
			if err != nil {
				return err
			}
			p.Messages = append(p.Messages, m)
		}
		return rows.Err()
	})
	if err != nil {
		return voicemail.Page{}, fmt.Errorf("store: list mailbox %s: %w", mailbox, err)
	}
	return p, nil
}

// SetMessageFlags implements [voicemail.Store].
func (v *Voicemail) SetMessageFlags(ctx context.Context, mailbox, id string, f voicemail.Folder, urgent bool) error {
	if f != voicemail.FolderNew && f != voicemail.FolderOld {
		return fmt.Errorf("store: invalid folder %v", f)
	}
	folder, _ := f.MarshalText()
	return v.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vm_messages SET folder = ?, urgent = ? WHERE mailbox = ? AND id = ?`,
			string(folder), b2i(urgent), mailbox, id)
		if err != nil {
			return fmt.Errorf("store: set message flags %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %q in %q", voicemail.ErrNoMessage, id, mailbox)
		}
		return nil
	})
}

// DeleteMessages implements [voicemail.Store], in one transaction.
func (v *Voicemail) DeleteMessages(ctx context.Context, mailbox string, ids []string) (int, error) {
	total := 0
	err := v.db.inTx(ctx, func(tx *sql.Tx) error {
		total = 0
		st, err := tx.PrepareContext(ctx, `DELETE FROM vm_messages WHERE mailbox = ? AND id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			res, err := st.ExecContext(ctx, mailbox, id)
			if err != nil {
				return fmt.Errorf("store: delete message %s: %w", id, err)
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		return nil
	})
	return total, err
}

// CountMessages implements [voicemail.Store].
func (v *Voicemail) CountMessages(ctx context.Context, mailbox string) (voicemail.Counts, error) {
	var c voicemail.Counts
	rows, err := v.db.r.QueryContext(ctx, `SELECT folder, urgent, COUNT(*) FROM vm_messages WHERE mailbox = ? GROUP BY folder, urgent`, mailbox)
	if err != nil {
		return c, fmt.Errorf("store: count mailbox %s: %w", mailbox, err)
	}
	defer rows.Close()
	for rows.Next() {
		var folder string
		var urgent, n int
		if err := rows.Scan(&folder, &urgent, &n); err != nil {
			return c, err
		}
		switch folder {
		case "new":
			c.New += n
			c.UrgentNew += n * urgent
		case "old":
			c.Old += n
			c.UrgentOld += n * urgent
		}
	}
	return c, rows.Err()
}

// GetPINState implements [voicemail.Store].
func (v *Voicemail) GetPINState(ctx context.Context, mailbox string) (voicemail.PINState, error) {
	var st voicemail.PINState
	var until sql.NullInt64
	err := v.db.r.QueryRowContext(ctx, `SELECT failures, lockouts, locked_until_ns FROM vm_pin_state WHERE mailbox = ?`, mailbox).
		Scan(&st.Failures, &st.Lockouts, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return voicemail.PINState{}, nil
	}
	if err != nil {
		return st, fmt.Errorf("store: get PIN state %s: %w", mailbox, err)
	}
	st.LockedUntil = fromNS(until)
	return st, nil
}

// PutPINState implements [voicemail.Store].
func (v *Voicemail) PutPINState(ctx context.Context, mailbox string, st voicemail.PINState) error {
	return v.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := mailboxExists(ctx, tx, mailbox); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO vm_pin_state (mailbox, failures, lockouts, locked_until_ns) VALUES (?, ?, ?, ?)
			ON CONFLICT (mailbox) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
			locked_until_ns = excluded.locked_until_ns`, mailbox, st.Failures, st.Lockouts, ns(st.LockedUntil))
		if err != nil {
			return fmt.Errorf("store: put PIN state %s: %w", mailbox, err)
		}
		return nil
	})
}
