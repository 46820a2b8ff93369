package main

import (
	"context"
	"sync"
	"time"

	"github.com/telekit/telekit/account"
)

// userCacheTTL is how long a user's name, once read, serves calls
// without reading the store again: a renamed extension shows its new name
// in call records, and a deleted one stops being routable, at most this
// long after the change. Extensions not found are never cached, so one
// added by `pbx ext add` (another process) rings at once.
const userCacheTTL = 2 * time.Second

// userCache keeps the extensions seen recently and their names, so that
// a call does not read the same user row from SQLite three or four times
// (routing, caller and callee names in the call record). Only users that
// exist are kept; an entry expires after ttl. Safe for concurrent use.
type userCache struct {
	get func(ctx context.Context, ext string) (account.User, error)
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	users map[string]cachedUser
}

type cachedUser struct {
	name string
	at   time.Time // when read from the store
}

// userCacheMax bounds the entries; past it expired ones are swept and, if
// that is not enough, everything is dropped (a burst of distinct numbers
// costs re-reads, never memory).
const userCacheMax = 100_000

func newUserCache(get func(ctx context.Context, ext string) (account.User, error), ttl time.Duration, now func() time.Time) *userCache {
	return &userCache{get: get, ttl: ttl, now: now, users: map[string]cachedUser{}}
}

// lookup returns ext's display name and whether ext is an extension.
func (c *userCache) lookup(ctx context.Context, ext string) (name string, ok bool) {
	now := c.now()
	c.mu.Lock()
	u, hit := c.users[ext]
	c.mu.Unlock()
	if hit && now.Sub(u.at) < c.ttl && now.Sub(u.at) >= 0 {
		return u.name, true
	}
	acct, err := c.get(ctx, ext)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.users, ext) // gone, or unreadable: ask again next time
		return "", false
	}
	if len(c.users) >= userCacheMax {
		for k, v := range c.users {
			if now.Sub(v.at) >= c.ttl {
				delete(c.users, k)
			}
		}
		if len(c.users) >= userCacheMax {
			clear(c.users)
		}
	}
	c.users[ext] = cachedUser{name: acct.Name, at: now}
	return acct.Name, true
}

// exists reports whether ext is an extension.
func (c *userCache) exists(ctx context.Context, ext string) bool {
	_, ok := c.lookup(ctx, ext)
	return ok
}

// name returns ext's display name, "" when ext is not an extension.
func (c *userCache) name(ctx context.Context, ext string) string {
	n, _ := c.lookup(ctx, ext)
	return n
}
