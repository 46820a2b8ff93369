package fax

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	hhtiff "github.com/hhrutter/tiff"
)

// Halftone says how grey levels become black and white pixels.
type Halftone int

const (
	// HalftoneAuto thresholds line art and text and dithers photographs,
	// telling them apart by how much of the page is mid-grey.
	HalftoneAuto Halftone = iota
	// HalftoneThreshold makes each pixel black when darker than
	// ConvertOptions.Threshold: sharp text, flat photos.
	HalftoneThreshold
	// HalftoneDither spreads each pixel's error to its neighbours
	// (Floyd–Steinberg), so photographs keep their grey levels.
	HalftoneDither
)

// String returns "auto", "threshold" or "dither".
func (h Halftone) String() string {
	switch h {
	case HalftoneThreshold:
		return "threshold"
	case HalftoneDither:
		return "dither"
	}
	return "auto"
}

// ConvertOptions says how documents become fax pages. The zero value makes
// fine-resolution A4 pages with automatic halftoning.
type ConvertOptions struct {
	// Resolution of the pages made; zero means Fine. The row width is the
	// resolution's A4 width (Resolution.Width).
	Resolution Resolution
	// Size is the paper: an image longer than it is scaled down to fit.
	// Zero means A4; SizeUnlimited keeps every image's length.
	Size PageSize
	// Halftone chooses thresholding or dithering; zero means HalftoneAuto.
	Halftone Halftone
	// Threshold is the grey level (0–255) below which a pixel is black when
	// thresholding; zero means 128.
	Threshold uint8
	// PDFRenderer is the path of poppler's pdftoppm, which renders PDF
	// pages; empty means "pdftoppm" looked up in PATH. pdfinfo is looked up
	// beside it to count pages.
	PDFRenderer string
	// MaxBytes is the largest input accepted, in bytes; zero means 64 MiB.
	MaxBytes int64
	// MaxPixels is the largest image decoded or rendered, in pixels; zero
	// means 1<<26 (a Legal page at 600 dpi). Bigger inputs are refused before
	// their pixels are allocated.
	MaxPixels int64
}

func (o ConvertOptions) withDefaults() ConvertOptions {
	if o.Resolution == ResolutionUnknown {
		o.Resolution = Fine
	}
	if o.Size == SizeUnknown {
		o.Size = A4
	}
	if o.Threshold == 0 {
		o.Threshold = 128
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = 64 << 20
	}
	if o.MaxPixels == 0 {
		o.MaxPixels = 1 << 26
	}
	return o
}

// ErrUnknownFormat is returned by Convert for input that is not PDF, TIFF,
// PNG or JPEG.
var ErrUnknownFormat = errors.New("fax: input is not a PDF, TIFF, PNG or JPEG file")

// ErrTooLarge is wrapped by errors for inputs over ConvertOptions.MaxBytes
// or MaxPixels.
var ErrTooLarge = errors.New("fax: input too large")

// Convert reads a document (PDF, TIFF, PNG or JPEG, recognised by its
// content) and returns it as fax pages. A TIFF that is already a fax (1 bit
// a pixel at a standard fax width) keeps its pages, resolution and all;
// other images are scaled to the options' width and halftoned. Scanned
// PDFs (one image a page) are read in Go (see ReadImagePDF); other PDF
// pages are rendered by poppler's pdftoppm (Debian poppler-utils), and
// without it Convert returns an error wrapping ErrNoPDFRenderer that says
// why the PDF is not a plain scan. ctx bounds the renderer. The input is read whole (up
// to MaxBytes); pages are made as they are read.
func Convert(ctx context.Context, r io.Reader, opt ConvertOptions) (Document, error) {
	opt = opt.withDefaults()
	b, err := io.ReadAll(io.LimitReader(r, opt.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > opt.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, opt.MaxBytes)
	}
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		// Scans are read in Go; anything else is rendered by pdftoppm.
		doc, err := ReadImagePDF(b, opt)
		if err == nil {
			return doc, nil
		}
		doc, rerr := renderPDF(ctx, b, opt)
		if errors.Is(rerr, ErrNoPDFRenderer) {
			return nil, fmt.Errorf("%w; %v", rerr, err)
		}
		return doc, rerr
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return convertTIFF(b, opt)
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")), bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("fax: %w", err)
		}
		if int64(cfg.Width)*int64(cfg.Height) > opt.MaxPixels {
			return nil, fmt.Errorf("%w: %d×%d image", ErrTooLarge, cfg.Width, cfg.Height)
		}
		var img image.Image
		if b[0] == 0x89 {
			img, err = png.Decode(bytes.NewReader(b))
		} else {
			img, err = jpeg.Decode(bytes.NewReader(b))
		}
		if err != nil {
			return nil, fmt.Errorf("fax: %w", err)
		}
		p, err := ImagePage(img, opt)
		if err != nil {
			return nil, err
		}
		return Pages(p), nil
	}
	return nil, ErrUnknownFormat
}

