// Command genexports writes the files in ../exports: one invented address
// book written the way each program exports it (header names, quoting,
// line ends, encodings, labels). It does not use package contacts, so the
// files do not inherit its reader's assumptions. Run from contacts/:
//
//	go run ./testdata/genexports
//
// See ../README.md for where each format's description came from.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

type addr struct{ Street, City, Region, Zip, Country string }

func (a addr) zero() bool { return a == addr{} }

// formatted is the address as one text block, as Google's "Formatted" and
// Outlook's "Home Address" columns hold it.
func (a addr) formatted() string {
	var lines []string
	lines = append(lines, strings.Split(a.Street, "\n")...)
	lines = append(lines, strings.TrimSpace(strings.Join([]string{a.City, a.Region, a.Zip}, " ")))
	if a.Country != "" {
		lines = append(lines, a.Country)
	}
	return strings.Join(lines, "\n")
}

// person is one invented contact, with every number the programs know.
type person struct {
	First, Middle, Last, Nick     string
	Company, Dept, Job            string
	Work, Work2, Mobile, Home     string
	WorkFax, Other, Pager, CoMain string
	Primary                       string // Outlook's "Primary Phone" when the user set one
	Emails                        []string
	HomeAddr, WorkAddr            addr
	Notes                         string
	Birthday                      string // yyyy-mm-dd
	Starred                       bool
	Groups                        []string // user labels / categories
	CountryCode                   string   // X-ABADR
	ApplePref                     string   // which number iOS marks pref: "mobile", "home", "work", ...
	AppleMobileLabel, AppleIPhone bool     // mobile as item1.TEL + X-ABLabel:Mobile; mobile as type=IPHONE
}

var people = []person{
	{First: "Jane", Last: "Doe", Company: "Acme Corp", Dept: "Purchasing", Job: "Buyer",
		Work: "(555) 123-4567", Mobile: "+1 555 987 6543",
		Emails:   []string{"jane.doe@example.com", "jane@home.example"},
		WorkAddr: addr{"1 Main St\nSuite 200", "Springfield", "IL", "62701", "United States of America"},
		Notes:    "Met at the trade show, \"VIP\".\nCall after 10, not before.", Birthday: "1980-05-04",
		Starred: true, Groups: []string{"Customers"}, CountryCode: "us", ApplePref: "mobile"},
	{First: "François", Last: "Lefèvre", Company: "Société Générale d'Électricité",
		Home: "01 23 45 67 89", Mobile: "06 12 34 56 78", Primary: "01 23 45 67 89",
		Emails:   []string{"francois@example.fr"},
		HomeAddr: addr{"12 rue de la Paix", "Paris", "", "75002", "France"}, CountryCode: "fr", ApplePref: "home", AppleIPhone: true},
	{First: "Zoë", Last: "Müller", Company: "Müller & Söhne GmbH", WorkFax: "+49 30 1234567", Notes: "fax only", ApplePref: "fax"},
	{First: "Kenji", Last: "Tanaka", Nick: "Ken", Company: "Example KK", Job: "Engineer",
		Mobile: "+81 90-1234-5678", Home: "+81 3-1234-5678", Emails: []string{"ken@example.jp", "kenji@example.jp"},
		Groups: []string{"Friends"}, ApplePref: "mobile", AppleMobileLabel: true},
	{First: "Ana", Last: "García", Nick: "Anita", Company: "Telefónica", Job: "Ingeniera",
		Work: "+34 91 123 45 67", Mobile: "+34 612 34 56 78", Emails: []string{"ana@example.es"}, ApplePref: "mobile"},
	{Company: "Acme Corp", CoMain: "+1 555 123 0001", Emails: []string{"reception@acme.example"}, ApplePref: "main"},
	{First: "Seán", Last: "O'Brien", Company: "O'Brien & Sons, Ltd.", Job: "Director, Sales",
		Mobile: "+353 87 123 4567", Other: "+353 1 555 0101", Emails: []string{"sean@obrien.example"}, ApplePref: "mobile"},
	{First: "Björn", Last: "Ångström", Home: "+46 8 123 456 78", Pager: "+46 70 999 0000",
		Notes: "Ring före 18.\nPortkod: 1234; andra dörren", ApplePref: "home"},
	{First: "Chloé", Last: "Dubois", Nick: "Coco", Company: `"Les Amis" SARL`,
		Mobile: "+33 6 98 76 54 32", Work: "+33 1 44 55 66 77", Emails: []string{"chloe@lesamis.example"},
		WorkAddr: addr{"5 avenue Foch", "Lyon", "", "69006", "France"}, CountryCode: "fr", ApplePref: "mobile"},
	{First: "No", Last: "Number", Emails: []string{"nonumber@example.com"}},
	{First: "Mary-Kate", Middle: "Ann", Last: "Smith-Jones", Company: "Globex", Job: "CTO",
		Mobile: "(555) 010-2000", Home: "(555) 010-3000", Work: "(555) 010-4000", Work2: "(555) 010-4001",
		Other: "(555) 010-5000", Primary: "(555) 010-4000",
		Emails: []string{"mk@globex.example", "marykate@home.example", "mk.old@globex.example"}, ApplePref: "work"},
	{First: "Łukasz", Last: "Żółć", Company: "Żabka Sp. z o.o.", Mobile: "+48 601 234 567",
		Emails: []string{"lukasz@example.pl"}, ApplePref: "mobile"},
}

