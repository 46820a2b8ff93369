package sip

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// countingCredentials counts the lookups that reach the store.
type countingCredentials struct {
	MemCredentials
	n int
}

func (c *countingCredentials) HA1(ctx context.Context, realm, user string, alg Algorithm) (string, error) {
	c.n++
	return c.MemCredentials.HA1(ctx, realm, user, alg)
}

// TestCredentialsCache: an HA1 found serves until the TTL; unknown users
// are asked for every time, so one added meanwhile is found at once; a
// changed password shows after the TTL, or at once after Forget.
func TestCredentialsCache(t *testing.T) {
	ctx := context.Background()
	store := &countingCredentials{}
	store.Set("101", "one")
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := CacheCredentials(store, 2*time.Second, func() time.Time { return now })

	type step struct {
		User     string
		Password string // whose HA1 came back; "" for an error
		Unknown  bool
		Lookups  int // that reached the store so far
	}
	var got []step
	look := func(user string) {
		ha1, err := c.HA1(ctx, "pbx", user, MD5)
		s := step{User: user, Unknown: errors.Is(err, ErrUnknownUser), Lookups: store.n}
		for _, p := range []string{"one", "two", "three"} {
			if err == nil && ha1 == DigestHA1(MD5, user, "pbx", p) {
				s.Password = p
			}
		}
		got = append(got, s)
	}
	look("101")
	look("101") // cached
	look("102") // unknown
	store.Set("102", "one")
	look("102") // found at once
	store.Set("101", "two")
	now = now.Add(time.Second)
	look("101") // still the old one, within the TTL
	now = now.Add(time.Second)
	look("101") // expired: the new one
	store.Set("101", "three")
	c.Forget("101")
	look("101") // forgotten: the newest at once
	store.Delete("102")
	now = now.Add(2 * time.Second)
	look("102") // expired and gone
	want := []step{
		{"101", "one", false, 1},
		{"101", "one", false, 1},
		{"102", "", true, 2},
		{"102", "one", false, 3},
		{"101", "one", false, 3},
		{"101", "two", false, 4},
		{"101", "three", false, 5},
		{"102", "", true, 6},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookups mismatch (-want +got):\n%s", diff)
	}

	// A zero TTL caches nothing.
	store.n = 0
	off := CacheCredentials(store, 0, nil)
	for range 3 {
		if _, err := off.HA1(ctx, "pbx", "101", MD5); err != nil {
			t.Fatal(err)
		}
	}
	if store.n != 3 {
		t.Errorf("with no TTL the store saw %d lookups, want 3", store.n)
	}
}

// TestCredentialsCacheBounded: a flood of distinct users never grows the
// cache past its bound.
func TestCredentialsCacheBounded(t *testing.T) {
	ctx := context.Background()
	c := CacheCredentials(CredentialsFunc(func(_ context.Context, realm, user string, alg Algorithm) (string, error) {
		return DigestHA1(alg, user, realm, "x"), nil
	}), time.Hour, nil)
	for i := range credCacheMax + 10 {
		if _, err := c.HA1(ctx, "pbx", fmt.Sprint(i), MD5); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.entries); n > credCacheMax {
		t.Errorf("cache holds %d entries, bound %d", n, credCacheMax)
	}
}

func ExampleCacheCredentials() {
	store := &MemCredentials{}
	store.Set("101", "secret")
	creds := CacheCredentials(store, 2*time.Second, nil) // give it to AuthConfig.Credentials
	ha1, err := creds.HA1(context.Background(), "pbx.example", "101", MD5)
	fmt.Println(ha1 == DigestHA1(MD5, "101", "pbx.example", "secret"), err)
	// Output: true <nil>
}

func BenchmarkCredentialsCacheHit(b *testing.B) {
	ctx := context.Background()
	store := &MemCredentials{}
	store.Set("101", "secret")
	c := CacheCredentials(store, time.Hour, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.HA1(ctx, "pbx.example", "101", MD5); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAuthCachedSecretChanged: behind a CredentialsCache, a secret
// changed in another process (no Forget) works at once: the digest that
// does not match the cached HA1 makes DigestAuth read the store again.
// The old secret keeps working until the TTL; a wrong one still fails.
func TestAuthCachedSecretChanged(t *testing.T) {
	clock := newClock()
	store := &countingCredentials{}
	store.Set("101", "old")
	a, err := NewDigestAuth(AuthConfig{Realm: "pbx.test", Credentials: CacheCredentials(store, time.Minute, clock.Now), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	try := func(password string, cseq int) bool {
		tx := newRecTx()
		a.Authenticate(msg{cseq: cseq}.request(t), tx)
		ch := tx.last(t)
		m := msg{cseq: cseq + 1, auth: solve(t, ch, MD5, "101", password, "REGISTER", "sip:pbx.test", "00000001")}
		_, ok := a.Authenticate(m.request(t), newRecTx())
		return ok
	}
	type result struct {
		Password string
		OK       bool
		Lookups  int
	}
	var got []result
	for i, p := range []string{"old", "old", "CHANGE", "new", "new", "old", "guess"} {
		if p == "CHANGE" {
			store.Set("101", "new")
			continue
		}
		ok := try(p, 10*i+1)
		got = append(got, result{p, ok, store.n})
	}
	want := []result{
		{"old", true, 1},    // read once
		{"old", true, 1},    // cached
		{"new", true, 2},    // mismatch: read again, the new secret works at once
		{"new", true, 2},    // cached
		{"old", false, 3},   // the cache now holds the new HA1; the store agrees
		{"guess", false, 4}, // a wrong password reads the store once more, and fails
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
