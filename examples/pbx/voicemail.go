package main

import (
	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/sip"
)

// voicemailTarget is where call handling sends a call to ext's voicemail,
// reason choosing the greeting (busy, unavailable…).
//
// Voicemail wiring replaces this: until the voicemail package is wired
// into the PBX, a call that would go to voicemail ends with 480, or 486
// when it goes there because the line is busy, as callers heard before.
func (s *server) voicemailTarget(call *sip.Call, ext string, reason callhandling.VoicemailReason) (sip.Target, error) {
	if reason == callhandling.ReasonBusy {
		return sip.Target{}, sip.ErrBusy
	}
	return sip.Target{}, sip.ErrUnavailable
}
