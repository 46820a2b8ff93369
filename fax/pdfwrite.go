package fax

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// PDFWriter writes fax pages as a PDF for people to download and print:
// one PDF page per fax page at its physical size (a fine A4 fax page of
// 1728 × 2287 pixels is 215 × 296 mm), each an image coded in T.6 (the
// PDF /CCITTFaxDecode filter with K -1), so a page costs its MMR size and
// the fax bits are kept exactly. It holds one coded page in memory. Not
// safe for concurrent use.
type PDFWriter struct {
	w       io.Writer
	pos     int64
	offsets []int64 // of objects 1…n; 0 while not yet written
	pages   []int   // page object numbers
	buf     bytes.Buffer
	err     error
	closed  bool
}

// NewPDFWriter returns a PDFWriter writing to w. It writes the PDF header
// at once.
func NewPDFWriter(w io.Writer) *PDFWriter {
	p := &PDFWriter{w: w, offsets: make([]int64, 2)} // 1 catalog, 2 page tree
	p.printf("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n")
	return p
}

// WritePage codes p in MMR and adds it as the next page of the PDF. It
// reads p.Rows to io.EOF.
func (p *PDFWriter) WritePage(pg *Page) (PageStats, error) {
	if p.err != nil {
		return PageStats{}, p.err
	}
	if p.closed {
		return PageStats{}, ErrClosed
	}
	if err := pg.check(); err != nil {
		return PageStats{}, err
	}
	p.buf.Reset()
	enc, err := NewEncoder(&p.buf, Options{Coding: MMR, Width: pg.Width})
	if err != nil {
		return PageStats{}, err
	}
	st, err := encodeRows(enc, pg, len(p.pages)+1)
	if err != nil {
		return PageStats{}, err
	}
	st.Bytes = p.buf.Len()

	xdpi, ydpi := pg.Resolution.DPI()
	wpt := float64(pg.Width) / float64(xdpi) * 72
	hpt := float64(st.Rows) / float64(ydpi) * 72
	pageObj := p.newObj()
	contents := fmt.Sprintf("q %s 0 0 %s 0 0 cm /Fax Do Q\n", num(wpt), num(hpt))
	p.printf("%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /XObject << /Fax %d 0 R >> >> /Contents %d 0 R >>\nendobj\n",
		pageObj, num(wpt), num(hpt), pageObj+2, pageObj+1)
	p.newObj()
	p.printf("%d 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n", pageObj+1, len(contents), contents)
	p.newObj()
	p.printf("%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d /Rows %d /EndOfBlock true >> /Length %d >>\nstream\n",
		pageObj+2, pg.Width, st.Rows, pg.Width, st.Rows, p.buf.Len())
	p.write(p.buf.Bytes())
	p.printf("\nendstream\nendobj\n")
	p.pages = append(p.pages, pageObj)
	return st, p.err
}

// num formats a length in points with up to 3 decimals.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// newObj allocates the next object number and records that it starts here.
func (p *PDFWriter) newObj() int {
	p.offsets = append(p.offsets, p.pos)
	return len(p.offsets)
}

// Close writes the page tree, the catalogue, the cross-reference table
// and the trailer. It does not close the underlying writer. A PDF with no
// pages is an error.
func (p *PDFWriter) Close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	if p.err != nil {
		return p.err
	}
	if len(p.pages) == 0 {
		p.err = fmt.Errorf("fax: PDF with no pages")
		return p.err
	}
	p.offsets[1] = p.pos
	var kids bytes.Buffer
	for _, n := range p.pages {
		fmt.Fprintf(&kids, "%d 0 R ", n)
	}
	p.printf("2 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", bytes.TrimSpace(kids.Bytes()), len(p.pages))
	p.offsets[0] = p.pos
	p.printf("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	xref := p.pos
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets)+1)
	for _, off := range p.offsets {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets)+1, xref)
	return p.err
}

func (p *PDFWriter) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	n, err := fmt.Fprintf(p.w, format, args...)
	p.pos += int64(n)
	p.err = err
}

func (p *PDFWriter) write(b []byte) {
	if p.err != nil {
		return
	}
	n, err := p.w.Write(b)
	p.pos += int64(n)
	p.err = err
}

// PageWriter is where Copy sends pages: a *TIFFWriter or a *PDFWriter.
type PageWriter interface {
	WritePage(p *Page) (PageStats, error)
}

// Copy writes every page of src to dst, in order, and returns what was
// written for each. It does not close either.
func Copy(dst PageWriter, src Document) ([]PageStats, error) {
	var all []PageStats
	for {
		p, err := src.NextPage()
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		st, err := dst.WritePage(p)
		if err != nil {
			return all, err
		}
		all = append(all, st)
	}
}
