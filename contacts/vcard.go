package contacts

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
)

// VCard versions ExportVCard writes.
const (
	VCard3 = "3.0" // RFC 2426, what iCloud and Google Contacts export
	VCard4 = "4.0" // RFC 6350
)

// Limits of ReadVCard, used when ReadOptions leaves them zero: MaxBytes and
// MaxRows are shared with ReadCSV; a card may have at most
// DefaultMaxCardLines properties.
const DefaultMaxCardLines = 1000

// Properties of our own that carry what vCard has no property for; other
// programs ignore them and ReadVCard reads them back.
const (
	propFavorite  = "X-TELEKIT-FAVORITE"  // "1"
	propSpeedDial = "X-TELEKIT-SPEEDDIAL" // "2:mobile;5:home", as the CSV column
	propSMS       = "X-TELEKIT-SMS"
)

// IsVCard reports whether b, as DecodeText reads it, starts with a
// BEGIN:VCARD line (after blank lines), so callers can pick ReadVCard or
// ReadCSV for an uploaded file.
func IsVCard(b []byte) bool {
	text, _ := DecodeText(b[:min(len(b), 512)])
	text = strings.TrimLeft(text, " \t\r\n")
	return len(text) >= 11 && strings.EqualFold(text[:11], "BEGIN:VCARD")
}

// ReadVCard reads a vCard file (version 3.0 as iCloud and Google Contacts
// export, or 4.0) holding any number of cards, and returns one Row per
// card with the line its BEGIN:VCARD is on. The encoding is detected as
// for ReadCSV (vCard 3.0 and 4.0 are UTF-8; a BOM or UTF-16 is accepted).
// A card that cannot be parsed becomes a Row with an *ImportError and the
// others are still read; text outside cards is ignored. The File's Dialect
// is DialectVCard; Mapping and SkipFirstLine are ignored.
//
// Mapping from vCard: N gives the first and last name, FN the display name
// when it differs from them, NICKNAME, ORG (its first component), TITLE,
// NOTE; TEL by TYPE (cell, home, work, fax, main, or any other as the
// "other" number), the TEL with TYPE=pref (3.0) or PREF=1 (4.0) is the
// main number, else the first of mobile, work, home, other, fax; the
// first two EMAILs; ADR of TYPE home and work. Apple's "item1." groups
// and X-ABLabel are read: a TEL whose only type is its label ("Mobile",
// Apple's "_$!<Mobile>!$_", "Work", "Home", "Main", fax labels) gets that
// type, any other label makes it the other number. Google's CATEGORIES
// "starred" sets Favorite. Properties vCard lacks
// (favorite, speed dial, SMS address) are X-TELEKIT- properties that
// ExportVCard writes. Version 2.1, as Android exports it, is read too:
// bare type parameters ("TEL;CELL:") and QUOTED-PRINTABLE values with
// their CHARSET.
func ReadVCard(r io.Reader, opts ReadOptions) (*File, error) {
	maxBytes := orDefault(opts.MaxBytes, DefaultMaxBytes)
	maxRows := orDefault(opts.MaxRows, DefaultMaxRows)
	raw, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("import contacts: %w", err)
	}
	if len(raw) > maxBytes {
		return nil, &ImportError{Reason: fmt.Sprintf("file is larger than %d bytes", maxBytes)}
	}
	text, enc := DecodeText(raw)
	f := &File{Encoding: enc, Dialect: DialectVCard}
	cards := splitCards(text)
	if len(cards) == 0 {
		return nil, &ImportError{Line: 1, Reason: "no BEGIN:VCARD in the file"}
	}
	if len(cards) > maxRows {
		return nil, &ImportError{Line: cards[maxRows].line, Reason: fmt.Sprintf("more than %d cards", maxRows)}
	}
	for i, c := range cards {
		row := Row{Number: i + 1, Line: c.line}
		if c.lines > DefaultMaxCardLines {
			row.Err = &ImportError{Line: c.line, Reason: fmt.Sprintf("card has more than %d lines", DefaultMaxCardLines)}
			f.Rows = append(f.Rows, row)
			continue
		}
		card, err := vcard.NewDecoder(strings.NewReader(fromV21(c.text))).Decode()
		if err != nil {
			row.Err = &ImportError{Line: c.line, Reason: strings.TrimPrefix(err.Error(), "vcard: ")}
		} else {
			row.Contact = fromCard(card)
			row.Contact.Owner = opts.Owner
		}
		f.Rows = append(f.Rows, row)
	}
	return f, nil
}

