package fax

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"golang.org/x/image/tiff/lzw"
)

// ErrNotBilevel is wrapped by the *TIFFError that ReadTIFF returns for an
// image that is not 1 bit a pixel (a greyscale or colour TIFF): such a file
// is not a fax, but Convert can still turn it into one.
var ErrNotBilevel = errors.New("not a bilevel (1 bit a pixel) image")

// TIFFError says why a TIFF file cannot be read. Page is 1-based, 0 for
// the file as a whole.
type TIFFError struct {
	Page   int
	Reason string
	Err    error // a sentinel such as ErrNotBilevel, or nil
}

// Error says which page is wrong and why.
func (e *TIFFError) Error() string {
	s := "fax: TIFF: "
	if e.Page > 0 {
		s += fmt.Sprintf("page %d: ", e.Page)
	}
	if e.Err != nil {
		return s + e.Err.Error() + ": " + e.Reason
	}
	return s + e.Reason
}

// Unwrap returns Err.
func (e *TIFFError) Unwrap() error { return e.Err }

// TIFFLimits bounds what ReadTIFF accepts from a file it does not trust.
// Zero fields mean the defaults. The reader streams rows and so allocates
// one row a page, but a file declaring a page bigger than these is refused
// before anything is decoded.
type TIFFLimits struct {
	// MaxPages is the most pages (IFDs) a file may hold. Default 1000.
	MaxPages int
	// MaxWidth is the widest row accepted, in pixels. Default (and
	// ceiling) MaxWidth.
	MaxWidth int
	// MaxLength is the most rows a page may have. Default 1<<16: a 1.7 m
	// long page at 1000 lines per inch.
	MaxLength int
}

func (l TIFFLimits) withDefaults() TIFFLimits {
	if l.MaxPages <= 0 {
		l.MaxPages = 1000
	}
	if l.MaxWidth <= 0 || l.MaxWidth > MaxWidth {
		l.MaxWidth = MaxWidth
	}
	if l.MaxLength <= 0 {
		l.MaxLength = 1 << 16
	}
	return l
}

// tiffPage is what one IFD says.
type tiffPage struct {
	width, length  int
	compression    int
	photometric    int
	fillOrder      int
	t4Options      int
	rowsPerStrip   int
	offsets, sizes []int64
	xres, yres     float64
	resUnit        int
}

// TIFFReader reads the pages of a bilevel TIFF file: TIFF-F faxes (MH, MR,
// MMR) and uncompressed, LZW or PackBits ones, any fill order, WhiteIsZero
// or BlackIsZero. It is a Document; pages stream their rows from the
// io.ReaderAt, one strip at a time. Not safe for concurrent use.
type TIFFReader struct {
	r     io.ReaderAt
	pages []tiffPage
	next  int
}

var _ Document = (*TIFFReader)(nil)
var _ PageCounter = (*TIFFReader)(nil)

// ReadTIFF reads the structure of the TIFF file in r (size bytes long):
// every IFD, checked against lim. Pixel data is decoded later, as each
// page's rows are read. Pages that are not bilevel are refused with a
// *TIFFError wrapping ErrNotBilevel.
func ReadTIFF(r io.ReaderAt, size int64, lim TIFFLimits) (*TIFFReader, error) {
	lim = lim.withDefaults()
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, &TIFFError{Reason: "too short for a TIFF header"}
	}
	var bo binary.ByteOrder
	switch string(hdr[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, &TIFFError{Reason: "not a TIFF file (no II or MM)"}
	}
	if bo.Uint16(hdr[2:]) != 42 {
		return nil, &TIFFError{Reason: "not a classic TIFF (magic is not 42; BigTIFF is not read)"}
	}
	tr := &TIFFReader{r: r}
	seen := map[int64]bool{}
	for off := int64(bo.Uint32(hdr[4:])); off != 0; {
		n := len(tr.pages) + 1
		if n > lim.MaxPages {
			return nil, &TIFFError{Reason: fmt.Sprintf("more than %d pages", lim.MaxPages)}
		}
		if seen[off] {
			return nil, &TIFFError{Page: n, Reason: "IFD chain loops"}
		}
		seen[off] = true
		p, next, err := readIFD(r, size, bo, off)
		if err == nil {
			err = p.check(size, lim)
		}
		if err != nil {
			var te *TIFFError
			if errors.As(err, &te) {
				te.Page = n
				return nil, te
			}
			return nil, &TIFFError{Page: n, Reason: err.Error()}
		}
		tr.pages = append(tr.pages, p)
		off = next
	}
	if len(tr.pages) == 0 {
		return nil, &TIFFError{Reason: "no pages"}
	}
	return tr, nil
}

