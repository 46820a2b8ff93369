package fax

import (
	"errors"
	"io"
)

// Decoder decodes the rows of one coded page, one row at a time, into the
// caller's buffer. It holds only the row above and a small input buffer.
// Not safe for concurrent use.
//
// A T.4 (MH, MR) decoder tolerates damage as fax machines do: a row that
// does not decode to exactly Width pixels followed by an EOL is replaced by
// the row above (white for the first row) and counted in Stats.BadRows, and
// decoding resumes at the next EOL. A T.6 (MMR) page has no EOLs to resume
// at, so a damaged row ends the page with a *DecodeError.
type Decoder struct {
	opt    Options
	t      *codeTables
	br     bitReader
	ref    []int32 // changing elements of the previous row returned
	cur    []int32
	stats  Stats
	draw   renderer
	eolSet bool // an EOL has been consumed and the row after it not yet read
	done   bool
	err    error // the error that ended the page, returned again
}

// errBadRow is the internal reason a T.4 row is discarded.
var errBadRow = errors.New("bad row")

// NewDecoder returns a Decoder that reads a page coded as opt says from r.
// Options.K, AlignEOL, MinRowBits and OmitRTC are not needed to decode.
func NewDecoder(r io.Reader, opt Options) (*Decoder, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	d := &Decoder{
		opt:  opt,
		t:    tables(),
		br:   bitReader{r: r, buf: make([]byte, bufSize), lsb: opt.LSBFirst},
		ref:  make([]int32, 0, opt.Width+sentinels+2),
		cur:  make([]int32, 0, opt.Width+sentinels+2),
		draw: newRenderer(opt.Width),
	}
	d.ref = appendSentinels(d.ref, opt.Width)
	return d, nil
}

// Stats returns the counts so far.
func (d *Decoder) Stats() Stats { return d.stats }

// ReadRow decodes the next row into row, which must be Options.RowBytes
// long (1 bit a pixel, leftmost pixel in the most significant bit,
// 1 = black). It returns io.EOF after the last row: at RTC or EOFB, at the
// end of the input, or after Options.Rows rows. A read error from the
// underlying reader is returned as it is.
func (d *Decoder) ReadRow(row []byte) error {
	if len(row) != d.opt.RowBytes() {
		return ErrRowLength
	}
	if d.done {
		return d.err
	}
	if d.opt.Rows > 0 && d.stats.Rows >= d.opt.Rows {
		return d.finish(io.EOF)
	}
	var err error
	if d.opt.Coding == MMR {
		err = d.readMMR(row)
	} else {
		err = d.readT4(row)
	}
	if d.br.err != nil && err != nil {
		// The page ended because the reader failed, not at its end.
		return d.finish(d.br.err)
	}
	return err
}

func (d *Decoder) finish(err error) error {
	d.done, d.err = true, err
	return err
}

// readEOL consumes fill bits and an EOL; it reports whether it found one,
// and how many 0 bits it consumed. It returns false at the end of input or
// at a 1 bit after fewer than 11 0s, which it leaves unread.
func (d *Decoder) readEOL() (bool, int) {
	n, one := d.br.skipZeros()
	if !one || n < eolLen-1 {
		return false, n
	}
	d.br.skip(1)
	return true, n
}

// resync consumes bits up to and including the next EOL; it reports false
// if the input ended first. pending is the number of 0 bits consumed just
// before, which may be the start of that EOL: a damaged row can decode a
// code that reaches into the EOL after it.
func (d *Decoder) resync(pending int) bool {
	for {
		n, one := d.br.skipZeros()
		if !one {
			return false
		}
		d.br.skip(1)
		if n+pending >= eolLen-1 {
			return true
		}
		pending = 0
	}
}