// rawCard is the text of one card, BEGIN to END, and the line it starts on.
type rawCard struct {
	text  string
	line  int
	lines int
}

// splitCards cuts text into cards at BEGIN:VCARD lines, so that one
// broken card does not hide the others and each card knows its line.
func splitCards(text string) []rawCard {
	var out []rawCard
	var cur *rawCard
	var b strings.Builder
	line := 0
	for len(text) > 0 {
		line++
		l, rest, _ := strings.Cut(text, "\n")
		text = rest
		t := strings.TrimRight(l, "\r")
		switch {
		case len(t) >= 11 && strings.EqualFold(t[:11], "BEGIN:VCARD"):
			if cur != nil { // a card without END: keep what it has
				cur.text = b.String()
				out = append(out, *cur)
			}
			b.Reset()
			cur = &rawCard{line: line}
		case cur == nil:
			continue // text before the first card
		}
		b.WriteString(t)
		b.WriteString("\r\n")
		cur.lines++
		if len(t) >= 9 && strings.EqualFold(strings.TrimSpace(t), "END:VCARD") {
			cur.text = b.String()
			out = append(out, *cur)
			cur = nil
			b.Reset()
		}
	}
	if cur != nil {
		cur.text = b.String()
		out = append(out, *cur)
	}
	return out
}

// unescapeText finishes the unescaping go-vcard leaves undone in a text
// value: "\;" and "\N" (it already turned "\\", "\n" and "\," into their
// characters); a stray CR becomes a line break and the value is trimmed,
// as ReadCSV does.
func unescapeText(s string) string {
	if strings.IndexByte(s, '\\') >= 0 {
		s = textUnescaper.Replace(s)
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(s)
}

var textUnescaper = strings.NewReplacer(`\;`, ";", `\N`, "\n")

// components splits a structured value (N, ADR, ORG) at the semicolons
// not escaped with a backslash, and unescapes each component.
func components(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == ';' {
			out = append(out, unescapeText(s[start:i]))
			start = i + 1
		}
	}
	return append(out, unescapeText(s[start:]))
}

func component(c []string, i int) string {
	if i < len(c) {
		return c[i]
	}
	return ""
}

// abLabelText returns the X-ABLabel of f's group ("item1."), as Apple and
// Google write a number's label that TYPE cannot say, with Apple's
// "_$!<Mobile>!$_" wrapping removed; "" when there is none.
func abLabelText(card vcard.Card, f *vcard.Field) string {
	if f.Group == "" {
		return ""
	}
	for _, l := range card["X-ABLABEL"] {
		if strings.EqualFold(l.Group, f.Group) {
			s := strings.TrimSpace(l.Value)
			s = strings.TrimSuffix(strings.TrimPrefix(s, "_$!<"), ">!$_")
			return s
		}
	}
	return ""
}

// abLabel maps the X-ABLabel of a TEL without a TYPE it names to a phone
// type, PhoneUnknown when there is no label, it is "Main", or the TEL
// has a type (then TYPE decides).
func abLabel(card vcard.Card, f *vcard.Field) PhoneType {
	if len(f.Params[vcard.ParamType]) > 0 && !(len(f.Params[vcard.ParamType]) == 1 && isPref(f)) {
		return PhoneUnknown
	}
	switch l := strings.ToLower(strings.ReplaceAll(abLabelText(card, f), " ", "")); l {
	case "":
		return PhoneUnknown
	case "mobile", "cell", "iphone":
		return PhoneMobile
	case "home":
		return PhoneHome
	case "work":
		return PhoneWork
	case "homefax", "workfax", "otherfax", "fax":
		return PhoneFax
	case "main":
		return PhoneUnknown
	default:
		return PhoneOther
	}
}

func isMainLabel(card vcard.Card, f *vcard.Field) bool {
	return strings.EqualFold(abLabelText(card, f), "main")
}

