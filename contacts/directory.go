package contacts

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/telekit/telekit/phonenumber"
)

// Source says which list a directory entry comes from. The zero value is
// SourceUnknown.
type Source int

// Sources, in the order Search lists equally good results.
const (
	SourceUnknown Source = iota
	// SourcePersonal is one of the searching user's own contacts.
	SourcePersonal
	// SourceExtension is an extension of the PBX.
	SourceExtension
	// SourceBusiness is a business contact the administrator manages.
	SourceBusiness
)

// String returns "personal", "extension", "business" or "unknown".
func (s Source) String() string {
	switch s {
	case SourcePersonal:
		return "personal"
	case SourceExtension:
		return "extension"
	case SourceBusiness:
		return "business"
	}
	return "unknown"
}

// Extension is one extension of the PBX as the directory shows it. The
// application builds these from its accounts.
type Extension struct {
	Number, Name, Email string
	// Location is free text ("Building 2, 3rd floor").
	Location string
}

// Entry is one directory entry: an extension, or a business or personal
// contact.
type Entry struct {
	Source Source
	// Extension is set when Source is SourceExtension, Contact otherwise.
	Extension Extension
	Contact   Contact
}

// FieldMatch says where a query matched: which field, its value, and the
// byte span [Start, End) of the value to highlight.
type FieldMatch struct {
	// Field names the field as ValidationError does ("LastName",
	// "Phones.Mobile", "Emails[0]", "HomeAddress.City") or, for an
	// extension, "Number", "Name", "Email", "Location".
	Field      string
	Value      string
	Start, End int
}

// Result is one entry that matched every word of a query, with one
// FieldMatch per word.
type Result struct {
	Entry   Entry
	Matches []FieldMatch
}

// Directory searches extensions, business contacts and, for one user,
// personal contacts. Build it once with NewDirectory when the extensions
// or business contacts change, and derive each user's view with
// WithPersonal. A Directory is immutable: safe for concurrent use.
type Directory struct {
	plan    phonenumber.Plan
	shared  []prepared // extensions then business contacts
	private []prepared // personal contacts
}

// prepared is an entry with its fields folded for searching.
type prepared struct {
	entry  Entry
	fields []field
}

type field struct {
	name, value string
	folded      string
	// start and end map each byte of folded to the span of the rune of
	// value it came from; nil when folded is value in lower case (ASCII).
	start, end []int32
	// phone fields only: the number's digits, the position in value of
	// each, and the parsed number (zero when it did not parse).
	digits string
	pos    []int32
	num    phonenumber.Number
	e164   string // digits of the E.164 form, "" when unknown
}

// NewDirectory prepares a directory of exts and business contacts, parsing
// numbers under plan.
func NewDirectory(plan phonenumber.Plan, exts []Extension, business []Contact) *Directory {
	d := &Directory{plan: plan}
	for _, e := range exts {
		d.shared = append(d.shared, d.prepare(Entry{Source: SourceExtension, Extension: e}))
	}
	for _, c := range business {
		d.shared = append(d.shared, d.prepare(Entry{Source: SourceBusiness, Contact: clone(c)}))
	}
	return d
}

// WithPersonal returns a directory that also searches personal, a user's
// own contacts; d is unchanged and its prepared entries are shared.
func (d *Directory) WithPersonal(personal []Contact) *Directory {
	nd := &Directory{plan: d.plan, shared: d.shared}
	for _, c := range personal {
		nd.private = append(nd.private, d.prepare(Entry{Source: SourcePersonal, Contact: clone(c)}))
	}
	return nd
}

// Len returns the number of entries.
func (d *Directory) Len() int { return len(d.shared) + len(d.private) }

