package store_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/store"
)

// Open a data directory, add an extension with a SIP secret, and look up
// the digest the registrar needs.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "telekit-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := store.Open(ctx, dir, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u := account.User{Extension: "101", Name: "Alice", Access: account.AccessUser, Created: now}
	if err := db.CreateUser(ctx, u); err != nil {
		fmt.Println(err)
		return
	}
	ha1s, _ := account.SIPHA1s("101", "correct horse", "pbx.example")
	if err := db.SetSIPSecret(ctx, "101", ha1s, now); err != nil {
		fmt.Println(err)
		return
	}
	ha1, err := db.HA1(ctx, "pbx.example", "101", account.SHA256)
	fmt.Println(ha1, err)
	// Output: c34c53c639e6dd8d31942fd5a09b5bde7e3752623705fdd1c0e028bea7dff030 <nil>
}
