// Command faxfile turns a document into a fax file, or a fax file into a
// PDF: what the portal does when a user sends a PDF, photo or TIFF, and
// when they download a received fax.
//
// Usage:
//
//	go run ./examples/faxfile IN.(pdf|png|jpg|tif) OUT.(tif|pdf) [flags]
//
// The input's kind is recognised from its content. Scanned PDFs (one image
// a page) are read in Go; other PDFs are rendered by poppler's pdftoppm
// (Debian poppler-utils). An input TIFF that is
// already a fax keeps its pages as they are; other images are scaled to the
// fax width and halftoned (-halftone). OUT.tif is a TIFF-F file coded as
// -coding says; OUT.pdf has one page per fax page at its physical size.
//
// A dynamic cover page is added before the document when any -cover-…
// field is given, or an uploaded one with -cover FILE (a JPEG, PNG or
// one-page PDF). -header stamps a fax header line (time, -header's sender,
// -station, page n/m) across the top of every page, the cover included.
//
// Flags may come before or after the file names. OUT is written to a
// temporary file beside it and renamed into place only when everything
// succeeded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/telekit/telekit/fax"
	"github.com/telekit/telekit/internal/cli"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "faxfile:", err)
		os.Exit(1)
	}
}

type options struct {
	conv    fax.ConvertOptions
	coding  fax.Coding
	cover   fax.CoverPage
	coverIn string
	header  fax.Header
	stamp   bool
}

// run converts as args say, at time now, reporting on stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("faxfile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	res := fs.String("res", "fine", "resolution: standard, fine, superfine, 200dpi, 300dpi or 400dpi")
	coding := fs.String("coding", "mmr", "TIFF coding: mh, mr or mmr")
	size := fs.String("size", "A4", "paper: A4, letter, legal or unlimited")
	halftone := fs.String("halftone", "auto", "auto, threshold (text) or dither (photos)")
	var o options
	fs.StringVar(&o.cover.To, "cover-to", "", "cover page: recipient")
	fs.StringVar(&o.cover.From, "cover-from", "", "cover page: sender's name")
	fs.StringVar(&o.cover.Email, "cover-email", "", "cover page: sender's email")
	fs.StringVar(&o.cover.Company, "cover-company", "", "cover page: sender's company")
	fs.StringVar(&o.cover.Subject, "cover-subject", "", "cover page: subject")
	fs.StringVar(&o.cover.Comments, "cover-comments", "", "cover page: comments")
	fs.StringVar(&o.coverIn, "cover", "", "an uploaded cover page: a JPEG, PNG or one-page PDF")
	fs.StringVar(&o.header.Sender, "header", "", "stamp a header line with this sender name on every page")
	fs.StringVar(&o.header.StationID, "station", "", "the station ID (fax number) in the header line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: faxfile IN.(pdf|png|jpg|tif) OUT.(tif|pdf) [-res fine] [-coding mh|mr|mmr] [-cover-to … -cover-from …] [-header NAME]")
		fs.PrintDefaults()
	}
	files, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		fs.Usage()
		return fmt.Errorf("want an input and an output file, got %d names", len(files))
	}
	if o.conv.Resolution, err = fax.ParseResolution(*res); err != nil {
		return err
	}
	if o.conv.Size, err = fax.ParsePageSize(*size); err != nil {
		return err
	}
	switch *halftone {
	case "auto":
	case "threshold":
		o.conv.Halftone = fax.HalftoneThreshold
	case "dither":
		o.conv.Halftone = fax.HalftoneDither
	default:
		return fmt.Errorf("-halftone %q: want auto, threshold or dither", *halftone)
	}
	switch strings.ToLower(*coding) {
	case "mh":
		o.coding = fax.MH
	case "mr":
		o.coding = fax.MR
	case "mmr":
		o.coding = fax.MMR
	default:
		return fmt.Errorf("-coding %q: want mh, mr or mmr", *coding)
	}
	o.stamp = o.header.Sender != "" || o.header.StationID != ""
	o.header.Time, o.cover.Time = now, now
	in, out := files[0], files[1]
	ext := strings.ToLower(filepath.Ext(out))
	if ext != ".tif" && ext != ".tiff" && ext != ".pdf" {
		return fmt.Errorf("%s: want a .tif or .pdf output", out)
	}
	stats, err := convert(ctx, in, out, ext == ".pdf", o, now)
	if err != nil {
		return err
	}
	rows, bad := 0, 0
	for _, s := range stats {
		rows += s.Rows
		bad += s.BadRows
	}
	fmt.Fprintf(stdout, "%s -> %s: %d page(s), %d rows, %v", in, out, len(stats), rows, o.conv.Resolution)
	if ext != ".pdf" {
		fmt.Fprintf(stdout, ", %v", o.coding)
	}
	if bad > 0 {
		fmt.Fprintf(stdout, ", %d damaged rows", bad)
	}
	fmt.Fprintln(stdout)
	return nil
}