func (d *Directory) prepare(e Entry) prepared {
	p := prepared{entry: e}
	add := func(name, v string) {
		if v != "" {
			p.fields = append(p.fields, newField(name, v))
		}
	}
	phone := func(name, v string) {
		if v == "" {
			return
		}
		f := newField(name, v)
		for i := 0; i < len(v); i++ {
			if v[i] >= '0' && v[i] <= '9' {
				f.digits += v[i : i+1]
				f.pos = append(f.pos, int32(i))
			}
		}
		if n, err := phonenumber.Parse(d.plan, v, phonenumber.Received); err == nil {
			f.num = n
			f.e164 = strings.TrimPrefix(n.E164(), "+")
		}
		p.fields = append(p.fields, f)
	}
	if e.Source == SourceExtension {
		x := e.Extension
		phone("Number", x.Number)
		add("Name", x.Name)
		add("Email", x.Email)
		add("Location", x.Location)
		return p
	}
	c := e.Contact
	add("DisplayName", c.DisplayName)
	add("FirstName", c.FirstName)
	add("LastName", c.LastName)
	add("Nickname", c.Nickname)
	add("Organization", c.Organization)
	add("JobTitle", c.JobTitle)
	for _, t := range phoneTypes {
		phone("Phones."+phoneFieldName(t), c.Phones.Get(t))
	}
	add("Emails[0]", c.Emails[0])
	add("Emails[1]", c.Emails[1])
	add("SMS", c.SMS)
	for _, a := range []struct {
		name string
		a    Address
	}{{"HomeAddress", c.HomeAddress}, {"WorkAddress", c.WorkAddress}} {
		add(a.name+".Street", a.a.Street)
		add(a.name+".City", a.a.City)
		add(a.name+".Region", a.a.Region)
		add(a.name+".PostalCode", a.a.PostalCode)
		add(a.name+".Country", a.a.Country)
	}
	add("Description", c.Description)
	return p
}

func newField(name, v string) field {
	f := field{name: name, value: v}
	f.folded, f.start, f.end = fold(v, true)
	return f
}

// Search returns the entries matching every word of query, at most limit
// of them (all when limit <= 0). A word matches any field containing it,
// ignoring letter case and accents ("zoe" finds "Zoë", "MULLER" finds
// "Müller"). A query that looks like a telephone number ("555 123",
// "+1 (555) 123-4567") is one word that matches numbers by their digits,
// in whatever format either is written, and a whole number also by
// phonenumber.Match or MatchSuffix. Entries whose match starts a word come
// first, then personal contacts, extensions and business contacts, each
// in the order given.
func (d *Directory) Search(query string, limit int) []Result {
	terms := d.terms(query)
	if len(terms) == 0 {
		return nil
	}
	type ranked struct {
		r    Result
		rank int
	}
	var out []ranked
	for _, list := range [...][]prepared{d.private, d.shared} {
		for i := range list {
			p := &list[i]
			var ms []FieldMatch
			rank := 1
			for _, t := range terms {
				m, atWord, ok := p.match(t)
				if !ok {
					ms = nil
					break
				}
				if atWord {
					rank = 0
				}
				ms = append(ms, m)
			}
			if ms != nil {
				out = append(out, ranked{Result{p.entry, ms}, rank})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b ranked) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return int(a.r.Entry.Source) - int(b.r.Entry.Source)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	res := make([]Result, len(out))
	for i, r := range out {
		res[i] = r.r
	}
	return res
}

// term is one word of a query, folded; a number term also has its
// digits and, when it parses, the number.
type term struct {
	folded string
	digits string
	num    phonenumber.Number
	isNum  bool
}

func (d *Directory) terms(query string) []term {
	query = strings.TrimSpace(query)
	if looksLikeNumber(query) {
		t := term{isNum: true}
		for i := 0; i < len(query); i++ {
			if query[i] >= '0' && query[i] <= '9' {
				t.digits += query[i : i+1]
			}
		}
		if n, err := phonenumber.Parse(d.plan, query, phonenumber.Received); err == nil {
			t.num = n
		}
		t.folded, _, _ = fold(query, false)
		return []term{t}
	}
	var out []term
	for _, w := range strings.Fields(query) {
		f, _, _ := fold(w, false)
		if f != "" {
			out = append(out, term{folded: f})
		}
	}
	return out
}

// looksLikeNumber reports whether s is digits (at least two) with the
// separators numbers are written with.
func looksLikeNumber(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n++
		case strings.IndexByte("+-. ()/", c) >= 0:
		default:
			return false
		}
	}
	return n >= 2
}

