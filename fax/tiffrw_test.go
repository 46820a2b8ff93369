package fax

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	hhtiff "github.com/hhrutter/tiff"

	"github.com/telekit/telekit/internal/interop"
)

// testDoc is three different pages: text at fine, a short text page at
// standard, and the busy page's first rows at superfine.
func testDoc() [][][]byte {
	return [][][]byte{
		textRows(WidthA4, 300, rand.New(rand.NewPCG(1, 2))),
		textRows(WidthA4, 97, rand.New(rand.NewPCG(3, 4))),
		textRows(WidthA4, 150, rand.New(rand.NewPCG(5, 6))),
	}
}

var leOrder = binary.LittleEndian

var testRes = []Resolution{Fine, Standard, Superfine}

func writeTestTIFF(t testing.TB, opt TIFFOptions, doc [][][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewTIFFWriter(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i, rows := range doc {
		st, err := w.WritePage(&Page{Width: WidthA4, Resolution: testRes[i%3], Rows: MemRows(rows)})
		if err != nil {
			t.Fatal(err)
		}
		if st.Rows != len(rows) {
			t.Fatalf("page %d: wrote %d rows, want %d", i+1, st.Rows, len(rows))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads every page of doc into memory.
func readAll(t testing.TB, doc Document) ([][][]byte, []*Page) {
	t.Helper()
	var out [][][]byte
	var pages []*Page
	for {
		p, err := doc.NextPage()
		if err == io.EOF {
			return out, pages
		}
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]byte
		for {
			r := make([]byte, p.RowBytes())
			err := p.Rows.ReadRow(r)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("page %d row %d: %v", len(out)+1, len(rows), err)
			}
			rows = append(rows, r)
		}
		out = append(out, rows)
		pages = append(pages, p)
	}
}

var tiffCodings = []struct {
	name string
	opt  TIFFOptions
}{
	{"MH", TIFFOptions{Coding: MH}},
	{"MH-fill-lsb", TIFFOptions{Coding: MH, AlignEOL: true, LSBFirst: true}},
	{"MR", TIFFOptions{Coding: MR}},
	{"MR-fill", TIFFOptions{Coding: MR, AlignEOL: true}},
	{"MMR", TIFFOptions{Coding: MMR}},
}

func TestTIFFRoundTrip(t *testing.T) {
	doc := testDoc()
	for _, c := range tiffCodings {
		t.Run(c.name, func(t *testing.T) {
			b := writeTestTIFF(t, c.opt, doc)
			tr, err := ReadTIFF(bytes.NewReader(b), int64(len(b)), TIFFLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if tr.PageCount() != 3 {
				t.Errorf("PageCount = %d, want 3", tr.PageCount())
			}
			got, pages := readAll(t, tr)
			if diff := pagesDiff(doc, got); diff != "" {
				t.Fatalf("pages differ (-want +got):\n%.2000s", diff)
			}
			for i, p := range pages {
				if p.Resolution != testRes[i] || p.Coding != c.opt.Coding || p.Length != len(doc[i]) {
					t.Errorf("page %d: %v %v %d rows, want %v %v %d", i+1, p.Resolution, p.Coding, p.Length, testRes[i], c.opt.Coding, len(doc[i]))
				}
			}
		})
	}
}

// TestTIFFLibtiff has libtiff check our files: tiffinfo must read every
// page without a warning, and tiffcp's uncompressed copy must hold our
// pixels.
func TestTIFFLibtiff(t *testing.T) {
	info := interop.LookPath(t, "tiffinfo", "libtiff-tools")
	cp := interop.LookPath(t, "tiffcp", "libtiff-tools")
	doc := testDoc()
	when := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, c := range tiffCodings {
		t.Run(c.name, func(t *testing.T) {
			opt := c.opt
			opt.Software, opt.Time, opt.Pages = "telekit test", when, 3
			b := writeTestTIFF(t, opt, doc)
			dir := t.TempDir()
			in := filepath.Join(dir, "in.tif")
			if err := os.WriteFile(in, b, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(info, "-D", in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() != 0 {
				t.Fatalf("tiffinfo: %v\n%s", err, stderr.String())
			}
			for _, want := range []string{"Page Number: 2-3", "DateTime: 2025:03:04 05:06:07", "Software: telekit test", "Resolution: 204, 391 pixels/inch"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("tiffinfo output lacks %q:\n%s", want, out)
				}
			}
			raw := tiffcp(t, cp, b, "-c", "none")
			tr, err := ReadTIFF(bytes.NewReader(raw), int64(len(raw)), TIFFLimits{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := readAll(t, tr)
			if diff := pagesDiff(doc, got); diff != "" {
				t.Fatalf("libtiff's pixels differ from ours (-want +got):\n%.2000s", diff)
			}
		})
	}
}

// TestTIFFReadLibtiff reads what libtiff writes: multi-page MR, LZW and
// PackBits files made by tiffcp from ours.
func TestTIFFReadLibtiff(t *testing.T) {
	cp := interop.LookPath(t, "tiffcp", "libtiff-tools")
	doc := testDoc()
	b := writeTestTIFF(t, TIFFOptions{Coding: MMR}, doc)
	for _, args := range [][]string{
		{"-c", "g3:2d:fill", "-r", "16"},
		{"-c", "g3:1d", "-f", "lsb2msb"},
		{"-c", "lzw"},
		{"-c", "packbits", "-r", "7"},
		{"-c", "g4", "-r", "50"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out := tiffcp(t, cp, b, args...)
			tr, err := ReadTIFF(bytes.NewReader(out), int64(len(out)), TIFFLimits{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := readAll(t, tr)
			if diff := pagesDiff(doc, got); diff != "" {
				t.Fatalf("pages differ (-want +got):\n%.2000s", diff)
			}
		})
	}
}

// TestTIFFHhrutter has github.com/hhrutter/tiff, an independent reader,
// decode our MH and MMR pages.
func TestTIFFHhrutter(t *testing.T) {
	doc := testDoc()
	for _, c := range []TIFFOptions{{Coding: MH}, {Coding: MMR}} {
		b := writeTestTIFF(t, c, doc)
		off := int64(b[4]) | int64(b[5])<<8 | int64(b[6])<<16 | int64(b[7])<<24
		for i := range doc {
			img, err := hhtiff.DecodeAt(bytes.NewReader(b), off)
			if err != nil {
				t.Fatalf("%v page %d: %v", c.Coding, i+1, err)
			}
			if diff := pagesDiff([][][]byte{doc[i]}, [][][]byte{imageRows(img)}); diff != "" {
				t.Fatalf("%v page %d: hhrutter/tiff differs (-want +got):\n%.1000s", c.Coding, i+1, diff)
			}
			off = nextIFD(b, off)
		}
		if off != 0 {
			t.Errorf("%v: more than %d IFDs", c.Coding, len(doc))
		}
	}
}

func nextIFD(b []byte, off int64) int64 {
	n := int64(b[off]) | int64(b[off+1])<<8
	p := off + 2 + 12*n
	return int64(b[p]) | int64(b[p+1])<<8 | int64(b[p+2])<<16 | int64(b[p+3])<<24
}

// imageRows turns an image into our rows: dark pixels are black.
func imageRows(img image.Image) [][]byte {
	bnd := img.Bounds()
	rows := newRows((bnd.Dx()+7)&^7, bnd.Dy())
	for y := 0; y < bnd.Dy(); y++ {
		for x := 0; x < bnd.Dx(); x++ {
			if r, _, _, _ := img.At(bnd.Min.X+x, bnd.Min.Y+y).RGBA(); r < 0x8000 {
				setPixel(rows[y], x)
			}
		}
	}
	return rows
}

func TestTIFFBadRows(t *testing.T) {
	rows := textRows(WidthA4, 60, rand.New(rand.NewPCG(9, 9)))
	coded := encodePage(t, Options{Coding: MH, Width: WidthA4}, rows)
	coded[len(coded)/2] ^= 0x5a // damage a row or two
	dec, err := NewDecoder(bytes.NewReader(coded), Options{Coding: MH, Width: WidthA4})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := NewTIFFWriter(&buf, TIFFOptions{Coding: MMR})
	st, err := w.WritePage(&Page{Width: WidthA4, Resolution: Fine, Rows: dec})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st.BadRows == 0 {
		t.Fatal("no bad rows counted in a damaged page")
	}
	b := buf.Bytes()
	ti := readIFDTags(t, b)
	if ti[tBadFaxLines] != int64(st.BadRows) || ti[tCleanFaxData] != cleanFaxRegenerat {
		t.Errorf("BadFaxLines %d CleanFaxData %d, want %d and 1", ti[tBadFaxLines], ti[tCleanFaxData], st.BadRows)
	}
}

// readIFDTags returns the first value of each tag of the first IFD.
func readIFDTags(t *testing.T, b []byte) map[int]int64 {
	t.Helper()
	r := bytes.NewReader(b)
	off := int64(b[4]) | int64(b[5])<<8 | int64(b[6])<<16 | int64(b[7])<<24
	n := int64(b[off]) | int64(b[off+1])<<8
	m := map[int]int64{}
	for i := int64(0); i < n; i++ {
		e := b[off+2+12*i:]
		vals, err := ifdValues(r, int64(len(b)), leOrder, uint16(e[2])|uint16(e[3])<<8, int64(e[4])|int64(e[5])<<8, e[8:12])
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) > 0 {
			m[int(e[0])|int(e[1])<<8] = vals[0]
		}
	}
	return m
}

func TestTIFFLimits(t *testing.T) {
	b := writeTestTIFF(t, TIFFOptions{}, testDoc()[:1])
	// Declare a 32768 x 131072 page (4 GiB at one byte a pixel).
	huge := bytes.Clone(b)
	setTag(t, huge, tImageWidth, 1<<15)
	setTag(t, huge, tImageLength, 1<<17)
	// An uncompressed page whose strip holds 10 rows of the 24 it declares.
	rows := goldenPage()
	var raw []byte
	for _, r := range rows[:10] {
		raw = append(raw, r...)
	}
	short := writeTIFF(tiffInfo{width: WidthA4, height: len(rows), compression: 1, strip: raw})
	cases := []struct {
		name string
		b    []byte
		lim  TIFFLimits
		want string
	}{
		{"huge", huge, TIFFLimits{}, "length 131072 outside"},
		{"pages", writeTestTIFF(t, TIFFOptions{}, testDoc()), TIFFLimits{MaxPages: 2}, "more than 2 pages"},
		{"width", b, TIFFLimits{MaxWidth: 1000}, "width 1728 outside"},
		{"short", b[:7], TIFFLimits{}, "too short"},
		{"magic", []byte("II*\x01\x08\x00\x00\x00"), TIFFLimits{}, "magic"},
		{"strip", short, TIFFLimits{}, "uncompressed strip 0 has 2160 bytes for 24 rows of 216"},
	}
	for _, c := range cases {
		_, err := ReadTIFF(bytes.NewReader(c.b), int64(len(c.b)), c.lim)
		var te *TIFFError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a *TIFFError with %q", c.name, err, c.want)
		}
	}
}

// setTag overwrites the inline value of tag in the first IFD.
func setTag(t *testing.T, b []byte, tag uint16, v uint32) {
	off := int(leOrder.Uint32(b[4:]))
	n := int(leOrder.Uint16(b[off:]))
	for i := 0; i < n; i++ {
		e := b[off+2+12*i:]
		if leOrder.Uint16(e) == tag {
			leOrder.PutUint32(e[8:], v)
			return
		}
	}
	t.Fatalf("no tag %d", tag)
}

// FuzzReadTIFF reads arbitrary bytes as a TIFF: no panic, no page past the
// limits, never more rows than a page declares.
//
// Inputs are small on purpose: the fuzzer minimizes every new interesting
// input, trying every sub-range it could cut, which is quadratic in the
// input's size. With the 4 KB testdata files as seeds it spent whole runs
// minimizing (ten execs a minute in the status line, though each exec
// takes microseconds). So the seeds are two 64-pixel pages of 8 rows, a
// few hundred bytes, and inputs over maxInput are not read (their
// mutations would be minimized just as slowly; the fuzz cache of earlier
// runs still holds some). The real files are read by the other tests;
// testdata/fuzz/FuzzReadTIFF holds small LZW and PackBits files written by
// tiffcp and what the fuzzer found.
func FuzzReadTIFF(f *testing.F) {
	for _, seed := range fuzzTIFFSeeds(f) {
		f.Add(seed)
	}
	const maxLength, maxInput = 256, 1 << 10
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxInput {
			return
		}
		tr, err := ReadTIFF(bytes.NewReader(b), int64(len(b)), TIFFLimits{MaxWidth: 4096, MaxLength: maxLength, MaxPages: 4})
		if err != nil {
			var te *TIFFError
			if !errors.As(err, &te) {
				t.Fatalf("ReadTIFF error %v is not a *TIFFError", err)
			}
			return
		}
		for {
			p, err := tr.NextPage()
			if err != nil {
				return
			}
			if p.Length > maxLength || p.Width > 4096 {
				t.Fatalf("page %dx%d passed the limits", p.Width, p.Length)
			}
			row := make([]byte, p.RowBytes())
			n := 0
			for ; n <= p.Length; n++ {
				if err := p.Rows.ReadRow(row); err != nil {
					break
				}
			}
			if n > p.Length {
				t.Fatalf("read %d rows from a page of %d", n, p.Length)
			}
		}
	})
}

// fuzzTIFFSeeds returns small TIFF files: two-page files in each of our
// codings, and an uncompressed one-page file.
func fuzzTIFFSeeds(t testing.TB) [][]byte {
	const width = 64
	rows := textRows(width, 8, rand.New(rand.NewPCG(9, 9)))
	var seeds [][]byte
	for _, c := range tiffCodings {
		var buf bytes.Buffer
		w, err := NewTIFFWriter(&buf, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range []Resolution{Fine, Standard} {
			if _, err := w.WritePage(&Page{Width: width, Resolution: res, Rows: MemRows(rows)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	var raw []byte
	for _, r := range rows {
		raw = append(raw, r...)
	}
	return append(seeds, writeTIFF(tiffInfo{width: width, height: len(rows), compression: 1, strip: raw}))
}

// pagesDiff is cmp.Diff of two documents' rows, fast when they are equal
// (cmp walks [][]byte element by element).
func pagesDiff(want, got [][][]byte) string {
	same := len(want) == len(got)
	for i := 0; same && i < len(want); i++ {
		same = equalRows(want[i], got[i])
	}
	if same {
		return ""
	}
	return cmp.Diff(want, got)
}
