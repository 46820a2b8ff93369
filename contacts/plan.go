package contacts

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/telekit/telekit/phonenumber"
)

// MatchBy says how an imported contact is found among existing ones. The
// zero value is MatchUnknown, which Preview refuses.
type MatchBy int

// Ways to match.
const (
	MatchUnknown MatchBy = iota
	// MatchNumber matches when any number of one is any number of the
	// other (phonenumber.Match under Options.Plan, whatever the format).
	MatchNumber
	// MatchName matches on the name (Contact.Name), ignoring letter case
	// and repeated spaces.
	MatchName
)

// String returns "number", "name" or "unknown".
func (m MatchBy) String() string {
	switch m {
	case MatchNumber:
		return "number"
	case MatchName:
		return "name"
	}
	return "unknown"
}

// Rule says what to do with an imported contact that matches an existing
// one. The zero value is RuleUnknown, which Preview refuses.
type Rule int

// Match rules.
const (
	RuleUnknown Rule = iota
	// Skip ignores the imported contact and keeps the existing one.
	Skip
	// Update fills the existing contact's fields with the imported
	// contact's non-empty ones.
	Update
	// Replace replaces the existing contact with the imported one,
	// keeping only its identity (ID, owner).
	Replace
	// KeepBoth adds the imported contact beside the existing one.
	KeepBoth
)

// String returns "skip", "update", "replace", "keep both" or "unknown".
func (r Rule) String() string {
	switch r {
	case Skip:
		return "skip"
	case Update:
		return "update"
	case Replace:
		return "replace"
	case KeepBoth:
		return "keep both"
	}
	return "unknown"
}

// Options controls Preview.
type Options struct {
	MatchBy MatchBy
	Rule    Rule
	// DeleteAllFirst deletes every existing contact before importing;
	// then nothing matches an existing contact.
	DeleteAllFirst bool
	// Plan parses numbers for MatchNumber; the zero Plan matches numbers
	// written with '+' and country code, and otherwise equal digits.
	Plan phonenumber.Plan
}

// Action is what a plan does with one row or existing contact.
type Action int

// Actions. The zero value is ActionUnknown.
const (
	ActionUnknown Action = iota
	ActionAdd
	ActionUpdate
	ActionDelete
	ActionIgnore
)

// String returns "add", "update", "delete", "ignore" or "unknown".
func (a Action) String() string {
	switch a {
	case ActionAdd:
		return "add"
	case ActionUpdate:
		return "update"
	case ActionDelete:
		return "delete"
	case ActionIgnore:
		return "ignore"
	}
	return "unknown"
}

// Counts are the totals shown before the user confirms an import.
type Counts struct {
	New, Updated, Deleted, Ignored int
}

// Detail is one line of the "Details" view: what happens to one row, or to
// one existing contact deleted first.
type Detail struct {
	// Row and Line are the data row (from 1) and file line; both 0 for an
	// existing contact deleted by DeleteAllFirst.
	Row, Line int
	Action    Action
	// Name is the contact's name as shown to the user.
	Name string
	// Reason says why, e.g. "no main number", "duplicate of row 4",
	// "matches Jane Doe by number".
	Reason string
	// ExistingID is the existing contact updated, matched or deleted.
	ExistingID string
}

// Plan is a previewed import: the counts and details to show, and the
// change set Commit applies. Cancelling an import is dropping its Plan.
// A Plan is not safe for concurrent use.
type Plan struct {
	Counts  Counts
	Details []Detail
	changes ChangeSet
	used    bool
}

// Changes returns the writes Commit will make.
func (p *Plan) Changes() ChangeSet { return p.changes }

// ErrPlanUsed means Commit was called twice with the same Plan.
var ErrPlanUsed = errors.New("contacts: import plan already committed")

