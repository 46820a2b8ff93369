// Package prompt speaks to callers: a catalogue of recorded prompts, a
// phrase engine that turns numbers, digits, dates and times into sequences
// of prompts, and a player that says a phrase into an RTP session and stops
// when the caller presses a key.
//
// # How the pieces fit
//
// A Catalog finds a prompt by language, user and name ("en", "101",
// "vm-enter-pin") in three layers: the user's replacements (a recorded
// name), the system's (an uploaded company greeting), then the default set,
// and keeps each decoded sound in memory. The default set is embedded in
// the package (DefaultSounds): about 190 English prompts, 8 kHz mono µ-law
// WAV, made by espeak-ng and sox with `make prompts` (internal/gen) from the
// list in internal/texts, which is the source of truth: the voicemail menu
// (vm-*), call handling (ch-*), conference (conf-*) and park (park-*) use
// those names. Catalog.Text returns what each default prompt says.
//
// A Builder composes a Phrase — prompt names, pauses and sounds the caller
// holds — without I/O, using a Language for the rules of saying values:
// English says cardinals to 999,999,999, ordinals of the days of the month,
// digits with "star", "pound" and "plus", dates relative to now ("today",
// "yesterday", a weekday, "March fifth") and 12-hour times ("three oh five
// P M"), and picks singular or plural ("one new message", "three new
// messages"). Another language supplies its own Language and sound
// directory.
//
// A Player loads a phrase's sounds and plays them through an Output —
// normally a media.Player on the call's media.Session, which paces 20 ms
// frames and pads the last — checking at every frame for a key press from
// a channel the caller feeds (DigitSink turns media.DTMFReceiver or
// media.DTMFDetector reports into one). The first key stops the phrase
// (barge-in) and the Result says which key and how far it got. The caller
// owns the session and the key source, so a menu can keep reading keys
// between phrases.
//
// # What it does not do
//
// It does not synthesise speech at run time (the default set is generated
// ahead of time and committed), does not record (media.Recorder does),
// does not mix prompts into a conference (package conference does, with
// its own Output), and has no menu logic: voicemail and the PBX decide what
// to say and what a key means.
package prompt
