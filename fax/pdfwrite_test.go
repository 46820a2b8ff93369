package fax

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/telekit/telekit/internal/interop"
)

// TestPDFPoppler writes three pages at three resolutions to a PDF and has
// poppler check it: pdfinfo must count the pages and give each its physical
// size, and pdftoppm, rendering each page at its own resolution, must give
// back exactly our pixels.
func TestPDFPoppler(t *testing.T) {
	render := interop.LookPath(t, "pdftoppm", "poppler-utils")
	info := interop.LookPath(t, "pdfinfo", "poppler-utils")
	doc := testDoc()
	var buf bytes.Buffer
	w := NewPDFWriter(&buf)
	for i, rows := range doc {
		if _, err := w.WritePage(&Page{Width: WidthA4, Resolution: testRes[i], Rows: MemRows(rows)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fax.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(info, "-f", "1", "-l", "3", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("pdfinfo: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"Pages:           3", "Page    1 size:  609.882 x 110.204 pts", "Page    2 size:  609.882 x 71.265 pts", "Page    3 size:  609.882 x 27.621 pts"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, out)
		}
	}
	for i, rows := range doc {
		x, y := testRes[i].DPI()
		n := strconv.Itoa(i + 1)
		cmd := exec.Command(render, "-mono", "-f", n, "-l", n, "-rx", strconv.Itoa(x), "-ry", strconv.Itoa(y), path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() != 0 {
			t.Fatalf("pdftoppm page %d: %v\n%s", i+1, err, stderr.String())
		}
		g, err := readPNM(bufio.NewReader(bytes.NewReader(out)), 1<<24)
		if err != nil {
			t.Fatal(err)
		}
		got := imageRows(g)
		if diff := pagesDiff([][][]byte{rows}, [][][]byte{got}); diff != "" {
			t.Errorf("page %d: poppler's rendering differs (-want +got):\n%.2000s", i+1, diff)
		}
	}
}

func TestPDFWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	w := NewPDFWriter(&buf)
	if err := w.Close(); err == nil {
		t.Error("Close of an empty PDF succeeded")
	}
	w = NewPDFWriter(&buf)
	if _, err := w.WritePage(&Page{Width: 1000, Resolution: Fine, Rows: MemRows(nil)}); err == nil {
		t.Error("a 1000-pixel-wide page (not a multiple of 8) was accepted")
	}
	if _, err := w.WritePage(&Page{Width: WidthA4, Resolution: Fine, Rows: MemRows(nil)}); err == nil {
		t.Error("an empty page was accepted")
	}
}
