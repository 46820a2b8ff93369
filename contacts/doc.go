// Package contacts keeps personal and business contacts and imports them
// from the CSV and vCard files people actually have: Outlook, Outlook.com and Google
// Contacts exports, FortiVoice-style six-column files, iCloud vCards.
//
// A Contact holds names, organization, five telephone numbers (home, work,
// mobile, fax, other) and which one is the main number, two e-mail
// addresses, an SMS address, home and work postal addresses, a
// description, a favorite flag and speed-dial slots. A personal contact
// has an Owner; a business contact has none. Contact.Validate returns a
// *ValidationError naming the field.
//
// Importing happens in three steps that mirror the portal's Import
// dialog. ReadCSV detects the encoding (UTF-8 with or without BOM, UTF-16
// with BOM as Outlook writes, else Windows-1252) and the dialect from the
// header row, or takes a manual Mapping, and returns every row with its
// line number; ragged rows carry an *ImportError. Preview compares the
// rows with the user's existing contacts, matching by number (through
// package phonenumber, so "(555) 123-4567" and "+1 555 123 4567" are the
// same) or by name, applies the match rule (Skip, Update, Replace,
// KeepBoth) and DeleteAllFirst, and returns a Plan: counts of new, updated,
// deleted and ignored contacts and one Detail per row with its reason.
// Commit applies exactly that plan through one Store.Apply call, which
// writes all of it or nothing, and refuses (ErrStale) when a contact
// changed after the preview. Cancel is dropping the Plan. Export writes
// Outlook-compatible CSV that ReadCSV reads back unchanged, with cells
// that spreadsheets would run as formulas escaped.
//
// ReadVCard reads vCard 3.0 and 4.0 files (iCloud, Google Contacts) into
// the same Rows, so they go through the same Preview and Commit, and
// ExportVCard writes them; IsVCard tells the two kinds of upload apart.
//
// CallerID indexes contacts' numbers for naming incoming calls: an exact
// match through phonenumber keys, then a match by the last digits, the
// called user's personal contacts before business ones, updated one
// contact at a time and without allocation per lookup. Directory searches
// extensions (given by the application), business contacts and a user's
// personal contacts by any field, ignoring case and accents and matching
// numbers in any format, and says which field matched and where.
//
// Store is the small interface the package needs; MemStore implements it
// in memory, package store over SQLite, and package contactstest holds the
// contract both pass. The package is pure: no SQL, no network, no
// goroutines; its functions are safe for concurrent use on distinct
// values, and CallerID and Directory are safe for concurrent use.
//
// Not here: the JSON API and portal pages (examples/pbx), vCard 2.1
// (quoted-printable, as old Android phones export), photos, birthdays and
// more than two e-mail addresses. Blocking a contact's number belongs to
// package callhandling.
package contacts
