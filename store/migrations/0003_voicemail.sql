-- Voicemail: mailbox settings, the message index and wrong-PIN state.
-- The audio lives in files under the data directory (package voicemail's
-- FS); a message row is written only after its file is durable, and
-- voicemail.Service.Recover rebuilds rows from the files.
-- Times and durations are INTEGER nanoseconds.

CREATE TABLE vm_mailboxes (
    id          TEXT PRIMARY KEY,
    settings    TEXT NOT NULL,          -- JSON of voicemail.Mailbox
    updated_ns  INTEGER NOT NULL
);

CREATE TABLE vm_messages (
    mailbox         TEXT NOT NULL REFERENCES vm_mailboxes (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    caller_number   TEXT NOT NULL,
    caller_name     TEXT NOT NULL,
    received_ns     INTEGER NOT NULL,
    duration_ns     INTEGER NOT NULL,
    folder          TEXT NOT NULL,      -- 'new' or 'old'
    urgent          INTEGER NOT NULL,
    forwarded_from  TEXT NOT NULL,
    audio           TEXT NOT NULL,
    PRIMARY KEY (mailbox, id)
);
-- Listing all, by folder, or urgent ones, in received order, and counting.
CREATE INDEX vm_messages_received ON vm_messages (mailbox, received_ns, id);
CREATE INDEX vm_messages_folder ON vm_messages (mailbox, folder, received_ns, id);
CREATE INDEX vm_messages_urgent ON vm_messages (mailbox, urgent, received_ns, id);
-- Counting for message-waiting indication without reading the rows.
CREATE INDEX vm_messages_counts ON vm_messages (mailbox, folder, urgent);

CREATE TABLE vm_pin_state (
    mailbox          TEXT PRIMARY KEY REFERENCES vm_mailboxes (id) ON DELETE CASCADE,
    failures         INTEGER NOT NULL,
    lockouts         INTEGER NOT NULL,
    locked_until_ns  INTEGER
);
