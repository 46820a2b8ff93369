// Package callhandling decides what happens to a user's calls, explains
// it in words, and lets users change it from their phone.
//
// # The call-rule engine
//
// [Settings] are one user's call handling as the portals of the project's
// seed manuals edit them, stored and sent as JSON unchanged: statuses
// (Normal, No answer, Busy, Do not disturb, Phone not connected, Block
// list, Voicemail, and the quick modes Out of office, Away, Other), each
// with the system default action or an ordered user-defined [Process] of
// [Rule] values (a schedule, the callers it applies to, an action);
// immediate, busy, no-answer, unavailable and selective forwarding with
// saved destinations; follow-me profiles; simple and scheduled twinning;
// do not disturb; the personal block list, anonymous and selective
// rejection; the quick mode and its expiry; the phone lock. A [System]
// holds what all users share: the numbering plan (which also lists the
// emergency numbers), the system blacklist, the default ring time, the
// named schedules, compiled once, and a [Lookup] of other users' settings.
// [Validate] checks settings against both and names every wrong field.
//
// A call is decided step by step, because busy, no answer and unavailable
// are known only after trying: [Plan] gives the first [Step] on INVITE
// (ring the phones and twins for N seconds, forward, follow-me leg k, play
// an announcement, hand to an auto attendant, voicemail with a reason,
// reject with a SIP code), and [Next] the following one for the [Outcome]
// the PBX saw, until a terminal step. Plan documents the order of
// decisions. Each step carries [Note] values, the call-flow lines the
// call log stores, rendered lazily by [Step.Flow]. Making a step does not
// allocate; a forwarding chain that would come back round (A→B→A, through
// the directory) goes to voicemail instead. [CheckOutgoing] says whether
// the user may place a call: a locked phone may not, an emergency number
// always may.
//
// [Explain] runs the engine itself for internal and external callers,
// with the phone free, busy and not connected, now and during or outside
// each schedule the settings name, and lists every service as active,
// inactive or overridden (and by what): the [Summary] the portal shows.
// [Summary.English] writes it as sentences: "Immediate forwarding to
// 0123 456 789 is on, so Follow Me and No-answer forwarding never run."
//
// [Apply] carries out a settings feature code (forwarding set and clear,
// DND, block list, quick modes, *11 lock) on the settings and names the
// prompt that confirms it.
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
// # What it does not do
//
// The package is pure: no I/O, no goroutines, no globals, no clock of its
// own. It does not carry out steps or call-control intents: the PBX rings,
// forwards, plays, parks, picks up and records, and stores the settings.
// Feature-code parsing does not check arguments against the directory;
// Apply does, for the codes it executes. It does not handle codes pressed
// as DTMF during a call. Schedules are system-wide and named (a user picks
// "business_hour"), not edited per user here; follow-me legs ring their
// numbers directly and do not follow the forwarding of an extension on
// the list. The system blacklist is the administrator's: *75 and *76 add
// to the user's personal block list. Emergency numbers never begin with
// '*' and are never feature codes.
//
// Settings and System are plain values: the functions only read them (Apply
// returns a changed copy and never modifies its input's slices), so they
// may be shared between goroutines as long as nobody modifies them. All
// feature-code tables are immutable after construction and safe for
// concurrent use.
package callhandling
