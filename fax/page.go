package fax

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// Resolution is a fax page resolution: the standard fax resolutions of
// ITU-T T.4 (8 pels/mm across, 3.85, 7.7 or 15.4 lines/mm down) and the
// square inch-based ones of T.30.
type Resolution int

const (
	// ResolutionUnknown is the zero value; pages must name a resolution.
	ResolutionUnknown Resolution = iota
	// Standard is 204 × 98 dpi (8 pels/mm × 3.85 lines/mm).
	Standard
	// Fine is 204 × 196 dpi (8 × 7.7 per mm).
	Fine
	// Superfine is 204 × 391 dpi (8 × 15.4 per mm).
	Superfine
	// R200 is 200 × 200 dpi.
	R200
	// R300 is 300 × 300 dpi.
	R300
	// R400 is 400 × 400 dpi.
	R400
)

// DPI returns the horizontal and vertical resolution in dots per inch, as
// TIFF-F files write them (204 × 98, 204 × 196, 204 × 391, …), or 0, 0 for
// ResolutionUnknown.
func (r Resolution) DPI() (x, y int) {
	switch r {
	case Standard:
		return 204, 98
	case Fine:
		return 204, 196
	case Superfine:
		return 204, 391
	case R200:
		return 200, 200
	case R300:
		return 300, 300
	case R400:
		return 400, 400
	}
	return 0, 0
}

// String returns "standard", "fine", "superfine", "200dpi", "300dpi",
// "400dpi" or "unknown"; ParseResolution reads the same names.
func (r Resolution) String() string {
	switch r {
	case Standard:
		return "standard"
	case Fine:
		return "fine"
	case Superfine:
		return "superfine"
	case R200:
		return "200dpi"
	case R300:
		return "300dpi"
	case R400:
		return "400dpi"
	}
	return "unknown"
}

// ParseResolution returns the Resolution that String names.
func ParseResolution(s string) (Resolution, error) {
	for r := Standard; r <= R400; r++ {
		if r.String() == s {
			return r, nil
		}
	}
	return ResolutionUnknown, fmt.Errorf("fax: unknown resolution %q (want standard, fine, superfine, 200dpi, 300dpi or 400dpi)", s)
}

// ResolutionFromDPI returns the fax resolution nearest to x × y dots per
// inch (a TIFF's XResolution and YResolution), or ResolutionUnknown when
// none is within 10 %.
func ResolutionFromDPI(x, y float64) Resolution {
	best, bestErr := ResolutionUnknown, 0.1
	for r := Standard; r <= R400; r++ {
		rx, ry := r.DPI()
		e := math.Max(math.Abs(x-float64(rx))/float64(rx), math.Abs(y-float64(ry))/float64(ry))
		if e < bestErr {
			best, bestErr = r, e
		}
	}
	return best
}

// Width returns the standard A4 row width at this resolution, in pixels:
// WidthA4 for the 8 pels/mm resolutions and 200 dpi, WidthA4300 at 300 dpi
// and WidthA4Super at 400 dpi (T.4 §2.2).
func (r Resolution) Width() int {
	switch r {
	case R300:
		return WidthA4300
	case R400:
		return WidthA4Super
	}
	return WidthA4
}

// PageSize is the length of a fax page.
type PageSize int

const (
	// SizeUnknown is the zero value: the length of the page is what its rows
	// say, as with SizeUnlimited, but nobody chose it.
	SizeUnknown PageSize = iota
	// A4 is 210 × 297 mm.
	A4
	// Letter is 8.5 × 11 inches.
	Letter
	// Legal is 8.5 × 14 inches.
	Legal
	// SizeUnlimited is a page as long as its content (T.30's "unlimited
	// length"), as a receipt roll.
	SizeUnlimited
)

// String returns "A4", "letter", "legal", "unlimited" or "unknown";
// ParsePageSize reads the same names.
func (s PageSize) String() string {
	switch s {
	case A4:
		return "A4"
	case Letter:
		return "letter"
	case Legal:
		return "legal"
	case SizeUnlimited:
		return "unlimited"
	}
	return "unknown"
}

// ParsePageSize returns the PageSize that String names (case as String
// writes it).
func ParsePageSize(s string) (PageSize, error) {
	for p := A4; p <= SizeUnlimited; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return SizeUnknown, fmt.Errorf("fax: unknown page size %q (want A4, letter, legal or unlimited)", s)
}

// Millimetres returns the paper's width and length in millimetres, or 0, 0
// for SizeUnknown and SizeUnlimited.
func (s PageSize) Millimetres() (w, h float64) {
	switch s {
	case A4:
		return 210, 297
	case Letter:
		return 215.9, 279.4
	case Legal:
		return 215.9, 355.6
	}
	return 0, 0
}

// Rows returns how many rows the page holds at resolution r, or 0 when the
// size or the resolution is unknown or the size is unlimited.
func (s PageSize) Rows(r Resolution) int {
	_, h := s.Millimetres()
	_, y := r.DPI()
	return int(math.Round(h / 25.4 * float64(y)))
}

// RowReader is a source of a page's rows. ReadRow fills row (the page's
// Width/8 bytes, 1 bit a pixel, leftmost pixel in the most significant bit,
// 1 = black) with the next row and returns io.EOF after the last one. The
// callee must not keep row. *Decoder is a RowReader.
type RowReader interface {
	ReadRow(row []byte) error
}