// hasType reports whether f has type t, in TYPE parameters or, as vCard
// 2.1 and some exporters write, as a bare parameter name ("TEL;CELL:").
func hasType(f *vcard.Field, t string) bool {
	for _, v := range f.Params[vcard.ParamType] {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), t) {
				return true
			}
		}
	}
	_, ok := f.Params[strings.ToUpper(t)]
	return ok
}

func isPref(f *vcard.Field) bool {
	return hasType(f, "pref") || f.Params.Get(vcard.ParamPreferred) == "1"
}

// fromCard builds a Contact from a parsed card.
func fromCard(card vcard.Card) Contact {
	var c Contact
	if f := card.Get(vcard.FieldName); f != nil {
		n := components(f.Value)
		c.LastName, c.FirstName = component(n, 0), component(n, 1)
	}
	text := func(k string) string {
		if f := card.Get(k); f != nil {
			return unescapeText(f.Value)
		}
		return ""
	}
	c.Nickname = text(vcard.FieldNickname)
	c.JobTitle = text(vcard.FieldTitle)
	c.Description = text(vcard.FieldNote)
	c.SMS = text(propSMS)
	if f := card.Get(vcard.FieldOrganization); f != nil {
		c.Organization = component(components(f.Value), 0)
	}
	switch strings.ToLower(text(propFavorite)) {
	case "1", "yes", "true":
		c.Favorite = true
	}
	for _, f := range card[vcard.FieldCategories] {
		for _, cat := range strings.Split(f.Value, ",") {
			if strings.EqualFold(strings.TrimSpace(cat), "starred") {
				c.Favorite = true // Google's starred contacts
			}
		}
	}
	if v := text(propSpeedDial); v != "" {
		c.SpeedDial = ParseSpeedDial(v)
	}

	var mainNumber string
	mainType := PhoneUnknown
	for _, f := range card[vcard.FieldTelephone] {
		v := strings.TrimSpace(strings.TrimPrefix(unescapeText(f.Value), "tel:"))
		if v == "" {
			continue
		}
		var t PhoneType
		label := abLabel(card, f)
		switch {
		case label != PhoneUnknown:
			t = label
		case label == PhoneUnknown && isMainLabel(card, f):
			if mainNumber == "" {
				mainNumber = v
			}
			continue
		case hasType(f, "fax"):
			t = PhoneFax
		case hasType(f, "cell") || hasType(f, "iphone") || hasType(f, "mobile"):
			t = PhoneMobile
		case hasType(f, "main"):
			if mainNumber == "" {
				mainNumber = v
			}
			continue
		case hasType(f, "work"):
			t = PhoneWork
		case hasType(f, "home"):
			t = PhoneHome
		default:
			t = PhoneOther
		}
		if c.Phones.Get(t) != "" {
			if c.Phones.Other != "" {
				continue
			}
			t = PhoneOther
		}
		c.Phones.Set(t, v)
		if isPref(f) && mainType == PhoneUnknown {
			mainType = t
		}
	}
	if mainNumber != "" {
		t := placeMain(&c.Phones, mainNumber)
		if mainType == PhoneUnknown {
			mainType = t
		}
	}
	c.Main = mainType
	if c.Main == PhoneUnknown {
		for _, t := range [...]PhoneType{PhoneMobile, PhoneWork, PhoneHome, PhoneOther, PhoneFax} {
			if c.Phones.Get(t) != "" {
				c.Main = t
				break
			}
		}
	}

	emails := card[vcard.FieldEmail]
	ei := 0
	for _, pref := range []bool{true, false} { // the preferred address first
		for _, f := range emails {
			if isPref(f) != pref {
				continue
			}
			if v := unescapeText(f.Value); v != "" && ei < len(c.Emails) {
				c.Emails[ei] = v
				ei++
			}
		}
	}

	for _, f := range card[vcard.FieldAddress] {
		p := components(f.Value)
		a := Address{Street: component(p, 2), City: component(p, 3), Region: component(p, 4),
			PostalCode: component(p, 5), Country: component(p, 6)}
		switch {
		case hasType(f, "home") && c.HomeAddress.IsZero():
			c.HomeAddress = a
		case hasType(f, "work") && c.WorkAddress.IsZero():
			c.WorkAddress = a
		}
	}
	if fn := text(vcard.FieldFormattedName); fn != "" && fn != c.Name() {
		// FN is required, so exporters write the name there; keep it as
		// the display name only when it says something the rest does not.
		c.DisplayName = fn
	}
	return c
}

