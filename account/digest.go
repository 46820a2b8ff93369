package account

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
	"unicode"
)

// Algorithm is a SIP digest algorithm (RFC 8760). The zero value is
// AlgorithmUnknown.
type Algorithm int

// Digest algorithms.
const (
	AlgorithmUnknown Algorithm = iota
	// MD5 is RFC 2617's algorithm, the one every SIP phone speaks.
	MD5
	// SHA256 is RFC 8760's "SHA-256".
	SHA256
)

// algorithms lists the algorithms [SIPHA1s] computes, in order.
var algorithms = [...]Algorithm{MD5, SHA256}

// String returns the algorithm's name as written in a SIP
// WWW-Authenticate header: "MD5" or "SHA-256" ("unknown" otherwise).
func (a Algorithm) String() string {
	switch a {
	case MD5:
		return "MD5"
	case SHA256:
		return "SHA-256"
	}
	return "unknown"
}

// ParseAlgorithm parses a digest algorithm name, case-insensitively: "MD5"
// or "SHA-256". The -sess variants are not supported.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToUpper(s) {
	case "MD5":
		return MD5, nil
	case "SHA-256":
		return SHA256, nil
	}
	return AlgorithmUnknown, invalid("Algorithm", "%q is not a supported digest algorithm (want MD5 or SHA-256)", s)
}

func (a Algorithm) hash() hash.Hash {
	switch a {
	case MD5:
		return md5.New()
	case SHA256:
		return sha256.New()
	}
	return nil
}

// HA1 is one stored SIP credential: the digest H(username:realm:secret) for
// one realm and algorithm, as lower-case hex.
type HA1 struct {
	Realm     string
	Algorithm Algorithm
	// Digest is lower-case hex: 32 characters for MD5, 64 for SHA-256.
	Digest string
}

// ComputeHA1 returns H(username ":" realm ":" secret) in lower-case hex, the
// HA1 of RFC 2617 section 3.2.2.2 and RFC 8760. It returns "" for an
// unknown algorithm.
func ComputeHA1(alg Algorithm, username, realm, secret string) string {
	h := alg.hash()
	if h == nil {
		return ""
	}
	h.Write([]byte(username))
	h.Write([]byte{':'})
	h.Write([]byte(realm))
	h.Write([]byte{':'})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

// SIP secret limits, in bytes.
const (
	MinSIPSecretLen = 8
	MaxSIPSecretLen = 128
)

// ValidateSIPSecret checks a SIP secret for extension ext: at least
// [MinSIPSecretLen] bytes, at most [MaxSIPSecretLen], printable, and not
// the extension number itself. The error is a *[ValidationError].
func ValidateSIPSecret(ext, secret string) error {
	return validateSecret("SIPSecret", ext, secret)
}

func validateSecret(field, ext, secret string) error {
	if len(secret) < MinSIPSecretLen {
		return invalid(field, "must be at least %d characters", MinSIPSecretLen)
	}
	if len(secret) > MaxSIPSecretLen {
		return invalid(field, "must be at most %d characters", MaxSIPSecretLen)
	}
	for _, r := range secret {
		if !unicode.IsPrint(r) {
			return invalid(field, "contains a non-printable character")
		}
	}
	if secret == ext {
		return invalid(field, "must not be the extension number")
	}
	return nil
}

// SIPHA1s validates secret and returns the HA1 digests to store for
// extension ext: one per realm and per algorithm (MD5 and SHA-256), in
// realm order then algorithm order. At least one realm is required.
// The secret itself is not kept anywhere.
func SIPHA1s(ext, secret string, realms ...string) ([]HA1, error) {
	if err := ValidateExtension(ext); err != nil {
		return nil, err
	}
	if err := ValidateSIPSecret(ext, secret); err != nil {
		return nil, err
	}
	if len(realms) == 0 {
		return nil, invalid("Realm", "at least one realm is required")
	}
	out := make([]HA1, 0, len(realms)*len(algorithms))
	for _, realm := range realms {
		if err := validateRealm(realm); err != nil {
			return nil, err
		}
		for _, alg := range algorithms {
			out = append(out, HA1{Realm: realm, Algorithm: alg, Digest: ComputeHA1(alg, ext, realm, secret)})
		}
	}
	return out, nil
}

func validateRealm(realm string) error {
	if realm == "" || len(realm) > 255 {
		return invalid("Realm", "must be 1 to 255 bytes")
	}
	for _, r := range realm {
		if !unicode.IsPrint(r) || r == '"' || r == '\\' {
			return invalid("Realm", "%q contains a character not allowed in a quoted realm", realm)
		}
	}
	return nil
}

// ValidateHA1s checks digests before a [Store] persists them, as every
// Store's SetSIPSecret does: a known algorithm, a valid realm, a lower-case
// hex digest of the algorithm's length, and no realm and algorithm twice.
func ValidateHA1s(hs []HA1) error {
	type key struct {
		realm string
		alg   Algorithm
	}
	seen := make(map[key]bool, len(hs))
	for _, h := range hs {
		if err := validateRealm(h.Realm); err != nil {
			return err
		}
		want := 0
		switch h.Algorithm {
		case MD5:
			want = md5.Size * 2
		case SHA256:
			want = sha256.Size * 2
		default:
			return invalid("Algorithm", "unknown digest algorithm %d", int(h.Algorithm))
		}
		if len(h.Digest) != want || strings.ToLower(h.Digest) != h.Digest {
			return invalid("Digest", "%s HA1 must be %d lower-case hex digits", h.Algorithm, want)
		}
		if _, err := hex.DecodeString(h.Digest); err != nil {
			return invalid("Digest", "%s HA1 is not hex", h.Algorithm)
		}
		k := key{h.Realm, h.Algorithm}
		if seen[k] {
			return invalid("Realm", "duplicate %s HA1 for realm %q", h.Algorithm, h.Realm)
		}
		seen[k] = true
	}
	return nil
}
