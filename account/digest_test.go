package account_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/account"
)

func TestComputeHA1(t *testing.T) {
	tests := []struct {
		alg                 account.Algorithm
		user, realm, secret string
		want                string
	}{
		// RFC 2617 section 3.5's example credentials.
		{account.MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", "939e7578ed9e3c518a452acee763bce9"},
		// Computed independently with Python's hashlib.
		{account.MD5, "101", "pbx.example", "correct horse", "437d153ccba7e3ea451696eef565e2aa"},
		{account.SHA256, "101", "pbx.example", "correct horse", "c34c53c639e6dd8d31942fd5a09b5bde7e3752623705fdd1c0e028bea7dff030"},
		{account.AlgorithmUnknown, "101", "pbx.example", "correct horse", ""},
	}
	for _, tc := range tests {
		if got := account.ComputeHA1(tc.alg, tc.user, tc.realm, tc.secret); got != tc.want {
			t.Errorf("ComputeHA1(%v, %q, %q) = %s, want %s", tc.alg, tc.user, tc.realm, got, tc.want)
		}
	}
}

func TestSIPHA1s(t *testing.T) {
	got, err := account.SIPHA1s("101", "correct horse", "pbx.example")
	if err != nil {
		t.Fatal(err)
	}
	want := []account.HA1{
		{Realm: "pbx.example", Algorithm: account.MD5, Digest: "437d153ccba7e3ea451696eef565e2aa"},
		{Realm: "pbx.example", Algorithm: account.SHA256, Digest: "c34c53c639e6dd8d31942fd5a09b5bde7e3752623705fdd1c0e028bea7dff030"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SIPHA1s mismatch (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		ext, secret string
		realms      []string
		field       string
	}{
		{"101", "short", []string{"r"}, "SIPSecret"},
		{"12345678", "12345678", []string{"r"}, "SIPSecret"},
		{"101", "tab\tinside", []string{"r"}, "SIPSecret"},
		{"1", "correct horse", []string{"r"}, "Extension"},
		{"101", "correct horse", nil, "Realm"},
		{"101", "correct horse", []string{`a"b`}, "Realm"},
	} {
		_, err := account.SIPHA1s(tc.ext, tc.secret, tc.realms...)
		var ve *account.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("SIPHA1s(%q, %q, %q) = %v, want ValidationError on %s", tc.ext, tc.secret, tc.realms, err, tc.field)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, alg := range []account.Algorithm{account.MD5, account.SHA256} {
		got, err := account.ParseAlgorithm(alg.String())
		if err != nil || got != alg {
			t.Errorf("ParseAlgorithm(%q) = %v, %v", alg.String(), got, err)
		}
	}
	if got, err := account.ParseAlgorithm("sha-256"); err != nil || got != account.SHA256 {
		t.Errorf("ParseAlgorithm is case-sensitive: %v, %v", got, err)
	}
	if _, err := account.ParseAlgorithm("MD5-sess"); err == nil {
		t.Error("ParseAlgorithm accepted MD5-sess")
	}
}