// Preview works out what importing rows into existing would do, changing
// nothing: each row is added, updates an existing contact, or is ignored
// (unreadable, invalid, a duplicate of an earlier row, or skipped by the
// match rule), and with DeleteAllFirst every existing contact is deleted.
// existing is typically Store.List of the importing user; rows come from
// ReadCSV. It returns an error only for invalid options.
func Preview(existing []Contact, rows []Row, opts Options) (*Plan, error) {
	if opts.MatchBy != MatchNumber && opts.MatchBy != MatchName {
		return nil, fmt.Errorf("contacts: preview: unknown MatchBy %d", opts.MatchBy)
	}
	if opts.Rule < Skip || opts.Rule > KeepBoth {
		return nil, fmt.Errorf("contacts: preview: unknown Rule %d", opts.Rule)
	}
	// Sized for the usual import (most rows added) so that appending
	// large Contact values does not copy them again and again.
	p := &Plan{Details: make([]Detail, 0, len(rows))}
	p.changes.Add = make([]Contact, 0, len(rows))
	m := matcher{by: opts.MatchBy, plan: opts.Plan}
	existIdx := map[string]int{} // key → index in existing
	var kbuf []string            // keys of one contact, reused
	if opts.DeleteAllFirst {
		for _, c := range existing {
			p.changes.Delete = append(p.changes.Delete, Ref{c.ID, c.Revision})
			p.Details = append(p.Details, Detail{Action: ActionDelete, Name: c.Name(), Reason: "deleted before import", ExistingID: c.ID})
		}
		p.Counts.Deleted = len(existing)
	} else {
		for i, c := range existing {
			kbuf = m.appendKeys(kbuf[:0], c)
			for _, k := range kbuf {
				if _, ok := existIdx[k]; !ok {
					existIdx[k] = i
				}
			}
		}
	}
	rowIdx := map[string]int{}    // key → earlier accepted row number
	claimed := map[int]int{}      // existing index → row that updates it
	updates := map[int]*Contact{} // existing index → new value
	var updateOrder []int
	for _, r := range rows {
		d := Detail{Row: r.Number, Line: r.Line, Name: r.Contact.Name()}
		ignore := func(reason string) {
			d.Action, d.Reason = ActionIgnore, reason
			p.Counts.Ignored++
			p.Details = append(p.Details, d)
		}
		if r.Err != nil {
			var ie *ImportError
			if errors.As(r.Err, &ie) {
				ignore(ie.Reason)
			} else {
				ignore(r.Err.Error())
			}
			continue
		}
		if err := r.Contact.Validate(); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ignore(ve.Reason)
			} else {
				ignore(err.Error())
			}
			continue
		}
		kbuf = m.appendKeys(kbuf[:0], r.Contact)
		keys := kbuf
		if dup := firstHit(rowIdx, keys); dup > 0 {
			ignore(fmt.Sprintf("duplicate of row %d", dup))
			continue
		}
		for _, k := range keys {
			rowIdx[k] = r.Number
		}
		ei := -1
		for _, k := range keys {
			if i, ok := existIdx[k]; ok {
				ei = i
				break
			}
		}
		if ei < 0 {
			d.Action, d.Reason = ActionAdd, "new contact"
			p.changes.Add = append(p.changes.Add, r.Contact)
			p.Counts.New++
			p.Details = append(p.Details, d)
			continue
		}
		old := existing[ei]
		match := fmt.Sprintf("matches %s by %s", old.Name(), opts.MatchBy)
		d.ExistingID = old.ID
		if by, ok := claimed[ei]; ok && opts.Rule != KeepBoth {
			ignore(fmt.Sprintf("%s, already matched by row %d", match, by))
			continue
		}
		switch opts.Rule {
		case Skip:
			ignore(match + "; skipped")
			continue
		case KeepBoth:
			d.Action, d.Reason = ActionAdd, match+"; kept both"
			p.changes.Add = append(p.changes.Add, r.Contact)
			p.Counts.New++
			p.Details = append(p.Details, d)
			continue
		}
		var nc Contact
		if opts.Rule == Update {
			nc = merge(old, r.Contact)
		} else {
			nc = clone(r.Contact)
			nc.ID, nc.Revision, nc.Owner = old.ID, old.Revision, old.Owner
		}
		if equalContact(nc, old) {
			ignore(match + "; no changes")
			continue
		}
		claimed[ei] = r.Number
		updates[ei] = &nc
		updateOrder = append(updateOrder, ei)
		d.Action = ActionUpdate
		if opts.Rule == Update {
			d.Reason = match + "; updated"
		} else {
			d.Reason = match + "; replaced"
		}
		p.Counts.Updated++
		p.Details = append(p.Details, d)
	}
	for _, ei := range updateOrder {
		p.changes.Update = append(p.changes.Update, *updates[ei])
	}
	return p, nil
}

