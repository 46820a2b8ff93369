package account

import (
	"context"
	"errors"
	"time"
)

// Secrets are the stored hashes of a user's portal password and voicemail
// PIN. The SIP secret is not here: it is read one HA1 at a time with
// [Store.HA1].
type Secrets struct {
	// PortalHash is the argon2id hash of the portal password; empty when
	// none was set (the user cannot log in to the portal).
	PortalHash string
	// MustChangePassword is true when the portal password was defaulted
	// (e.g. from the SIP secret) and must be changed at the next login.
	MustChangePassword bool
	// PINHash is the argon2id hash of the voicemail PIN; empty for none.
	PINHash string
}

// Store keeps users, their secrets and trunks. Implementations validate
// what they are given (User.Validate, Trunk.Validate, ValidateHA1s) and
// return a *[ValidationError] before writing anything; they return
// [ErrNotFound] and [ErrExists] (possibly wrapped) as documented. Every
// method is safe for concurrent use, and a write is visible to every later
// read, including reads through another Store opened on the same data.
type Store interface {
	// CreateUser adds u, with no secrets; ErrExists if the extension is
	// taken. Updated is set to Created when zero.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user with extension ext, or ErrNotFound.
	GetUser(ctx context.Context, ext string) (User, error)
	// ListUsers returns every user, ordered by extension.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser replaces the user with u.Extension, keeping its stored
	// Created time (and Updated, when u.Updated is zero) and its secrets;
	// ErrNotFound if absent.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes the user and all its secrets, or ErrNotFound.
	DeleteUser(ctx context.Context, ext string) error

	// SetSIPSecret replaces all the user's HA1 digests with ha1s (from
	// [SIPHA1s]) and sets Updated to now. The portal password is untouched.
	SetSIPSecret(ctx context.Context, ext string, ha1s []HA1, now time.Time) error
	// SetPortalPassword stores hash (from [HashPortalPassword]) and the
	// must-change flag and sets Updated to now. The HA1s are untouched.
	SetPortalPassword(ctx context.Context, ext, hash string, mustChange bool, now time.Time) error
	// SetPIN stores the voicemail PIN hash (from [HashPIN]) and sets
	// Updated to now.
	SetPIN(ctx context.Context, ext, hash string, now time.Time) error
	// HA1 returns the lower-case hex HA1 digest of username in realm for
	// alg, or ErrNotFound when the user, realm or algorithm has none. The
	// SIP registrar calls it on every authenticated request.
	HA1(ctx context.Context, realm, username string, alg Algorithm) (string, error)
	// GetSecrets returns the user's portal and PIN hashes, or ErrNotFound.
	GetSecrets(ctx context.Context, ext string) (Secrets, error)

	// CreateTrunk adds t; ErrExists if the name is taken.
	CreateTrunk(ctx context.Context, t Trunk) error
	// GetTrunk returns the trunk called name, or ErrNotFound.
	GetTrunk(ctx context.Context, name string) (Trunk, error)
	// ListTrunks returns every trunk, ordered by name.
	ListTrunks(ctx context.Context) ([]Trunk, error)
	// UpdateTrunk replaces the trunk with t.Name, keeping its Created time
	// (and Updated, when t.Updated is zero); ErrNotFound if absent.
	UpdateTrunk(ctx context.Context, t Trunk) error
	// DeleteTrunk removes the trunk called name, or ErrNotFound.
	DeleteTrunk(ctx context.Context, name string) error
}

// Authenticate checks a portal login: it returns the user and whether the
// password must be changed now, or [ErrBadCredentials] when the extension
// is unknown, has no portal password, or the password is wrong. All three
// cost one argon2id computation, so neither the answer nor its timing
// tells an unknown extension from a wrong password. Other errors are the
// store's. It does not rate-limit; the caller must.
func Authenticate(ctx context.Context, s Store, ext, password string) (u User, mustChange bool, err error) {
	sec, err := s.GetSecrets(ctx, ext)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, false, err
	}
	if !checkHash(sec.PortalHash, password) {
		return User{}, false, ErrBadCredentials
	}
	u, err = s.GetUser(ctx, ext)
	if errors.Is(err, ErrNotFound) { // deleted in between
		return User{}, false, ErrBadCredentials
	}
	if err != nil {
		return User{}, false, err
	}
	return u, sec.MustChangePassword, nil
}

// VerifyPIN checks a voicemail PIN for extension ext, returning nil when it
// matches and [ErrBadCredentials] otherwise (unknown extension, no PIN set,
// or wrong PIN), with the same cost in each case.
func VerifyPIN(ctx context.Context, s Store, ext, pin string) error {
	sec, err := s.GetSecrets(ctx, ext)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if !checkHash(sec.PINHash, pin) {
		return ErrBadCredentials
	}
	return nil
}

// checkHash verifies secret against encoded; with no usable hash it spends
// the same effort hashing with the default parameters and answers false.
func checkHash(encoded, secret string) bool {
	if encoded != "" {
		ok, err := VerifyPassword(encoded, secret)
		if err == nil {
			return ok
		}
	}
	_, _ = Argon2Params{}.Hash(secret, nil)
	return false
}
