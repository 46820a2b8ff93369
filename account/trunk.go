package account

import (
	"maps"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Trunk is an upstream SIP provider the PBX registers to and sends external
// calls through.
//
// Password is stored retrievably (in plain text in the store): the PBX is
// the client here and must answer the provider's digest challenge, which
// needs the password or an HA1 for a realm only the provider knows. Anyone
// who can read the data directory can therefore read trunk passwords.
type Trunk struct {
	// Name identifies the trunk: 1 to 64 letters, digits, '.', '_' or '-'.
	Name string
	// Host is the provider's "host:port"; host is a DNS name or an IP
	// address (IPv6 in brackets).
	Host string
	// Username and Password are the credentials the provider issued.
	Username, Password string
	// Prefix is the dial prefix that selects this trunk, e.g. "9" (0 to 4
	// digits; empty means no prefix). The PBX strips it before dialling out.
	Prefix string
	// DIDs maps each number the provider routes to us (digits, optionally
	// with a leading '+') to the extension that answers it.
	DIDs map[string]string
	// Enabled is false for a trunk that is configured but not used.
	Enabled bool
	// Created and Updated are set by the caller, as for [User].
	Created, Updated time.Time
}

// Clone returns a copy of t that shares no map with it. An empty DIDs map
// becomes nil, as stores return it.
func (t Trunk) Clone() Trunk {
	if len(t.DIDs) == 0 {
		t.DIDs = nil
	} else {
		t.DIDs = maps.Clone(t.DIDs)
	}
	return t
}

// Limits on trunk fields.
const (
	MaxTrunkNameLen = 64
	MaxPrefixLen    = 4
	MaxDIDLen       = 16 // '+' and 15 digits, the E.164 maximum
)

// Validate checks every field of t and returns the first problem as a
// *[ValidationError].
func (t Trunk) Validate() error {
	if t.Name == "" || len(t.Name) > MaxTrunkNameLen {
		return invalid("Name", "must be 1 to %d characters", MaxTrunkNameLen)
	}
	for _, r := range t.Name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return invalid("Name", "%q may contain only letters, digits, '.', '_' and '-'", t.Name)
		}
	}
	if err := ValidateHostPort(t.Host); err != nil {
		return err
	}
	if t.Username == "" || len(t.Username) > 128 || strings.ContainsAny(t.Username, "\"\\\r\n") {
		return invalid("Username", "must be 1 to 128 characters without quotes, backslashes or line breaks")
	}
	if t.Password == "" || len(t.Password) > MaxSIPSecretLen || strings.ContainsAny(t.Password, "\r\n") {
		return invalid("Password", "must be 1 to %d characters without line breaks", MaxSIPSecretLen)
	}
	if len(t.Prefix) > MaxPrefixLen || !allDigits(t.Prefix) {
		return invalid("Prefix", "%q must be 0 to %d digits", t.Prefix, MaxPrefixLen)
	}
	for did, ext := range t.DIDs {
		if err := ValidateDID(did); err != nil {
			return err
		}
		if err := ValidateExtension(ext); err != nil {
			return invalid("DIDs", "DID %s maps to an invalid extension %q", did, ext)
		}
	}
	if t.Created.IsZero() {
		return invalid("Created", "must be set")
	}
	return nil
}

// ValidateDID checks a DID number: 2 to 15 digits, optionally preceded by
// '+'. The error is a *[ValidationError].
func ValidateDID(did string) error {
	digits := strings.TrimPrefix(did, "+")
	if len(digits) < 2 || len(digits) > MaxDIDLen-1 || !allDigits(digits) {
		return invalid("DIDs", "%q must be 2 to 15 digits, optionally after a '+'", did)
	}
	return nil
}

// ValidateHostPort checks "host:port": host a DNS name (letters, digits,
// '-' and '.', labels of 1 to 63 characters, 253 at most in all) or an IP
// address, port 1 to 65535. The error is a *[ValidationError].
func ValidateHostPort(hostport string) error {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return invalid("Host", "%q is not host:port", hostport)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return invalid("Host", "port %q must be a number from 1 to 65535", port)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		if strings.Contains(host, "%") {
			return invalid("Host", "%q: a zoned IPv6 address is not allowed", host)
		}
		return nil
	}
	if strings.Contains(hostport, "[") {
		return invalid("Host", "%q is not an IP address", host)
	}
	if !validHostname(host) {
		return invalid("Host", "%q is neither an IP address nor a host name", host)
	}
	return nil
}

func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	// A name made only of digits and dots is a malformed IPv4 address.
	return strings.Trim(h, "0123456789.") != ""
}