// RowReaderFunc adapts a function to a RowReader.
type RowReaderFunc func(row []byte) error

// ReadRow calls f(row).
func (f RowReaderFunc) ReadRow(row []byte) error { return f(row) }

// Page is one fax page: what is known of it before its rows are read, and
// the rows themselves, streamed. A Page is read once: Rows yields each row
// a single time.
type Page struct {
	// Width is the row width in pixels, a positive multiple of 8 (WidthA4
	// and the other Width constants are the standard ones).
	Width int
	// Length is the number of rows when known in advance (from a TIFF's
	// ImageLength, or a converted image), 0 when only reading to the end
	// will tell.
	Length int
	// Resolution is the page's resolution.
	Resolution Resolution
	// Size is the paper the page was made for; SizeUnknown when it came from
	// a file that does not say.
	Size PageSize
	// Coding is how the page was coded where it came from (a TIFF's
	// compression, a received page's coding), CodingUnknown when it was not
	// (an uncompressed TIFF, a converted image). Writers choose their own.
	Coding Coding
	// Rows yields the rows. If it also has a Stats() Stats method (as a
	// *Decoder does), writers read it after the last row to record damaged
	// rows (TIFF BadFaxLines).
	Rows RowReader
}

// RowBytes returns the length of one of the page's rows in bytes.
func (p *Page) RowBytes() int { return p.Width / 8 }

// check returns an error when p cannot be written.
func (p *Page) check() error {
	if p == nil || p.Rows == nil {
		return errors.New("fax: page without rows")
	}
	if p.Width <= 0 || p.Width%8 != 0 || p.Width > MaxWidth {
		return &ValidationError{Field: "Page.Width", Reason: fmt.Sprintf("%d is not a positive multiple of 8 up to %d", p.Width, MaxWidth)}
	}
	if p.Resolution < Standard || p.Resolution > R400 {
		return &ValidationError{Field: "Page.Resolution", Reason: "unknown"}
	}
	return nil
}

// statser is what a RowReader that counts damaged rows (a *Decoder) has.
type statser interface{ Stats() Stats }

// encodeRows codes every row of pg (page number n, for errors) with enc
// and closes it; the stats count the rows and the damaged rows pg.Rows
// reported. A page with no rows is an error.
func encodeRows(enc *Encoder, pg *Page, n int) (PageStats, error) {
	row := make([]byte, pg.RowBytes())
	var st PageStats
	for {
		err := pg.Rows.ReadRow(row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return PageStats{}, fmt.Errorf("fax: page %d: %w", n, err)
		}
		if err := enc.WriteRow(row); err != nil {
			return PageStats{}, err
		}
		st.Rows++
	}
	if err := enc.Close(); err != nil {
		return PageStats{}, err
	}
	if st.Rows == 0 {
		return PageStats{}, fmt.Errorf("fax: page %d has no rows", n)
	}
	if s, ok := pg.Rows.(statser); ok {
		st.BadRows = s.Stats().BadRows
	}
	return st, nil
}

// Document is a sequence of fax pages, read one at a time so that a long
// fax never has to be held in memory. NextPage returns the next page, or
// io.EOF after the last; the previous page's Rows must not be used after
// NextPage is called again. Close releases what the Document holds (an open
// file, a renderer process); it does not close readers the caller passed in.
// A Document is not safe for concurrent use.
type Document interface {
	NextPage() (*Page, error)
	Close() error
}

// PageCounter is implemented by Documents that know their number of pages
// before they are read (a TIFF's IFD chain, a rendered PDF), as a header
// line's "page n/m" needs.
type PageCounter interface {
	// PageCount returns the number of pages, or 0 when unknown.
	PageCount() int
}

// Pages returns a Document of the given pages, in order.
func Pages(pages ...*Page) Document { return &pageList{pages: pages} }

type pageList struct {
	pages []*Page
	next  int
}

func (d *pageList) NextPage() (*Page, error) {
	if d.next >= len(d.pages) {
		return nil, io.EOF
	}
	d.next++
	return d.pages[d.next-1], nil
}

func (d *pageList) Close() error   { return nil }
func (d *pageList) PageCount() int { return len(d.pages) }

// Concat returns a Document of the pages of docs, one after the other (a
// cover page, then the document). Closing it closes them all.
func Concat(docs ...Document) Document { return &concat{docs: docs} }

type concat struct {
	docs []Document
	i    int
}

func (c *concat) NextPage() (*Page, error) {
	for c.i < len(c.docs) {
		p, err := c.docs[c.i].NextPage()
		if err != io.EOF {
			return p, err
		}
		c.i++
	}
	return nil, io.EOF
}

func (c *concat) Close() error {
	var errs []error
	for _, d := range c.docs {
		errs = append(errs, d.Close())
	}
	return errors.Join(errs...)
}

func (c *concat) PageCount() int {
	n := 0
	for _, d := range c.docs {
		pc, ok := d.(PageCounter)
		if !ok || pc.PageCount() == 0 {
			return 0
		}
		n += pc.PageCount()
	}
	return n
}

// MemRows returns a RowReader of rows held in memory (each Width/8 bytes).
// It copies each row out; it does not modify rows.
func MemRows(rows [][]byte) RowReader {
	i := 0
	return RowReaderFunc(func(row []byte) error {
		if i >= len(rows) {
			return io.EOF
		}
		if len(row) != len(rows[i]) {
			return ErrRowLength
		}
		copy(row, rows[i])
		i++
		return nil
	})
}
