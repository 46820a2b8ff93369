// Package account holds the users (extensions) and trunks of a PBX and the
// rules for their credentials.
//
// A [User] is an extension number with a display name, e-mail address, an
// [AccessLevel] and [Privileges]. Its secrets live beside it, never inside it:
//
//   - The SIP secret a phone registers with is kept only as HA1 digests
//     (RFC 2617 / RFC 8760: H(username ":" realm ":" secret)), one per realm
//     and [Algorithm] (MD5 and SHA-256), computed by [SIPHA1s]. A digest
//     server needs nothing else, and a leaked database does not reveal the
//     secret itself (though an HA1 is password-equivalent for its realm).
//   - The portal password is a separate argon2id hash ([HashPassword],
//     [VerifyPassword]) with a "must change at next login" flag, set when the
//     portal password was defaulted from the SIP secret. Changing one never
//     touches the other, so phones stay registered when a user changes the
//     portal password.
//   - The voicemail PIN is checked against the PIN policy ([ValidatePIN]) and
//     stored as an argon2id hash too.
//
// A [Trunk] is an upstream provider the PBX registers to. Its password must
// be stored retrievably (the PBX answers the provider's digest challenge
// with it), so whoever can read the store can read trunk passwords: protect
// the data directory accordingly.
//
// A [Store] keeps users, secrets and trunks. Its Set methods take hashes that
// this package computed, so a store only persists; [MemStore] is the
// in-memory implementation for tests and examples, and package store
// implements it over SQL. [Authenticate] and [VerifyPIN] check a login
// against a Store and give an unknown user exactly the answer a wrong
// password gets.
//
// The package is pure: no SQL, no network, no goroutines; time comes in as
// arguments. It does not decide how calls are routed, nor rate-limit logins
// (the portal and the SIP registrar do that).
package account
