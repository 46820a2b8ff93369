package fax

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
)

// ErrNotImagePDF is wrapped by the error ReadImagePDF returns for a PDF
// that is not a plain scan: a page with text, vector drawing, more or
// fewer than one image, or an image coded in a way it does not read.
// Convert then renders the PDF with pdftoppm instead.
var ErrNotImagePDF = errors.New("fax: not an image-only PDF")

// imagePDF is a scanned PDF read without a renderer: each page is one
// image drawn over the whole page.
type imagePDF struct {
	f     *pdfFile
	opt   ConvertOptions
	pages []pdfPage
	next  int
}

// pdfPage is what a page of a scan holds: its size in points and its image.
type pdfPage struct {
	w, h float64 // MediaBox, in points (1/72 inch)
	img  *pdfStream
}

var _ Document = (*imagePDF)(nil)
var _ PageCounter = (*imagePDF)(nil)

// pdfMaxPages bounds the page tree walk of a file from outside.
const pdfMaxPages = 10000

// ReadImagePDF reads a scanned PDF in pure Go, without poppler: a PDF
// whose pages each draw one image (DCTDecode JPEG, CCITTFaxDecode fax
// data, or FlateDecode/unfiltered grey or RGB pixels) over the page and
// nothing else, as scanners and our PDFWriter write them. Pages are
// decoded as NextPage reaches them, scaled from the page's physical size
// to the fax resolution and halftoned as Convert does. Any other PDF is
// refused with an error wrapping ErrNotImagePDF that says why; text PDFs
// need Convert and pdftoppm.
func ReadImagePDF(b []byte, opt ConvertOptions) (Document, error) {
	opt = opt.withDefaults()
	f := newPDFFile(b)
	cat, err := f.root()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImagePDF, err)
	}
	d := &imagePDF{f: f, opt: opt}
	seen := map[any]bool{}
	if err := d.walk(cat["Pages"], nil, nil, seen, 0); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImagePDF, err)
	}
	if len(d.pages) == 0 {
		return nil, fmt.Errorf("%w: no pages", ErrNotImagePDF)
	}
	return d, nil
}

