package calllog

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// MemStore is an in-memory [Store] for tests and examples. It scans every
// record on each query. The zero value is ready to use. Safe for
// concurrent use.
type MemStore struct {
	mu   sync.RWMutex
	byID map[string]Record
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

// AddRecord implements [Store].
func (m *MemStore) AddRecord(ctx context.Context, r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[r.ID]; ok {
		return fmt.Errorf("record %q: %w", r.ID, ErrExists)
	}
	if m.byID == nil {
		m.byID = make(map[string]Record)
	}
	m.byID[r.ID] = r.Clone()
	return nil
}

// GetRecord implements [Store].
func (m *MemStore) GetRecord(ctx context.Context, owner, id string) (Record, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.byID[id]
	if !ok || owner == "" || r.RoleOf(owner) == RoleUnknown {
		return Record{}, fmt.Errorf("record %q: %w", id, ErrNotFound)
	}
	return r.Clone(), nil
}

func (m *MemStore) matching(f Filter) ([]Record, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Record
	for _, r := range m.byID {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// ListRecords implements [Store].
func (m *MemStore) ListRecords(ctx context.Context, f Filter) ([]Record, error) {
	out, err := m.matching(f)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Record) int {
		if Newer(a, b) {
			return -1
		}
		return 1
	})
	if f.Offset >= len(out) {
		return []Record{}, nil
	}
	out = out[f.Offset:]
	out = out[:min(len(out), f.PageSize())]
	page := make([]Record, len(out))
	for i, r := range out {
		page[i] = r.Clone()
	}
	return page, nil
}

// CountRecords implements [Store].
func (m *MemStore) CountRecords(ctx context.Context, f Filter) (int, error) {
	out, err := m.matching(f)
	return len(out), err
}
