// Command importcontacts shows what importing a contacts file would do,
// and with -commit does it: the same preview, match rules and all-or-nothing
// commit that the portal's Import dialog uses.
//
// Usage:
//
//	go run ./examples/importcontacts [-dialect auto] [-match number|name]
//	    [-rule skip|update|replace|keep-both] [-delete-first]
//	    [-country-code CC -trunk-prefix P -national-digits N]
//	    [-commit -data DIR -owner EXT] FILE.(csv|vcf)
//
// The file may be a CSV export of Outlook, Outlook.com, Google Contacts or
// a FortiVoice-style six-column file (in UTF-8, UTF-16 or Windows-1252),
// or a vCard file (iCloud, Google). -dialect auto recognises which from
// the content; naming one (csv, vcard, outlook, outlook.com, google,
// google-legacy, fortivoice) refuses a file that is something else.
//
// The preview (counts, then one line per row with its reason) goes to
// stdout, compared with the owner's contacts in the store when -data is
// given, else with none. A progress bar is drawn on stderr while a large
// file (over 1 MB) is read. -commit applies the preview to the SQLite
// store in -data as one transaction; -owner "" imports business contacts.
// Flags may come before or after the file name.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/internal/cli"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "importcontacts:", err)
		os.Exit(1)
	}
}

// progressThreshold is the file size from which a progress bar is drawn.
const progressThreshold = 1 << 20

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("importcontacts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dialect := fs.String("dialect", "auto", "file kind: auto, csv, vcard, outlook, outlook.com, google, google-legacy, fortivoice")
	match := fs.String("match", "number", "find existing contacts by number or name")
	rule := fs.String("rule", "skip", "for a contact that matches an existing one: skip, update, replace or keep-both")
	deleteFirst := fs.Bool("delete-first", false, "delete all existing contacts before importing")
	commit := fs.Bool("commit", false, "apply the import to the store in -data")
	data := fs.String("data", "", "data directory of the SQLite store")
	owner := fs.String("owner", "", "extension whose personal contacts these are (empty: business contacts)")
	cc := fs.String("country-code", "", "the PBX's country calling code, e.g. 1 or 33, for matching numbers")
	trunk := fs.String("trunk-prefix", "", "national trunk prefix, e.g. 1 or 0")
	nlen := fs.Int("national-digits", 0, "digits of a national number, e.g. 10 (NANP) or 9 (France)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: importcontacts [flags] FILE.(csv|vcf)")
		fs.PrintDefaults()
	}
	files, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return errors.New("one file name is needed")
	}
	opts := contacts.Options{DeleteAllFirst: *deleteFirst}
	switch *match {
	case "number":
		opts.MatchBy = contacts.MatchNumber
	case "name":
		opts.MatchBy = contacts.MatchName
	default:
		return fmt.Errorf("-match %q: want number or name", *match)
	}
	switch *rule {
	case "skip":
		opts.Rule = contacts.Skip
	case "update":
		opts.Rule = contacts.Update
	case "replace":
		opts.Rule = contacts.Replace
	case "keep-both":
		opts.Rule = contacts.KeepBoth
	default:
		return fmt.Errorf("-rule %q: want skip, update, replace or keep-both", *rule)
	}
	if *cc != "" || *nlen > 0 {
		opts.Plan = phonenumber.Plan{CountryCode: *cc, TrunkPrefix: *trunk, NationalLengths: phonenumber.Lengths{Min: *nlen, Max: *nlen}}
		if err := opts.Plan.Validate(); err != nil {
			return fmt.Errorf("numbering plan: %w", err)
		}
	}
	if *commit && *data == "" {
		return errors.New("-commit needs -data DIR")
	}

	raw, err := readWithProgress(files[0], stderr)
	if err != nil {
		return err
	}
	isVCard := contacts.IsVCard(raw)
	var f *contacts.File
	ropts := contacts.ReadOptions{Owner: *owner}
	if isVCard {
		f, err = contacts.ReadVCard(bytes.NewReader(raw), ropts)
	} else {
		f, err = contacts.ReadCSV(bytes.NewReader(raw), ropts)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	if err := checkDialect(*dialect, isVCard, f.Dialect); err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}

	var st *store.SQLite
	var existing []contacts.Contact
	if *data != "" {
		if st, err = store.Open(ctx, *data, nil); err != nil {
			return err
		}
		defer st.Close()
		if existing, err = st.List(ctx, *owner); err != nil {
			return err
		}
	}
	plan, err := contacts.Preview(existing, f.Rows, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s, %s, %d rows\n", files[0], f.Dialect, f.Encoding, len(f.Rows))
	fmt.Fprintf(stdout, "new %d, updated %d, deleted %d, ignored %d\n", plan.Counts.New, plan.Counts.Updated, plan.Counts.Deleted, plan.Counts.Ignored)
	for _, d := range plan.Details {
		where := "existing"
		if d.Row > 0 {
			where = fmt.Sprintf("row %d (line %d)", d.Row, d.Line)
		}
		fmt.Fprintf(stdout, "  %s %s %q: %s\n", where, d.Action, d.Name, d.Reason)
	}
	if !*commit {
		fmt.Fprintln(stdout, "preview only; run again with -commit -data DIR to import")
		return nil
	}
	if err := contacts.Commit(ctx, st, plan); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "committed %d changes\n", plan.Changes().Len())
	return nil
}

// checkDialect refuses a file that is not the kind the user named.
func checkDialect(want string, isVCard bool, got contacts.Dialect) error {
	names := map[string]contacts.Dialect{
		"outlook": contacts.DialectOutlook, "outlook.com": contacts.DialectOutlookCom,
		"google": contacts.DialectGoogle, "google-legacy": contacts.DialectGoogleLegacy,
		"fortivoice": contacts.DialectFortiVoice,
	}
	switch want {
	case "auto":
		return nil
	case "vcard", "csv":
		if isVCard != (want == "vcard") {
			return fmt.Errorf("-dialect %s, but the file is %s", want, got)
		}
		return nil
	}
	d, ok := names[strings.ToLower(want)]
	if !ok {
		return fmt.Errorf("-dialect %q is unknown", want)
	}
	if d != got {
		return fmt.Errorf("-dialect %s, but the file's header is %s", want, got)
	}
	return nil
}

// readWithProgress reads a file, drawing a progress bar on stderr when it
// is large.
func readWithProgress(name string, stderr io.Writer) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size > contacts.DefaultMaxBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, contacts.DefaultMaxBytes)
	}
	if size < progressThreshold {
		return io.ReadAll(fh)
	}
	buf := make([]byte, 0, size)
	chunk := make([]byte, 64<<10)
	last := -1
	for {
		n, err := fh.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if pct := int(int64(len(buf)) * 100 / size); pct != last {
			last = pct
			bar := strings.Repeat("#", pct/4) + strings.Repeat(".", 25-pct/4)
			fmt.Fprintf(stderr, "\rreading [%s] %3d%%", bar, pct)
		}
		if err == io.EOF {
			fmt.Fprintln(stderr)
			return buf, nil
		}
		if err != nil {
			fmt.Fprintln(stderr)
			return nil, err
		}
	}
}