func (p person) full() string { return strings.TrimSpace(p.First + " " + p.Last) }

func email(p person, i int) string {
	if i < len(p.Emails) {
		return p.Emails[i]
	}
	return ""
}

// csvFile builds CSV text: every field quoted when quoteAll (as Outlook
// desktop writes), else only fields that need it (as Google and
// Outlook.com write); line breaks inside fields and between records are eol.
type csvFile struct {
	header   []string
	quoteAll bool
	eol      string
	b        strings.Builder
}

func (f *csvFile) row(vals []string) {
	for i, v := range vals {
		if i > 0 {
			f.b.WriteByte(',')
		}
		v = strings.ReplaceAll(v, "\n", f.eol)
		if f.quoteAll || strings.ContainsAny(v, ",\"\r\n") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		f.b.WriteString(v)
	}
	f.b.WriteString(f.eol)
}

func (f *csvFile) record(m map[string]string) {
	vals := make([]string, len(f.header))
	for i, h := range f.header {
		vals[i] = m[h]
		delete(m, h)
	}
	for k := range m {
		log.Fatalf("column %q is not in the header", k)
	}
	f.row(vals)
}

func set(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// usDate is Outlook's short date for "1980-05-04": "5/4/1980".
func usDate(iso string) string {
	if iso == "" {
		return ""
	}
	var y, m, d int
	fmt.Sscanf(iso, "%d-%d-%d", &y, &m, &d)
	return fmt.Sprintf("%d/%d/%d", m, d, y)
}

func initials(p person) string {
	s := ""
	for _, n := range []string{p.First, p.Middle, p.Last} {
		if n != "" {
			s += string([]rune(n)[:1]) + "."
		}
	}
	return s
}

var outlookHeader = strings.Split(`Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,Home Street 2,Home Street 3,Home City,Home State,Home Postal Code,Home Country/Region,Other Street,Other Street 2,Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region,Assistant's Phone,Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,Account,Anniversary,Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,Children,Directory Server,E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,Initials,Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page`, ",")

// outlookDesktop is Outlook for Windows, File > Open & Export > Import/Export
// > Export to a file > Comma Separated Values.
func outlookDesktop() string {
	f := &csvFile{header: outlookHeader, quoteAll: true, eol: "\r\n"}
	f.row(f.header)
	for _, p := range people {
		m := map[string]string{
			"Anniversary": "0/0/00", "Birthday": "0/0/00", "Gender": "Unspecified",
			"Priority": "Normal", "Private": "False", "Sensitivity": "Normal",
		}
		set(m, "First Name", p.First)
		set(m, "Middle Name", p.Middle)
		set(m, "Last Name", p.Last)
		set(m, "Company", p.Company)
		set(m, "Department", p.Dept)
		set(m, "Job Title", p.Job)
		set(m, "Business Street", p.WorkAddr.Street)
		set(m, "Business City", p.WorkAddr.City)
		set(m, "Business State", p.WorkAddr.Region)
		set(m, "Business Postal Code", p.WorkAddr.Zip)
		set(m, "Business Country/Region", p.WorkAddr.Country)
		set(m, "Home Street", p.HomeAddr.Street)
		set(m, "Home City", p.HomeAddr.City)
		set(m, "Home State", p.HomeAddr.Region)
		set(m, "Home Postal Code", p.HomeAddr.Zip)
		set(m, "Home Country/Region", p.HomeAddr.Country)
		set(m, "Business Fax", p.WorkFax)
		set(m, "Business Phone", p.Work)
		set(m, "Business Phone 2", p.Work2)
		set(m, "Company Main Phone", p.CoMain)
		set(m, "Home Phone", p.Home)
		set(m, "Mobile Phone", p.Mobile)
		set(m, "Other Phone", p.Other)
		set(m, "Pager", p.Pager)
		set(m, "Primary Phone", p.Primary)
		if p.Birthday != "" {
			m["Birthday"] = usDate(p.Birthday)
		}
		set(m, "Categories", strings.Join(p.Groups, ";"))
		for i, k := range []string{"E-mail", "E-mail 2", "E-mail 3"} {
			if e := email(p, i); e != "" {
				m[k+" Address"] = e
				m[k+" Type"] = "SMTP"
				name := p.full()
				if name == "" {
					name = p.Company
				}
				m[k+" Display Name"] = name + " (" + e + ")"
			}
		}
		set(m, "Initials", initials(p))
		set(m, "Notes", p.Notes)
		f.record(m)
	}
	return f.b.String()
}

var outlookComHeader = strings.Split(`First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,Assistant's Phone,Company Yomi,Business Street,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,Home City,Home State,Home Postal Code,Home Country/Region,Other Street,Other City,Other State,Other Postal Code,Other Country/Region,Personal Web Page,Spouse,Schools,Hobby,Location,Web Page,Birthday,Anniversary,Notes`, ",")

// outlookCom is Outlook.com / new Outlook, People > Manage contacts > Export contacts.
func outlookCom() string {
	f := &csvFile{header: outlookComHeader, eol: "\r\n"}
	f.row(f.header)
	for _, p := range people {
		m := map[string]string{}
		set(m, "First Name", p.First)
		set(m, "Middle Name", p.Middle)
		set(m, "Last Name", p.Last)
		set(m, "Nickname", p.Nick)
		for i, k := range []string{"E-mail Address", "E-mail 2 Address", "E-mail 3 Address"} {
			set(m, k, email(p, i))
		}
		set(m, "Home Phone", p.Home)
		set(m, "Business Phone", p.Work)
		set(m, "Business Phone 2", p.Work2)
		set(m, "Mobile Phone", p.Mobile)
		set(m, "Other Phone", p.Other)
		set(m, "Primary Phone", p.Primary)
		set(m, "Pager", p.Pager)
		set(m, "Business Fax", p.WorkFax)
		set(m, "Company Main Phone", p.CoMain)
		set(m, "Job Title", p.Job)
		set(m, "Department", p.Dept)
		set(m, "Company", p.Company)
		set(m, "Business Street", p.WorkAddr.Street)
		set(m, "Business City", p.WorkAddr.City)
		set(m, "Business State", p.WorkAddr.Region)
		set(m, "Business Postal Code", p.WorkAddr.Zip)
		set(m, "Business Country/Region", p.WorkAddr.Country)
		set(m, "Home Street", p.HomeAddr.Street)
		set(m, "Home City", p.HomeAddr.City)
		set(m, "Home State", p.HomeAddr.Region)
		set(m, "Home Postal Code", p.HomeAddr.Zip)
		set(m, "Home Country/Region", p.HomeAddr.Country)
		set(m, "Birthday", p.Birthday)
		set(m, "Notes", p.Notes)
		f.record(m)
	}
	return f.b.String()
}

// googlePhones lists a person's numbers as Google labels them, numbers of
// the same label joined in one cell with " ::: ". The primary number's
// label starts with "* ", as Google marks the primary e-mail.
func googlePhones(p person) [][2]string {
	var out [][2]string
	add := func(label, v string) {
		if v == "" {
			return
		}
		for i := range out {
			if strings.TrimPrefix(out[i][0], "* ") == label {
				out[i][1] += " ::: " + v
				return
			}
		}
		if v == p.Primary {
			label = "* " + label
		}
		out = append(out, [2]string{label, v})
	}
	add("Mobile", p.Mobile)
	add("Work", p.Work)
	add("Work", p.Work2)
	add("Home", p.Home)
	add("Main", p.CoMain)
	add("Work Fax", p.WorkFax)
	add("Pager", p.Pager)
	add("Other", p.Other)
	return out
}

func googleLabels(p person, legacy bool) string {
	var l []string
	l = append(l, p.Groups...)
	if p.Starred {
		if legacy {
			l = append(l, "* Starred")
		} else {
			l = append(l, "* starred")
		}
	}
	if legacy {
		l = append(l, "* My Contacts")
	} else {
		l = append(l, "* myContacts")
	}
	return strings.Join(l, " ::: ")
}

func googleEmailLabel(i int, home bool) string {
	label := "Work"
	if home {
		label = "Home"
	}
	if i == 0 {
		return "* " + label
	}
	return label
}

func googleCurrent(legacy bool) string {
	var h []string
	typ := " - Label"
	if legacy {
		typ = " - Type"
		h = strings.Split("Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership", ",")
	} else {
		h = strings.Split("First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels", ",")
	}
	for i := 1; i <= 3; i++ {
		h = append(h, fmt.Sprintf("E-mail %d%s", i, typ), fmt.Sprintf("E-mail %d - Value", i))
	}
	for i := 1; i <= 4; i++ {
		h = append(h, fmt.Sprintf("Phone %d%s", i, typ), fmt.Sprintf("Phone %d - Value", i))
	}
	h = append(h, "Address 1"+typ, "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City", "Address 1 - PO Box",
		"Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address")
	if legacy {
		h = append(h, strings.Split("Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description", ",")...)
	}
	h = append(h, "Website 1"+typ, "Website 1 - Value")
	f := &csvFile{header: h, eol: "\n"}
	f.row(h)
	for _, p := range people {
		m := map[string]string{}
		if legacy {
			set(m, "Name", p.full())
			set(m, "Given Name", p.First)
			set(m, "Additional Name", p.Middle)
			set(m, "Family Name", p.Last)
			set(m, "Group Membership", googleLabels(p, true))
			if p.Company != "" || p.Job != "" {
				m["Organization 1 - Type"] = "Work"
				set(m, "Organization 1 - Name", p.Company)
				set(m, "Organization 1 - Title", p.Job)
				set(m, "Organization 1 - Department", p.Dept)
			}
		} else {
			set(m, "First Name", p.First)
			set(m, "Middle Name", p.Middle)
			set(m, "Last Name", p.Last)
			set(m, "Organization Name", p.Company)
			set(m, "Organization Title", p.Job)
			set(m, "Organization Department", p.Dept)
			set(m, "Labels", googleLabels(p, false))
		}
		set(m, "Nickname", p.Nick)
		set(m, "Birthday", p.Birthday)
		set(m, "Notes", p.Notes)
		// Jane's second address is at home, Kenji's both are personal.
		for i, e := range p.Emails {
			if i >= 3 {
				break
			}
			m[fmt.Sprintf("E-mail %d%s", i+1, typ)] = googleEmailLabel(i, strings.Contains(e, "home") || p.First == "Kenji")
			m[fmt.Sprintf("E-mail %d - Value", i+1)] = e
		}
		for i, ph := range googlePhones(p) {
			m[fmt.Sprintf("Phone %d%s", i+1, typ)] = ph[0]
			m[fmt.Sprintf("Phone %d - Value", i+1)] = ph[1]
		}
		a, label := p.WorkAddr, "Work"
		if a.zero() {
			a, label = p.HomeAddr, "Home"
		}
		if !a.zero() {
			m["Address 1"+typ] = label
			m["Address 1 - Formatted"] = a.formatted()
			set(m, "Address 1 - Street", a.Street)
			set(m, "Address 1 - City", a.City)
			set(m, "Address 1 - Region", a.Region)
			set(m, "Address 1 - Postal Code", a.Zip)
			set(m, "Address 1 - Country", a.Country)
		}
		f.record(m)
	}
	return f.b.String()
}

// googleOutlookCSV is Google Contacts' Export > "Outlook CSV".
func googleOutlookCSV() string {
	h := strings.Split(`First Name,Middle Name,Last Name,Title,Suffix,Initials,Web Page,Gender,Birthday,Anniversary,Location,Language,Internet Free Busy,Notes,E-mail Address,E-mail 2 Address,E-mail 3 Address,Primary Phone,Home Phone,Home Phone 2,Mobile Phone,Pager,Home Fax,Home Address,Home Street,Home Street 2,Home Street 3,Home Address PO Box,Home City,Home State,Home Postal Code,Home Country,Spouse,Children,Manager's Name,Assistant's Name,Referred By,Company Main Phone,Business Phone,Business Phone 2,Business Fax,Assistant's Phone,Company,Job Title,Department,Office Location,Organizational ID Number,Profession,Account,Business Address,Business Street,Business Street 2,Business Street 3,Business Address PO Box,Business City,Business State,Business Postal Code,Business Country,Other Phone,Other Fax,Other Address,Other Street,Other Street 2,Other Street 3,Other Address PO Box,Other City,Other State,Other Postal Code,Other Country,Callback,Car Phone,ISDN,Radio Phone,TTY/TDD Phone,Telex,User 1,User 2,User 3,User 4,Keywords,Mileage,Hobby,Billing Information,Directory Server,Sensitivity,Priority,Private,Categories`, ",")
	f := &csvFile{header: h, eol: "\r\n"}
	f.row(h)
	for _, p := range people {
		m := map[string]string{"Priority": "Normal"}
		set(m, "First Name", p.First)
		set(m, "Middle Name", p.Middle)
		set(m, "Last Name", p.Last)
		set(m, "Birthday", p.Birthday)
		set(m, "Notes", p.Notes)
		for i, k := range []string{"E-mail Address", "E-mail 2 Address", "E-mail 3 Address"} {
			set(m, k, email(p, i))
		}
		set(m, "Primary Phone", p.Primary)
		set(m, "Home Phone", p.Home)
		set(m, "Mobile Phone", p.Mobile)
		set(m, "Pager", p.Pager)
		set(m, "Company Main Phone", p.CoMain)
		set(m, "Business Phone", p.Work)
		set(m, "Business Phone 2", p.Work2)
		set(m, "Business Fax", p.WorkFax)
		set(m, "Other Phone", p.Other)
		set(m, "Company", p.Company)
		set(m, "Job Title", p.Job)
		set(m, "Department", p.Dept)
		if !p.HomeAddr.zero() {
			m["Home Address"] = p.HomeAddr.formatted()
			set(m, "Home Street", p.HomeAddr.Street)
			set(m, "Home City", p.HomeAddr.City)
			set(m, "Home State", p.HomeAddr.Region)
			set(m, "Home Postal Code", p.HomeAddr.Zip)
			set(m, "Home Country", p.HomeAddr.Country)
		}
		if !p.WorkAddr.zero() {
			m["Business Address"] = p.WorkAddr.formatted()
			set(m, "Business Street", p.WorkAddr.Street)
			set(m, "Business City", p.WorkAddr.City)
			set(m, "Business State", p.WorkAddr.Region)
			set(m, "Business Postal Code", p.WorkAddr.Zip)
			set(m, "Business Country", p.WorkAddr.Country)
		}
		cats := append([]string{}, p.Groups...)
		if p.Starred {
			cats = append(cats, "Starred in Android")
		}
		m["Categories"] = strings.Join(append(cats, "My Contacts"), ";")
		f.record(m)
	}
	return f.b.String()
}

// fortiVoice is a sheet a user saved from Excel as "CSV UTF-8" with the
// six columns FortiVoice's import dialog maps.
func fortiVoice() string {
	f := &csvFile{header: strings.Split("Main number,Display name,Mobile number,Home number,Email,Description", ","), eol: "\r\n"}
	f.row(f.header)
	for _, p := range people {
		name := p.full()
		if name == "" {
			name = p.Company
		}
		main := p.Primary
		for _, v := range []string{p.Work, p.CoMain, p.Mobile, p.Home, p.Other} {
			if main == "" {
				main = v
			}
		}
		f.row([]string{main, name, p.Mobile, p.Home, email(p, 0), p.Notes})
	}
	return f.b.String()
}

// vcText escapes a vCard 3.0 text value.
func vcText(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, ",", `\,`, ";", `\;`).Replace(s)
}

