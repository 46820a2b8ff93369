package fax

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/internal/interop"
)

// The tests in this file use SpanDSP, the fax engine of Asterisk and
// FreeSWITCH, as the real peer of the codec and of TIFF-F: its T.4 transmit
// context (t4_tx) reads a TIFF file and codes its pages as they go down the
// line; its receive context (t4_rx) decodes a page from the line, counts the
// damaged rows and writes the page into a TIFF-F file through libtiff.
// testdata/spandsp/harness.c drives both; it is compiled at test time with gcc
// against Debian's libspandsp-dev (0.0.6), so the module stays cgo-free.
//
// SpanDSP sends bits least significant first in each byte (the order T.30
// puts them on the line), hence LSBFirst on our side of every exchange.

// spanDSP is the compiled harness.
type spanDSP struct{ bin string }

// newSpanDSP compiles testdata/spandsp/harness.c, or skips the test (fails it
// under TELEKIT_INTEROP=required) when gcc or libspandsp-dev is missing.
func newSpanDSP(t *testing.T) *spanDSP {
	t.Helper()
	gcc := interop.LookPath(t, "gcc", "gcc")
	pc := interop.LookPath(t, "pkg-config", "pkg-config")
	flags, err := exec.Command(pc, "--cflags", "--libs", "spandsp").Output()
	if err != nil {
		interop.Missing(t, "SpanDSP's headers and library (Debian package libspandsp-dev)")
	}
	src, err := filepath.Abs("testdata/spandsp/harness.c")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "harness")
	args := append([]string{"-O1", "-Wall", "-o", bin, src}, strings.Fields(string(flags))...)
	args = append(args, "-ltiff", "-lm")
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", args, err, out)
	}
	return &spanDSP{bin: bin}
}

// spanPage is what the harness says of one page.
type spanPage struct {
	Page, Width, Length int
	XRes, YRes          int // pixels a metre (tx only)
	Bytes               int // coded size (tx only)
	Bad, Longest        int // bad rows, longest run of them (rx only)
}

func (s *spanDSP) run(t *testing.T, args ...string) []spanPage {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var pages []spanPage
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f)%2 != 0 {
			t.Fatalf("harness printed %q", line)
		}
		var p spanPage
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.Atoi(f[i+1])
			if err != nil {
				t.Fatalf("harness printed %q: %v", line, err)
			}
			switch f[i] {
			case "page":
				p.Page = v
			case "width":
				p.Width = v
			case "length":
				p.Length = v
			case "xres":
				p.XRes = v
			case "yres":
				p.YRes = v
			case "bytes":
				p.Bytes = v
			case "bad":
				p.Bad = v
			case "longest":
				p.Longest = v
			}
		}
		pages = append(pages, p)
	}
	return pages
}

// tx codes every page of the TIFF file tif with t4_tx, minBits the minimum
// row length in bits (0 for none), and returns each page's line bytes.
func (s *spanDSP) tx(t *testing.T, c Coding, minBits int, tif []byte) ([][]byte, []spanPage) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.tif")
	if err := os.WriteFile(in, tif, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := s.run(t, "tx", spanCoding(c), strconv.Itoa(minBits), in, filepath.Join(dir, "page"))
	var data [][]byte
	for i := range pages {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("page.%d", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b)
	}
	return data, pages
}

// rxPage is one coded page to give t4_rx, at its resolution.
type rxPage struct {
	data []byte
	res  Resolution
}

