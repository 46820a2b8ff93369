package account

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var fast = Argon2Params{Memory: 64, Time: 1}

func TestHashVerify(t *testing.T) {
	h, err := fast.Hash("s3cret pass", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("encoded hash %q lacks the PHC argon2id prefix", h)
	}
	for pw, want := range map[string]bool{"s3cret pass": true, "s3cret pas": false, "S3cret pass": false, "": false} {
		got, err := VerifyPassword(h, pw)
		if err != nil || got != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, got, err, want)
		}
	}
	h2, _ := fast.Hash("s3cret pass", nil)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt is not random")
	}
}

func TestDefaultParamsAreOWASP(t *testing.T) {
	h, err := Argon2Params{}.Hash("x", bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$") {
		t.Errorf("default hash = %q, want m=19456,t=2,p=1 and a 16-byte salt", h)
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, _ := fast.Hash("pw", nil)
	parts := strings.Split(good, "$")
	for _, enc := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$t=1,m=64,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=4294967295,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=064,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5] + "$",
	} {
		if ok, err := VerifyPassword(enc, "pw"); ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want ErrMalformedHash", enc, ok, err)
		}
	}
}

// FuzzDecodeArgon2 checks that any string the decoder accepts re-encodes to
// itself, and that nothing it accepts has parameters outside the bounds.
func FuzzDecodeArgon2(f *testing.F) {
	good, _ := fast.Hash("pw", nil)
	f.Add(good)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, enc string) {
		p, salt, key, err := decodeArgon2(enc)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v is not ErrMalformedHash", err)
			}
			return
		}
		if p.check() != nil {
			t.Fatalf("accepted out-of-bounds params %+v", p)
		}
		if again := encodeArgon2(p, salt, key); again != enc {
			t.Fatalf("decode→encode changed %q into %q", enc, again)
		}
	})
}

// BenchmarkVerifyPasswordOWASP measures one portal login's argon2id cost
// with the default (OWASP) parameters: m=19 MiB, t=2, p=1.
func BenchmarkVerifyPasswordOWASP(b *testing.B) {
	h, err := Argon2Params{}.Hash("correct horse battery", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := VerifyPassword(h, "correct horse battery"); !ok {
			b.Fatal("mismatch")
		}
	}
}