// fold folds a content line at 75 bytes as Apple does for PHOTO.
func fold(line string) string {
	var b strings.Builder
	for len(line) > 75 {
		b.WriteString(line[:75] + "\r\n ")
		line = line[75:]
	}
	return b.String() + line
}

// iCloud is iCloud.com Contacts > Export vCard, or an iPhone sharing all
// contacts: version 3.0, Apple's lower-case type= lists, itemN groups.
func iCloud() string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	photo := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, 8))
	for _, p := range people {
		item := 0
		grp := func() string { item++; return fmt.Sprintf("item%d.", item) }
		pref := func(kind string) string {
			if p.ApplePref == kind {
				return ";type=pref"
			}
			return ""
		}
		w("BEGIN:VCARD")
		w("VERSION:3.0")
		w("PRODID:-//Apple Inc.//iPhone OS 17.4.1//EN")
		w("N:" + vcText(p.Last) + ";" + vcText(p.First) + ";" + vcText(p.Middle) + ";;")
		if fn := p.full(); fn != "" {
			w("FN:" + vcText(fn))
		} else {
			w("FN:" + vcText(p.Company))
		}
		if p.Nick != "" {
			w("NICKNAME:" + vcText(p.Nick))
		}
		if p.Company != "" {
			w("ORG:" + vcText(p.Company) + ";" + vcText(p.Dept))
		}
		if p.Job != "" {
			w("TITLE:" + vcText(p.Job))
		}
		for i, e := range p.Emails {
			kind := "WORK"
			if strings.Contains(e, "home") || p.First == "Kenji" {
				kind = "HOME"
			}
			pr := ""
			if i == 0 {
				pr = ";type=pref"
			}
			w("EMAIL;type=INTERNET;type=" + kind + pr + ":" + e)
		}
		switch {
		case p.Mobile != "" && p.AppleMobileLabel:
			g := grp()
			w(g + "TEL" + pref("mobile") + ":" + p.Mobile)
			w(g + "X-ABLabel:_$!<Mobile>!$_")
		case p.Mobile != "" && p.AppleIPhone:
			w("TEL;type=IPHONE;type=CELL;type=VOICE" + pref("mobile") + ":" + p.Mobile)
		case p.Mobile != "":
			w("TEL;type=CELL;type=VOICE" + pref("mobile") + ":" + p.Mobile)
		}
		if p.Home != "" {
			w("TEL;type=HOME;type=VOICE" + pref("home") + ":" + p.Home)
		}
		if p.Work != "" {
			w("TEL;type=WORK;type=VOICE" + pref("work") + ":" + p.Work)
		}
		if p.Work2 != "" {
			g := grp()
			w(g + "TEL:" + p.Work2)
			w(g + "X-ABLabel:Direct line")
		}
		if p.CoMain != "" {
			w("TEL;type=MAIN" + pref("main") + ":" + p.CoMain)
		}
		if p.WorkFax != "" {
			w("TEL;type=WORK;type=FAX" + pref("fax") + ":" + p.WorkFax)
		}
		if p.Pager != "" {
			w("TEL;type=PAGER:" + p.Pager)
		}
		if p.Other != "" {
			g := grp()
			w(g + "TEL:" + p.Other)
			w(g + "X-ABLabel:_$!<Other>!$_")
		}
		for _, a := range []struct {
			kind string
			a    addr
		}{{"HOME", p.HomeAddr}, {"WORK", p.WorkAddr}} {
			if a.a.zero() {
				continue
			}
			g := grp()
			w(g + "ADR;type=" + a.kind + ";type=pref:;;" + vcText(a.a.Street) + ";" + vcText(a.a.City) + ";" +
				vcText(a.a.Region) + ";" + vcText(a.a.Zip) + ";" + vcText(a.a.Country))
			w(g + "X-ABADR:" + p.CountryCode)
		}
		if p.Notes != "" {
			w("NOTE:" + vcText(p.Notes))
		}
		if p.Birthday != "" {
			w("BDAY:" + p.Birthday)
		}
		if p.First == "" && p.Last == "" {
			w("X-ABShowAs:COMPANY")
		}
		if p.First == "Jane" {
			w(fold("PHOTO;ENCODING=b;TYPE=JPEG:" + photo))
		}
		w("END:VCARD")
	}
	return b.String()
}

