// Package calllog keeps call detail records: who called whom, when, how it
// ended, and the call flow (the ordered decisions the PBX took), as the
// "Call History" pages of a phone portal show them.
//
// A [Record] is one call. It lists the extensions it belongs to as
// [Party] values, each a caller or a callee: a call from 101 to 102 is in
// both users' history, and a user sees only records where they are a
// party. Relative to one owner a record is exactly one of placed (the
// owner called), received (the owner was called and the call was answered
// or answered and transferred) or missed (the owner was called and it was
// not answered: no answer, busy, voicemail, rejected, cancelled, failed).
//
// A [Filter] selects an owner's records (the owner is required, so there
// is no unfiltered query), by [View] (missed, received, placed),
// [Direction], [Disposition], time range and search text, newest first,
// with paging. [WriteCSV] exports records for spreadsheets, guarding
// against formula injection.
//
// A [Store] keeps records; [MemStore] is in memory, package store
// implements it over SQL with the filters pushed down to indexed queries.
//
// The package is pure: no SQL, no network, no goroutines. It does not
// decide what goes into a record; the PBX writes one when a call ends.
package calllog
