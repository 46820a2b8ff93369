package contacts

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits of ReadCSV, used when ReadOptions leaves them zero.
const (
	DefaultMaxBytes   = 32 << 20 // bytes of file
	DefaultMaxRows    = 200_000  // data rows
	DefaultMaxColumns = 512      // fields in a row
)

// ErrUnknownHeader means the header row names no column ReadCSV knows and
// no Mapping was given: ask the user to map the columns.
var ErrUnknownHeader = errors.New("contacts: unknown CSV header; a column mapping is needed")

// ImportError says what is wrong with a CSV file, at which line (from 1)
// and column (from 1; 0 when the whole row is concerned). Callers get it as
// a *ImportError via errors.As.
type ImportError struct {
	Line, Column int
	Reason       string
}

// Error implements error.
func (e *ImportError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("import contacts: line %d, column %d: %s", e.Line, e.Column, e.Reason)
	}
	return fmt.Sprintf("import contacts: line %d: %s", e.Line, e.Reason)
}

// ReadOptions controls ReadCSV. The zero value detects the dialect from the
// first line.
type ReadOptions struct {
	// Mapping, when not nil, says which field each column fills, and the
	// header is not looked at; the first line is then data unless
	// SkipFirstLine is set. When nil the first line must be a header row
	// of a known dialect, or ReadCSV returns ErrUnknownHeader.
	Mapping Mapping
	// SkipFirstLine skips the first line when a Mapping is given (a header
	// the mapping replaces).
	SkipFirstLine bool
	// Owner is set as the Owner of every contact read.
	Owner string
	// MaxBytes, MaxRows and MaxColumns bound the input; zero means
	// DefaultMaxBytes, DefaultMaxRows and DefaultMaxColumns.
	MaxBytes, MaxRows, MaxColumns int
}

// Row is one data row of an imported file.
type Row struct {
	// Number is the data row's position, from 1 (the header not counted).
	Number int
	// Line is the file line the row starts on, from 1.
	Line int
	// Contact is what the row says; not validated.
	Contact Contact
	// Err, when not nil, is why the row cannot be read (a ragged row, as
	// an *ImportError); Contact is then empty and the row is ignored.
	Err error
}

// File is the result of ReadCSV.
type File struct {
	Encoding Encoding
	Dialect  Dialect
	// Header is the header row, nil when a Mapping was given without
	// SkipFirstLine.
	Header []string
	// Mapping is the plain column mapping used (Google's labelled groups
	// are read beside it).
	Mapping Mapping
	Rows    []Row
}

