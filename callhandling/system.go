package callhandling

import (
	"time"

	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
)

// System holds what is the same for every user of a PBX. The PBX builds it
// once from its configuration; the engine only reads it, so one System may
// serve any number of goroutines as long as nobody modifies it.
type System struct {
	// Plan is the numbering plan: it tells extensions from external
	// numbers, matches caller numbers, and lists the emergency numbers,
	// which are always allowed out.
	Plan phonenumber.Plan
	// Blacklist is the system blacklist: calls from these numbers are
	// rejected for every user. Extensions cannot be blacklisted.
	Blacklist []string
	// DefaultRingSeconds is the ring time of users who set none; 0 means
	// 30 seconds.
	DefaultRingSeconds int
	// Schedules are the named schedules rules, twinning and selective
	// services refer to (FortiVoice "business_hour"), compiled once.
	Schedules map[string]*schedule.Compiled
	// Location is the zone of "the end of the day" when a quick mode is
	// entered from the phone without an expiry; nil means UTC.
	Location *time.Location
	// Directory looks up other users' settings, to tell unknown
	// destinations and to stop forwarding loops; nil means destinations
	// are not checked and loops only through the user's own extension.
	Directory Lookup
}

// Lookup finds another user's settings by extension, such as the
// directory of a PBX. Implementations must be safe for the concurrency the
// PBX uses them with; the engine calls Settings at most MaxForwardHops
// times per decision.
type Lookup interface {
	// Settings returns the settings of extension ext and whether it exists.
	Settings(ext string) (Settings, bool)
}

// LookupFunc adapts a function to [Lookup].
type LookupFunc func(ext string) (Settings, bool)

// Settings calls f.
func (f LookupFunc) Settings(ext string) (Settings, bool) { return f(ext) }

// MapLookup is a [Lookup] over a map from extension to settings, for tests
// and small programs. Safe for concurrent reads.
type MapLookup map[string]Settings

// Settings returns m[ext].
func (m MapLookup) Settings(ext string) (Settings, bool) {
	s, ok := m[ext]
	return s, ok
}

// MaxForwardHops is how many forwarding hops the engine follows through
// the directory before it treats a chain as a loop.
const MaxForwardHops = 8

func (sys *System) ringSeconds() int {
	if sys.DefaultRingSeconds > 0 {
		return sys.DefaultRingSeconds
	}
	return 30
}

// active reports whether the named schedule is active at now; "" is
// always active, and an unknown name never is (Validate reports it).
func (sys *System) active(name string, now time.Time) bool {
	if name == "" {
		return true
	}
	c := sys.Schedules[name]
	return c != nil && c.ActiveAt(now)
}

// isExtension reports whether number is one of the plan's extensions.
func (sys *System) isExtension(number string) bool {
	n, err := phonenumber.Parse(sys.Plan, number, phonenumber.Dialled)
	return err == nil && n.Kind == phonenumber.Extension
}

// matchAny reports whether caller matches one of the numbers.
func (sys *System) matchAny(caller phonenumber.Number, numbers []string) bool {
	if caller.IsZero() {
		return false
	}
	for _, s := range numbers {
		n, err := phonenumber.Parse(sys.Plan, s, phonenumber.Dialled)
		if err != nil {
			continue
		}
		if phonenumber.Match(caller, n) || phonenumber.MatchSuffix(caller, n) {
			return true
		}
	}
	return false
}
