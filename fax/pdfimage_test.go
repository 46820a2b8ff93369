package fax

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/internal/interop"
)

// scanPage is one page of a hand-made scanned PDF: the image XObject's
// dictionary entries (without Length) and its stream bytes, drawn over a
// w × h point page.
type scanPage struct {
	w, h    float64
	imgDict string
	data    []byte
	content string // the page's content stream; "" draws the image over the page
}

// writeScanPDF writes a PDF of scanned pages the way scanners lay them out:
// catalog, page tree, and per page a page, its content and its image, with
// a classic xref table.
func writeScanPDF(pages []scanPage) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(body string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offs), body)
		if stream != nil {
			fmt.Fprintf(&b, "\nstream\n%s\nendstream", stream)
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 3+3*i))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)), nil)
	for i, p := range pages {
		n := 3 + 3*i
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents %d 0 R /Resources << /XObject << /Im0 %d 0 R >> >> >>", p.w, p.h, n+1, n+2), nil)
		content := p.content
		if content == "" {
			content = fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", p.w, p.h)
		}
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image %s /Length %d >>", p.imgDict, len(p.data)), p.data)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

func readDoc(t *testing.T, doc Document) [][][]byte {
	t.Helper()
	rows, _ := readAll(t, doc)
	return rows
}

// TestReadImagePDFOurs reads back what PDFWriter writes (one CCITT G4
// image a page): the pixels come back exactly.
func TestReadImagePDFOurs(t *testing.T) {
	doc := testDoc()
	var buf bytes.Buffer
	w := NewPDFWriter(&buf)
	for _, rows := range doc {
		if _, err := w.WritePage(&Page{Width: WidthA4, Resolution: Fine, Rows: MemRows(rows)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := ReadImagePDF(buf.Bytes(), ConvertOptions{Resolution: Fine, Size: SizeUnlimited})
	if err != nil {
		t.Fatal(err)
	}
	if n := d.(PageCounter).PageCount(); n != 3 {
		t.Fatalf("%d pages", n)
	}
	if diff := pagesDiff(doc, readDoc(t, d)); diff != "" {
		t.Fatalf("pages differ (-want +got):\n%.2000s", diff)
	}
}

// TestReadImagePDFCodings reads a hand-made scan in each image coding the
// reader takes, and checks each page's pixels against the same image.
func TestReadImagePDFCodings(t *testing.T) {
	const w, h = 64, 40
	rows := textRows(w, h, rand.New(rand.NewPCG(3, 3)))
	gray := make([]byte, 0, w*h)
	rgb := make([]byte, 0, 3*w*h)
	var bits []byte
	for _, r := range rows {
		for x := 0; x < w; x++ {
			v := byte(0xff)
			if r[x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			gray = append(gray, v)
			rgb = append(rgb, v, v, v)
		}
		for _, c := range r {
			bits = append(bits, ^c) // DeviceGray 1 bit: 1 is white
		}
	}
	flate := func(b []byte) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		return z.Bytes()
	}
	var jpg bytes.Buffer
	img := &image.Gray{Pix: gray, Stride: w, Rect: image.Rect(0, 0, w, h)}
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	mh := encodePage(t, Options{Coding: MH, Width: w}, rows)
	mmr := encodePage(t, Options{Coding: MMR, Width: w}, rows)
	mr := encodePage(t, Options{Coding: MR, Width: w, K: 2}, rows)
	inverted := make([]byte, len(bits))
	for i, c := range bits {
		inverted[i] = ^c
	}
	dims := fmt.Sprintf("/Width %d /Height %d", w, h)
	pages := []struct {
		name string
		dict string
		data []byte
	}{
		{"flate-gray", dims + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", flate(gray)},
		{"flate-rgb", dims + " /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/FlateDecode]", flate(rgb)},
		{"raw-1bit", dims + " /ColorSpace /DeviceGray /BitsPerComponent 1", bits},
		{"mask-decode", dims + " /ImageMask true /Decode [1 0]", inverted},
		{"jpeg", dims + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", jpg.Bytes()},
		{"ccitt-mh", dims + fmt.Sprintf(" /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K 0 /Columns %d /Rows %d >>", w, h), mh},
		{"ccitt-mr", dims + fmt.Sprintf(" /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K 2 /Columns %d >>", w), mr},
		{"ccitt-mmr-black1", dims + fmt.Sprintf(" /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d /BlackIs1 true >> /Decode [1 0]", w), mmr},
	}
	var scan []scanPage
	for _, p := range pages {
		// The page is the image's size at 204 × 196 dpi, so it maps 1:1
		// onto a fine fax page of the same width.
		scan = append(scan, scanPage{w: float64(w) * 72 / 204, h: float64(h) * 72 / 196, imgDict: p.dict, data: p.data})
	}
	opt := ConvertOptions{Resolution: Fine, Size: SizeUnlimited}
	d, err := ReadImagePDF(writeScanPDF(scan), opt)
	if err != nil {
		t.Fatal(err)
	}
	// The fax page is WidthA4 wide with the image centred.
	want := newRows(WidthA4, h)
	x0 := (WidthA4 - w) / 2
	for y, r := range rows {
		for x := 0; x < w; x++ {
			if r[x/8]&(0x80>>(x%8)) != 0 {
				setPixel(want[y], x0+x)
			}
		}
	}
	got := readDoc(t, d)
	if len(got) != len(pages) {
		t.Fatalf("%d pages, want %d", len(got), len(pages))
	}
	for i, p := range pages {
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("%s: pixels differ (-want +got):\n%.1000s", p.name, diff)
		}
	}
}

// TestReadImagePDFRefuses checks that what is not a plain scan is refused
// with ErrNotImagePDF and a reason, so Convert can fall back to pdftoppm.
func TestReadImagePDFRefuses(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("testdata", "text.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	img := "/Width 8 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8"
	data := make([]byte, 8)
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"text", text, "has text"},
		{"vector", writeScanPDF([]scanPage{{w: 72, h: 72, imgDict: img, data: data, content: "q 72 0 0 72 0 0 cm /Im0 Do Q 0 0 10 10 re f"}}), `"re" operator`},
		{"two images", writeScanPDF([]scanPage{{w: 72, h: 72, imgDict: img, data: data, content: "/Im0 Do /Im0 Do"}}), "more than one"},
		{"no image", writeScanPDF([]scanPage{{w: 72, h: 72, imgDict: img, data: data, content: "q Q"}}), "no image"},
		{"jbig2", writeScanPDF([]scanPage{{w: 72, h: 72, imgDict: img + " /Filter /JBIG2Decode", data: data}}), "JBIG2Decode is not read"},
		{"garbage", []byte("%PDF-1.4\nnot really"), "no document catalog"},
	}
	for _, c := range cases {
		_, err := ReadImagePDF(c.b, ConvertOptions{})
		if !errors.Is(err, ErrNotImagePDF) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrNotImagePDF with %q", c.name, err, c.want)
		}
	}
}

// TestConvertImagePDFWithoutPoppler converts a scan with no renderer
// installed, and says why a text PDF still needs one.
func TestConvertImagePDFWithoutPoppler(t *testing.T) {
	opt := ConvertOptions{PDFRenderer: "/nonexistent/pdftoppm"}
	gray := bytes.Repeat([]byte{0}, 16*16)
	scan := writeScanPDF([]scanPage{{w: 200, h: 200, imgDict: "/Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8", data: gray}})
	doc, err := Convert(context.Background(), bytes.NewReader(scan), opt)
	if err != nil {
		t.Fatal(err)
	}
	if pages := readDoc(t, doc); len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	text, _ := os.ReadFile(filepath.Join("testdata", "text.pdf"))
	_, err = Convert(context.Background(), bytes.NewReader(text), opt)
	if !errors.Is(err, ErrNoPDFRenderer) || !strings.Contains(err.Error(), "has text") {
		t.Fatalf("err = %v, want ErrNoPDFRenderer saying the PDF has text", err)
	}
}

// TestReadImagePDFPoppler compares our reading of a JPEG scan with
// poppler's rendering of the same file: the fax pages may differ only
// where halftoning a resampled edge falls either way.
func TestReadImagePDFPoppler(t *testing.T) {
	prog := interop.LookPath(t, "pdftoppm", "poppler-utils")
	const w, h = 850, 1100 // a Letter page at 100 dpi
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 0xff
	}
	for y := 100; y < 1000; y += 40 { // lines of "text"
		for x := 100; x < 750; x++ {
			if (x/7)%3 != 0 {
				for k := 0; k < 12; k++ {
					g.Pix[(y+k)*w+x] = 0
				}
			}
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, g, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	pdf := writeScanPDF([]scanPage{{w: 612, h: 792, imgDict: fmt.Sprintf("/Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", w, h), data: jpg.Bytes()}})
	opt := ConvertOptions{Resolution: Fine, Halftone: HalftoneThreshold, PDFRenderer: prog}
	ours, err := ReadImagePDF(pdf, opt)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := renderPDF(context.Background(), pdf, opt.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	a, b := readDoc(t, ours), readDoc(t, theirs)
	if len(a) != 1 || len(b) != 1 || len(a[0]) != len(b[0]) {
		t.Fatalf("pages %d and %d", len(a), len(b))
	}
	differ, black := 0, 0
	for y := range a[0] {
		for x := 0; x < WidthA4; x++ {
			pa := a[0][y][x/8]&(0x80>>(x%8)) != 0
			pb := b[0][y][x/8]&(0x80>>(x%8)) != 0
			if pa != pb {
				differ++
			}
			if pb {
				black++
			}
		}
	}
	t.Logf("%d of %d black pixels differ", differ, black)
	if black == 0 || differ*20 > black {
		t.Fatalf("%d pixels differ from poppler's %d black ones", differ, black)
	}
}

// FuzzReadImagePDF reads arbitrary bytes as a scanned PDF: no panic, and a
// PDF it accepts gives pages no larger than the limits.
func FuzzReadImagePDF(f *testing.F) {
	// Small seeds, without the xref table the reader does not need.
	page := func(img string, data []byte) []byte {
		return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 9 9]/Contents 4 0 R/Resources<</XObject<</I 5 0 R>>>>>>endobj 4 0 obj<</Length 8>>stream\n/I Do q Q\nendstream endobj 5 0 obj<</Subtype/Image%s/Length %d>>stream\n%s\nendstream endobj trailer<</Root 1 0 R>>", img, len(data), data)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 16))
	zw.Close()
	for _, seed := range [][]byte{
		page("/Width 8/Height 2/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/FlateDecode", z.Bytes()),
		page("/Width 8/Height 2/BitsPerComponent 1/Filter/CCITTFaxDecode/DecodeParms<</K -1/Columns 8>>", []byte{0xff, 0xff}),
		page("/Width 8/Height 2/ImageMask true/Decode[1 0]", []byte{0xf0, 0x0f}),
	} {
		if _, err := ReadImagePDF(seed, ConvertOptions{}); err != nil {
			f.Fatalf("seed %q: %v", seed, err)
		}
		f.Add(seed)
	}
	f.Add([]byte("%PDF-1.5\n1 0 obj<</Type/ObjStm/N 1/First 4/Length 22>>stream\n2 0 <</Type/Catalog>>\nendstream endobj"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Inputs are kept small, and pages are decoded but not scaled to a
		// fax page (placeImage is tested on its own): the fuzzer minimizes
		// each new input in time quadratic in its size, and with whole fax
		// pages made from every input it spent its runs minimizing.
		if len(b) > 512 {
			return
		}
		const maxPixels = 1 << 12
		doc, err := ReadImagePDF(b, ConvertOptions{MaxPixels: maxPixels})
		if err != nil {
			if !errors.Is(err, ErrNotImagePDF) {
				t.Fatalf("error %v does not wrap ErrNotImagePDF", err)
			}
			return
		}
		d := doc.(*imagePDF)
		for _, p := range d.pages {
			img, err := d.decodeImage(p.img)
			if err != nil {
				continue
			}
			if r := img.Bounds(); int64(r.Dx())*int64(r.Dy()) > maxPixels {
				t.Fatalf("a %v image passed MaxPixels", r)
			}
		}
	})
}

// TestReadImagePDFObjectStreams reads a PDF 1.5 file whose catalog and
// page tree are in a compressed object stream and whose trailer is an xref
// stream, as current scanners and Acrobat write them.
func TestReadImagePDFObjectStreams(t *testing.T) {
	objs := []string{
		"<< /Type /Catalog /Pages 3 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 72 72] /Contents 5 0 R /Resources << /XObject << /Im1 6 0 R >> >> >>",
	}
	var head, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", i+2, body.Len())
		body.WriteString(o + "\n")
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(append(head.Bytes(), body.Bytes()...))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	fmt.Fprintf(&b, "1 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n", head.Len(), z.Len(), z.Bytes())
	content := "q 72 0 0 72 0 0 cm /Im1 Do Q"
	fmt.Fprintf(&b, "5 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(content), content)
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 64 >>\nstream\n%s\nendstream\nendobj\n", make([]byte, 64))
	b.WriteString("7 0 obj\n<< /Type /XRef /Size 8 /Root 2 0 R /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n0\n%%EOF\n")
	d, err := ReadImagePDF(b.Bytes(), ConvertOptions{Resolution: Fine})
	if err != nil {
		t.Fatal(err)
	}
	pages := readDoc(t, d)
	if len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	// A black inch square: 204 pixels wide, 196 rows.
	if len(pages[0]) != 196 || pages[0][98][WidthA4/16] != 0xff {
		t.Fatalf("page of %d rows, middle byte %#x", len(pages[0]), pages[0][98][WidthA4/16])
	}
}