// walk collects the pages under node, with the resources and media box
// they inherit.
func (d *imagePDF) walk(node any, res pdfDict, box []any, seen map[any]bool, depth int) error {
	if depth > pdfMaxDepth {
		return errors.New("page tree too deep")
	}
	if r, ok := node.(pdfRef); ok {
		if seen[r] {
			return errors.New("page tree loops")
		}
		seen[r] = true
	}
	n, ok := d.f.resolve(node).(pdfDict)
	if !ok {
		return errors.New("missing page tree node")
	}
	if r, ok := d.f.resolve(n["Resources"]).(pdfDict); ok {
		res = r
	}
	if b, ok := d.f.resolve(n["MediaBox"]).([]any); ok {
		box = b
	}
	if n["Type"] != pdfName("Page") {
		kids, ok := d.f.resolve(n["Kids"]).([]any)
		if !ok {
			return errors.New("page tree node without Kids")
		}
		for _, k := range kids {
			if err := d.walk(k, res, box, seen, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if len(d.pages) >= pdfMaxPages {
		return fmt.Errorf("more than %d pages", pdfMaxPages)
	}
	p := pdfPage{w: 595.276, h: 841.89} // A4 when the file does not say
	if len(box) == 4 {
		x0, ok0 := d.f.number(box[0])
		y0, ok1 := d.f.number(box[1])
		x1, ok2 := d.f.number(box[2])
		y1, ok3 := d.f.number(box[3])
		if ok0 && ok1 && ok2 && ok3 {
			p.w, p.h = abs(x1-x0), abs(y1-y0)
		}
	}
	if r, ok := d.f.resolve(n["Rotate"]).(int64); ok && (r/90)%2 != 0 {
		return errors.New("rotated pages are not read")
	}
	if p.w < 1 || p.h < 1 || p.w > 14400 || p.h > 14400 {
		return fmt.Errorf("page %d: media box %.0f×%.0f points", len(d.pages)+1, p.w, p.h)
	}
	img, err := d.pageImage(n, res)
	if err != nil {
		return fmt.Errorf("page %d: %v", len(d.pages)+1, err)
	}
	p.img = img
	d.pages = append(d.pages, p)
	return nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// pageImage checks that the page's content draws one image XObject and
// nothing else (only q, Q, cm, gs, w and Do), and returns that image.
func (d *imagePDF) pageImage(page, res pdfDict) (*pdfStream, error) {
	var content []byte
	switch c := d.f.resolve(page["Contents"]).(type) {
	case *pdfStream:
		b, err := d.f.decodeStream(c, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("content: %v", err)
		}
		content = b
	case []any:
		for _, x := range c {
			s, ok := d.f.resolve(x).(*pdfStream)
			if !ok {
				return nil, errors.New("content is not a stream")
			}
			b, err := d.f.decodeStream(s, 1<<20)
			if err != nil {
				return nil, fmt.Errorf("content: %v", err)
			}
			content = append(append(content, b...), '\n')
		}
	default:
		return nil, errors.New("page has no content")
	}
	var draw pdfName
	l := &pdfLexer{b: content, ops: true}
	var last any
	for {
		v, err := l.value()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("content: %v", err)
		}
		op, ok := v.(pdfOp)
		if !ok {
			last = v
			continue
		}
		switch op {
		case "q", "Q", "cm", "gs", "w":
		case "Do":
			name, ok := last.(pdfName)
			if !ok || draw != "" {
				return nil, errors.New("draws more than one object")
			}
			draw = name
		case "BT", "Tj", "TJ", "'", "\"":
			return nil, errors.New("has text")
		default:
			return nil, fmt.Errorf("draws with the %q operator, not only an image", string(op))
		}
	}
	if draw == "" {
		return nil, errors.New("draws no image")
	}
	xobjs, _ := d.f.resolve(res["XObject"]).(pdfDict)
	s, ok := d.f.resolve(xobjs[draw]).(*pdfStream)
	if !ok || s.dict["Subtype"] != pdfName("Image") {
		return nil, fmt.Errorf("/%s is not an image", draw)
	}
	filters := d.f.filters(s.dict)
	if len(filters) > 1 {
		return nil, fmt.Errorf("image filters %v are not read", filters)
	}
	if len(filters) == 1 {
		switch filters[0] {
		case "DCTDecode", "CCITTFaxDecode", "FlateDecode":
		default:
			return nil, fmt.Errorf("image filter %s is not read", filters[0])
		}
	}
	return s, nil
}

// PageCount returns the number of pages.
func (d *imagePDF) PageCount() int { return len(d.pages) }

// Close does nothing: the PDF is in memory.
func (d *imagePDF) Close() error { return nil }

// NextPage decodes the next page's image and makes it a fax page the
// page's physical size.
func (d *imagePDF) NextPage() (*Page, error) {
	if d.next >= len(d.pages) {
		return nil, io.EOF
	}
	p := d.pages[d.next]
	d.next++
	img, err := d.decodeImage(p.img)
	if err != nil {
		return nil, fmt.Errorf("fax: PDF page %d: %w", d.next, err)
	}
	x, y := d.opt.Resolution.DPI()
	return placeImage(img, p.w/72*float64(x), p.h/72*float64(y), d.opt)
}

// decodeImage decodes an image XObject to pixels.
func (d *imagePDF) decodeImage(s *pdfStream) (image.Image, error) {
	f := d.f
	w, _ := f.resolve(s.dict["Width"]).(int64)
	h, _ := f.resolve(s.dict["Height"]).(int64)
	if w <= 0 || h <= 0 || w > 1<<16 || h > 1<<16 {
		return nil, fmt.Errorf("image size %d×%d", w, h)
	}
	if w*h > d.opt.MaxPixels {
		return nil, fmt.Errorf("%w: a %d×%d image", ErrTooLarge, w, h)
	}
	filters := f.filters(s.dict)
	if len(filters) == 1 && filters[0] == "DCTDecode" {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(s.data))
		if err != nil {
			return nil, err
		}
		if int64(cfg.Width)*int64(cfg.Height) > d.opt.MaxPixels {
			return nil, fmt.Errorf("%w: a %d×%d JPEG", ErrTooLarge, cfg.Width, cfg.Height)
		}
		return jpeg.Decode(bytes.NewReader(s.data))
	}
	// 0 or 1 in a 1-bit image is black: DeviceGray's 0, unless /Decode
	// [1 0] swaps them. An image mask paints its 0 samples in black too.
	invert := false
	if dec, ok := f.resolve(s.dict["Decode"]).([]any); ok && len(dec) >= 2 {
		a, _ := f.number(dec[0])
		invert = a == 1
	}
	g := image.NewGray(image.Rect(0, 0, int(w), int(h)))
	if len(filters) == 1 && filters[0] == "CCITTFaxDecode" {
		return g, d.decodeCCITT(s, g, invert)
	}
	bpc, _ := f.resolve(s.dict["BitsPerComponent"]).(int64)
	if mask, _ := f.resolve(s.dict["ImageMask"]).(bool); mask {
		bpc = 1
	}
	comps := 1
	switch cs := f.resolve(s.dict["ColorSpace"]).(type) {
	case pdfName:
		switch cs {
		case "DeviceGray", "G", "CalGray":
		case "DeviceRGB", "RGB", "CalRGB":
			comps = 3
		default:
			return nil, fmt.Errorf("colour space %s is not read", cs)
		}
	case []any:
		if len(cs) == 2 && f.resolve(cs[0]) == pdfName("ICCBased") {
			if icc, ok := f.resolve(cs[1]).(*pdfStream); ok {
				n, _ := f.resolve(icc.dict["N"]).(int64)
				comps = int(n)
			}
		}
		if comps != 1 && comps != 3 {
			return nil, errors.New("colour space is not grey or RGB")
		}
	case nil:
	default:
		return nil, errors.New("colour space is not read")
	}
	if !(bpc == 8 || (bpc == 1 && comps == 1)) {
		return nil, fmt.Errorf("%d bits a component are not read", bpc)
	}
	stride := (int(w)*comps*int(bpc) + 7) / 8
	data, err := f.decodeStream(s, int64(stride)*h)
	if err != nil {
		return nil, err
	}
	if len(data) < stride*int(h) {
		return nil, fmt.Errorf("image data is %d bytes, want %d", len(data), stride*int(h))
	}
	for y := 0; y < int(h); y++ {
		src := data[y*stride:]
		dst := g.Pix[y*g.Stride : y*g.Stride+int(w)]
		for x := range dst {
			var v uint8
			switch {
			case bpc == 1:
				v = 0
				if src[x/8]&(0x80>>(x%8)) != 0 {
					v = 0xff
				}
			case comps == 1:
				v = src[x]
			default:
				c := color.RGBA{src[3*x], src[3*x+1], src[3*x+2], 0xff}
				v = color.GrayModel.Convert(c).(color.Gray).Y
			}
			if invert {
				v = ^v
			}
			dst[x] = v
		}
	}
	return g, nil
}

// decodeCCITT decodes CCITTFaxDecode data into g, white 0xff and black 0.
func (d *imagePDF) decodeCCITT(s *pdfStream, g *image.Gray, invert bool) error {
	f := d.f
	parms, _ := f.resolve(s.dict["DecodeParms"]).(pdfDict)
	if arr, ok := f.resolve(s.dict["DecodeParms"]).([]any); ok && len(arr) == 1 {
		parms, _ = f.resolve(arr[0]).(pdfDict)
	}
	k, _ := f.resolve(parms["K"]).(int64)
	cols := int64(1728)
	if c, ok := f.resolve(parms["Columns"]).(int64); ok {
		cols = c
	}
	if cols != int64(g.Rect.Dx()) || cols%8 != 0 || cols > MaxWidth {
		return fmt.Errorf("CCITT image of %d columns in a %d-pixel-wide image", cols, g.Rect.Dx())
	}
	if align, _ := f.resolve(parms["EncodedByteAlign"]).(bool); align {
		return errors.New("CCITT EncodedByteAlign is not read")
	}
	black1, _ := f.resolve(parms["BlackIs1"]).(bool)
	opt := Options{Coding: MMR, Width: int(cols), Rows: g.Rect.Dy()}
	switch {
	case k == 0:
		opt.Coding = MH
	case k > 0:
		opt.Coding = MR
	}
	dec, err := NewDecoder(bytes.NewReader(s.data), opt)
	if err != nil {
		return err
	}
	// A coded black pixel is a 1 sample when BlackIs1, and a 1 sample is
	// white unless Decode swaps them.
	blackIsWhite := black1 != invert
	row := make([]byte, opt.RowBytes())
	for y := 0; y < g.Rect.Dy(); y++ {
		if err := dec.ReadRow(row); err == io.EOF {
			// Missing rows are white.
			for x := range g.Pix[y*g.Stride : (y+1)*g.Stride] {
				g.Pix[y*g.Stride+x] = 0xff
			}
			continue
		} else if err != nil {
			return err
		}
		dst := g.Pix[y*g.Stride:]
		for x := 0; x < int(cols); x++ {
			black := row[x/8]&(0x80>>(x%8)) != 0
			if black == blackIsWhite {
				dst[x] = 0xff
			} else {
				dst[x] = 0
			}
		}
	}
	return nil
}
