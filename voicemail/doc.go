// Package voicemail is telekit's voicemail: mailboxes with durable
// messages, greetings, PINs, message-waiting counts, and the telephone
// menus (leaving a message, and *60/*61 to listen) as state machines.
//
// A Service ties the pieces together. Its Store (MemStore here; SQLite in
// package store) keeps each Mailbox's settings, the index of Message
// values and the wrong-PIN state; its FS (OSFS on disk, or
// voicemailtest.MemFS in tests) keeps the audio as 8 kHz µ-law WAV files,
// one directory per mailbox.
//
// Durability. Begin starts a Deposit, a media.SampleWriter the PBX records
// the caller into. Commit writes the audio and the message's metadata (in
// a LIST/INFO chunk of the WAV file itself, so one rename publishes both)
// to a temporary file, fsyncs it, renames it into place, fsyncs the
// directory, and only then indexes it in the Store and tells the
// Notifier. A crash at any point leaves a whole message or none; Recover,
// run at start-up, deletes unfinished recordings, re-indexes messages
// whose row was lost and drops rows whose file was deleted. Deletes remove
// the file first, so a deleted message never comes back. A recording
// shorter than Quota.MinLength leaves nothing (ErrTooShort); a full
// mailbox refuses at Begin (ErrMailboxFull), never after the caller spoke.
//
// Greetings. Greetings.For picks standard, simple, scheduled (a
// schedule.Schedule), conditional (busy / unavailable) or temporary (with
// an optional expiry) by a documented precedence; the recorded name
// replaces the number in the standard greeting. Greetings are recorded by
// phone (BeginRecording, SaveGreeting) or uploaded
// (SetGreetingFromUpload: WAV or MP3 by content, at most 10 MB, converted
// with media.DecodeAudio; refusals are *UploadError).
//
// PINs are checked by a policy the application passes in (package
// account's ValidatePIN fits; DefaultCheckPIN otherwise) and hashed with
// argon2id; wrong PINs lock the mailbox with doubling back-off, kept in the
// Store so that neither hanging up nor a restart resets it.
//
// Menus. Menu (*60/*61) and DepositCall are pure state machines: the
// application feeds them Input events (digits, "played", "recorded",
// timeouts, hang-up) and performs the Action they return (play a sequence
// of Items, record into a Deposit, hang up, call back, transfer). They use
// only the prompt names PromptNames lists.
//
// Notifications go through the Notifier hook: MessageArrived for every
// new message with the mailbox's email and auto-forward choices, and
// CountsChanged on every change of the counts (for message-summary
// NOTIFY). The hook is called after the change is durable.
//
// What it does not do: SIP, RTP, playing or detecting tones, rendering
// prompts (the application does, with packages sip, media and
// media/prompt), sending email, or deciding when a call goes to
// voicemail (package callhandling).
package voicemail
