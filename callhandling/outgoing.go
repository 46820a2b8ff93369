package callhandling

import "time"

// Outgoing is the verdict on a call the user places.
type Outgoing struct {
	// Allowed says the PBX may place the call.
	Allowed bool
	// Emergency says the dialled number is an emergency number, allowed
	// whatever the lock, DND or block lists say.
	Emergency bool
	// Prompt is what to play when the call is refused
	// ("ch-phone-is-locked"); "" when allowed.
	Prompt string
	// Reason says why the call is refused, for the call log.
	Reason string
}

// CheckOutgoing decides whether the user may place a call to dialled (as
// dialled, outside-line prefix and all). Emergency numbers of
// System.Plan always go out; a locked phone places no other call. Feature
// codes are not calls: the PBX parses them first and applies *11 even on a
// locked phone. It does not allocate for dialled strings without
// separators.
func CheckOutgoing(s *Settings, sys *System, dialled string, now time.Time) Outgoing {
	if sys.Plan.IsEmergency(dialled) {
		return Outgoing{Allowed: true, Emergency: true}
	}
	if s.Lock.Locked {
		return Outgoing{Prompt: "ch-phone-is-locked", Reason: "phone is locked"}
	}
	return Outgoing{Allowed: true}
}
