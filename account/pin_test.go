package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/telekit/telekit/account"
)

func TestValidatePIN(t *testing.T) {
	tests := []struct {
		pin  string
		want account.PINRule // PINRuleUnknown: accepted
	}{
		{"2580", 0},
		{"8901", 0}, // 9→0 does not wrap
		{"13579", 0},
		{"112233", 0},
		{"1231", 0},
		{"987654321098", 0},
		{"258", account.PINLength},
		{"1234567890123", account.PINLength},
		{"", account.PINLength},
		{"12a4", account.PINDigits},
		{"١٢٣٤", account.PINDigits}, // Arabic-Indic digits are not 0-9
		{"0000", account.PINSameDigit},
		{"999999999999", account.PINSameDigit},
		{"1234", account.PINSequence},
		{"0123456789", account.PINSequence},
		{"4321", account.PINSequence},
		{"9876543210", account.PINSequence},
		{"1212", account.PINRepeatedPattern},
		{"123123", account.PINRepeatedPattern},
		{"147147147", account.PINRepeatedPattern},
		{"56785678", account.PINRepeatedPattern},
		{"2741", 0},
	}
	for _, tc := range tests {
		var got account.PINRule
		var pe *account.PINError
		if err := account.ValidatePIN("4711", tc.pin); errors.As(err, &pe) {
			got = pe.Rule
		} else if err != nil {
			t.Errorf("ValidatePIN(%q) returned %T, want *PINError", tc.pin, err)
		}
		if got != tc.want {
			t.Errorf("ValidatePIN(%q) broke %v, want %v", tc.pin, got, tc.want)
		}
	}
}

func TestValidatePINExtension(t *testing.T) {
	for _, pin := range []string{"4711", "1174"} {
		var pe *account.PINError
		if err := account.ValidatePIN("4711", pin); !errors.As(err, &pe) || pe.Rule != account.PINExtension {
			t.Errorf("ValidatePIN(ext 4711, %q) = %v, want the extension rule", pin, err)
		}
	}
	if err := account.ValidatePIN("101", "4711"); err != nil {
		t.Errorf("a PIN unrelated to the extension was refused: %v", err)
	}
}

func TestPINErrorNeverContainsPIN(t *testing.T) {
	err := account.ValidatePIN("101", "5555")
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "5555") {
		t.Errorf("error %q reveals the PIN", err)
	}
}

func FuzzValidatePIN(f *testing.F) {
	for _, s := range []string{"2580", "1212", "0000", "1234", "4321", "12ab", "101"} {
		f.Add("101", s)
	}
	f.Fuzz(func(t *testing.T, ext, pin string) {
		err := account.ValidatePIN(ext, pin)
		if err == nil {
			// Invariant: an accepted PIN is 4-12 ASCII digits, not all
			// the same, and hashes.
			if len(pin) < 4 || len(pin) > 12 || pin == ext {
				t.Fatalf("accepted bad PIN %q for %q", pin, ext)
			}
			for i := range len(pin) {
				if pin[i] < '0' || pin[i] > '9' {
					t.Fatalf("accepted non-digit PIN %q", pin)
				}
			}
			return
		}
		var pe *account.PINError
		if !errors.As(err, &pe) || pe.Rule == account.PINRuleUnknown {
			t.Fatalf("ValidatePIN(%q) = %v, want a *PINError with a rule", pin, err)
		}
	})
}
