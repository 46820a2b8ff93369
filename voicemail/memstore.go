package voicemail

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// MemStore is an in-memory Store for tests, examples and single-process
// programs that keep nothing across restarts. Safe for concurrent use.
// The zero value is not usable; call NewMemStore.
type MemStore struct {
	mu        sync.RWMutex
	mailboxes map[string]Mailbox
	messages  map[string]map[string]Message // mailbox → id → message
	pins      map[string]PINState
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		mailboxes: map[string]Mailbox{},
		messages:  map[string]map[string]Message{},
		pins:      map[string]PINState{},
	}
}

func cloneMailbox(m Mailbox) Mailbox {
	m.Members = slices.Clone(m.Members)
	m.Greetings.Recorded = slices.Clone(m.Greetings.Recorded)
	if m.Greetings.Schedule != nil {
		s := *m.Greetings.Schedule
		s.Windows = slices.Clone(s.Windows)
		s.Holidays = slices.Clone(s.Holidays)
		m.Greetings.Schedule = &s
	}
	return m
}

// PutMailbox implements Store.
func (s *MemStore) PutMailbox(_ context.Context, m Mailbox) error {
	if err := ValidateMailboxID(m.ID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mailboxes[m.ID] = cloneMailbox(m)
	if s.messages[m.ID] == nil {
		s.messages[m.ID] = map[string]Message{}
	}
	return nil
}

// GetMailbox implements Store.
func (s *MemStore) GetMailbox(_ context.Context, id string) (Mailbox, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.mailboxes[id]
	if !ok {
		return Mailbox{}, fmt.Errorf("%w: %q", ErrNoMailbox, id)
	}
	return cloneMailbox(m), nil
}

// DeleteMailbox implements Store.
func (s *MemStore) DeleteMailbox(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mailboxes[id]; !ok {
		return fmt.Errorf("%w: %q", ErrNoMailbox, id)
	}
	delete(s.mailboxes, id)
	delete(s.messages, id)
	delete(s.pins, id)
	return nil
}

// MailboxIDs implements Store.
func (s *MemStore) MailboxIDs(context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.mailboxes))
	for id := range s.mailboxes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// AddMessage implements Store.
func (s *MemStore) AddMessage(_ context.Context, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	box, ok := s.messages[m.Mailbox]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoMailbox, m.Mailbox)
	}
	if _, dup := box[m.ID]; dup {
		return fmt.Errorf("%w: %q", ErrExists, m.ID)
	}
	box[m.ID] = m
	return nil
}

// GetMessage implements Store.
func (s *MemStore) GetMessage(_ context.Context, mailbox, id string) (Message, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.messages[mailbox][id]
	if !ok {
		return Message{}, fmt.Errorf("%w: %q in %q", ErrNoMessage, id, mailbox)
	}
	return m, nil
}

// ListMessages implements Store. It sorts indexes and copies only the
// page.
func (s *MemStore) ListMessages(_ context.Context, mailbox string, q Query) (Page, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	box := s.messages[mailbox]
	vals := make([]Message, 0, len(box))
	for _, m := range box {
		if m.Matches(q.Filter) {
			vals = append(vals, m)
		}
	}
	sel := make([]int32, len(vals))
	for i := range sel {
		sel[i] = int32(i)
	}
	slices.SortFunc(sel, func(a, b int32) int {
		switch {
		case Less(vals[a], vals[b], q.Order):
			return -1
		case Less(vals[b], vals[a], q.Order):
			return 1
		}
		return 0
	})
	p := Page{Total: len(sel)}
	lo := min(max(q.Offset, 0), len(sel))
	hi := len(sel)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, len(sel))
	}
	p.Messages = make([]Message, hi-lo)
	for i, j := range sel[lo:hi] {
		p.Messages[i] = vals[j]
	}
	return p, nil
}

// SetMessageFlags implements Store.
func (s *MemStore) SetMessageFlags(_ context.Context, mailbox, id string, f Folder, urgent bool) error {
	if f != FolderNew && f != FolderOld {
		return fmt.Errorf("voicemail: invalid folder %v", f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[mailbox][id]
	if !ok {
		return fmt.Errorf("%w: %q in %q", ErrNoMessage, id, mailbox)
	}
	m.Folder, m.Urgent = f, urgent
	s.messages[mailbox][id] = m
	return nil
}

// DeleteMessages implements Store.
func (s *MemStore) DeleteMessages(_ context.Context, mailbox string, ids []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range ids {
		if _, ok := s.messages[mailbox][id]; ok {
			delete(s.messages[mailbox], id)
			n++
		}
	}
	return n, nil
}

// CountMessages implements Store.
func (s *MemStore) CountMessages(_ context.Context, mailbox string) (Counts, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var c Counts
	for _, m := range s.messages[mailbox] {
		c.Add(m)
	}
	return c, nil
}

// GetPINState implements Store.
func (s *MemStore) GetPINState(_ context.Context, mailbox string) (PINState, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pins[mailbox], nil
}

// PutPINState implements Store.
func (s *MemStore) PutPINState(_ context.Context, mailbox string, st PINState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mailboxes[mailbox]; !ok {
		return fmt.Errorf("%w: %q", ErrNoMailbox, mailbox)
	}
	s.pins[mailbox] = st
	return nil
}