// match finds t in p's fields, the first field that has it. atWord says
// the match starts the field or a word of it.
func (p *prepared) match(t term) (FieldMatch, bool, bool) {
	for i := range p.fields {
		f := &p.fields[i]
		if t.isNum && f.pos != nil {
			if s, e, ok := f.matchNumber(t); ok {
				return FieldMatch{f.name, f.value, s, e}, s == 0 || f.pos[0] == int32(s), true
			}
			continue
		}
		if t.folded == "" {
			continue
		}
		j := strings.Index(f.folded, t.folded)
		if j < 0 {
			continue
		}
		s, e := f.span(j, j+len(t.folded))
		atWord := j == 0 || !isWordByte(f.folded[j-1])
		return FieldMatch{f.name, f.value, s, e}, atWord, true
	}
	return FieldMatch{}, false, false
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// span maps the folded byte range [i, j) to a byte range of the value.
func (f *field) span(i, j int) (int, int) {
	if f.start == nil {
		return i, j
	}
	return int(f.start[i]), int(f.end[j-1])
}

// matchNumber matches a number term against a phone field: the whole
// number by phonenumber.Match or MatchSuffix, else the term's digits as a
// run of the field's digits or of its E.164 digits.
func (f *field) matchNumber(t term) (int, int, bool) {
	if t.digits == "" || f.digits == "" {
		return 0, 0, false
	}
	if !t.num.IsZero() && !f.num.IsZero() && (phonenumber.Match(t.num, f.num) || phonenumber.MatchSuffix(t.num, f.num)) {
		return int(f.pos[0]), int(f.pos[len(f.pos)-1]) + 1, true
	}
	if j := strings.Index(f.digits, t.digits); j >= 0 {
		return int(f.pos[j]), int(f.pos[j+len(t.digits)-1]) + 1, true
	}
	if f.e164 != "" && strings.HasSuffix(f.e164, f.digits[max(0, len(f.digits)-len(f.num.Digits)):]) {
		if j := strings.Index(f.e164, t.digits); j >= 0 {
			// The E.164 digits end with the field's last digits; a
			// match in the country code highlights from the first digit.
			off := len(f.e164) - len(f.digits)
			s, e := max(j-off, 0), j+len(t.digits)-off
			if e > 0 {
				return int(f.pos[s]), int(f.pos[e-1]) + 1, true
			}
		}
	}
	return 0, 0, false
}

// fold returns s in lower case without accents, for matching, and when
// withMap, for each byte of the result the span of the rune of s it came
// from (nil maps when the result is s lower-cased byte for byte).
func fold(s string, withMap bool) (string, []int32, []int32) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s), nil, nil
	}
	var b strings.Builder
	var start, end []int32
	var tmp [utf8.UTFMax * 4]byte
	for i, r := range s {
		n := utf8.RuneLen(r)
		if n < 0 {
			n = 1
		}
		before := b.Len()
		if r < utf8.RuneSelf {
			b.WriteByte(byte(unicode.ToLower(r)))
		} else if sp := specialFold(r); sp != "" {
			b.WriteString(sp)
		} else {
			for _, d := range string(norm.NFD.AppendString(tmp[:0], string(r))) {
				if unicode.Is(unicode.Mn, d) {
					continue
				}
				b.WriteRune(unicode.ToLower(d))
			}
		}
		if withMap {
			for k := before; k < b.Len(); k++ {
				start = append(start, int32(i))
				end = append(end, int32(i+n))
			}
		}
	}
	return b.String(), start, end
}

// specialFold returns the folding of letters that do not decompose into
// a base letter and an accent but that people type without it, or "".
func specialFold(r rune) string {
	switch r {
	case 'ß', 'ẞ':
		return "ss"
	case 'æ', 'Æ':
		return "ae"
	case 'œ', 'Œ':
		return "oe"
	case 'ø', 'Ø':
		return "o"
	case 'ł', 'Ł':
		return "l"
	case 'đ', 'Đ':
		return "d"
	case 'ı':
		return "i"
	case 'þ', 'Þ':
		return "th"
	}
	return ""
}
