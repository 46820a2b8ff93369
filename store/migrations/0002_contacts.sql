-- Personal contacts (owner = the user's extension) and business contacts
-- (owner = ''), for contacts.Store. id orders contacts as they were added.
CREATE TABLE contacts (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	owner         TEXT NOT NULL,
	revision      INTEGER NOT NULL,
	first_name    TEXT NOT NULL,
	last_name     TEXT NOT NULL,
	nickname      TEXT NOT NULL,
	display_name  TEXT NOT NULL,
	job_title     TEXT NOT NULL,
	organization  TEXT NOT NULL,
	phone_home    TEXT NOT NULL,
	phone_work    TEXT NOT NULL,
	phone_mobile  TEXT NOT NULL,
	phone_fax     TEXT NOT NULL,
	phone_other   TEXT NOT NULL,
	main_phone    TEXT NOT NULL,
	email1        TEXT NOT NULL,
	email2        TEXT NOT NULL,
	sms           TEXT NOT NULL,
	home_street   TEXT NOT NULL,
	home_city     TEXT NOT NULL,
	home_region   TEXT NOT NULL,
	home_postal   TEXT NOT NULL,
	home_country  TEXT NOT NULL,
	work_street   TEXT NOT NULL,
	work_city     TEXT NOT NULL,
	work_region   TEXT NOT NULL,
	work_postal   TEXT NOT NULL,
	work_country  TEXT NOT NULL,
	description   TEXT NOT NULL,
	favorite      INTEGER NOT NULL,
	-- speed-dial slots as "slot:type" pairs separated by ';' ("2:mobile;5:home")
	speed_dial    TEXT NOT NULL
);
CREATE INDEX contacts_owner ON contacts (owner, id);
