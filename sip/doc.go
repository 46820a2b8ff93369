// Package sip is telekit's signalling layer on github.com/emiago/sipgo:
// the registrar and location service, server-side digest authentication
// with a guessing defence, B2BUA call legs with anchored media, SDP offer
// and answer, and event subscriptions (MWI, busy lamps).
//
// sip knows nothing of voicemail, rules or accounts: the application fills
// its hooks — credentials lookup, call routing, call-state events — and
// composes the pieces on one sipgo server. examples/pbx is where that
// happens.
//
// In this package sipgo's message package is imported as gosip, to keep
// the name sip for ours.
package sip
