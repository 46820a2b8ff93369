package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters for portal passwords and
// voicemail PINs. The zero value means the OWASP recommendation (Password
// Storage Cheat Sheet): 19 MiB of memory, 2 passes, 1 lane, a 16-byte
// random salt and a 32-byte key. Each field left zero takes its default.
// Verification reads the parameters from the encoded hash, so they can be
// raised later without invalidating stored hashes.
type Argon2Params struct {
	// Memory is in KiB (default 19456, i.e. 19 MiB).
	Memory uint32
	// Time is the number of passes (default 2).
	Time uint32
	// Threads is the degree of parallelism (default 1).
	Threads uint8
	// SaltLen and KeyLen are in bytes (defaults 16 and 32).
	SaltLen, KeyLen uint32
}

// Bounds accepted when verifying an encoded hash, so that a corrupted row
// cannot make a login allocate gigabytes or loop for minutes.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 16
	maxArgonThreads = 16
)

func (p Argon2Params) withDefaults() Argon2Params {
	if p.Memory == 0 {
		p.Memory = 19 * 1024
	}
	if p.Time == 0 {
		p.Time = 2
	}
	if p.Threads == 0 {
		p.Threads = 1
	}
	if p.SaltLen == 0 {
		p.SaltLen = 16
	}
	if p.KeyLen == 0 {
		p.KeyLen = 32
	}
	return p
}

func (p Argon2Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgonMemory:
		return fmt.Errorf("memory %d KiB out of range", p.Memory)
	case p.Time < 1 || p.Time > maxArgonTime:
		return fmt.Errorf("time %d out of range", p.Time)
	case p.Threads < 1 || p.Threads > maxArgonThreads:
		return fmt.Errorf("threads %d out of range", p.Threads)
	case p.SaltLen < 8 || p.SaltLen > 64:
		return fmt.Errorf("salt length %d out of range", p.SaltLen)
	case p.KeyLen < 16 || p.KeyLen > 64:
		return fmt.Errorf("key length %d out of range", p.KeyLen)
	}
	return nil
}

// Hash returns password hashed with argon2id and a fresh salt read from
// random (crypto/rand.Reader when nil), encoded in the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// with salt and key in unpadded standard base64. It applies no password
// policy; see [HashPortalPassword] and [HashPIN].
func (p Argon2Params) Hash(password string, random io.Reader) (string, error) {
	p = p.withDefaults()
	if err := p.check(); err != nil {
		return "", fmt.Errorf("account: argon2id parameters: %w", err)
	}
	if random == nil {
		random = rand.Reader
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("account: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodeArgon2(p, salt, key), nil
}

func encodeArgon2(p Argon2Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ErrMalformedHash is returned by [VerifyPassword] for an encoded hash it
// cannot parse or whose parameters are out of the accepted bounds.
var ErrMalformedHash = errors.New("account: malformed password hash")

// decodeArgon2 parses a PHC argon2id string produced by Hash.
func decodeArgon2(encoded string) (p Argon2Params, salt, key []byte, err error) {
	bad := func(why string) (Argon2Params, []byte, []byte, error) {
		return Argon2Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not a $argon2id$ string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !ok || i >= len(want) || name != want[i] {
			return bad("parameters are not m=,t=,p=")
		}
		n, perr := strconv.ParseUint(val, 10, 32)
		if perr != nil || (val != "0" && val[0] == '0') {
			return bad("parameter " + name + " is not a number")
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return bad("parallelism out of range")
			}
			p.Threads = uint8(n)
		}
	}
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return bad("salt is not base64")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return bad("key is not base64")
	}
	// The decoder skips '\r' and '\n'; accept only the canonical form.
	if b64.EncodeToString(salt) != parts[4] || b64.EncodeToString(key) != parts[5] {
		return bad("salt or key is not canonical base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if cerr := p.check(); cerr != nil {
		return bad(cerr.Error())
	}
	return p, salt, key, nil
}

// ValidatePasswordHash checks that encoded is an argon2id hash that
// [VerifyPassword] accepts, as every [Store] does before persisting a
// portal or PIN hash, so a plain-text password can never be stored by
// mistake. The error is a *[ValidationError] on field "Hash".
func ValidatePasswordHash(encoded string) error {
	if _, _, _, err := decodeArgon2(encoded); err != nil {
		return invalid("Hash", "%v", err)
	}
	return nil
}

// VerifyPassword reports whether password matches encoded, a hash made by
// [Argon2Params.Hash], comparing in constant time. The error is non-nil
// only when encoded is malformed ([ErrMalformedHash]).
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeArgon2(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// ValidatePortalPassword checks a portal password for extension ext with
// the same rules as a SIP secret: at least [MinSIPSecretLen] bytes, at most
// [MaxSIPSecretLen], printable, not the extension number. The error is a
// *[ValidationError].
func ValidatePortalPassword(ext, password string) error {
	return validateSecret("PortalPassword", ext, password)
}

// HashPortalPassword validates password for extension ext
// ([ValidatePortalPassword]) and hashes it with p and a random salt, ready
// for [Store.SetPortalPassword].
func HashPortalPassword(ext, password string, p Argon2Params) (string, error) {
	if err := ValidatePortalPassword(ext, password); err != nil {
		return "", err
	}
	return p.Hash(password, nil)
}
