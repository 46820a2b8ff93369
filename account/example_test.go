package account_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/telekit/telekit/account"
)

// A new extension gets a SIP secret (kept only as HA1 digests) and a portal
// password defaulted from it, which must be changed at the first login.
func Example() {
	ctx := context.Background()
	s := account.NewMemStore()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	u := account.User{Extension: "101", Name: "Alice", Access: account.AccessUser, Created: now}
	if err := s.CreateUser(ctx, u); err != nil {
		fmt.Println(err)
		return
	}
	ha1s, err := account.SIPHA1s("101", "correct horse", "pbx.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.SetSIPSecret(ctx, "101", ha1s, now)
	hash, _ := account.HashPortalPassword("101", "correct horse", account.Argon2Params{})
	_ = s.SetPortalPassword(ctx, "101", hash, true, now)

	// The registrar looks up the digest on every REGISTER.
	ha1, _ := s.HA1(ctx, "pbx.example", "101", account.MD5)
	fmt.Println("HA1:", ha1)

	_, mustChange, err := account.Authenticate(ctx, s, "101", "correct horse")
	fmt.Println("portal login:", err, "must change:", mustChange)
	_, _, err = account.Authenticate(ctx, s, "999", "correct horse")
	fmt.Println("unknown user:", err)
	// Output:
	// HA1: 437d153ccba7e3ea451696eef565e2aa
	// portal login: <nil> must change: true
	// unknown user: account: wrong extension or password
}

func ExampleValidatePIN() {
	for _, pin := range []string{"1212", "4321", "101", "2580"} {
		err := account.ValidatePIN("101", pin)
		var pe *account.PINError
		if errors.As(err, &pe) {
			fmt.Printf("%s: refused (%v)\n", pin, pe.Rule)
			continue
		}
		fmt.Printf("%s: ok\n", pin)
	}
	// Output:
	// 1212: refused (repeated pattern)
	// 4321: refused (sequence)
	// 101: refused (length)
	// 2580: ok
}

func ExampleTrunk_Validate() {
	t := account.Trunk{
		Name: "provider", Host: "sip.provider.example", Username: "acct", Password: "pw",
		Created: time.Now(),
	}
	fmt.Println(t.Validate())
	// Output: account: invalid Host: "sip.provider.example" is not host:port
}