// rx decodes the line bytes of each page (coded c, width pixels wide) with
// t4_rx, which writes them into a TIFF file coded file; it returns the file
// and SpanDSP's figures for each page.
func (s *spanDSP) rx(t *testing.T, c Coding, width int, file Coding, pages []rxPage) ([]byte, []spanPage) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.tif")
	x, y := spanRes(pages[0].res)
	args := []string{"rx", spanCoding(c), strconv.Itoa(width), strconv.Itoa(x), strconv.Itoa(y), spanCoding(file), out}
	for i, p := range pages {
		_, y := spanRes(p.res)
		name := filepath.Join(dir, fmt.Sprintf("in.%d", i+1))
		if err := os.WriteFile(name, p.data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "yres="+strconv.Itoa(y), name)
	}
	st := s.run(t, args...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

func spanCoding(c Coding) string {
	switch c {
	case MH:
		return "1d"
	case MR:
		return "2d"
	}
	return "t6"
}

// spanRes is r in pixels a metre, as SpanDSP counts resolutions.
func spanRes(r Resolution) (x, y int) {
	switch r {
	case Standard:
		return 8031, 3850
	case Fine:
		return 8031, 7700
	case Superfine:
		return 8031, 15400
	}
	panic(fmt.Sprintf("spanRes: no SpanDSP code for %v", r))
}

// spanPages are the pages exchanged with SpanDSP at a width: text, the
// synthetic edge cases of testPages (runs across 2560 pixels, pixels in the
// first and last column, all black, random noise) and a 1-pixel
// checkerboard, the worst case for run-length codes.
func spanPages(width int) []testPage {
	pages := []testPage{{"text", width, textRows(width, 150, rand.New(rand.NewPCG(7, uint64(width))))}}
	for _, p := range testPages(width) {
		if p.name != "text" {
			pages = append(pages, p)
		}
	}
	return pages
}

var spanWidths = []int{WidthA4, WidthB4, WidthA3}

var spanResolutions = []Resolution{Standard, Fine, Superfine}

func readFile(t *testing.T, b []byte) ([][][]byte, []*Page, *TIFFReader) {
	t.Helper()
	r, err := ReadTIFF(bytes.NewReader(b), int64(len(b)), TIFFLimits{})
	if err != nil {
		t.Fatal(err)
	}
	doc, pages := readAll(t, r)
	return doc, pages, r
}

// TestSpanDSPEncodes is SpanDSP → us: a multi-page TIFF-F file written by our
// TIFFWriter is read by t4_tx (through libtiff), which codes each page for
// the line in MH, MR or MMR, with and without a minimum row length; our
// Decoder must give back every page bit for bit, with no damaged row. That
// t4_tx reports our width and resolution proves it understood our tags.
func TestSpanDSPEncodes(t *testing.T) {
	s := newSpanDSP(t)
	for _, width := range spanWidths {
		pages := spanPages(width)
		for _, res := range spanResolutions {
			var doc [][][]byte
			var buf bytes.Buffer
			w, err := NewTIFFWriter(&buf, TIFFOptions{Coding: MMR, Pages: len(pages)})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				if _, err := w.WritePage(&Page{Width: width, Resolution: res, Rows: MemRows(p.rows)}); err != nil {
					t.Fatal(err)
				}
				doc = append(doc, p.rows)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			x, y := spanRes(res)
			for _, tc := range []struct {
				c       Coding
				minBits int
			}{{MH, 0}, {MH, 192}, {MR, 0}, {MR, 480}, {MMR, 0}} {
				t.Run(fmt.Sprintf("%d/%v/%v-min%d", width, res, tc.c, tc.minBits), func(t *testing.T) {
					data, st := s.tx(t, tc.c, tc.minBits, buf.Bytes())
					if len(data) != len(pages) {
						t.Fatalf("t4_tx coded %d pages, want %d", len(data), len(pages))
					}
					for i, p := range pages {
						want := spanPage{Page: i + 1, Width: width, Length: len(p.rows), XRes: x, YRes: y, Bytes: len(data[i])}
						if diff := cmp.Diff(want, st[i]); diff != "" {
							t.Errorf("page %d (%s): t4_tx figures (-want +got):\n%s", i+1, p.name, diff)
						}
						got, ds, err := decodePage(t, Options{Coding: tc.c, Width: width, LSBFirst: true}, data[i])
						if err != nil {
							t.Fatalf("page %d (%s): %v", i+1, p.name, err)
						}
						if ds != (Stats{Rows: len(p.rows)}) {
							t.Errorf("page %d (%s): stats %+v, want %d rows and none bad", i+1, p.name, ds, len(p.rows))
						}
						if !equalRows(p.rows, got) {
							t.Errorf("page %d (%s): our decoding of SpanDSP's %v differs: %s", i+1, p.name, tc.c, firstDiff(p.rows, got))
						}
						if tc.minBits > 0 && tc.c != MMR {
							checkMinRow(t, data[i], len(p.rows), tc.minBits)
						}
					}
				})
			}
		}
	}
}

// checkMinRow checks that no coded row of a T.4 page (from one EOL to the
// next) is shorter than minBits, which is what fill bits are for: the
// check shows the figure reached SpanDSP, so the fill our decoder skipped
// was real.
func checkMinRow(t *testing.T, data []byte, rows, minBits int) {
	t.Helper()
	var eols []int
	zeros := 0
	for i := 0; i < len(data)*8; i++ {
		if data[i/8]>>(i%8)&1 == 0 { // LSB first
			zeros++
			continue
		}
		if zeros >= 11 {
			eols = append(eols, i+1)
		}
		zeros = 0
	}
	if len(eols) < rows+1 {
		t.Fatalf("found %d EOLs for %d rows", len(eols), rows)
	}
	for r := 1; r < rows; r++ {
		if n := eols[r] - eols[r-1]; n < minBits {
			t.Fatalf("row %d is %d bits, under the minimum %d", r, n, minBits)
		}
	}
}
