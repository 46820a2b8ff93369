package sip

import (
	"context"
	"sync"
	"time"
)

// CredentialsCache is a Credentials that remembers the HA1s another
// Credentials found, each for a fixed time, so that a busy registrar does
// not read its store for every REGISTER and INVITE. Create it with
// CacheCredentials. Safe for concurrent use.
//
// Only HA1s found are kept: a user the store does not know (or an error)
// is asked again on every request, so an extension added by another
// process authenticates at once. A secret changed or a user deleted
// elsewhere is seen within the TTL, except that DigestAuth, on a response
// that does not match a cached HA1, reads the store again, so a new secret
// works at once (the old one keeps working until the TTL, or until the
// new one is first used); call Forget after a change made in
// this process to see it at once.
type CredentialsCache struct {
	next Credentials
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[credKey]credEntry
}

type credKey struct {
	realm, user string
	alg         Algorithm
}

type credEntry struct {
	ha1 string
	at  time.Time // when next returned it
}

// credCacheMax bounds the entries; past it expired entries are swept,
// and if that is not enough the cache starts over, so that a flood of
// distinct user names costs lookups, never memory.
const credCacheMax = 100_000

var _ Credentials = (*CredentialsCache)(nil)

// CacheCredentials wraps next with a cache that keeps each HA1 found for
// ttl. clock returns the current time; nil means time.Now. A ttl of zero
// or less keeps nothing: every lookup goes to next.
func CacheCredentials(next Credentials, ttl time.Duration, clock func() time.Time) *CredentialsCache {
	if clock == nil {
		clock = time.Now
	}
	return &CredentialsCache{next: next, ttl: ttl, now: clock, entries: map[credKey]credEntry{}}
}

// HA1 implements Credentials: from the cache when the entry is younger
// than the TTL, else from the wrapped Credentials.
func (c *CredentialsCache) HA1(ctx context.Context, realm, user string, alg Algorithm) (string, error) {
	if c.ttl <= 0 {
		return c.next.HA1(ctx, realm, user, alg)
	}
	k := credKey{realm, user, alg}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if age := now.Sub(e.at); ok && age >= 0 && age < c.ttl {
		return e.ha1, nil
	}
	ha1, err := c.next.HA1(ctx, realm, user, alg)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.entries, k)
		return "", err
	}
	c.store(k, ha1, now)
	return ha1, nil
}

// refresh reads user's HA1 from the wrapped Credentials whatever the
// cache holds, keeps it, and reports whether it differs from the cached
// one (true when nothing was cached).
func (c *CredentialsCache) refresh(ctx context.Context, realm, user string, alg Algorithm) (string, bool, error) {
	if c.ttl <= 0 {
		return "", false, nil // nothing cached: HA1 read the store already
	}
	k := credKey{realm, user, alg}
	ha1, err := c.next.HA1(ctx, realm, user, alg)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	old, had := c.entries[k]
	if err != nil {
		delete(c.entries, k)
		return "", false, err
	}
	c.store(k, ha1, now)
	return ha1, !had || old.ha1 != ha1, nil
}

// store keeps ha1 for k, read at now. Called with c.mu held.
func (c *CredentialsCache) store(k credKey, ha1 string, now time.Time) {
	if len(c.entries) >= credCacheMax {
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= credCacheMax {
			clear(c.entries)
		}
	}
	c.entries[k] = credEntry{ha1: ha1, at: now}
}

// Forget drops what the cache holds for user, in every realm and
// algorithm: call it after changing or deleting the user's secret in this
// process.
func (c *CredentialsCache) Forget(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if k.user == user {
			delete(c.entries, k)
		}
	}
}