// PageCount returns the number of pages in the file.
func (t *TIFFReader) PageCount() int { return len(t.pages) }

// Close does nothing: the caller owns the io.ReaderAt.
func (t *TIFFReader) Close() error { return nil }

// NextPage returns the next page, io.EOF after the last.
func (t *TIFFReader) NextPage() (*Page, error) {
	if t.next >= len(t.pages) {
		return nil, io.EOF
	}
	tp := t.pages[t.next]
	t.next++
	res := Resolution(ResolutionUnknown)
	x, y := tp.xres, tp.yres
	if tp.resUnit == 3 { // centimetre
		x, y = x*2.54, y*2.54
	}
	if tp.resUnit != 1 {
		res = ResolutionFromDPI(x, y)
	}
	if res == ResolutionUnknown {
		// Files that do not say (or say something odd) are taken as fine
		// fax pages, as most such files are.
		res = Fine
		if tp.yres > 0 && tp.yres < 150 && tp.resUnit == 2 {
			res = Standard
		}
	}
	p := &Page{
		Width:      (tp.width + 7) &^ 7,
		Length:     tp.length,
		Resolution: res,
		Coding:     tp.coding(),
	}
	p.Rows = &tiffRows{r: t.r, p: tp, rowBytes: p.Width / 8}
	return p, nil
}

func (p *tiffPage) coding() Coding {
	switch p.compression {
	case compressT4:
		if p.t4Options&t4Option2D != 0 {
			return MR
		}
		return MH
	case compressT6:
		return MMR
	}
	return CodingUnknown
}

func readIFD(r io.ReaderAt, size int64, bo binary.ByteOrder, off int64) (tiffPage, int64, error) {
	p := tiffPage{fillOrder: 1, resUnit: 2, compression: compressNone}
	var b2 [2]byte
	if off < 8 || off+2 > size {
		return p, 0, fmt.Errorf("IFD offset %d outside the %d-byte file", off, size)
	}
	if _, err := r.ReadAt(b2[:], off); err != nil {
		return p, 0, err
	}
	n := int64(bo.Uint16(b2[:]))
	if off+2+12*n+4 > size {
		return p, 0, fmt.Errorf("IFD of %d entries runs past the end of the file", n)
	}
	buf := make([]byte, 12*n+4)
	if _, err := r.ReadAt(buf, off+2); err != nil {
		return p, 0, err
	}
	bps, spp := 1, 1
	var planar, tiled bool
	for i := int64(0); i < n; i++ {
		e := buf[12*i:]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), int64(bo.Uint32(e[4:]))
		vals, err := ifdValues(r, size, bo, typ, count, e[8:12])
		if err != nil {
			return p, 0, fmt.Errorf("tag %d: %v", tag, err)
		}
		first := int64(-1)
		if len(vals) > 0 {
			first = vals[0]
		}
		switch tag {
		case tImageWidth:
			p.width = int(first)
		case tImageLength:
			p.length = int(first)
		case tBitsPerSample:
			bps = int(first)
		case tSamplesPerPixel:
			spp = int(first)
		case tCompression:
			p.compression = int(first)
		case tPhotometric:
			p.photometric = int(first)
		case tFillOrder:
			p.fillOrder = int(first)
		case tT4Options:
			p.t4Options = int(first)
		case tRowsPerStrip:
			p.rowsPerStrip = int(first)
		case tStripOffsets:
			p.offsets = vals
		case tStripByteCounts:
			p.sizes = vals
		case tResolutionUnit:
			p.resUnit = int(first)
		case tXResolution, tYResolution:
			if typ == typeRational && len(vals) == 2 && vals[1] != 0 {
				v := float64(vals[0]) / float64(vals[1])
				if tag == tXResolution {
					p.xres = v
				} else {
					p.yres = v
				}
			}
		case tPlanarConfig:
			planar = first == 2
		case tTileWidth:
			tiled = true
		}
	}
	if bps != 1 || spp != 1 || planar {
		return p, 0, &TIFFError{Err: ErrNotBilevel, Reason: fmt.Sprintf("%d bits a sample, %d samples a pixel", bps, spp)}
	}
	if tiled {
		return p, 0, errors.New("tiled images are not read")
	}
	return p, int64(bo.Uint32(buf[12*n:])), nil
}