func (d *Decoder) readT4(row []byte) error {
	if !d.eolSet {
		if ok, n := d.readEOL(); !ok {
			// Not at an EOL: the end of the page, or garbage before one.
			if d.br.atEnd() || !d.resync(n) {
				return d.finish(io.EOF)
			}
		}
	}
	d.eolSet = false
	oneD := true
	if d.opt.Coding == MR {
		if d.br.atEnd() {
			return d.finish(io.EOF)
		}
		oneD = d.br.peek(1) == 1
		d.br.skip(1)
	}
	// Another EOL straight after this one (eleven 0s, which no row can
	// start with) is RTC; the end of input ends the page too.
	if d.br.atEnd() {
		return d.finish(io.EOF)
	}
	if d.br.peek(eolLen-1) == 0 {
		return d.finish(io.EOF)
	}
	var err error
	if oneD {
		err = d.decode1D()
	} else {
		err = d.decode2D()
	}
	pending := 0
	if err == nil {
		// A good row is followed by an EOL, or by the end of the input.
		ok, n := d.readEOL()
		if ok {
			d.eolSet = true
		} else if !d.br.atEnd() {
			err = errBadRow
			pending = n
		}
	}
	if err != nil {
		d.stats.BadRows++
		d.stats.Rows++
		if pending == 0 {
			pending = d.br.tailZeros()
		}
		d.eolSet = d.resync(pending)
		d.draw.render(row, d.ref, d.opt.Width) // the row above stays the reference
		return nil
	}
	d.ref, d.cur = d.cur, d.ref
	d.stats.Rows++
	d.draw.render(row, d.ref, d.opt.Width)
	return nil
}

func (d *Decoder) readMMR(row []byte) error {
	if d.br.atEnd() {
		return d.finish(io.EOF)
	}
	if d.br.peek(modePeek) == 0 {
		// Not a mode code: EOFB, or 0 bits padding the last byte.
		n, one := d.br.skipZeros()
		if !one || (n >= eolLen-1 && d.readEOLAfterZeros()) {
			return d.finish(io.EOF)
		}
		return d.finish(&DecodeError{Row: d.stats.Rows, Reason: "invalid code"})
	}
	if err := d.decode2D(); err != nil {
		return d.finish(&DecodeError{Row: d.stats.Rows, Reason: err.Error()})
	}
	d.ref, d.cur = d.cur, d.ref
	d.stats.Rows++
	d.draw.render(row, d.ref, d.opt.Width)
	return nil
}

// readEOLAfterZeros consumes the 1 that ends an EOL whose 0s are consumed.
func (d *Decoder) readEOLAfterZeros() bool { return d.br.skip(1) }

// errors of the row decoders, reported in DecodeError.Reason for MMR.
var (
	errCode     = errors.New("invalid code")
	errTooLong  = errors.New("row longer than width")
	errTruncate = errors.New("input ends inside a row")
)

// readRun decodes one run length of the given colour: make-up codes then a
// terminating code. It works on a local copy of the bit reader's state and
// stores it back once, on return.
func (d *Decoder) readRun(color int) (int, error) {
	br := &d.br
	runs := &d.t.runs[color&1]
	acc, n := br.acc, br.n
	total := 0
	for {
		if n < runPeek {
			br.acc, br.n = acc, n
			br.fill()
			acc, n = br.acc, br.n
		}
		e := runs.lookup(uint32(acc >> (64 - runPeek)))
		k := uint(e & runLen)
		if k == 0 {
			br.acc, br.n = acc, n
			return 0, errCode
		}
		if k > n {
			br.acc, br.n = 0, 0
			return 0, errTruncate
		}
		br.last, br.lastN = acc, k
		acc <<= k
		n -= k
		run := int(e >> 8)
		total += run
		if run < 64 {
			br.acc, br.n = acc, n
			return total, nil
		}
		if total > d.opt.Width {
			br.acc, br.n = acc, n
			return 0, errTooLong
		}
	}
}

// push appends the changing element p to cur, or removes the last one if
// it is at p too (a zero-length run).
func push(cur []int32, p int32) []int32 {
	if n := len(cur); n > 0 && cur[n-1] == p {
		return cur[:n-1]
	}
	return append(cur, p)
}

// finishRow drops changes at the right edge and adds the sentinels.
func (d *Decoder) finishRow() {
	w := int32(d.opt.Width)
	for n := len(d.cur); n > 0 && d.cur[n-1] >= w; n-- {
		d.cur = d.cur[:n-1]
	}
	d.cur = appendSentinels(d.cur, d.opt.Width)
}

