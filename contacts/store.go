package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// Ref names a stored contact at the revision a caller last saw.
type Ref struct {
	ID       string
	Revision int
}

// ChangeSet is a whole import's writes, applied by Store.Apply all or
// nothing: the deletions, then the updates, then the additions.
type ChangeSet struct {
	// Delete lists contacts to remove, at the revision seen.
	Delete []Ref
	// Update lists new values of existing contacts; each one's ID and
	// Revision name the contact and the revision seen.
	Update []Contact
	// Add lists new contacts; their ID and Revision are ignored and set by
	// the store.
	Add []Contact
}

// Len returns the number of writes in cs.
func (cs ChangeSet) Len() int { return len(cs.Delete) + len(cs.Update) + len(cs.Add) }

// ErrStale means a contact named in a ChangeSet was changed or deleted
// after the preview that built it; nothing was applied. Preview again.
var ErrStale = errors.New("contacts: a contact changed since the preview")

// Store keeps contacts. Implementations are safe for concurrent use.
type Store interface {
	// List returns the contacts of owner ("" for business contacts), in
	// the order they were added.
	List(ctx context.Context, owner string) ([]Contact, error)
	// Apply writes cs in one transaction: either every write happens or,
	// when it returns an error, none does. It returns ErrStale (wrapped)
	// when a Ref's or Update's revision is not the stored one.
	Apply(ctx context.Context, cs ChangeSet) error
}

// MemStore is an in-memory Store for tests, examples and small programs.
// The zero value is empty and ready to use. Safe for concurrent use.
type MemStore struct {
	mu     sync.Mutex
	byID   map[string]Contact
	order  []string
	nextID int

	// failWrite, when set, is called before each write of Apply with its
	// index (from 0); an error aborts Apply. Tests use it to prove
	// all-or-nothing.
	failWrite func(i int) error
}

var _ Store = (*MemStore)(nil)

// List implements Store.
func (m *MemStore) List(ctx context.Context, owner string) ([]Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Contact
	for _, id := range m.order {
		if c := m.byID[id]; c.Owner == owner {
			out = append(out, clone(c))
		}
	}
	return out, nil
}

// Apply implements Store. It works on a copy and swaps it in only when
// every write succeeded, so a failure leaves the store as it was.
func (m *MemStore) Apply(ctx context.Context, cs ChangeSet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	byID := make(map[string]Contact, len(m.byID)+len(cs.Add))
	for k, v := range m.byID {
		byID[k] = v
	}
	order := slices.Clone(m.order)
	nextID := m.nextID
	n := 0
	write := func() error {
		if m.failWrite != nil {
			if err := m.failWrite(n); err != nil {
				return fmt.Errorf("contacts: write %d: %w", n, err)
			}
		}
		n++
		return nil
	}
	deleted := map[string]bool{}
	for _, r := range cs.Delete {
		cur, ok := byID[r.ID]
		if !ok || cur.Revision != r.Revision {
			return fmt.Errorf("contacts: delete %s: %w", r.ID, ErrStale)
		}
		if err := write(); err != nil {
			return err
		}
		delete(byID, r.ID)
		deleted[r.ID] = true
	}
	if len(deleted) > 0 {
		order = slices.DeleteFunc(order, func(id string) bool { return deleted[id] })
	}
	for _, c := range cs.Update {
		cur, ok := byID[c.ID]
		if !ok || cur.Revision != c.Revision {
			return fmt.Errorf("contacts: update %s: %w", c.ID, ErrStale)
		}
		if err := write(); err != nil {
			return err
		}
		c = clone(c)
		c.Revision++
		byID[c.ID] = c
	}
	for _, c := range cs.Add {
		if err := write(); err != nil {
			return err
		}
		nextID++
		c = clone(c)
		c.ID = "c" + strconv.Itoa(nextID)
		c.Revision = 1
		byID[c.ID] = c
		order = append(order, c.ID)
	}
	m.byID, m.order, m.nextID = byID, order, nextID
	return nil
}

func clone(c Contact) Contact {
	c.SpeedDial = slices.Clone(c.SpeedDial)
	return c
}