// ReadCSV reads a contacts CSV file: it detects the encoding (DecodeText)
// and the dialect from the header row, or uses opts.Mapping, and returns
// every data row with its line number. Quoted fields may hold commas,
// quotes and line breaks (stored as "\n"). A row with more or fewer fields
// than the header (than the first row, without header) is returned with an
// *ImportError in Row.Err. Malformed quoting, or input over the limits,
// is an *ImportError for the whole file. Fields are trimmed of surrounding
// space, and a leading "'" that Export put before = + - @ tab CR or ' is
// removed. Blank lines are skipped.
//
// Dialect details: Outlook's "Company Main Phone", "Business Phone 2" and
// "Home Phone 2" fill the work or home number only when the main columns
// leave it empty; Google's phone labels (Mobile, Work, Home, Main, Work
// Fax, Home Fax, Pager, Other or custom), its " ::: " multi-values (the
// second and later become the other number when it is free) and its "* "
// primary mark are read; the system group "* starred" in Google's Labels
// or Group Membership sets Favorite, other groups ("* myContacts", user
// labels) are ignored. A display name equal to "First Last" is dropped,
// so that Name gives the same and re-exports do not pin it.
func ReadCSV(r io.Reader, opts ReadOptions) (*File, error) {
	maxBytes := orDefault(opts.MaxBytes, DefaultMaxBytes)
	maxRows := orDefault(opts.MaxRows, DefaultMaxRows)
	maxCols := orDefault(opts.MaxColumns, DefaultMaxColumns)
	raw, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("import contacts: %w", err)
	}
	if len(raw) > maxBytes {
		return nil, &ImportError{Reason: fmt.Sprintf("file is larger than %d bytes", maxBytes)}
	}
	text, enc := DecodeText(raw)
	f := &File{Encoding: enc}

	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false

	next := func() ([]string, int, error) {
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, &ImportError{Line: pe.Line, Column: pe.Column, Reason: pe.Err.Error()}
			}
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > maxCols {
			return nil, line, &ImportError{Line: line, Reason: fmt.Sprintf("more than %d fields", maxCols)}
		}
		return rec, line, nil
	}

	var l layout
	width := -1
	if opts.Mapping == nil || opts.SkipFirstLine {
		rec, line, err := next()
		if err == io.EOF {
			return nil, &ImportError{Line: 1, Reason: "the file is empty"}
		}
		if err != nil {
			return nil, err
		}
		f.Header = rec
		width = len(rec)
		if opts.Mapping == nil {
			l = detect(rec)
			if l.dialect == DialectUnknown {
				return nil, fmt.Errorf("line %d: %w", line, ErrUnknownHeader)
			}
		}
	}
	if opts.Mapping != nil {
		l = layout{dialect: DialectManual, cols: opts.Mapping}
	}
	f.Dialect, f.Mapping = l.dialect, l.cols

	// Every row is at least one line: sizing Rows once from the line
	// count saves the copies of growing a slice of large values.
	f.Rows = make([]Row, 0, min(strings.Count(text, "\n")+1, maxRows+1))
	for n := 1; ; n++ {
		rec, line, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if n > maxRows {
			return nil, &ImportError{Line: line, Reason: fmt.Sprintf("more than %d rows", maxRows)}
		}
		if width < 0 {
			width = len(rec)
		}
		row := Row{Number: n, Line: line}
		if len(rec) != width {
			row.Err = &ImportError{Line: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), width)}
		} else {
			row.Contact = l.contact(rec)
			row.Contact.Owner = opts.Owner
		}
		f.Rows = append(f.Rows, row)
	}
	return f, nil
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// cell cleans one field as ReadCSV documents.
func cell(s string) string {
	// The "'" Export puts first is removed before anything else: the
	// byte it protects may be a tab or CR that trimming and line-end
	// cleaning would change.
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte(escapeFirst, s[1]) >= 0 {
		s = s[1:]
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(s)
}

func get(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return cell(rec[i])
}

// contact builds a Contact from one record.
func (l layout) contact(rec []string) Contact {
	var c Contact
	var mainNumber, mainType string
	faxIdx := -1
	for i, f := range l.cols {
		v := get(rec, i)
		if v == "" {
			continue
		}
		switch f {
		case FieldFirstName:
			c.FirstName = v
		case FieldLastName:
			c.LastName = v
		case FieldNickname:
			c.Nickname = v
		case FieldDisplayName:
			c.DisplayName = v
		case FieldJobTitle:
			c.JobTitle = v
		case FieldOrganization:
			c.Organization = v
		case FieldHomePhone:
			c.Phones.Home = v
		case FieldWorkPhone:
			c.Phones.Work = v
		case FieldMobilePhone:
			c.Phones.Mobile = v
		case FieldFax:
			if faxIdx < 0 || i < faxIdx {
				c.Phones.Fax, faxIdx = v, i
			}
		case FieldOtherPhone:
			c.Phones.Other = v
		case FieldMainNumber:
			mainNumber = v
		case FieldMainPhoneType:
			mainType = v
		case FieldEmail1:
			c.Emails[0] = v
		case FieldEmail2:
			c.Emails[1] = v
		case FieldSMS:
			c.SMS = v
		case FieldHomeStreet:
			c.HomeAddress.Street = v
		case FieldHomeCity:
			c.HomeAddress.City = v
		case FieldHomeRegion:
			c.HomeAddress.Region = v
		case FieldHomePostalCode:
			c.HomeAddress.PostalCode = v
		case FieldHomeCountry:
			c.HomeAddress.Country = v
		case FieldWorkStreet:
			c.WorkAddress.Street = v
		case FieldWorkCity:
			c.WorkAddress.City = v
		case FieldWorkRegion:
			c.WorkAddress.Region = v
		case FieldWorkPostalCode:
			c.WorkAddress.PostalCode = v
		case FieldWorkCountry:
			c.WorkAddress.Country = v
		case FieldDescription:
			c.Description = v
		case FieldFavorite:
			switch strings.ToLower(v) {
			case "yes", "true", "1", "x", "y":
				c.Favorite = true
			}
		case FieldSpeedDial:
			c.SpeedDial = ParseSpeedDial(v)
		}
	}
	for _, fc := range l.fallback {
		v := get(rec, fc.col)
		if v == "" {
			continue
		}
		switch fc.field {
		case FieldWorkPhone:
			if c.Phones.Work == "" {
				c.Phones.Work = v
			}
		case FieldHomePhone:
			if c.Phones.Home == "" {
				c.Phones.Home = v
			}
		}
	}
	for _, col := range l.labels {
		for _, g := range splitMulti(get(rec, col)) {
			if strings.EqualFold(g, "* starred") {
				c.Favorite = true
			}
		}
	}
	for _, g := range l.phones {
		for k, v := range splitMulti(get(rec, g.value)) {
			label := get(rec, g.label)
			primary := strings.HasPrefix(label, "*")
			t := googlePhoneType(strings.TrimSpace(strings.TrimPrefix(label, "*")))
			if k > 0 || t == PhoneUnknown {
				t = PhoneOther
			}
			if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(label, "*")), "main") && k == 0 && mainNumber == "" {
				mainNumber = v
				continue
			}
			if c.Phones.Get(t) != "" {
				if c.Phones.Other != "" {
					continue
				}
				t = PhoneOther
			}
			c.Phones.Set(t, v)
			if primary && c.Main == PhoneUnknown {
				c.Main = t
			}
		}
	}
	ei := 0
	for _, g := range l.emails {
		for _, v := range splitMulti(get(rec, g.value)) {
			if ei < len(c.Emails) && c.Emails[ei] == "" {
				c.Emails[ei] = v
				ei++
			}
		}
	}
	for _, g := range l.addrs {
		a := Address{get(rec, g.addr[0]), get(rec, g.addr[1]), get(rec, g.addr[2]), get(rec, g.addr[3]), get(rec, g.addr[4])}
		switch strings.ToLower(strings.TrimPrefix(get(rec, g.label), "* ")) {
		case "home":
			if c.HomeAddress.IsZero() {
				c.HomeAddress = a
			}
		case "work":
			if c.WorkAddress.IsZero() {
				c.WorkAddress = a
			}
		}
	}
	if t := ParsePhoneType(mainType); t != PhoneUnknown && c.Phones.Get(t) != "" {
		c.Main = t
	}
	if mainNumber != "" && c.Main == PhoneUnknown {
		c.Main = placeMain(&c.Phones, mainNumber)
	}
	if c.DisplayName != "" && c.DisplayName == strings.TrimSpace(c.FirstName+" "+c.LastName) {
		// Google's "Name" and Outlook's "Display Name" repeat the name
		// the first and last names make: keep it only when it adds
		// something, as ReadVCard does with FN.
		c.DisplayName = ""
	}
	if c.Main == PhoneUnknown && !l.strictMain() {
		for _, t := range [...]PhoneType{PhoneMobile, PhoneWork, PhoneHome, PhoneOther, PhoneFax} {
			if c.Phones.Get(t) != "" {
				c.Main = t
				break
			}
		}
	}
	return c
}

