package account

// PIN length limits, in digits.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// PINRule names the rule of the voicemail PIN policy that a PIN broke.
type PINRule int

// The PIN policy, checked by [ValidatePIN] in this order.
const (
	PINRuleUnknown PINRule = iota
	// PINLength: a PIN has 4 to 12 characters.
	PINLength
	// PINDigits: a PIN has only the digits 0-9.
	PINDigits
	// PINSameDigit: not all digits the same (0000, 99999).
	PINSameDigit
	// PINSequence: not a run where each digit is one more, or each one
	// less, than the one before (1234, 6789, 4321, 3210); 9 and 0 do not
	// wrap, so 8901 is allowed.
	PINSequence
	// PINRepeatedPattern: not a shorter group of digits repeated
	// (1212, 123123, 147147).
	PINRepeatedPattern
	// PINExtension: not the extension number, nor the extension reversed.
	PINExtension
)

// String returns a short name of the rule, e.g. "same digit".
func (r PINRule) String() string {
	switch r {
	case PINLength:
		return "length"
	case PINDigits:
		return "digits only"
	case PINSameDigit:
		return "same digit"
	case PINSequence:
		return "sequence"
	case PINRepeatedPattern:
		return "repeated pattern"
	case PINExtension:
		return "extension number"
	}
	return "unknown"
}

// PINError says which rule of the PIN policy a PIN broke. [ValidatePIN]
// returns it; callers get it via [errors.As]. It never contains the PIN.
type PINError struct {
	Rule PINRule
}

// Error implements error, in words a user can act on.
func (e *PINError) Error() string {
	switch e.Rule {
	case PINLength:
		return "account: PIN must be 4 to 12 digits long"
	case PINDigits:
		return "account: PIN must contain only the digits 0-9"
	case PINSameDigit:
		return "account: PIN must not be one digit repeated, like 1111"
	case PINSequence:
		return "account: PIN must not be a run of consecutive digits, like 1234 or 4321"
	case PINRepeatedPattern:
		return "account: PIN must not repeat a group of digits, like 1212 or 123123"
	case PINExtension:
		return "account: PIN must not be your extension number"
	}
	return "account: PIN not allowed"
}

// ValidatePIN checks a voicemail PIN for extension ext against the PIN
// policy (see [PINRule] for each rule) and returns a *[PINError] naming the
// first rule broken, or nil.
func ValidatePIN(ext, pin string) error {
	fail := func(r PINRule) error { return &PINError{Rule: r} }
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return fail(PINLength)
	}
	if !allDigits(pin) {
		return fail(PINDigits)
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	if same {
		return fail(PINSameDigit)
	}
	if up || down {
		return fail(PINSequence)
	}
	for n := 2; n <= len(pin)/2; n++ {
		if len(pin)%n == 0 && repeats(pin, n) {
			return fail(PINRepeatedPattern)
		}
	}
	if pin == ext || pin == reverse(ext) {
		return fail(PINExtension)
	}
	return nil
}

// repeats reports whether s is its first n bytes repeated.
func repeats(s string, n int) bool {
	for i := n; i < len(s); i++ {
		if s[i] != s[i-n] {
			return false
		}
	}
	return true
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// HashPIN validates pin for extension ext ([ValidatePIN]) and hashes it
// with p and a random salt, ready for [Store.SetPIN].
func HashPIN(ext, pin string, p Argon2Params) (string, error) {
	if err := ValidatePIN(ext, pin); err != nil {
		return "", err
	}
	return p.Hash(pin, nil)
}
