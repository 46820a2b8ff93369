package contacts

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReadCSV checks that ReadCSV never panics, stays within its limits,
// and that every valid contact it accepts survives Export then ReadCSV.
func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
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
