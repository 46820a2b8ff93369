// Package phonenumber parses, normalises and matches telephone numbers as
// users dial them and as calls deliver them, so that block lists,
// selective forwarding, caller-ID lookup in contacts, call-log search and
// trunk DID routing all agree on when two strings are the same number.
//
// A [Plan] describes the PBX's numbering: its country calling code,
// national trunk prefix, international and outside-line prefixes,
// extension lengths and ranges, national number lengths and emergency
// numbers. The application builds one from its configuration and checks
// it with [Plan.Validate]; the package has no default plan and no global
// state.
//
// [Parse] reads a string under a plan, in a [Context]: [Dialled] by a user
// (who may put the outside-line prefix in front: "9 0612345678") or
// [Received] as caller ID, from a trunk or from an imported contact
// ("+33 6 12 34 56 78", "(555) 123-4567", "sip:+15551234567@host"). It
// returns a [Number] whose [Kind] says what it is (extension, national,
// international, emergency, service code, or digits the plan cannot
// place), with its country code when known, its digits and any extension
// written after it ("ext. 12"). Bad input gives a *[ParseError].
//
// [Match] says whether two numbers reach the same line and [Number.Key]
// gives the canonical string to index numbers by (E.164 when the country
// is known); [MatchSuffix] also matches a number received without country
// information by its last digits, as trunk DID routing does.
// [Number.E164], [Number.String], [Plan.National] and [Plan.Format] write
// numbers back out.
//
// Parse and Key run on every call, so they allocate at most once (not at
// all for caller ID that arrives as "+15551234567"); Match and
// [Number.AppendKey] never allocate.
//
// The package deliberately does not carry per-country metadata: it does
// not know which area codes exist, whether a number is a mobile, or how
// each country groups digits (Plan.Grouping is a single pattern for the
// plan's own country). It does not translate vanity numbers
// ("1-800-FLOWERS"), does not handle RFC 3966 phone-context or
// percent-encoded URI users, and does not decide call policy: the
// callhandling package decides what an emergency or blocked number means.
package phonenumber