// ifdValues returns the SHORT, LONG or RATIONAL (as numerator, denominator
// pairs) values of an entry, reading them from the file when they do not
// fit in the entry. Other types give no values.
func ifdValues(r io.ReaderAt, size int64, bo binary.ByteOrder, typ uint16, count int64, inline []byte) ([]int64, error) {
	var width int64
	switch typ {
	case typeShort:
		width = 2
	case typeLong:
		width = 4
	case typeRational:
		width, count = 4, count*2
	default:
		return nil, nil
	}
	n := width * count
	if count < 0 || n > size {
		return nil, fmt.Errorf("%d values do not fit in the file", count)
	}
	data := inline
	if n > 4 {
		off := int64(bo.Uint32(inline))
		if off+n > size {
			return nil, fmt.Errorf("values at %d+%d past the end of the file", off, n)
		}
		data = make([]byte, n)
		if _, err := r.ReadAt(data, off); err != nil {
			return nil, err
		}
	}
	vals := make([]int64, count)
	for i := range vals {
		if width == 2 {
			vals[i] = int64(bo.Uint16(data[2*i:]))
		} else {
			vals[i] = int64(bo.Uint32(data[4*i:]))
		}
	}
	return vals, nil
}

func (p *tiffPage) check(size int64, lim TIFFLimits) error {
	if p.width <= 0 || p.width > lim.MaxWidth {
		return fmt.Errorf("width %d outside 1..%d", p.width, lim.MaxWidth)
	}
	if p.length <= 0 || p.length > lim.MaxLength {
		return fmt.Errorf("length %d outside 1..%d rows", p.length, lim.MaxLength)
	}
	switch p.compression {
	case compressT4, compressT6:
		if p.width%8 != 0 {
			return fmt.Errorf("CCITT-coded width %d is not a multiple of 8", p.width)
		}
		if p.t4Options&2 != 0 {
			return errors.New("T.4 uncompressed mode is not read")
		}
	case compressNone, compressLZW, compressPackBits:
	default:
		return fmt.Errorf("compression %d is not read (want 1, 3, 4, 5 or 32773)", p.compression)
	}
	if p.photometric > 1 {
		return fmt.Errorf("photometric interpretation %d is not bilevel", p.photometric)
	}
	if p.rowsPerStrip <= 0 || p.rowsPerStrip > p.length {
		p.rowsPerStrip = p.length
	}
	strips := (p.length + p.rowsPerStrip - 1) / p.rowsPerStrip
	if len(p.offsets) != strips || len(p.sizes) != strips {
		return fmt.Errorf("%d strip offsets and %d byte counts for %d strips", len(p.offsets), len(p.sizes), strips)
	}
	stride := int64(p.width+7) / 8
	for i := range p.offsets {
		if p.offsets[i]+p.sizes[i] > size {
			return fmt.Errorf("strip %d at %d+%d past the end of the %d-byte file", i, p.offsets[i], p.sizes[i], size)
		}
		// Uncompressed rows have a known size: a strip too short for its
		// rows is refused now rather than failing part way down the page.
		rows := int64(min(p.rowsPerStrip, p.length-i*p.rowsPerStrip))
		if p.compression == compressNone && p.sizes[i] < rows*stride {
			return fmt.Errorf("uncompressed strip %d has %d bytes for %d rows of %d", i, p.sizes[i], rows, stride)
		}
	}
	return nil
}

// tiffRows streams a page's rows strip by strip.
type tiffRows struct {
	r        io.ReaderAt
	p        tiffPage
	rowBytes int
	strip    int // the next strip to open
	left     int // rows left in the current strip
	row      int // rows returned
	dec      *Decoder
	raw      *bufio.Reader // uncompressed, LZW or PackBits bytes
	rawRow   []byte
	badRows  int
	lost     bool // the current strip ended early
}