// document opens the input, with the cover page and header the options ask
// for.
func document(ctx context.Context, in string, o options) (fax.Document, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := fax.Convert(ctx, f, o.conv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in, err)
	}
	var cover fax.Document
	if o.coverIn != "" {
		if cover, err = uploadedCover(ctx, o.coverIn, o.conv); err != nil {
			doc.Close()
			return nil, err
		}
	} else if o.cover != (fax.CoverPage{Time: o.cover.Time}) {
		if pc, ok := doc.(fax.PageCounter); ok && pc.PageCount() > 0 {
			o.cover.Pages = pc.PageCount() + 1
		}
		p, err := o.cover.Render(o.conv)
		if err != nil {
			doc.Close()
			return nil, err
		}
		cover = fax.Pages(p)
	}
	if cover != nil {
		doc = fax.Concat(cover, doc)
	}
	if o.stamp {
		return fax.StampHeader(doc, o.header)
	}
	return doc, nil
}

// uploadedCover reads a one-page cover sheet.
func uploadedCover(ctx context.Context, path string, opt fax.ConvertOptions) (fax.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := fax.Convert(ctx, f, opt)
	if err != nil {
		return nil, fmt.Errorf("cover %s: %w", path, err)
	}
	defer doc.Close()
	p, err := doc.NextPage()
	if err != nil {
		return nil, fmt.Errorf("cover %s: %w", path, err)
	}
	// Read the page now: the next NextPage would invalidate it.
	var rows [][]byte
	for {
		r := make([]byte, p.RowBytes())
		err := p.Rows.ReadRow(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cover %s: %w", path, err)
		}
		rows = append(rows, r)
	}
	if _, err := doc.NextPage(); err != io.EOF {
		return nil, fmt.Errorf("cover %s: a cover page must be one page only", path)
	}
	q := *p
	q.Length, q.Rows = len(rows), fax.MemRows(rows)
	return fax.Pages(&q), nil
}

// convert writes the document to out, durably: a temporary file in out's
// directory, synced, renamed over out, and the directory synced. On error
// out is untouched.
func convert(ctx context.Context, in, out string, pdf bool, o options, now time.Time) ([]fax.PageStats, error) {
	doc, err := document(ctx, in, o)
	if err != nil {
		return nil, err
	}
	defer doc.Close()
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w interface {
		fax.PageWriter
		Close() error
	}
	if pdf {
		w = fax.NewPDFWriter(tmp)
	} else {
		total := 0
		if pc, ok := doc.(fax.PageCounter); ok {
			total = pc.PageCount()
		}
		tw, err := fax.NewTIFFWriter(tmp, fax.TIFFOptions{Coding: o.coding, Software: "telekit faxfile", Time: now, Pages: total})
		if err != nil {
			return nil, err
		}
		w = tw
	}
	stats, err := fax.Copy(w, doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (nothing written to %s)", in, err, out)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return stats, fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return stats, nil
}
