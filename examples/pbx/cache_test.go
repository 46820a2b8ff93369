package main

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/account"
)

// TestUserCache: a user read once serves lookups until the TTL; a user not
// found is asked for every time, so one added meanwhile is found at once;
// after the TTL a rename or a deletion shows.
func TestUserCache(t *testing.T) {
	ctx := context.Background()
	st := account.NewMemStore()
	if err := st.CreateUser(ctx, account.User{Extension: "101", Name: "Alice", Access: account.AccessUser, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	reads := 0
	get := func(ctx context.Context, ext string) (account.User, error) {
		reads++
		return st.GetUser(ctx, ext)
	}
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := newUserCache(get, 2*time.Second, func() time.Time { return now })

	type step struct {
		Ext   string
		Name  string
		OK    bool
		Reads int // store reads so far
	}
	var got []step
	look := func(ext string) {
		name, ok := c.lookup(ctx, ext)
		got = append(got, step{ext, name, ok, reads})
	}
	look("101")
	look("101") // cached
	look("102") // not found
	if err := st.CreateUser(ctx, account.User{Extension: "102", Name: "Bob", Access: account.AccessUser, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	look("102") // found at once
	u, _ := st.GetUser(ctx, "101")
	u.Name = "Alice B."
	if err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	look("101") // still the old name, within the TTL
	now = now.Add(time.Second)
	look("101") // expired: the new name
	if err := st.DeleteUser(ctx, "102"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Second)
	look("102") // expired and gone
	want := []step{
		{"101", "Alice", true, 1},
		{"101", "Alice", true, 1},
		{"102", "", false, 2},
		{"102", "Bob", true, 3},
		{"101", "Alice", true, 3},
		{"101", "Alice B.", true, 4},
		{"102", "", false, 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookups mismatch (-want +got):\n%s", diff)
	}
}