// Stats reports the rows returned and the damaged ones, across strips.
func (t *tiffRows) Stats() Stats {
	st := Stats{Rows: t.row, BadRows: t.badRows}
	if t.dec != nil {
		st.BadRows += t.dec.Stats().BadRows
	}
	return st
}

func (t *tiffRows) ReadRow(row []byte) error {
	if len(row) != t.rowBytes {
		return ErrRowLength
	}
	if t.row >= t.p.length {
		return io.EOF
	}
	if t.left == 0 {
		if err := t.openStrip(); err != nil {
			return err
		}
	}
	t.left--
	t.row++
	if t.lost {
		clear(row)
		t.badRows++
		return nil
	}
	if t.dec != nil {
		err := t.dec.ReadRow(row)
		if err == io.EOF {
			// The strip ended before its rows: the rest are white, counted
			// as damaged, as a receiver would.
			t.lost = true
			clear(row)
			t.badRows++
			return nil
		}
		if err == nil && t.p.photometric == 1 {
			// BlackIsZero CCITT data is rare, and libtiff inverts it.
			for i := range row {
				row[i] = ^row[i]
			}
		}
		return err
	}
	stride := (t.p.width + 7) / 8
	if _, err := io.ReadFull(t.raw, t.rawRow[:stride]); err != nil {
		return &TIFFError{Reason: fmt.Sprintf("strip %d: %v", t.strip-1, err)}
	}
	copy(row, t.rawRow[:stride])
	if t.p.fillOrder == 2 {
		for i := range row {
			row[i] = bits.Reverse8(row[i])
		}
	}
	if t.p.photometric == 1 {
		for i := range row {
			row[i] = ^row[i]
		}
	}
	if extra := t.p.width % 8; extra != 0 {
		row[len(row)-1] &= byte(0xff << (8 - extra)) // padding is white
	}
	return nil
}

func (t *tiffRows) openStrip() error {
	i := t.strip
	t.strip++
	if t.dec != nil {
		t.badRows += t.dec.Stats().BadRows
		t.dec = nil
	}
	t.lost = false
	t.left = min(t.p.rowsPerStrip, t.p.length-t.row)
	sec := io.NewSectionReader(t.r, t.p.offsets[i], t.p.sizes[i])
	switch t.p.compression {
	case compressT4, compressT6:
		opt := Options{Coding: t.p.coding(), Width: t.p.width, Rows: t.left, LSBFirst: t.p.fillOrder == 2}
		d, err := NewDecoder(sec, opt)
		if err != nil {
			return err
		}
		t.dec = d
		return nil
	case compressLZW:
		t.raw = bufio.NewReader(lzw.NewReader(sec, lzw.MSB, 8))
	case compressPackBits:
		t.raw = bufio.NewReader(&packBits{r: bufio.NewReader(sec)})
	default:
		t.raw = bufio.NewReader(sec)
	}
	if t.rawRow == nil {
		t.rawRow = make([]byte, t.rowBytes)
	}
	return nil
}

// packBits decodes Apple PackBits (TIFF compression 32773).
type packBits struct {
	r   io.ByteReader
	run int  // bytes left in the current run
	lit bool // the run is literal bytes (else a repeated byte)
	b   byte // the repeated byte
}

func (p *packBits) Read(dst []byte) (int, error) {
	n := 0
	for n < len(dst) {
		if p.run == 0 {
			h, err := p.r.ReadByte()
			if err != nil {
				if n > 0 {
					return n, nil
				}
				return 0, err
			}
			switch c := int8(h); {
			case c >= 0:
				p.run, p.lit = int(c)+1, true
			case c == -128:
				continue
			default:
				p.run, p.lit = 1-int(c), false
				if p.b, err = p.r.ReadByte(); err != nil {
					return n, io.ErrUnexpectedEOF
				}
			}
		}
		if p.lit {
			b, err := p.r.ReadByte()
			if err != nil {
				return n, io.ErrUnexpectedEOF
			}
			dst[n] = b
		} else {
			dst[n] = p.b
		}
		n++
		p.run--
	}
	return n, nil
}
