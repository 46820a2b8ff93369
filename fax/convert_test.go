package fax

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	hhtiff "github.com/hhrutter/tiff"

	"github.com/telekit/telekit/internal/interop"
)

func pixel(rows [][]byte, x, y int) bool { return rows[y][x>>3]&(0x80>>(x&7)) != 0 }

func blackShare(rows [][]byte) float64 {
	black, n := 0, 0
	for _, r := range rows {
		for _, b := range r {
			for ; b != 0; b &= b - 1 {
				black++
			}
		}
		n += len(r) * 8
	}
	return float64(black) / float64(n)
}

func uniform(w, h int, v uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = v
	}
	return g
}

func onePage(t *testing.T, doc Document) ([][]byte, *Page) {
	t.Helper()
	pages, ps := readAll(t, doc)
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	return pages[0], ps[0]
}

func TestImagePageGeometry(t *testing.T) {
	// A 400×300 white image with a black square in the middle.
	img := uniform(400, 300, 255)
	for y := 100; y < 200; y++ {
		for x := 150; x < 250; x++ {
			img.SetGray(x, y, color.Gray{0})
		}
	}
	cases := []struct {
		res        Resolution
		wantWidth  int
		wantLength int
	}{
		{Fine, 1728, 1245},      // 300 × 1728/400 × 196/204
		{Standard, 1728, 623},   // × 98/204
		{R300, 2592, 1944},      // square pixels
		{Superfine, 1728, 2484}, // × 391/204
	}
	for _, c := range cases {
		p, err := ImagePage(img, ConvertOptions{Resolution: c.res})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := onePage(t, Pages(p))
		got := [2]int{p.Width, len(rows)}
		if diff := cmp.Diff([2]int{c.wantWidth, c.wantLength}, got); diff != "" {
			t.Errorf("%v: width, length (-want +got):\n%s", c.res, diff)
			continue
		}
		w, h := c.wantWidth, c.wantLength
		if !pixel(rows, w/2, h/2) || pixel(rows, w/4, h/2) || pixel(rows, w/2, h/8) {
			t.Errorf("%v: the square is not in the middle of the page", c.res)
		}
	}
}

func TestImagePageFitsLength(t *testing.T) {
	// A strip 10 times taller than wide must be scaled to the A4 length.
	p, err := ImagePage(uniform(100, 1000, 0), ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := onePage(t, Pages(p))
	if want := A4.Rows(Fine); len(rows) != want {
		t.Errorf("length %d, want A4's %d", len(rows), want)
	}
	if pixel(rows, 10, 100) || !pixel(rows, 864, 100) {
		t.Error("the strip is not centred with white beside it")
	}
	p, _ = ImagePage(uniform(100, 1000, 0), ConvertOptions{Size: SizeUnlimited})
	if p.Length <= A4.Rows(Fine) {
		t.Errorf("unlimited length %d, want the full strip", p.Length)
	}
}

func TestHalftone(t *testing.T) {
	cases := []struct {
		name     string
		grey     uint8
		mode     Halftone
		min, max float64 // share of black pixels
	}{
		{"threshold dark", 100, HalftoneThreshold, 1, 1},
		{"threshold light", 160, HalftoneThreshold, 0, 0},
		{"dither 25%", 192, HalftoneDither, 0.23, 0.27},
		{"dither 50%", 128, HalftoneDither, 0.48, 0.52},
		{"auto grey photo dithers", 128, HalftoneAuto, 0.48, 0.52},
		{"auto white stays white", 255, HalftoneAuto, 0, 0},
	}
	for _, c := range cases {
		p := GrayPage(uniform(WidthA4, 200, c.grey), ConvertOptions{Halftone: c.mode})
		rows, _ := onePage(t, Pages(p))
		if s := blackShare(rows); s < c.min || s > c.max {
			t.Errorf("%s: %.3f black, want %.2f..%.2f", c.name, s, c.min, c.max)
		}
	}
}

func TestConvertPNGAndTIFF(t *testing.T) {
	img := uniform(800, 600, 255)
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			img.SetGray(x, y, color.Gray{0})
		}
	}
	var pngBuf, tifBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	if err := hhtiff.Encode(&tifBuf, img, &hhtiff.Options{Compression: hhtiff.LZW}); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"png": pngBuf.Bytes(), "grey LZW tiff": tifBuf.Bytes()} {
		doc, err := Convert(context.Background(), bytes.NewReader(b), ConvertOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows, p := onePage(t, doc)
		if p.Width != WidthA4 || len(rows) != 1245 {
			t.Errorf("%s: %d×%d, want 1728×1245", name, p.Width, len(rows))
		}
		if !pixel(rows, 100, 100) || pixel(rows, 1700, 1200) {
			t.Errorf("%s: the top-left quarter is not black on white", name)
		}
	}
}