// placeMain returns the slot of number among p's, putting it in the work or
// other slot when p does not have it yet.
func placeMain(p *Phones, number string) PhoneType {
	for _, t := range [...]PhoneType{PhoneWork, PhoneMobile, PhoneHome, PhoneOther, PhoneFax} {
		if p.Get(t) == number {
			return t
		}
	}
	for _, t := range [...]PhoneType{PhoneWork, PhoneOther, PhoneHome, PhoneMobile} {
		if p.Get(t) == "" {
			p.Set(t, number)
			return t
		}
	}
	return PhoneUnknown
}

func googlePhoneType(label string) PhoneType {
	switch strings.ToLower(label) {
	case "mobile", "cell":
		return PhoneMobile
	case "work":
		return PhoneWork
	case "home":
		return PhoneHome
	case "work fax", "home fax", "fax", "other fax":
		return PhoneFax
	}
	return PhoneUnknown
}

// splitMulti splits a Google cell holding several values ("a ::: b").
func splitMulti(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(s, ":::") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ParseSpeedDial reads what FormatSpeedDial writes; pairs it cannot read
// are skipped.
func ParseSpeedDial(s string) []SpeedDial {
	var out []SpeedDial
	for _, part := range strings.Split(s, ";") {
		slot, typ, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(slot))
		if err != nil {
			continue
		}
		out = append(out, SpeedDial{Slot: n, Phone: ParsePhoneType(typ)})
	}
	return out
}

// escapeFirst are the first bytes Export escapes with a leading "'".
const escapeFirst = "=+-@\t\r'"

// strictMain reports whether the file has a main-number column that must
// be filled (FortiVoice: "each contact must have a main number"); other
// files take the first number they have as the main one.
func (l layout) strictMain() bool {
	if l.dialect != DialectFortiVoice && l.dialect != DialectManual {
		return false
	}
	for _, f := range l.cols {
		if f == FieldMainNumber {
			return true
		}
	}
	return false
}
