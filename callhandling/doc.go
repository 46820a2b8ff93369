// Package callhandling decides what happens to a user's calls and lets
// users change that from their phone.
//
// Today the package holds only the feature codes: the star codes a user
// dials from a phone ("*71803#" forwards all calls to 803, "*74" turns on
// do not disturb, "*721" enters the Out of office quick mode). The
// call-rule engine and its explanation, described below, are planned and
// not yet written.
//
// # Feature codes
//
// A [CodeTable] is the dialect a PBX speaks, built by [NewCodeTable] from
// [CodeDef] values: a code such as "*72", the [Action] it asks for, and the
// grammar of its argument ([ArgKind]: none, digits, a destination ending
// with '#', a password), which may be optional so the PBX asks for it with
// a prompt. [DefaultCodes] follows the CooVox, FortiVoice and VoipNow
// manuals; integrators change codes by editing the slice (an [Action] and
// an [ArgKind] read and write their names as text, so a table can live in
// a configuration file). NewCodeTable refuses a table in which one dialled
// string could mean two things, naming both codes and the string, so a
// mistake shows when the table is loaded, not when a user dials.
//
// [CodeTable.Parse] turns a dialled string into an [Intent] (an action
// and its argument digits) for the PBX to carry out, returns
// [ErrNotFeatureCode] for ordinary numbers, which the PBX routes as calls,
// and a *[CodeError] naming what the code expects when its argument is
// wrong. [CodeTable.MayContinue] tells a PBX collecting digits one at a
// time whether to wait for more. [CodeTable.Format] writes an intent back
// as the string to dial.
//
// # The call-rule engine (planned)
//
// A user's settings (statuses and their ordered, scheduled call processes;
// immediate, busy, no-answer, unavailable and selective forwarding;
// follow-me; twinning; do not disturb; block lists; quick modes; phone
// lock) will be decided step by step: Plan gives the first step of an
// incoming call, and Next the following one for the outcome that happened
// on the line (answered, busy, no answer, unavailable), because those are
// known only after trying. Explain will return a structured summary of how
// calls will be handled, naming which services are active, inactive or
// overridden and by what, with an English renderer. Time and the line's
// live state come in as arguments; schedules come from package schedule and
// numbers are compared with package phonenumber.
//
// # What it does not do
//
// The package is pure: no I/O, no goroutines, no globals, no clock of its
// own. It does not carry out intents: the PBX changes the settings, plays
// the confirmation, parks, picks up or records. It does not check
// arguments against the directory (whether a forwarding destination exists,
// whether a password is right, whether a number may be blocked), and it
// does not handle codes pressed as DTMF during a call: a parked-call
// transfer or in-call recording reaches it only when the phone dials the
// code as a number. Emergency numbers never begin with '*' and are never
// feature codes.
//
// All values are immutable after construction and safe for concurrent use.
package callhandling