// googleVCard is Google Contacts' Export > "vCard (for iOS Contacts)".
func googleVCard() string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	for _, p := range people {
		item := 0
		w("BEGIN:VCARD")
		w("VERSION:3.0")
		fn := p.full()
		if fn == "" {
			fn = p.Company
		}
		w("FN:" + vcText(fn))
		w("N:" + vcText(p.Last) + ";" + vcText(p.First) + ";" + vcText(p.Middle) + ";;")
		if p.Nick != "" {
			w("NICKNAME:" + vcText(p.Nick))
		}
		for i, e := range p.Emails {
			kind := "WORK"
			if strings.Contains(e, "home") || p.First == "Kenji" {
				kind = "HOME"
			}
			pr := ""
			if i == 0 {
				pr = ";TYPE=pref"
			}
			w("EMAIL;TYPE=INTERNET;TYPE=" + kind + pr + ":" + e)
		}
		tel := func(types, v string) {
			if v == "" {
				return
			}
			if v == p.Primary {
				types += ";TYPE=pref"
			}
			w("TEL" + types + ":" + v)
		}
		tel(";TYPE=CELL", p.Mobile)
		tel(";TYPE=WORK", p.Work)
		tel(";TYPE=WORK", p.Work2)
		tel(";TYPE=HOME", p.Home)
		tel(";TYPE=MAIN", p.CoMain)
		tel(";TYPE=WORK;TYPE=FAX", p.WorkFax)
		tel(";TYPE=PAGER", p.Pager)
		if p.Other != "" {
			item++
			w(fmt.Sprintf("item%d.TEL:%s", item, p.Other))
			w(fmt.Sprintf("item%d.X-ABLabel:Other", item))
		}
		for _, a := range []struct {
			kind string
			a    addr
		}{{"HOME", p.HomeAddr}, {"WORK", p.WorkAddr}} {
			if a.a.zero() {
				continue
			}
			w("ADR;TYPE=" + a.kind + ":;;" + vcText(a.a.Street) + ";" + vcText(a.a.City) + ";" +
				vcText(a.a.Region) + ";" + vcText(a.a.Zip) + ";" + vcText(a.a.Country))
		}
		if p.Company != "" {
			w("ORG:" + vcText(p.Company))
		}
		if p.Job != "" {
			w("TITLE:" + vcText(p.Job))
		}
		if p.Birthday != "" {
			w("BDAY:" + p.Birthday)
		}
		if p.Notes != "" {
			w("NOTE:" + vcText(p.Notes))
		}
		cats := append([]string{}, p.Groups...)
		if p.Starred {
			cats = append(cats, "starred")
		}
		w("CATEGORIES:" + strings.Join(append(cats, "myContacts"), ","))
		w("END:VCARD")
	}
	return b.String()
}

