-- Call handling: each user's callhandling.Settings as JSON (format says
-- which JSON layout, version counts the saves for optimistic updates), and
-- the one system-wide configuration row (numbering plan, blacklist,
-- schedules, default ring time) as JSON.
CREATE TABLE call_settings (
	extension  TEXT PRIMARY KEY REFERENCES users (extension) ON DELETE CASCADE,
	format     INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	settings   TEXT NOT NULL,
	updated_ns INTEGER NOT NULL
);
CREATE TABLE call_system (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	format     INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	config     TEXT NOT NULL,
	updated_ns INTEGER NOT NULL
);
