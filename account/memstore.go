package account

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemStore is an in-memory [Store] for tests and examples. The zero value
// is empty and ready to use. Safe for concurrent use.
type MemStore struct {
	mu     sync.RWMutex
	users  map[string]memUser
	trunks map[string]Trunk
}

type memUser struct {
	u    User
	sec  Secrets
	ha1s []HA1
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

func notFound(what, key string) error { return fmt.Errorf("%s %q: %w", what, key, ErrNotFound) }

// CreateUser implements [Store].
func (m *MemStore) CreateUser(ctx context.Context, u User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.Updated.IsZero() {
		u.Updated = u.Created
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.Extension]; ok {
		return fmt.Errorf("user %q: %w", u.Extension, ErrExists)
	}
	if m.users == nil {
		m.users = make(map[string]memUser)
	}
	m.users[u.Extension] = memUser{u: u}
	return nil
}

// GetUser implements [Store].
func (m *MemStore) GetUser(ctx context.Context, ext string) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	mu, ok := m.users[ext]
	if !ok {
		return User{}, notFound("user", ext)
	}
	return mu.u, nil
}

// ListUsers implements [Store].
func (m *MemStore) ListUsers(ctx context.Context) ([]User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]User, 0, len(m.users))
	for _, mu := range m.users {
		out = append(out, mu.u)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Extension, b.Extension) })
	return out, nil
}

// UpdateUser implements [Store].
func (m *MemStore) UpdateUser(ctx context.Context, u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mu, ok := m.users[u.Extension]
	if !ok {
		return notFound("user", u.Extension)
	}
	u.Created = mu.u.Created
	if u.Updated.IsZero() {
		u.Updated = mu.u.Updated
	}
	if err := u.Validate(); err != nil {
		return err
	}
	mu.u = u
	m.users[u.Extension] = mu
	return nil
}

// DeleteUser implements [Store].
func (m *MemStore) DeleteUser(ctx context.Context, ext string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[ext]; !ok {
		return notFound("user", ext)
	}
	delete(m.users, ext)
	return nil
}

// update applies f to the user ext under the write lock and stamps Updated.
func (m *MemStore) update(ext string, now time.Time, f func(*memUser)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mu, ok := m.users[ext]
	if !ok {
		return notFound("user", ext)
	}
	f(&mu)
	mu.u.Updated = now
	m.users[ext] = mu
	return nil
}

// SetSIPSecret implements [Store].
func (m *MemStore) SetSIPSecret(ctx context.Context, ext string, ha1s []HA1, now time.Time) error {
	if err := ValidateHA1s(ha1s); err != nil {
		return err
	}
	return m.update(ext, now, func(mu *memUser) { mu.ha1s = slices.Clone(ha1s) })
}

// SetPortalPassword implements [Store].
func (m *MemStore) SetPortalPassword(ctx context.Context, ext, hash string, mustChange bool, now time.Time) error {
	if err := ValidatePasswordHash(hash); err != nil {
		return err
	}
	return m.update(ext, now, func(mu *memUser) {
		mu.sec.PortalHash, mu.sec.MustChangePassword = hash, mustChange
	})
}

// SetPIN implements [Store].
func (m *MemStore) SetPIN(ctx context.Context, ext, hash string, now time.Time) error {
	if err := ValidatePasswordHash(hash); err != nil {
		return err
	}
	return m.update(ext, now, func(mu *memUser) { mu.sec.PINHash = hash })
}

// HA1 implements [Store].
func (m *MemStore) HA1(ctx context.Context, realm, username string, alg Algorithm) (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, h := range m.users[username].ha1s {
		if h.Realm == realm && h.Algorithm == alg {
			return h.Digest, nil
		}
	}
	return "", notFound("credentials for", username)
}

// GetSecrets implements [Store].
func (m *MemStore) GetSecrets(ctx context.Context, ext string) (Secrets, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	mu, ok := m.users[ext]
	if !ok {
		return Secrets{}, notFound("user", ext)
	}
	return mu.sec, nil
}

// CreateTrunk implements [Store].
func (m *MemStore) CreateTrunk(ctx context.Context, t Trunk) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.Updated.IsZero() {
		t.Updated = t.Created
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.trunks[t.Name]; ok {
		return fmt.Errorf("trunk %q: %w", t.Name, ErrExists)
	}
	if m.trunks == nil {
		m.trunks = make(map[string]Trunk)
	}
	m.trunks[t.Name] = t.Clone()
	return nil
}

// GetTrunk implements [Store].
func (m *MemStore) GetTrunk(ctx context.Context, name string) (Trunk, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.trunks[name]
	if !ok {
		return Trunk{}, notFound("trunk", name)
	}
	return t.Clone(), nil
}

// ListTrunks implements [Store].
func (m *MemStore) ListTrunks(ctx context.Context) ([]Trunk, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Trunk, 0, len(m.trunks))
	for _, name := range slices.Sorted(maps.Keys(m.trunks)) {
		out = append(out, m.trunks[name].Clone())
	}
	return out, nil
}

// UpdateTrunk implements [Store].
func (m *MemStore) UpdateTrunk(ctx context.Context, t Trunk) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.trunks[t.Name]
	if !ok {
		return notFound("trunk", t.Name)
	}
	t.Created = old.Created
	if t.Updated.IsZero() {
		t.Updated = old.Updated
	}
	if err := t.Validate(); err != nil {
		return err
	}
	m.trunks[t.Name] = t.Clone()
	return nil
}

// DeleteTrunk implements [Store].
func (m *MemStore) DeleteTrunk(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.trunks[name]; !ok {
		return notFound("trunk", name)
	}
	delete(m.trunks, name)
	return nil
}