func TestConvertFaxTIFFPassesThrough(t *testing.T) {
	doc := testDoc()
	b := writeTestTIFF(t, TIFFOptions{Coding: MR}, doc)
	d, err := Convert(context.Background(), bytes.NewReader(b), ConvertOptions{Resolution: R300})
	if err != nil {
		t.Fatal(err)
	}
	got, pages := readAll(t, d)
	if diff := pagesDiff(doc, got); diff != "" {
		t.Fatalf("pages changed (-want +got):\n%s", diff)
	}
	if pages[0].Resolution != Fine {
		t.Errorf("resolution %v, want the file's fine", pages[0].Resolution)
	}
}

func TestConvertRefuses(t *testing.T) {
	var big bytes.Buffer
	png.Encode(&big, uniform(3000, 3000, 255))
	cases := []struct {
		name string
		in   []byte
		opt  ConvertOptions
		want error
	}{
		{"text", []byte("hello"), ConvertOptions{}, ErrUnknownFormat},
		{"bytes", big.Bytes(), ConvertOptions{MaxBytes: 100}, ErrTooLarge},
		{"pixels", big.Bytes(), ConvertOptions{MaxPixels: 1000 * 1000}, ErrTooLarge},
		{"no renderer", []byte("%PDF-1.4\n"), ConvertOptions{PDFRenderer: "/nonexistent/pdftoppm"}, ErrNoPDFRenderer},
	}
	for _, c := range cases {
		_, err := Convert(context.Background(), bytes.NewReader(c.in), c.opt)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestConvertPDF(t *testing.T) {
	interop.LookPath(t, "pdftoppm", "poppler-utils")
	b, err := os.ReadFile(filepath.Join("testdata", "text.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Convert(context.Background(), bytes.NewReader(b), ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	if n := doc.(PageCounter).PageCount(); n != 2 {
		t.Errorf("PageCount = %d, want 2", n)
	}
	pages, ps := readAll(t, doc)
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	// Page 1 is A4 (1687 pixels wide at 204 dpi, centred), page 2 Letter
	// (1734 wide, scaled to 1728). Each has text at the top and a black
	// box 200 × 50 points at (72, 100) from the bottom left.
	pt := func(v float64) int { return int(v / 72 * 196) } // points to fine rows
	wantLen := []int{A4.Rows(Fine), 2149}
	for i, rows := range pages {
		if ps[i].Width != WidthA4 || len(rows) != wantLen[i] {
			t.Errorf("page %d: %d×%d, want 1728×%d", i+1, ps[i].Width, len(rows), wantLen[i])
			continue
		}
		box := rows[len(rows)-pt(125) : len(rows)-pt(100)] // 100..150 pt from the bottom, less a margin
		if s := blackShare([][]byte{box[len(box)/2][30:60]}); s != 1 {
			t.Errorf("page %d: box row %.2f black, want 1", i+1, s)
		}
		if s := blackShare(rows[pt(60):pt(180)]); s < 0.01 || s > 0.3 {
			t.Errorf("page %d: text area %.3f black, want some text", i+1, s)
		}
		if s := blackShare(rows[len(rows)/2-100 : len(rows)/2]); s != 0 {
			t.Errorf("page %d: blank middle %.3f black", i+1, s)
		}
	}
}

func FuzzReadPNM(f *testing.F) {
	f.Add([]byte("P5\n# c\n3 2\n255\n\x00\x01\x02\x03\x04\x05"))
	f.Add([]byte("P4 9 2\n\xff\x80\x00\x00"))
	f.Add([]byte("P5 2 1 255\n\x00\x00P5 1 1 255\n\x07"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		for i := 0; i < 4; i++ {
			g, err := readPNM(r, 1<<16)
			if err != nil {
				if err != io.EOF && g != nil {
					t.Fatal("image with error")
				}
				return
			}
			if len(g.Pix) != g.Rect.Dx()*g.Rect.Dy() || len(g.Pix) > 1<<16 {
				t.Fatalf("%v image with %d pixels", g.Rect, len(g.Pix))
			}
		}
	})
}
