// Package telekit is a Go SDK of composable telephony packages, with
// example programs that wire them into a complete PBX, an end-user web
// portal and a browser softphone.
//
// Each package stands alone:
//
//	media         audio frames, G.711, RTP sessions, jitter buffer, DTMF,
//	              tones, WAV, MP3, player/recorder, two-party bridge
//	media/prompt  prompt catalogue and phrase engine
//	schedule      weekly windows, holidays, time zones
//	phonenumber   parsing and normalising numbers for matching
//	account       users, extensions, secrets, PIN policy
//	sip           registrar, digest auth, B2BUA calls, transfers, BLF/MWI
//	callhandling  the call-rule engine and its explained summary
//	voicemail     durable mailboxes, greetings, the telephone menu
//	contacts      contacts, CSV/vCard import and export, directory
//	fax           T.4/T.6, TIFF-F, T.30, T.38, audio fax
//	conference    the mixer, rooms, members
//	phonekeys     programmable keys
//	calllog       call detail records and call flows
//	store         SQLite and PostgreSQL implementations of the Stores
//
// Packages that exist today are listed in README.md; the others are being
// built in the order of the project's issues. examples/ holds the programs.
package telekit
