package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/telekit/telekit/contacts"
)

var _ contacts.Store = (*SQLite)(nil)

// contactCols are the columns of a contact after id, in the order
// contactValues returns and scanContact reads them.
const contactCols = `owner, revision, first_name, last_name, nickname, display_name, job_title, organization,
	phone_home, phone_work, phone_mobile, phone_fax, phone_other, main_phone, email1, email2, sms,
	home_street, home_city, home_region, home_postal, home_country,
	work_street, work_city, work_region, work_postal, work_country,
	description, favorite, speed_dial`

var contactColCount = strings.Count(contactCols, ",") + 1

// addBatch is how many contacts one INSERT adds; 30 columns × 32 rows
// stays under SQLite's default limit of 32,766 parameters.
const addBatch = 32

func contactValues(c contacts.Contact) []any {
	main := ""
	if c.Main != contacts.PhoneUnknown {
		main = c.Main.String()
	}
	h, w := c.HomeAddress, c.WorkAddress
	return []any{c.Owner, c.Revision, c.FirstName, c.LastName, c.Nickname, c.DisplayName, c.JobTitle, c.Organization,
		c.Phones.Home, c.Phones.Work, c.Phones.Mobile, c.Phones.Fax, c.Phones.Other, main, c.Emails[0], c.Emails[1], c.SMS,
		h.Street, h.City, h.Region, h.PostalCode, h.Country,
		w.Street, w.City, w.Region, w.PostalCode, w.Country,
		c.Description, b2i(c.Favorite), contacts.FormatSpeedDial(c.SpeedDial)}
}

func scanContact(row scanner) (contacts.Contact, error) {
	var c contacts.Contact
	var id int64
	var main, sd string
	h, w := &c.HomeAddress, &c.WorkAddress
	err := row.Scan(&id, &c.Owner, &c.Revision, &c.FirstName, &c.LastName, &c.Nickname, &c.DisplayName, &c.JobTitle, &c.Organization,
		&c.Phones.Home, &c.Phones.Work, &c.Phones.Mobile, &c.Phones.Fax, &c.Phones.Other, &main, &c.Emails[0], &c.Emails[1], &c.SMS,
		&h.Street, &h.City, &h.Region, &h.PostalCode, &h.Country,
		&w.Street, &w.City, &w.Region, &w.PostalCode, &w.Country,
		&c.Description, &c.Favorite, &sd)
	if err != nil {
		return c, err
	}
	c.ID = strconv.FormatInt(id, 10)
	c.Main = contacts.ParsePhoneType(main)
	if sd != "" {
		c.SpeedDial = contacts.ParseSpeedDial(sd)
	}
	return c, nil
}

// List implements [contacts.Store]: owner's contacts ("" for business
// contacts) in the order they were added.
func (s *SQLite) List(ctx context.Context, owner string) ([]contacts.Contact, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, `+contactCols+` FROM contacts WHERE owner = ? ORDER BY id`, owner)
	if err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	defer rows.Close()
	var out []contacts.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	return out, nil
}

// Apply implements [contacts.Store]: the whole change set in one write
// transaction, so an import commits entirely or not at all. A delete or
// update whose revision is not the stored one rolls everything back with
// contacts.ErrStale.
func (s *SQLite) Apply(ctx context.Context, cs contacts.ChangeSet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cs.Len() == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if len(cs.Delete) > 0 {
			del, err := tx.PrepareContext(ctx, `DELETE FROM contacts WHERE id = ? AND revision = ?`)
			if err != nil {
				return fmt.Errorf("store: apply contacts: %w", err)
			}
			defer del.Close()
			for _, r := range cs.Delete {
				if err := expectOne(del.ExecContext(ctx, contactID(r.ID), r.Revision)); err != nil {
					return fmt.Errorf("store: delete contact %s: %w", r.ID, err)
				}
			}
		}
		if len(cs.Update) > 0 {
			set := strings.ReplaceAll(strings.Join(strings.Fields(contactCols), " "), ",", " = ?,") + " = ?"
			upd, err := tx.PrepareContext(ctx, `UPDATE contacts SET `+set+` WHERE id = ? AND revision = ?`)
			if err != nil {
				return fmt.Errorf("store: apply contacts: %w", err)
			}
			defer upd.Close()
			for _, c := range cs.Update {
				seen := c.Revision
				c.Revision++
				args := append(contactValues(c), contactID(c.ID), seen)
				if err := expectOne(upd.ExecContext(ctx, args...)); err != nil {
					return fmt.Errorf("store: update contact %s: %w", c.ID, err)
				}
			}
		}
		// Additions go in batches of addBatch rows per INSERT: the
		// per-statement cost dominates a large import.
		one := `(?` + strings.Repeat(", ?", contactColCount-1) + `)`
		var batch *sql.Stmt
		args := make([]any, 0, addBatch*contactColCount)
		for start := 0; start < len(cs.Add); start += addBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			part := cs.Add[start:min(start+addBatch, len(cs.Add))]
			args = args[:0]
			for _, c := range part {
				c.Revision = 1
				args = append(args, contactValues(c)...)
			}
			q := `INSERT INTO contacts (` + contactCols + `) VALUES ` + one + strings.Repeat(", "+one, len(part)-1)
			var err error
			if len(part) == addBatch {
				if batch == nil {
					if batch, err = tx.PrepareContext(ctx, q); err != nil {
						return fmt.Errorf("store: apply contacts: %w", err)
					}
					defer batch.Close()
				}
				_, err = batch.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, q, args...)
			}
			if err != nil {
				return fmt.Errorf("store: add contacts %d to %d: %w", start+1, start+len(part), err)
			}
		}
		return nil
	})
}

// contactID reads a contact ID; an ID this store did not make matches no
// row (and so is stale).
func contactID(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// expectOne turns an UPDATE or DELETE that touched no row into ErrStale.
func expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return contacts.ErrStale
	}
	return nil
}
