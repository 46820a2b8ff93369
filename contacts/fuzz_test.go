package contacts

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReadCSV checks that ReadCSV never panics, stays within its limits,
// and that every valid contact it accepts survives Export then ReadCSV.
func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	more, _ := filepath.Glob(filepath.Join("testdata", "exports", "*.csv"))
	files = append(files, more...)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Name,Phone\n\"'=1+1\",\"'+1 555\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ReadCSV(bytes.NewReader(data), ReadOptions{MaxBytes: 1 << 16, MaxRows: 200})
		if err != nil {
			return
		}
		if len(file.Rows) > 200 {
			t.Fatalf("%d rows, over MaxRows", len(file.Rows))
		}
		var valid []Contact
		for _, r := range file.Rows {
			if r.Err == nil && r.Contact.Validate() == nil {
				valid = append(valid, r.Contact)
			}
		}
		var buf bytes.Buffer
		if err := Export(&buf, valid); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCSV(&buf, ReadOptions{})
		if err != nil {
			t.Fatalf("export of accepted data does not read back: %v", err)
		}
		var got []Contact
		for _, r := range back.Rows {
			if r.Err != nil {
				t.Fatalf("row %d: %v", r.Number, r.Err)
			}
			got = append(got, r.Contact)
		}
		if diff := cmp.Diff(valid, got); diff != "" {
			t.Fatalf("round trip mismatch (-exported +imported):\n%s", diff)
		}
	})
}

// FuzzReadVCard checks that ReadVCard never panics, stays within its
// limits, and that every valid contact it accepts survives ExportVCard then
// ReadVCard in both versions. Contacts holding a backslash are left out of
// the round trip: go-vcard's decoder turns "\\;" into "\;" before we see
// it, so a component ending in a backslash cannot be told from an escaped
// semicolon (a documented limit).
func FuzzReadVCard(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.vcf"))
	more, _ := filepath.Glob(filepath.Join("testdata", "exports", "*.vcf"))
	files = append(files, more...)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("BEGIN:VCARD\nVERSION:4.0\nN:a\\;b;c\nTEL;PREF=1;VALUE=uri:tel:+15551234567\nEND:VCARD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ReadVCard(bytes.NewReader(data), ReadOptions{MaxBytes: 1 << 16, MaxRows: 200})
		if err != nil {
			return
		}
		if len(file.Rows) > 200 {
			t.Fatalf("%d rows, over MaxRows", len(file.Rows))
		}
		var valid []Contact
		for _, r := range file.Rows {
			if r.Err == nil && r.Contact.Validate() == nil && !strings.Contains(fmt.Sprint(r.Contact), `\`) {
				valid = append(valid, normalizeVCard(r.Contact))
			}
		}
		for _, version := range []string{VCard3, VCard4} {
			var buf bytes.Buffer
			if err := ExportVCard(&buf, valid, version); err != nil {
				t.Fatal(err)
			}
			if len(valid) == 0 {
				continue
			}
			back, err := ReadVCard(&buf, ReadOptions{})
			if err != nil {
				t.Fatalf("export of accepted data does not read back: %v", err)
			}
			var got []Contact
			for _, r := range back.Rows {
				if r.Err != nil {
					t.Fatalf("row %d: %v", r.Number, r.Err)
				}
				got = append(got, r.Contact)
			}
			if diff := cmp.Diff(valid, got); diff != "" {
				t.Fatalf("%s round trip mismatch (-exported +imported):\n%s", version, diff)
			}
		}
	})
}

// normalizeVCard puts c in the form a vCard round trip keeps: text fields
// trimmed and with LF line ends, as ReadVCard returns them, and the second
// e-mail first when the first is empty.
func normalizeVCard(c Contact) Contact {
	if c.Emails[0] == "" {
		c.Emails = [2]string{c.Emails[1], ""}
	}
	return c
}
