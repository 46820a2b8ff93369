package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/store"
)

const fixtures = "../../contacts/testdata/"

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestPreviewThenCommit(t *testing.T) {
	dir := t.TempDir()
	// Flags after the file name, as users type them.
	out, _, err := runCmd(t, fixtures+"fortivoice.csv", "-rule", "update", "-country-code", "1", "-trunk-prefix", "1", "-national-digits", "10")
	if err != nil {
		t.Fatal(err)
	}
	want := `../../contacts/testdata/fortivoice.csv: FortiVoice, UTF-8, 5 rows
new 2, updated 0, deleted 0, ignored 3
  row 1 (line 2) add "Jane Doe": new contact
  row 2 (line 3) ignore "Jane D. (mobile)": duplicate of row 1
  row 3 (line 4) ignore "Nobody": no main number
  row 4 (line 5) ignore "Letters": "555-CALL-NOW" is not a telephone number: contains letters
  row 5 (line 6) add "Reception": new contact
preview only; run again with -commit -data DIR to import
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("preview mismatch (-want +got):\n%s", diff)
	}

	if _, _, err := runCmd(t, "-commit", "-data", dir, fixtures+"fortivoice.csv", "-owner", "101"); err != nil {
		t.Fatal(err)
	}
	// The same file again, matched against what is now stored.
	out, _, err = runCmd(t, "-data", dir, "-owner", "101", fixtures+"fortivoice.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "new 0, updated 0, deleted 0, ignored 5") || !strings.Contains(out, `matches Jane Doe by number; skipped`) {
		t.Errorf("second preview:\n%s", out)
	}
	st, err := store.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.List(context.Background(), "101")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name() != "Jane Doe" || got[1].Name() != "Reception" {
		t.Errorf("stored contacts: %+v", got)
	}
}

func TestVCardAndDialects(t *testing.T) {
	out, _, err := runCmd(t, "-dialect", "vcard", fixtures+"icloud.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "vCard, UTF-8, 4 rows") || !strings.Contains(out, "new 3, updated 0, deleted 0, ignored 1") {
		t.Errorf("vCard preview:\n%s", out)
	}
	for _, args := range [][]string{
		{fixtures + "icloud.vcf", "-dialect", "csv"},
		{fixtures + "google.csv", "-dialect", "outlook"},
		{fixtures + "google.csv", "-rule", "merge"},
		{fixtures + "google.csv", "-commit"},
		{"-dialect", "auto"},
	} {
		if _, _, err := runCmd(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if _, _, err := runCmd(t, fixtures+"google.csv", "-dialect", "google"); err != nil {
		t.Errorf("google.csv as google: %v", err)
	}
}

func TestProgressBarOnLargeFile(t *testing.T) {
	var cs []contacts.Contact
	for i := range 12_000 {
		cs = append(cs, contacts.Contact{FirstName: fmt.Sprint("F", i), LastName: "Last", Phones: contacts.Phones{Mobile: fmt.Sprintf("+1 555 %07d", i)}, Main: contacts.PhoneMobile,
			Description: strings.Repeat("x", 60)})
	}
	var buf bytes.Buffer
	if err := contacts.Export(&buf, cs); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < progressThreshold {
		t.Fatalf("file of %d bytes is too small to test the bar", buf.Len())
	}
	out, stderr, err := runCmd(t, name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "] 100%") || !strings.Contains(stderr, "\rreading [") {
		t.Errorf("no progress bar on stderr: %q", stderr[:min(len(stderr), 200)])
	}
	if !strings.Contains(out, "new 12000,") {
		t.Errorf("preview: %s", out[:min(len(out), 200)])
	}
}