// ExportVCard writes contacts as vCards of version VCard3 or VCard4, one
// card per contact, that ReadVCard, iCloud, Google Contacts and phones
// import: N, FN (Contact.Name), NICKNAME, ORG, TITLE, TEL with TYPE
// (cell, home, work, fax; "voice" for the other number) and the main one
// preferred, EMAIL, ADR home and work, NOTE, and X-TELEKIT- properties for
// the favorite flag, speed dial and SMS address. Lines end in CRLF and are
// folded at 75 bytes; text is escaped as RFC 6350 says.
func ExportVCard(w io.Writer, contacts []Contact, version string) error {
	if version != VCard3 && version != VCard4 {
		return fmt.Errorf("export vcard: version %q is not %s or %s", version, VCard3, VCard4)
	}
	var buf bytes.Buffer
	for _, c := range contacts {
		buf.Reset()
		writeCard(&buf, c, version)
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("export vcard: %w", err)
		}
	}
	return nil
}

// writeCard writes one card. go-vcard's Encoder is not used because it
// cannot escape a ';' inside a name or address component and does not
// fold lines; the parsing side is go-vcard's.
func writeCard(b *bytes.Buffer, c Contact, version string) {
	prop := func(name, params, value string) {
		writeLine(b, name+params+":"+value)
	}
	pref := func(types string, isPref bool) string {
		switch {
		case !isPref:
			return ";TYPE=" + types
		case version == VCard3:
			return ";TYPE=" + types + ",pref"
		}
		return ";TYPE=" + types + ";PREF=1"
	}
	prop("BEGIN", "", "VCARD")
	prop("VERSION", "", version)
	prop("N", "", joinComponents(c.LastName, c.FirstName, "", "", ""))
	prop("FN", "", escapeText(c.Name()))
	if c.Nickname != "" {
		prop("NICKNAME", "", escapeText(c.Nickname))
	}
	if c.Organization != "" {
		prop("ORG", "", joinComponents(c.Organization))
	}
	if c.JobTitle != "" {
		prop("TITLE", "", escapeText(c.JobTitle))
	}
	for _, t := range [...]PhoneType{PhoneMobile, PhoneWork, PhoneHome, PhoneFax, PhoneOther} {
		v := c.Phones.Get(t)
		if v == "" {
			continue
		}
		types := map[PhoneType]string{PhoneMobile: "cell,voice", PhoneWork: "work,voice",
			PhoneHome: "home,voice", PhoneFax: "fax", PhoneOther: "voice"}[t]
		prop("TEL", pref(types, t == c.Main), escapeText(v))
	}
	for i, e := range c.Emails {
		if e != "" {
			types := "internet"
			if version == VCard4 {
				types = "work"
				if i == 1 {
					types = "home"
				}
			}
			prop("EMAIL", pref(types, i == 0), escapeText(e))
		}
	}
	for _, a := range []struct {
		typ string
		a   Address
	}{{"home", c.HomeAddress}, {"work", c.WorkAddress}} {
		if !a.a.IsZero() {
			prop("ADR", ";TYPE="+a.typ, joinComponents("", "", a.a.Street, a.a.City, a.a.Region, a.a.PostalCode, a.a.Country))
		}
	}
	if c.Description != "" {
		prop("NOTE", "", escapeText(c.Description))
	}
	if c.SMS != "" {
		prop(propSMS, "", escapeText(c.SMS))
	}
	if c.Favorite {
		prop(propFavorite, "", "1")
	}
	if len(c.SpeedDial) > 0 {
		prop(propSpeedDial, "", escapeText(FormatSpeedDial(c.SpeedDial)))
	}
	prop("END", "", "VCARD")
}

var textEscaper = strings.NewReplacer(`\`, `\\`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`, ",", `\,`, ";", `\;`)

func escapeText(s string) string { return textEscaper.Replace(s) }

func joinComponents(parts ...string) string {
	for i, p := range parts {
		parts[i] = escapeText(p)
	}
	return strings.Join(parts, ";")
}

// writeLine writes one content line, folded so that no line is longer
// than 75 bytes (RFC 6350 section 3.2), never inside a UTF-8 sequence.
func writeLine(b *bytes.Buffer, line string) {
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the continuation's leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
