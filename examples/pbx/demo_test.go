package main

import (
	"testing"

	"github.com/telekit/telekit/account"
)

// TestRandomPIN: the demo extensions' PINs are six digits the PIN policy
// accepts, and not all the same.
func TestRandomPIN(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		pin := randomPIN("101")
		if len(pin) != 6 || account.ValidatePIN("101", pin) != nil {
			t.Fatalf("randomPIN gave %q", pin)
		}
		seen[pin] = true
	}
	if len(seen) < 450 {
		t.Errorf("only %d different PINs in 500", len(seen))
	}
}
