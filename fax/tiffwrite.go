package fax

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// TIFF tags the TIFF-F writer and reader use (TIFF 6.0, RFC 3949).
const (
	tNewSubfileType   = 254
	tImageWidth       = 256
	tImageLength      = 257
	tBitsPerSample    = 258
	tCompression      = 259
	tPhotometric      = 262
	tFillOrder        = 266
	tStripOffsets     = 273
	tOrientation      = 274
	tSamplesPerPixel  = 277
	tRowsPerStrip     = 278
	tStripByteCounts  = 279
	tXResolution      = 282
	tYResolution      = 283
	tT4Options        = 292
	tT6Options        = 293
	tResolutionUnit   = 296
	tPageNumber       = 297
	tSoftware         = 305
	tDateTime         = 306
	tBadFaxLines      = 326
	tCleanFaxData     = 327
	tConsecBadLines   = 328
	tPredictor        = 317
	tPlanarConfig     = 284
	tTileWidth        = 322
	typeASCII         = 2
	typeShort         = 3
	typeLong          = 4
	typeRational      = 5
	compressNone      = 1
	compressT4        = 3
	compressT6        = 4
	compressLZW       = 5
	compressPackBits  = 32773
	t4Option2D        = 1
	t4OptionFillBits  = 4
	cleanFaxClean     = 0
	cleanFaxRegenerat = 1
)

// TIFFOptions says how a TIFFWriter codes its pages. The zero value writes
// MMR (T.6), most significant bit first, with no Software or DateTime.
type TIFFOptions struct {
	// Coding is MH, MR or MMR; CodingUnknown means MMR, the smallest.
	Coding Coding
	// K is the MR K factor; zero means 2 at standard resolution, 4 above.
	K int
	// AlignEOL byte-aligns every EOL (T4Options fill bits), as some fax
	// servers expect of MH and MR files.
	AlignEOL bool
	// LSBFirst writes FillOrder 2 (bits in line order) instead of 1.
	LSBFirst bool
	// Software is written in the Software tag when not empty.
	Software string
	// Time is written in the DateTime tag (in its own location) when not
	// zero.
	Time time.Time
	// Pages is the number of pages the file will hold, for the PageNumber
	// tag's second value; zero writes 0 there, which TIFF reads as unknown.
	Pages int
}

// TIFFWriter writes a multi-page TIFF-F (RFC 3949 profile F) file, one
// page at a time. It holds one coded page in memory (a busy A4 fine page
// is about 100 KB in MMR), never the file. Not safe for concurrent use.
//
// The file is laid out as header, then for each page its strip and its IFD;
// each IFD is written once the next page is coded (or at Close), when where
// the next IFD goes is known, so the writer needs no Seek.
type TIFFWriter struct {
	w       io.Writer
	opt     TIFFOptions
	pos     int64
	pending []byte // the last page's IFD, its next-IFD pointer not yet set
	pages   int
	buf     bytes.Buffer
	err     error
	closed  bool
}

// NewTIFFWriter returns a TIFFWriter writing to w. Nothing is written
// until the first page is coded.
func NewTIFFWriter(w io.Writer, opt TIFFOptions) (*TIFFWriter, error) {
	if opt.Coding == CodingUnknown {
		opt.Coding = MMR
	}
	if opt.Coding < MH || opt.Coding > MMR {
		return nil, &ValidationError{Field: "TIFFOptions.Coding", Reason: fmt.Sprintf("%v", opt.Coding)}
	}
	return &TIFFWriter{w: w, opt: opt}, nil
}

// PageStats says what WritePage wrote.
type PageStats struct {
	// Rows is the number of rows written (the page's ImageLength).
	Rows int
	// BadRows is the number of damaged rows the page's Rows reported
	// (written as BadFaxLines).
	BadRows int
	// Bytes is the size of the coded page.
	Bytes int
}

// WritePage codes p's rows as the writer's options say and adds the page
// to the file. It reads p.Rows to io.EOF. A page with no rows is refused.
func (t *TIFFWriter) WritePage(p *Page) (PageStats, error) {
	if t.err != nil {
		return PageStats{}, t.err
	}
	if t.closed {
		return PageStats{}, ErrClosed
	}
	if err := p.check(); err != nil {
		return PageStats{}, err
	}
	t.buf.Reset()
	k := t.opt.K
	if k == 0 {
		k = 2
		if p.Resolution != Standard {
			k = 4
		}
	}
	eopt := Options{Coding: t.opt.Coding, Width: p.Width, K: k, AlignEOL: t.opt.AlignEOL, LSBFirst: t.opt.LSBFirst, OmitRTC: true}
	enc, err := NewEncoder(&t.buf, eopt)
	if err != nil {
		return PageStats{}, err
	}
	st, err := encodeRows(enc, p, t.pages+1)
	if err != nil {
		return PageStats{}, err
	}
	consec := st.BadRows // an upper bound: the decoder does not count runs
	if t.buf.Len()%2 == 1 {
		t.buf.WriteByte(0) // IFDs start on a word boundary
	}
	st.Bytes = t.buf.Len()
	if t.pages == 0 {
		hdr := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
		binary.LittleEndian.PutUint32(hdr[4:], uint32(8+t.buf.Len()))
		if err := t.write(hdr); err != nil {
			return PageStats{}, err
		}
	} else {
		// The pending IFD is followed by this page's strip, then its IFD.
		next := t.pos + int64(len(t.pending)) + int64(t.buf.Len())
		if err := t.flushPending(next); err != nil {
			return PageStats{}, err
		}
	}
	stripAt := t.pos
	if err := t.write(t.buf.Bytes()); err != nil {
		return PageStats{}, err
	}
	if t.pos > 1<<32-1<<20 {
		t.err = errors.New("fax: TIFF file would pass 4 GiB")
		return PageStats{}, t.err
	}
	t.pending = t.ifd(p, st, consec, uint32(stripAt), uint32(st.Bytes), uint32(t.pos))
	t.pages++
	return st, nil
}

