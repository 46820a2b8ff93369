package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/fax"
	"github.com/telekit/telekit/internal/interop"
)

var now = time.Date(2025, 3, 4, 15, 6, 0, 0, time.UTC)

func writePNG(t *testing.T, dir string) string {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range g.Pix {
		g.Pix[i] = 0xff
	}
	for y := 50; y < 100; y++ {
		for x := 50; x < 250; x++ {
			g.Pix[y*g.Stride+x] = 0
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "in.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type pageInfo struct {
	Width      int
	Resolution fax.Resolution
	Coding     fax.Coding
}

func readTIFFInfo(t *testing.T, path string) []pageInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := fax.ReadTIFF(bytes.NewReader(b), int64(len(b)), fax.TIFFLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var out []pageInfo
	for {
		p, err := tr.NextPage()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pageInfo{p.Width, p.Resolution, p.Coding})
	}
}

// TestRunFlagOrder: flags work before, between and after the file names.
func TestRunFlagOrder(t *testing.T) {
	dir := t.TempDir()
	in := writePNG(t, dir)
	out := filepath.Join(dir, "out.tif")
	for _, tc := range []struct {
		name string
		args []string
		want pageInfo
	}{
		{"flags first", []string{"-res", "standard", "-coding", "mh", in, out}, pageInfo{1728, fax.Standard, fax.MH}},
		{"flags last", []string{in, out, "-res", "300dpi", "-coding", "mr"}, pageInfo{2592, fax.R300, fax.MR}},
		{"flags between", []string{in, "-coding=mh", out, "-res=superfine"}, pageInfo{1728, fax.Superfine, fax.MH}},
		{"defaults", []string{in, out}, pageInfo{1728, fax.Fine, fax.MMR}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			if err := run(context.Background(), tc.args, &stdout, io.Discard, now); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]pageInfo{tc.want}, readTIFFInfo(t, out)); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			if !strings.Contains(stdout.String(), "1 page(s)") {
				t.Errorf("report %q", stdout.String())
			}
		})
	}
}

func TestCoverAndHeader(t *testing.T) {
	dir := t.TempDir()
	in := writePNG(t, dir)
	out := filepath.Join(dir, "out.tif")
	args := []string{in, out, "-cover-to", "Bob", "-cover-from", "Alice", "-cover-comments", "Two pages.", "-header", "Alice", "-station", "+1 555 0100"}
	if err := run(context.Background(), args, io.Discard, io.Discard, now); err != nil {
		t.Fatal(err)
	}
	if n := len(readTIFFInfo(t, out)); n != 2 {
		t.Errorf("%d pages, want the cover and the image", n)
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte("not a document"), 0o644)
	out := filepath.Join(dir, "out.tif")
	err := run(context.Background(), []string{in, out}, io.Discard, io.Discard, now)
	if err == nil || !strings.Contains(err.Error(), "not a PDF, TIFF, PNG or JPEG") {
		t.Fatalf("err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after a failed conversion, want only the input", len(entries))
	}
	for _, args := range [][]string{{in}, {in, out, "-res", "huge"}, {in, out, "-coding", "jbig"}, {in, filepath.Join(dir, "out.doc")}} {
		if err := run(context.Background(), args, io.Discard, io.Discard, now); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestPDFRoundTrip sends the two-page text PDF with a cover to TIFF, then
// the TIFF to PDF, and has pdfinfo count the pages.
func TestPDFRoundTrip(t *testing.T) {
	interop.LookPath(t, "pdftoppm", "poppler-utils")
	pdfinfo := interop.LookPath(t, "pdfinfo", "poppler-utils")
	dir := t.TempDir()
	tif, pdf := filepath.Join(dir, "fax.tif"), filepath.Join(dir, "fax.pdf")
	if err := run(context.Background(), []string{"../../fax/testdata/text.pdf", tif, "-cover-to", "Bob", "-header", "Alice"}, io.Discard, io.Discard, now); err != nil {
		t.Fatal(err)
	}
	if n := len(readTIFFInfo(t, tif)); n != 3 {
		t.Fatalf("%d pages in the TIFF, want 3", n)
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{tif, pdf}, &stdout, io.Discard, now); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdfinfo, pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Pages:           3") {
		t.Errorf("pdfinfo:\n%s", out)
	}
}