// qp encodes s as quoted-printable the way Android's vCard composer does:
// every byte outside printable ASCII, and '=', as =XX, with soft line
// breaks ("=" CRLF) before 76 bytes.
func qp(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var tok string
		if c < 0x20 || c > 0x7E || c == '=' {
			tok = fmt.Sprintf("=%02X", c)
		} else {
			tok = string(c)
		}
		if n+len(tok) > 73 {
			b.WriteString("=\r\n")
			n = 0
		}
		b.WriteString(tok)
		n += len(tok)
	}
	return b.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '\n' {
			return false
		}
	}
	return true
}

// android21 is Android Contacts' Export to .vcf (vCard 2.1): bare type
// parameters, non-ASCII text as CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE.
func android21() string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	text := func(name, v string) {
		if ascii(v) {
			w(name + ":" + v)
			return
		}
		w(name + ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + qp(v))
	}
	for _, p := range people {
		w("BEGIN:VCARD")
		w("VERSION:2.1")
		n := strings.Join([]string{p.Last, p.First, p.Middle, "", ""}, ";")
		text("N", n)
		fn := p.full()
		if fn == "" {
			fn = p.Company
		}
		text("FN", fn)
		if p.Nick != "" {
			text("X-ANDROID-CUSTOM", "vnd.android.cursor.item/nickname;"+p.Nick+";1;;;;;;;;;;;;;")
		}
		tel := func(types, v string) {
			if v != "" {
				w("TEL;" + types + ":" + v)
			}
		}
		tel("CELL", p.Mobile)
		tel("WORK", p.Work)
		tel("WORK", p.Work2)
		tel("HOME", p.Home)
		tel("X-Main", p.CoMain)
		tel("WORK;FAX", p.WorkFax)
		tel("PAGER", p.Pager)
		tel("VOICE", p.Other)
		for i, e := range p.Emails {
			if i == 0 {
				w("EMAIL;PREF;WORK:" + e)
			} else {
				w("EMAIL;HOME:" + e)
			}
		}
		if !p.HomeAddr.zero() {
			a := p.HomeAddr
			text("ADR;HOME", strings.Join([]string{"", "", a.Street, a.City, a.Region, a.Zip, a.Country}, ";"))
		}
		if !p.WorkAddr.zero() {
			a := p.WorkAddr
			text("ADR;WORK", strings.Join([]string{"", "", a.Street, a.City, a.Region, a.Zip, a.Country}, ";"))
		}
		if p.Company != "" {
			text("ORG", p.Company)
		}
		if p.Job != "" {
			text("TITLE", p.Job)
		}
		if p.Notes != "" {
			text("NOTE", p.Notes)
		}
		if p.Birthday != "" {
			w("BDAY:" + p.Birthday)
		}
		w("END:VCARD")
	}
	return b.String()
}

func windows1252(s string) []byte {
	enc := charmap.Windows1252
	var out []byte
	for _, r := range s {
		if c, ok := enc.EncodeRune(r); ok {
			out = append(out, c)
		} else {
			out = append(out, '?') // what Outlook writes for a character the code page lacks
		}
	}
	return out
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func main() {
	bom := "\uFEFF"
	files := map[string][]byte{
		"outlook_windows1252.csv": windows1252(outlookDesktop()),
		"outlook_utf16le.csv":     utf16LE(outlookDesktop()),
		"outlookcom.csv":          []byte(bom + outlookCom()),
		"google.csv":              []byte(bom + googleCurrent(false)),
		"google_legacy.csv":       utf16LE(googleCurrent(true)),
		"google_outlook.csv":      []byte(googleOutlookCSV()),
		"fortivoice.csv":          []byte(bom + fortiVoice()),
		"icloud.vcf":              []byte(iCloud()),
		"google.vcf":              []byte(googleVCard()),
		"android21.vcf":           []byte(android21()),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join("testdata", "exports", name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