// Close writes the last page's IFD. It does not close the underlying
// writer. A file with no pages is an error: TIFF has no empty files.
func (t *TIFFWriter) Close() error {
	if t.closed {
		return t.err
	}
	t.closed = true
	if t.err != nil {
		return t.err
	}
	if t.pages == 0 {
		t.err = errors.New("fax: TIFF with no pages")
		return t.err
	}
	return t.flushPending(0)
}

func (t *TIFFWriter) flushPending(next int64) error {
	// The next-IFD pointer is after the entries: 2 + 12n bytes in.
	n := int(binary.LittleEndian.Uint16(t.pending))
	binary.LittleEndian.PutUint32(t.pending[2+12*n:], uint32(next))
	return t.write(t.pending)
}

func (t *TIFFWriter) write(b []byte) error {
	n, err := t.w.Write(b)
	t.pos += int64(n)
	if err != nil {
		t.err = err
	}
	return err
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // the value, little-endian, any length
}

// ifd builds the IFD of a page that will sit at offset at, its long values
// right after it.
func (t *TIFFWriter) ifd(p *Page, st PageStats, consec int, stripAt, stripLen, at uint32) []byte {
	le := binary.LittleEndian
	short := func(tag uint16, v ...uint16) ifdEntry {
		var b []byte
		for _, x := range v {
			b = le.AppendUint16(b, x)
		}
		return ifdEntry{tag, typeShort, uint32(len(v)), b}
	}
	long := func(tag uint16, v uint32) ifdEntry {
		return ifdEntry{tag, typeLong, 1, le.AppendUint32(nil, v)}
	}
	rational := func(tag uint16, num uint32) ifdEntry {
		return ifdEntry{tag, typeRational, 1, le.AppendUint32(le.AppendUint32(nil, num), 1)}
	}
	ascii := func(tag uint16, s string) ifdEntry {
		b := append([]byte(s), 0)
		return ifdEntry{tag, typeASCII, uint32(len(b)), b}
	}
	xdpi, ydpi := p.Resolution.DPI()
	fill := uint16(1)
	if t.opt.LSBFirst {
		fill = 2
	}
	comp := uint16(compressT4)
	if t.opt.Coding == MMR {
		comp = compressT6
	}
	es := []ifdEntry{
		long(tNewSubfileType, 2), // a page of a multi-page document
		long(tImageWidth, uint32(p.Width)),
		long(tImageLength, uint32(st.Rows)),
		short(tBitsPerSample, 1),
		short(tCompression, comp),
		short(tPhotometric, 0), // WhiteIsZero
		short(tFillOrder, fill),
		long(tStripOffsets, stripAt),
		short(tOrientation, 1),
		short(tSamplesPerPixel, 1),
		long(tRowsPerStrip, uint32(st.Rows)),
		long(tStripByteCounts, stripLen),
		rational(tXResolution, uint32(xdpi)),
		rational(tYResolution, uint32(ydpi)),
		short(tResolutionUnit, 2), // inch
		short(tPageNumber, uint16(t.pages), uint16(t.opt.Pages)),
	}
	switch t.opt.Coding {
	case MH, MR:
		var o uint32
		if t.opt.Coding == MR {
			o |= t4Option2D
		}
		if t.opt.AlignEOL {
			o |= t4OptionFillBits
		}
		es = append(es, long(tT4Options, o))
	case MMR:
		es = append(es, long(tT6Options, 0))
	}
	if t.opt.Software != "" {
		es = append(es, ascii(tSoftware, t.opt.Software))
	}
	if !t.opt.Time.IsZero() {
		es = append(es, ascii(tDateTime, t.opt.Time.Format("2006:01:02 15:04:05")))
	}
	if st.BadRows > 0 {
		es = append(es, long(tBadFaxLines, uint32(st.BadRows)),
			short(tCleanFaxData, cleanFaxRegenerat),
			long(tConsecBadLines, uint32(consec)))
	} else if t.opt.Coding != MMR {
		es = append(es, short(tCleanFaxData, cleanFaxClean))
	}
	sort.Slice(es, func(i, j int) bool { return es[i].tag < es[j].tag })

	size := 2 + 12*len(es) + 4
	extra := uint32(at) + uint32(size)
	b := le.AppendUint16(make([]byte, 0, size+64), uint16(len(es)))
	var tail []byte
	for _, e := range es {
		b = le.AppendUint16(b, e.tag)
		b = le.AppendUint16(b, e.typ)
		b = le.AppendUint32(b, e.count)
		if len(e.data) <= 4 {
			var v [4]byte
			copy(v[:], e.data)
			b = append(b, v[:]...)
			continue
		}
		b = le.AppendUint32(b, extra+uint32(len(tail)))
		tail = append(tail, e.data...)
		if len(tail)%2 == 1 {
			tail = append(tail, 0)
		}
	}
	b = le.AppendUint32(b, 0) // next IFD, set by flushPending
	return append(b, tail...)
}
