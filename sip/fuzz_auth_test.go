package sip

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDigestParams checks that the Authorization parser never panics and
// that what it accepts survives a round trip: parse → format → parse gives
// the same scheme and parameters.
func FuzzDigestParams(f *testing.F) {
	for _, s := range []string{
		// Shapes real phones send (Yealink, Grandstream, Linphone, sipp, Zoiper).
		`Digest username="101",realm="pbx.test",nonce="AAECAwQFBgc",uri="sip:pbx.test",response="6629fae49393a05397450978507c4ef1",algorithm=MD5,cnonce="0a4f113b",qop=auth,nc=00000001`,
		`Digest username="101", realm="pbx.test", nonce="abc", uri="sip:pbx.test;transport=UDP", response="0", cnonce="x", nc=00000001, qop="auth", algorithm="MD5"`,
		`Digest  username = "101" , realm = "a, b" , qop=auth`,
		`digest USERNAME=101,REALM=pbx,NC=00000002`,
		`Digest username="a\"b\\c", realm=""`,
		`Digest ,, username="x",`,
		`Digest username="101", realm="pbx", algorithm=SHA-256, opaque="", userhash=false`,
		`Basic dXNlcjpwYXNz`,
		`Digest username="open`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, p, err := parseDigest(s)
		if err != nil {
			return
		}
		out := formatDigest(scheme, p)
		scheme2, p2, err := parseDigest(out)
		if err != nil {
			t.Fatalf("reparse of %q (from %q): %v", out, s, err)
		}
		if scheme2 != scheme {
			t.Fatalf("scheme %q became %q", scheme, scheme2)
		}
		if diff := cmp.Diff(p, p2); diff != "" {
			t.Fatalf("round trip of %q changed params (-first +second):\n%s", s, diff)
		}
	})
}