// standardWidth reports whether w is one of the fax widths of T.4.
func standardWidth(w int) bool {
	switch w {
	case WidthA4, WidthB4, WidthA3, WidthA4300, WidthA4Super:
		return true
	}
	return false
}

// convertTIFF passes fax TIFFs through and converts the others page by page.
func convertTIFF(b []byte, opt ConvertOptions) (Document, error) {
	lim := TIFFLimits{MaxLength: int(min(opt.MaxPixels, 1<<20))}
	tr, err := ReadTIFF(bytes.NewReader(b), int64(len(b)), lim)
	if err == nil && allFaxWidth(tr) {
		return tr, nil
	}
	if err != nil && !errors.Is(err, ErrNotBilevel) {
		return nil, err
	}
	// Greyscale, colour or odd-width bilevel pages: decode each IFD with
	// hhrutter/tiff, then scale and halftone.
	offs, err := tiffIFDOffsets(b, 1000)
	if err != nil {
		return nil, err
	}
	var pages []*Page
	for i, off := range offs {
		cfg, err := hhtiff.DecodeConfigAt(bytes.NewReader(b), off)
		if err != nil {
			return nil, fmt.Errorf("fax: TIFF page %d: %w", i+1, err)
		}
		if int64(cfg.Width)*int64(cfg.Height) > opt.MaxPixels {
			return nil, fmt.Errorf("%w: TIFF page %d is %d×%d", ErrTooLarge, i+1, cfg.Width, cfg.Height)
		}
		img, err := hhtiff.DecodeAt(bytes.NewReader(b), off)
		if err != nil {
			return nil, fmt.Errorf("fax: TIFF page %d: %w", i+1, err)
		}
		p, err := ImagePage(img, opt)
		if err != nil {
			return nil, err
		}
		pages = append(pages, p)
	}
	return Pages(pages...), nil
}

func allFaxWidth(tr *TIFFReader) bool {
	for _, p := range tr.pages {
		if !standardWidth(p.width) {
			return false
		}
	}
	return true
}

// tiffIFDOffsets walks a TIFF's IFD chain, at most max long.
func tiffIFDOffsets(b []byte, max int) ([]int64, error) {
	if len(b) < 8 {
		return nil, &TIFFError{Reason: "too short"}
	}
	get16 := func(o int64) int64 {
		if b[0] == 'M' {
			return int64(b[o])<<8 | int64(b[o+1])
		}
		return int64(b[o]) | int64(b[o+1])<<8
	}
	get32 := func(o int64) int64 {
		if b[0] == 'M' {
			return get16(o)<<16 | get16(o+2)
		}
		return get16(o) | get16(o+2)<<16
	}
	var offs []int64
	for off := get32(4); off != 0; {
		if off+2 > int64(len(b)) || len(offs) == max {
			return nil, &TIFFError{Reason: "bad IFD chain"}
		}
		offs = append(offs, off)
		n := get16(off)
		if off+2+12*n+4 > int64(len(b)) {
			return nil, &TIFFError{Reason: "IFD past the end of the file"}
		}
		next := get32(off + 2 + 12*n)
		if next <= off && next != 0 {
			return nil, &TIFFError{Reason: "IFD chain goes backwards"}
		}
		off = next
	}
	return offs, nil
}

// ImagePage makes a fax page of an image whose resolution is unknown (a
// photo, a scan): scaled to the page width keeping its aspect (and down to
// the page length if longer), centred, transparent parts white, then
// thresholded or dithered as opt says. The page holds the scaled greyscale
// image (width × length bytes) and halftones it row by row as it is read.
func ImagePage(img image.Image, opt ConvertOptions) (*Page, error) {
	opt = opt.withDefaults()
	b := img.Bounds()
	if b.Empty() {
		return nil, errors.New("fax: empty image")
	}
	w := opt.Resolution.Width()
	xdpi, ydpi := opt.Resolution.DPI()
	// Fax pixels are not square: a source pixel w/srcW wide is that times
	// ydpi/xdpi rows tall.
	dw := float64(w)
	dh := float64(b.Dy()) * dw / float64(b.Dx()) * float64(ydpi) / float64(xdpi)
	return placeImage(img, dw, dh, opt)
}

