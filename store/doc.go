// Package store implements the domain packages' Store interfaces over SQL:
// today SQLite, embedded and pure Go (modernc.org/sqlite, no cgo), for
// [account.Store], [calllog.Store], [contacts.Store] and [voicemail.Store]
// (the voicemail index: the audio itself lives in files that voicemail
// writes durably, with their metadata inside, so the index can be rebuilt).
//
// [Open] creates or opens dir/telekit.db in WAL mode with synchronous=FULL
// (a write that returned is on disk), foreign keys on and a busy timeout,
// and applies the numbered migrations in migrations/ inside one
// transaction, recording each in schema_migrations; opening an up-to-date
// database changes nothing, and a database newer than the program is
// refused.
//
// Writes go through one connection with BEGIN IMMEDIATE transactions, so
// writers in this process queue instead of failing with SQLITE_BUSY;
// writers in other processes (the pbx CLI adding an extension while the
// server runs) wait up to the busy timeout. Reads use a separate pool of
// read-only connections and see every transaction committed before they
// began, in this process or another: credentials are read from the
// database on every request, never cached.
//
// Call-log filters are pushed down to SQL and served by an index on
// (owner, start time); search uses LIKE with the user's %, _ and \ escaped.
//
// The SQL sticks to what PostgreSQL also accepts where that costs nothing
// (TEXT and INTEGER columns, times as integer nanoseconds, LIMIT/OFFSET,
// LIKE … ESCAPE), so a PostgreSQL implementation can reuse the queries;
// it is not written yet. Audio and fax files do not live here.
package store
