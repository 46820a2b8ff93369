package contacts

import (
	"strconv"
	"strings"
)

// Field is a Contact field a CSV column can fill. The zero value,
// FieldIgnore, leaves the column unread.
type Field int

// Fields a Mapping can name.
const (
	FieldIgnore Field = iota
	FieldFirstName
	FieldLastName
	FieldNickname
	FieldDisplayName
	FieldJobTitle
	FieldOrganization
	FieldHomePhone
	FieldWorkPhone
	FieldMobilePhone
	FieldFax
	FieldOtherPhone
	// FieldMainNumber is a main number given as a number ("Main Number",
	// Outlook's "Primary Phone"): it becomes the main number, taking the
	// slot of an equal number the row has, else the work slot, else other.
	FieldMainNumber
	// FieldMainPhoneType names which number is the main one ("mobile").
	FieldMainPhoneType
	FieldEmail1
	FieldEmail2
	FieldSMS
	FieldHomeStreet
	FieldHomeCity
	FieldHomeRegion
	FieldHomePostalCode
	FieldHomeCountry
	FieldWorkStreet
	FieldWorkCity
	FieldWorkRegion
	FieldWorkPostalCode
	FieldWorkCountry
	FieldDescription
	// FieldFavorite is true for "yes", "true", "1" or "x".
	FieldFavorite
	// FieldSpeedDial is "slot:type" pairs separated by ';' ("2:mobile;5:home").
	FieldSpeedDial
	fieldCount
)

// Dialect is the program a CSV file came from, detected from its header
// row. The zero value is DialectUnknown.
type Dialect int

// Dialects DetectDialect recognises.
const (
	DialectUnknown Dialect = iota
	// DialectOutlook is Outlook for Windows, "Comma Separated Values",
	// whose header starts "Title","First Name","Middle Name","Last Name".
	// This package's export writes it too.
	DialectOutlook
	// DialectOutlookCom is Outlook.com (outlook.live.com) "Export contacts".
	DialectOutlookCom
	// DialectGoogle is Google Contacts' current export ("First Name",
	// "Phone 1 - Label", "Phone 1 - Value").
	DialectGoogle
	// DialectGoogleLegacy is the older Google CSV ("Given Name", "Family
	// Name", "Phone 1 - Type", "Phone 1 - Value").
	DialectGoogleLegacy
	// DialectFortiVoice is the six columns FortiVoice's import maps: Main
	// Number, Display Name, Mobile Number, Home Number, Email, Description.
	DialectFortiVoice
	// DialectGeneric is a header this package does not know as a whole
	// but whose column names it recognises ("Name", "Phone", "Email").
	DialectGeneric
	// DialectManual means the caller gave a Mapping.
	DialectManual
	// DialectVCard is a vCard file read by ReadVCard.
	DialectVCard
)

// String returns the dialect's name, e.g. "Outlook".
func (d Dialect) String() string {
	switch d {
	case DialectOutlook:
		return "Outlook"
	case DialectOutlookCom:
		return "Outlook.com"
	case DialectGoogle:
		return "Google Contacts"
	case DialectGoogleLegacy:
		return "Google Contacts (legacy)"
	case DialectFortiVoice:
		return "FortiVoice"
	case DialectGeneric:
		return "generic"
	case DialectManual:
		return "manual mapping"
	case DialectVCard:
		return "vCard"
	}
	return "unknown"
}

// Mapping says which Contact field each CSV column fills, by column index
// from 0. Columns not in the map are ignored.
type Mapping map[int]Field

// headerFields maps a lower-case header name to the field it fills, for
// every dialect: the names are distinct across the programs.
var headerFields = map[string]Field{
	"first name": FieldFirstName, "given name": FieldFirstName,
	"last name": FieldLastName, "family name": FieldLastName, "surname": FieldLastName,
	"nickname":     FieldNickname,
	"display name": FieldDisplayName, "name": FieldDisplayName, "full name": FieldDisplayName,
	"job title": FieldJobTitle, "organization title": FieldJobTitle, "organization 1 - title": FieldJobTitle,
	"company": FieldOrganization, "organization": FieldOrganization, "organization name": FieldOrganization,
	"organization 1 - name": FieldOrganization,
	"home phone":            FieldHomePhone, "home number": FieldHomePhone,
	"business phone": FieldWorkPhone, "work phone": FieldWorkPhone, "work number": FieldWorkPhone,
	"mobile phone": FieldMobilePhone, "mobile number": FieldMobilePhone, "mobile": FieldMobilePhone,
	"business fax": FieldFax, "home fax": FieldFax, "other fax": FieldFax, "fax": FieldFax,
	"other phone": FieldOtherPhone, "phone": FieldOtherPhone,
	"primary phone": FieldMainNumber, "main number": FieldMainNumber,
	"main phone type": FieldMainPhoneType,
	"e-mail address":  FieldEmail1, "email address": FieldEmail1, "email": FieldEmail1, "e-mail": FieldEmail1,
	"e-mail 2 address": FieldEmail2, "email 2": FieldEmail2,
	"sms address": FieldSMS, "sms": FieldSMS,
	"home street": FieldHomeStreet, "home city": FieldHomeCity, "home state": FieldHomeRegion,
	"home postal code": FieldHomePostalCode, "home country/region": FieldHomeCountry, "home country": FieldHomeCountry,
	"business street": FieldWorkStreet, "business city": FieldWorkCity, "business state": FieldWorkRegion,
	"business postal code": FieldWorkPostalCode, "business country/region": FieldWorkCountry, "business country": FieldWorkCountry,
	"notes": FieldDescription, "description": FieldDescription,
	"favorite": FieldFavorite, "speed dial": FieldSpeedDial,
}

