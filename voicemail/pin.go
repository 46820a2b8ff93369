package voicemail

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// PINHasher turns PINs into stored hashes and checks them. A server with
// package account can adapt account.Argon2Params and account.VerifyPassword;
// Argon2PINHasher writes the same format.
type PINHasher interface {
	// HashPIN returns the hash to store for pin.
	HashPIN(pin string) (string, error)
	// VerifyPIN reports whether pin matches hash.
	VerifyPIN(hash, pin string) (bool, error)
}

// Argon2PINHasher hashes PINs with argon2id (19 MiB, 2 passes, 1 lane,
// 16-byte salt, 32-byte key: the OWASP recommendation) in the PHC string
// format ("$argon2id$v=19$m=19456,t=2,p=1$salt$key") that package account
// also reads and writes. Safe for concurrent use.
type Argon2PINHasher struct{}

const (
	argonMem, argonTime, argonThreads, argonSalt, argonKey = 19456, 2, 1, 16, 32
)

// HashPIN implements PINHasher.
func (Argon2PINHasher) HashPIN(pin string) (string, error) {
	salt := make([]byte, argonSalt)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMem, argonThreads, argonKey)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMem, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPIN implements PINHasher. It accepts the cost parameters written
// in the hash, within sane bounds.
func (Argon2PINHasher) VerifyPIN(hash, pin string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, errors.New("voicemail: malformed PIN hash")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m < 8 || m > 1<<21 || t < 1 || t > 16 || p < 1 {
		return false, errors.New("voicemail: malformed PIN hash parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) < 16 || len(key) > 64 {
		return false, errors.New("voicemail: malformed PIN hash encoding")
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// PIN length limits, in digits.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// DefaultCheckPIN is the PIN policy used when Config.CheckPIN is nil: 4 to
// 12 digits, not one digit repeated (1111), not a run up or down (1234,
// 4321), not the mailbox number or its reverse. It returns a *PINError.
// (Package account's ValidatePIN is stricter, refusing repeated groups
// such as 1212 too; a server passes that instead.)
func DefaultCheckPIN(mailbox, pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return &PINError{Reason: "a PIN has 4 to 12 digits"}
	}
	same, up, down := true, true, true
	for i := range len(pin) {
		if pin[i] < '0' || pin[i] > '9' {
			return &PINError{Reason: "a PIN has only the digits 0-9"}
		}
		if i > 0 {
			d := int(pin[i]) - int(pin[i-1])
			same, up, down = same && d == 0, up && d == 1, down && d == -1
		}
	}
	switch {
	case same:
		return &PINError{Reason: "one digit repeated is too easy to guess"}
	case up || down:
		return &PINError{Reason: "a run of consecutive digits is too easy to guess"}
	}
	rev := []byte(mailbox)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if pin == mailbox || pin == string(rev) {
		return &PINError{Reason: "the mailbox number is too easy to guess"}
	}
	return nil
}

// Lockout is the wrong-PIN policy: after MaxFailures wrong PINs in a row
// the mailbox locks for Base; each further lock (before a successful
// login) lasts twice as long as the one before, up to Max. Zero fields
// take the defaults: 5 failures, 1 minute, 24 hours.
type Lockout struct {
	MaxFailures int
	Base, Max   time.Duration
}

func (l Lockout) withDefaults() Lockout {
	if l.MaxFailures <= 0 {
		l.MaxFailures = 5
	}
	if l.Base <= 0 {
		l.Base = time.Minute
	}
	if l.Max <= 0 {
		l.Max = 24 * time.Hour
	}
	return l
}

// lockFor is how long the n-th lock (n ≥ 1) lasts.
func (l Lockout) lockFor(n int) time.Duration {
	d := l.Base
	for i := 1; i < n && d < l.Max; i++ {
		d *= 2
	}
	return min(d, l.Max)
}

// SetPIN checks pin against the PIN policy (Config.CheckPIN; the error is
// the policy's), stores its hash and clears any wrong-PIN lock: the way
// an administrator or the user in the portal unlocks a mailbox.
func (s *Service) SetPIN(ctx context.Context, mailbox, pin string) error {
	if err := s.checkPIN(mailbox, pin); err != nil {
		return err
	}
	h, err := s.hasher.HashPIN(pin)
	if err != nil {
		return fmt.Errorf("voicemail: hash PIN: %w", err)
	}
	mu := s.lock(mailbox)
	mu.Lock()
	defer mu.Unlock()
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return err
	}
	mb.PINHash = h
	if err := s.store.PutMailbox(ctx, mb); err != nil {
		return err
	}
	return s.store.PutPINState(ctx, mailbox, PINState{})
}

// Unlock clears a mailbox's wrong-PIN lock and failure count.
func (s *Service) Unlock(ctx context.Context, mailbox string) error {
	return s.store.PutPINState(ctx, mailbox, PINState{})
}

// Login checks pin for mailbox at time now. It returns nil on success
// (clearing the failure count), a *LockedError (errors.Is ErrLocked) while
// the mailbox is locked, whatever the PIN, or ErrWrongPIN, counting the
// failure and locking the mailbox when Lockout.MaxFailures is reached.
// The count and the lock are kept in the Store, so hanging up and calling
// again, or restarting the server, does not reset them. A mailbox without
// a PIN refuses every PIN.
func (s *Service) Login(ctx context.Context, mailbox, pin string, now time.Time) error {
	mb, err := s.store.GetMailbox(ctx, mailbox)
	if err != nil {
		return err
	}
	mu := s.lock(mailbox)
	mu.Lock()
	defer mu.Unlock()
	st, err := s.store.GetPINState(ctx, mailbox)
	if err != nil {
		return err
	}
	if now.Before(st.LockedUntil) {
		return &LockedError{Until: st.LockedUntil}
	}
	ok := false
	if mb.PINHash != "" {
		ok, err = s.hasher.VerifyPIN(mb.PINHash, pin)
		if err != nil {
			return err
		}
	}
	if ok {
		if st != (PINState{}) {
			return s.store.PutPINState(ctx, mailbox, PINState{})
		}
		return nil
	}
	st.Failures++
	var locked error
	if st.Failures >= s.lockout.MaxFailures {
		st.Failures = 0
		st.Lockouts++
		st.LockedUntil = now.Add(s.lockout.lockFor(st.Lockouts)).UTC()
		locked = &LockedError{Until: st.LockedUntil}
		s.log.Warn("voicemail: mailbox locked after wrong PINs", "mailbox", mailbox, "until", st.LockedUntil, "lockouts", st.Lockouts)
	}
	if err := s.store.PutPINState(ctx, mailbox, st); err != nil {
		return err
	}
	if locked != nil {
		return errors.Join(ErrWrongPIN, locked)
	}
	return ErrWrongPIN
}
