package contacts

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// exportHeader is Outlook's "Comma Separated Values" header, the columns
// this package fills, then five columns of its own that Outlook ignores
// and ReadCSV reads back, so that an export imports unchanged.
var exportHeader = []string{
	"Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
	"Business Street", "Business City", "Business State", "Business Postal Code", "Business Country/Region",
	"Home Street", "Home City", "Home State", "Home Postal Code", "Home Country/Region",
	"Business Fax", "Business Phone", "Home Phone", "Mobile Phone", "Other Phone", "Primary Phone",
	"E-mail Address", "E-mail 2 Address", "Notes",
	"Nickname", "Display Name", "SMS Address", "Main Phone Type", "Favorite", "Speed Dial",
}

// Export writes contacts as a CSV file that Outlook (and ReadCSV) imports:
// UTF-8 with BOM so Excel shows accents, CRLF line ends, Outlook's header.
// A cell starting with = + - @ tab, CR or ' is written with a "'" in front
// so that spreadsheets show it as text instead of running it as a formula
// (ReadCSV removes it again).
func Export(w io.Writer, contacts []Contact) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("export contacts: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(exportHeader); err != nil {
		return fmt.Errorf("export contacts: %w", err)
	}
	rec := make([]string, len(exportHeader))
	for _, c := range contacts {
		fav := ""
		if c.Favorite {
			fav = "yes"
		}
		main := ""
		if c.Main != PhoneUnknown {
			main = c.Main.String()
		}
		vals := []string{
			"", c.FirstName, "", c.LastName, "", c.Organization, "", c.JobTitle,
			c.WorkAddress.Street, c.WorkAddress.City, c.WorkAddress.Region, c.WorkAddress.PostalCode, c.WorkAddress.Country,
			c.HomeAddress.Street, c.HomeAddress.City, c.HomeAddress.Region, c.HomeAddress.PostalCode, c.HomeAddress.Country,
			c.Phones.Fax, c.Phones.Work, c.Phones.Home, c.Phones.Mobile, c.Phones.Other, c.MainNumber(),
			c.Emails[0], c.Emails[1], c.Description,
			c.Nickname, c.DisplayName, c.SMS, main, fav, FormatSpeedDial(c.SpeedDial),
		}
		for i, v := range vals {
			rec[i] = escapeCell(v)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("export contacts: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export contacts: %w", err)
	}
	return nil
}

func escapeCell(s string) string {
	if s != "" && strings.IndexByte(escapeFirst, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// FormatSpeedDial writes speed-dial slots as the CSV export's "Speed Dial"
// column does: "slot:type" pairs separated by ';' ("2:mobile;5:home").
// ParseSpeedDial reads it back.
func FormatSpeedDial(sd []SpeedDial) string {
	var b strings.Builder
	for i, s := range sd {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.Itoa(s.Slot))
		b.WriteByte(':')
		b.WriteString(s.Phone.String())
	}
	return b.String()
}
