-- Users, their SIP digests and secrets, trunks, and the call log.
-- Times are INTEGER nanoseconds since the Unix epoch (UTC); NULL is "never".
-- Kept to SQL that PostgreSQL also accepts (TEXT, INTEGER/BIGINT, foreign
-- keys with ON DELETE CASCADE, plain indexes), except INTEGER which needs
-- BIGINT there.

CREATE TABLE users (
    extension               TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    email                   TEXT NOT NULL DEFAULT '',
    access                  TEXT NOT NULL,
    may_call_external       INTEGER NOT NULL DEFAULT 0,
    may_call_international  INTEGER NOT NULL DEFAULT 0,
    voicemail_enabled       INTEGER NOT NULL DEFAULT 0,
    portal_hash             TEXT NOT NULL DEFAULT '',
    portal_must_change      INTEGER NOT NULL DEFAULT 0,
    pin_hash                TEXT NOT NULL DEFAULT '',
    created_ns              INTEGER NOT NULL,
    updated_ns              INTEGER NOT NULL
);

-- One HA1 per (realm, user, algorithm): the registrar's lookup key.
CREATE TABLE sip_ha1 (
    realm      TEXT NOT NULL,
    extension  TEXT NOT NULL REFERENCES users (extension) ON DELETE CASCADE,
    algorithm  TEXT NOT NULL,
    ha1        TEXT NOT NULL,
    PRIMARY KEY (realm, extension, algorithm)
);
CREATE INDEX sip_ha1_extension ON sip_ha1 (extension);

CREATE TABLE trunks (
    name        TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    username    TEXT NOT NULL,
    password    TEXT NOT NULL,
    prefix      TEXT NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_ns  INTEGER NOT NULL,
    updated_ns  INTEGER NOT NULL
);

CREATE TABLE trunk_dids (
    trunk      TEXT NOT NULL REFERENCES trunks (name) ON DELETE CASCADE,
    did        TEXT NOT NULL,
    extension  TEXT NOT NULL,
    PRIMARY KEY (trunk, did)
);

CREATE TABLE calls (
    id           TEXT PRIMARY KEY,
    from_number  TEXT NOT NULL,
    from_name    TEXT NOT NULL,
    to_number    TEXT NOT NULL,
    to_name      TEXT NOT NULL,
    start_ns     INTEGER NOT NULL,
    answer_ns    INTEGER,
    end_ns       INTEGER,
    disposition  TEXT NOT NULL,
    direction    TEXT NOT NULL,
    call_type    TEXT NOT NULL,
    trunk        TEXT NOT NULL DEFAULT ''
);

-- Who may see a call. start_ns is copied from calls so that one index
-- serves "this owner's calls, newest first".
CREATE TABLE call_parties (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    extension  TEXT NOT NULL,
    role       TEXT NOT NULL,
    start_ns   INTEGER NOT NULL,
    PRIMARY KEY (call_id, extension)
);
CREATE INDEX call_parties_owner_time ON call_parties (extension, start_ns DESC, call_id DESC);

CREATE TABLE call_events (
    call_id  TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    at_ns    INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL,
    PRIMARY KEY (call_id, seq)
);