// Commit applies exactly the plan's changes to s in one Store.Apply call:
// all of them, or none when it returns an error (ErrStale when a contact
// changed since the preview). A plan commits once; again gives ErrPlanUsed.
func Commit(ctx context.Context, s Store, p *Plan) error {
	if p == nil {
		return errors.New("contacts: commit: nil plan")
	}
	if p.used {
		return ErrPlanUsed
	}
	if err := s.Apply(ctx, p.changes); err != nil {
		return fmt.Errorf("contacts: commit import: %w", err)
	}
	p.used = true
	return nil
}

func firstHit(idx map[string]int, keys []string) int {
	best := 0
	for _, k := range keys {
		if n, ok := idx[k]; ok && (best == 0 || n < best) {
			best = n
		}
	}
	return best
}

// matcher computes the keys two contacts match on.
type matcher struct {
	by   MatchBy
	plan phonenumber.Plan
}

// appendKeys appends c's keys to out; Preview reuses one buffer for all
// rows.
func (m matcher) appendKeys(out []string, c Contact) []string {
	if m.by == MatchName {
		n := strings.ToLower(strings.Join(strings.Fields(c.Name()), " "))
		if n == "" {
			return out
		}
		return append(out, n)
	}
	for _, t := range phoneTypes {
		s := c.Phones.Get(t)
		if s == "" {
			continue
		}
		n, err := phonenumber.Parse(m.plan, s, phonenumber.Received)
		if err != nil {
			continue
		}
		// Kind keeps an extension apart from an external short number
		// with the same digits (see phonenumber.Number.Key).
		k := n.Key()
		if n.Kind == phonenumber.Extension {
			k = "x" + k
		}
		out = append(out, k)
	}
	return out
}

// merge returns old with every non-empty field of in copied over.
func merge(old, in Contact) Contact {
	c := clone(old)
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Nickname, in.Nickname)
	set(&c.DisplayName, in.DisplayName)
	set(&c.JobTitle, in.JobTitle)
	set(&c.Organization, in.Organization)
	for _, t := range phoneTypes {
		if v := in.Phones.Get(t); v != "" {
			c.Phones.Set(t, v)
		}
	}
	if in.Main != PhoneUnknown {
		c.Main = in.Main
	}
	set(&c.Emails[0], in.Emails[0])
	set(&c.Emails[1], in.Emails[1])
	set(&c.SMS, in.SMS)
	if !in.HomeAddress.IsZero() {
		c.HomeAddress = in.HomeAddress
	}
	if !in.WorkAddress.IsZero() {
		c.WorkAddress = in.WorkAddress
	}
	set(&c.Description, in.Description)
	c.Favorite = c.Favorite || in.Favorite
	if len(in.SpeedDial) > 0 {
		c.SpeedDial = append([]SpeedDial(nil), in.SpeedDial...)
	}
	return c
}

func equalContact(a, b Contact) bool {
	if len(a.SpeedDial) == 0 {
		a.SpeedDial = nil
	}
	if len(b.SpeedDial) == 0 {
		b.SpeedDial = nil
	}
	return reflect.DeepEqual(a, b)
}