// placeImage scales img to dw × dh pixels (fitted within the page) on a
// white page of the options' width, and returns it halftoned.
func placeImage(img image.Image, dw, dh float64, opt ConvertOptions) (*Page, error) {
	w := opt.Resolution.Width()
	if dw > float64(w) {
		dh, dw = dh*float64(w)/dw, float64(w)
	}
	if max := opt.Size.Rows(opt.Resolution); max > 0 && dh > float64(max) {
		dw, dh = dw*float64(max)/dh, float64(max)
	}
	h := int(math.Round(dh))
	if h < 1 {
		h = 1
	}
	if int64(w)*int64(h) > opt.MaxPixels {
		return nil, fmt.Errorf("%w: a %d×%d page", ErrTooLarge, w, h)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 0xff
	}
	x0 := (w - int(math.Round(dw))) / 2
	dst := image.Rect(x0, 0, x0+max(1, int(math.Round(dw))), h)
	src := toGray(img)
	if src.Rect.Min != (image.Point{}) {
		src = &image.Gray{Pix: src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y):], Stride: src.Stride, Rect: image.Rect(0, 0, src.Rect.Dx(), src.Rect.Dy())}
	}
	resampleInto(g, dst, src)
	return GrayPage(g, opt), nil
}

// GrayPage returns a page of a greyscale image already at the page's
// width (a multiple of 8) and resolution, halftoned as opt says as its rows
// are read. It keeps g.
func GrayPage(g *image.Gray, opt ConvertOptions) *Page {
	opt = opt.withDefaults()
	mode := opt.Halftone
	if mode == HalftoneAuto {
		mode = HalftoneThreshold
		if isPhoto(g) {
			mode = HalftoneDither
		}
	}
	w := g.Rect.Dx() &^ 7
	return &Page{
		Width:      w,
		Length:     g.Rect.Dy(),
		Resolution: opt.Resolution,
		Size:       opt.Size,
		Rows:       &grayRows{g: g, mode: mode, threshold: int(opt.Threshold), width: w},
	}
}

// isPhoto reports whether much of g is mid-grey, as photographs are and
// text and line art (even anti-aliased) are not.
func isPhoto(g *image.Gray) bool {
	var mid, n int
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y += 2 {
		row := g.Pix[(y-g.Rect.Min.Y)*g.Stride:]
		for x := 0; x < g.Rect.Dx(); x += 2 {
			if v := row[x]; v > 48 && v < 208 {
				mid++
			}
			n++
		}
	}
	return n > 0 && mid*100/n >= 20
}

// grayRows halftones a greyscale image a row at a time; dithering keeps
// the error of one row for the next.
type grayRows struct {
	g         *image.Gray
	mode      Halftone
	threshold int
	width     int
	y         int
	err, next []int32 // dithering error for this row and the next, ×16
}

func (r *grayRows) ReadRow(row []byte) error {
	if len(row) != r.width/8 {
		return ErrRowLength
	}
	if r.y >= r.g.Rect.Dy() {
		return io.EOF
	}
	src := r.g.Pix[r.y*r.g.Stride : r.y*r.g.Stride+r.width]
	r.y++
	clear(row)
	if r.mode != HalftoneDither {
		t := byte(r.threshold)
		for x, v := range src {
			if v < t {
				row[x>>3] |= 0x80 >> (x & 7)
			}
		}
		return nil
	}
	if r.err == nil {
		r.err, r.next = make([]int32, r.width+2), make([]int32, r.width+2)
	}
	clear(r.next)
	for x, v := range src {
		want := int32(v)*16 + r.err[x+1]
		out := int32(255 * 16)
		if want < int32(r.threshold)*16 {
			out = 0
			row[x>>3] |= 0x80 >> (x & 7)
		}
		e := want - out
		r.err[x+2] += e * 7 / 16
		r.next[x] += e * 3 / 16
		r.next[x+1] += e * 5 / 16
		r.next[x+2] += e / 16
	}
	r.err, r.next = r.next, r.err
	return nil
}

// scaleInto scales src to fill dst.
func scaleInto(dst, src *image.Gray) { resampleInto(dst, dst.Rect, src) }
