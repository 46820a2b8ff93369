// Package contacts keeps personal and business contacts and imports them
// from the CSV files people actually have: Outlook, Outlook.com and Google
// Contacts exports and FortiVoice-style six-column files.
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
// Store is the small interface the package needs; MemStore implements it
// in memory. The package is pure: no SQL, no network, no goroutines; its
// functions are safe for concurrent use on distinct values.
//
// Not built yet (issue 7): vCard import and export, the directory of
// extensions and business contacts with search and match highlighting,
// the caller-ID lookup index, an SQL Store (package store), the JSON API
// and portal pages, and the importcontacts example with a progress bar.
// Apple/iCloud contacts arrive as vCard and so are not read yet. Blocking
// a contact's number belongs to package callhandling.
package contacts
