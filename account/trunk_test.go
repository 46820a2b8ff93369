package account_test

import (
	"errors"
	"testing"

	"github.com/telekit/telekit/account"
)

func TestValidateHostPort(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"sip.provider.example:5060", true},
		{"sip.provider.example.:5061", true},
		{"192.0.2.10:5060", true},
		{"[2001:db8::1]:5060", true},
		{"localhost:5080", true},
		{"sip.provider.example", false},
		{"sip.provider.example:0", false},
		{"sip.provider.example:65536", false},
		{"sip.provider.example:05060", false},
		{"sip.provider.example:sip", false},
		{"bad_host:5060", false},
		{"-bad.example:5060", false},
		{"a..b:5060", false},
		{"999.1.1.1:5060", false},
		{"[sip.example]:5060", false},
		{"[fe80::1%eth0]:5060", false},
		{":5060", false},
		{"", false},
	}
	for _, tc := range tests {
		err := account.ValidateHostPort(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateHostPort(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
		var ve *account.ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Field != "Host") {
			t.Errorf("ValidateHostPort(%q) = %#v, want ValidationError on Host", tc.in, err)
		}
	}
}

func TestValidateDID(t *testing.T) {
	for did, ok := range map[string]bool{
		"+15550100": true, "15550100": true, "42": true, "+1234567890123456": false,
		"+": false, "1": false, "555-0100": false, "++15550100": false, "1555 0100": false,
	} {
		if err := account.ValidateDID(did); (err == nil) != ok {
			t.Errorf("ValidateDID(%q) = %v, want ok=%v", did, err, ok)
		}
	}
}