// headerFallbacks are columns that fill a field only when the columns of
// headerFields left it empty: Outlook's switchboard number and second
// numbers. A company card has only "Company Main Phone".
var headerFallbacks = map[string]Field{
	"company main phone": FieldWorkPhone, "business phone 2": FieldWorkPhone, "home phone 2": FieldHomePhone,
}

// headerLabels are Google's group columns, whose "* starred" system group
// is the favorite flag ("* myContacts" and user labels are ignored).
var headerLabels = map[string]bool{"labels": true, "group membership": true}

// fallbackCol is one column of headerFallbacks.
type fallbackCol struct {
	col   int
	field Field
}

// labeled is a Google "X n - Label/Type" and "X n - Value" column pair, or
// an "Address n - …" group.
type labeled struct {
	label int // column of the label, -1 if none
	value int // column of the value (phones, e-mails)
	addr  [5]int
}

// layout is how one file's columns fill a Contact.
type layout struct {
	dialect Dialect
	cols    Mapping
	phones  []labeled
	emails  []labeled
	addrs   []labeled
	// fallback lists the headerFallbacks columns in column order.
	fallback []fallbackCol
	// labels lists the columns of headerLabels.
	labels []int
}

func normHeader(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

// DetectDialect reads a header row and returns the dialect it comes from
// and the Mapping of its plain columns (Google's labelled phone, e-mail
// and address groups are read by ReadCSV beside the Mapping). It returns
// DialectUnknown and a nil Mapping when no column is recognised.
func DetectDialect(header []string) (Dialect, Mapping) {
	l := detect(header)
	return l.dialect, l.cols
}

func detect(header []string) layout {
	l := layout{cols: Mapping{}}
	names := make(map[string]int, len(header))
	for i, h := range header {
		n := normHeader(h)
		if _, dup := names[n]; !dup {
			names[n] = i
		}
	}
	has := func(n string) bool { _, ok := names[n]; return ok }
	switch {
	case has("given name") && has("family name") || has("phone 1 - type"):
		l.dialect = DialectGoogleLegacy
	case has("phone 1 - label") || has("e-mail 1 - label") || has("first name") && has("file as") && has("labels"):
		l.dialect = DialectGoogle
	case has("main number") && has("display name") && !has("first name"):
		l.dialect = DialectFortiVoice
	case has("first name") && (has("given yomi") || has("surname yomi") || has("imaddress")):
		l.dialect = DialectOutlookCom
	case has("first name") && (has("business phone") || has("mobile phone") || has("e-mail address")):
		l.dialect = DialectOutlook
	}
	google := l.dialect == DialectGoogle || l.dialect == DialectGoogleLegacy
	for i, h := range header {
		n := normHeader(h)
		if names[n] != i {
			continue // a repeated header: the first one wins
		}
		if google && (strings.HasPrefix(n, "phone ") || strings.HasPrefix(n, "e-mail ") || strings.HasPrefix(n, "address ")) {
			continue // groups below
		}
		if f, ok := headerFields[n]; ok {
			l.cols[i] = f
		}
		if f, ok := headerFallbacks[n]; ok {
			l.fallback = append(l.fallback, fallbackCol{i, f})
		}
		if headerLabels[n] {
			l.labels = append(l.labels, i)
		}
	}
	if google {
		suffix := " - type"
		if l.dialect == DialectGoogle {
			suffix = " - label"
		}
		for k := 1; k <= 20; k++ {
			ks := strconv.Itoa(k)
			if v, ok := names["phone "+ks+" - value"]; ok {
				l.phones = append(l.phones, labeled{label: lookup(names, "phone "+ks+suffix), value: v})
			}
			if v, ok := names["e-mail "+ks+" - value"]; ok {
				l.emails = append(l.emails, labeled{label: lookup(names, "e-mail "+ks+suffix), value: v})
			}
			a := "address " + ks + " - "
			if lb, ok := names[a+strings.TrimPrefix(suffix, " - ")]; ok {
				l.addrs = append(l.addrs, labeled{label: lb, value: -1, addr: [5]int{
					lookup(names, a+"street"), lookup(names, a+"city"), lookup(names, a+"region"),
					lookup(names, a+"postal code"), lookup(names, a+"country")}})
			}
		}
	}
	if l.dialect == DialectUnknown {
		if len(l.cols) == 0 {
			return layout{}
		}
		l.dialect = DialectGeneric
	}
	return l
}

func lookup(names map[string]int, n string) int {
	if i, ok := names[n]; ok {
		return i
	}
	return -1
}