// decode1D decodes one MH coded row into d.cur. It is readRun unrolled
// into the row loop, with the bit reader's state in locals, stored back on
// return, as the 1-D row is nothing but runs.
func (d *Decoder) decode1D() error {
	br := &d.br
	cur := d.cur[:0]
	acc, n := br.acc, br.n
	last, lastN := br.last, br.lastN
	width := d.opt.Width
	runs := &d.t.runs
	pos, start, color := 0, 0, white
	var err error
	for {
		if n < runPeek {
			br.acc, br.n = acc, n
			br.fill()
			acc, n = br.acc, br.n
		}
		e := runs[color].lookup(uint32(acc >> (64 - runPeek)))
		k := uint(e & runLen)
		if k == 0 {
			err = errCode
			break
		}
		if k > n {
			acc, n = 0, 0
			err = errTruncate
			break
		}
		last, lastN = acc, k
		acc <<= k
		n -= k
		run := int(e >> 8)
		pos += run
		if run >= 64 { // a make-up code: the run goes on
			if pos-start > width {
				err = errTooLong
				break
			}
			continue
		}
		if pos > width {
			err = errTooLong
			break
		}
		cur = push(cur, int32(pos))
		color ^= 1
		start = pos
		if pos == width {
			break
		}
	}
	br.acc, br.n = acc, n
	br.last, br.lastN = last, lastN
	d.cur = cur
	if err != nil {
		return err
	}
	d.finishRow()
	return nil
}

func (d *Decoder) decode2D() error {
	cur := d.cur[:0]
	ref := d.ref
	modes := &d.t.modeL
	br := &d.br
	width := int32(d.opt.Width)
	a0, color := int32(-1), 0
	ri := 0
	// The mode codes are read from a local copy of the bit reader's state,
	// stored back before a run is read and on return.
	acc, n := br.acc, br.n
	last, lastN := br.last, br.lastN
	var err error
	for a0 < width {
		if n < modePeek {
			br.acc, br.n = acc, n
			br.fill()
			acc, n = br.acc, br.n
		}
		e := modes[acc>>(64-modePeek)]
		if e.n == 0 {
			err = errCode
			break
		}
		k := uint(e.n)
		if k > n {
			acc, n = 0, 0
			err = errTruncate
			break
		}
		last, lastN = acc, k
		acc <<= k
		n -= k
		for ref[ri] <= a0 {
			ri++
		}
		bi := ri
		if bi&1 != color {
			bi++
		}
		b1 := ref[bi]
		if e.m == modeV0 {
			if b1 < a0 {
				err = errCode
				break
			}
			cur = push(cur, b1)
			a0 = b1
			color ^= 1
			// The next b1 is the change after this one on the reference
			// row: it is past a0 and of the new colour.
			ri = bi + 1
			continue
		}
		switch e.m {
		case modePass:
			a0 = ref[bi+1]
		case modeHorizontal:
			br.acc, br.n = acc, n
			var r1, r2 int
			r1, err = d.readRun(color)
			if err == nil {
				r2, err = d.readRun(color ^ 1)
			}
			acc, n = br.acc, br.n
			last, lastN = br.last, br.lastN
			if err != nil {
				break
			}
			a1 := max(a0, 0) + int32(r1)
			a2 := a1 + int32(r2)
			if a2 > width {
				err = errTooLong
				break
			}
			cur = push(cur, a1)
			cur = push(cur, a2)
			a0 = a2
		default:
			a1 := b1 + int32(e.m) - int32(modeV0)
			if e.m >= modeVL1 {
				a1 = b1 - (int32(e.m) - int32(modeVL1) + 1)
			}
			if a1 < 0 || a1 < a0 || a1 > width {
				err = errCode
				break
			}
			cur = push(cur, a1)
			a0 = a1
			color ^= 1
		}
		if err != nil {
			break
		}
	}
	br.acc, br.n = acc, n
	br.last, br.lastN = last, lastN
	d.cur = cur
	if err != nil {
		return err
	}
	d.finishRow()
	return nil
}
