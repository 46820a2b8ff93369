package fax

import "io"

// Encoder codes the rows of one page, one row at a time, and writes the
// coded bits to an io.Writer. It holds only the row above (for MR and MMR)
// and a small output buffer, both reused. Not safe for concurrent use.
type Encoder struct {
	opt    Options
	t      *codeTables
	bw     bitWriter
	ref    []int32 // changing elements of the row above
	cur    []int32
	rows   int
	rowBit int64 // bw.total() at the start of the current row's EOL
	closed bool
}

// NewEncoder returns an Encoder that writes the page coded as opt says to w.
// It writes nothing until the first row. Call Close after the last row.
func NewEncoder(w io.Writer, opt Options) (*Encoder, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if opt.K == 0 {
		opt.K = 2
	}
	e := &Encoder{
		opt: opt,
		t:   tables(),
		bw:  bitWriter{w: w, buf: make([]byte, 0, bufSize+8), lsb: opt.LSBFirst},
		ref: make([]int32, 0, opt.Width+sentinels+1),
		cur: make([]int32, 0, opt.Width+sentinels+1),
	}
	e.ref = appendSentinels(e.ref, opt.Width) // the imaginary white row above the first
	return e, nil
}

// WriteRow codes one row: Options.RowBytes bytes, 1 bit a pixel, leftmost
// pixel in the most significant bit, 1 = black. The Encoder does not keep
// row. Errors from the underlying writer are returned, possibly by a later
// call.
func (e *Encoder) WriteRow(row []byte) error {
	if e.closed {
		return ErrClosed
	}
	if len(row) != e.opt.RowBytes() {
		return ErrRowLength
	}
	e.cur = rowChanges(e.cur, row, e.opt.Width)
	switch e.opt.Coding {
	case MH:
		e.eol()
		e.code1D(e.cur)
	case MR:
		e.eol()
		if e.rows%e.opt.K == 0 {
			e.bw.put(1, 1)
			e.code1D(e.cur)
		} else {
			e.bw.put(0, 1)
			e.code2D(e.ref, e.cur)
		}
	case MMR:
		e.code2D(e.ref, e.cur)
	}
	e.ref, e.cur = e.cur, e.ref
	e.rows++
	return e.bw.err
}

// Close ends the page: RTC for T.4 (unless Options.OmitRTC), EOFB for T.6,
// then 0 bits to the byte boundary, and writes out what is buffered. It does
// not close the underlying writer.
func (e *Encoder) Close() error {
	if e.closed {
		return e.bw.err
	}
	e.closed = true
	switch e.opt.Coding {
	case MH, MR:
		if !e.opt.OmitRTC {
			for i := 0; i < 6; i++ {
				e.eol()
				if e.opt.Coding == MR {
					e.bw.put(1, 1)
				}
			}
		}
	case MMR:
		e.bw.put(eolCode, eolLen)
		e.bw.put(eolCode, eolLen)
	}
	return e.bw.finish()
}

// eol writes the fill the previous row needs, then an EOL.
func (e *Encoder) eol() {
	fill := 0
	if e.opt.MinRowBits > 0 && e.rows > 0 {
		// The previous row's bits since its EOL, that EOL included.
		if got := int(e.bw.total() - e.rowBit); got < e.opt.MinRowBits {
			fill = e.opt.MinRowBits - got
		}
	}
	if e.opt.AlignEOL {
		fill += int((8 - (e.bw.total()+int64(fill)+eolLen)%8) % 8)
	}
	if fill > 0 {
		e.bw.zeros(fill)
	}
	e.rowBit = e.bw.total()
	e.bw.put(eolCode, eolLen)
}

// run writes one run length of the given colour: make-up codes, then a
// terminating code.
func (e *Encoder) run(color, n int) {
	t := e.t
	for n >= 2560+64 {
		c := t.makeUp[color][2560/64-1]
		e.bw.put(uint32(c.bits), uint(c.n))
		n -= 2560
	}
	if n >= 64 {
		c := t.makeUp[color][n/64-1]
		e.bw.put(uint32(c.bits), uint(c.n))
		n %= 64
	}
	c := t.term[color][n]
	e.bw.put(uint32(c.bits), uint(c.n))
}

func (e *Encoder) code1D(ch []int32) {
	pos, color := 0, white
	for _, p := range ch[:len(ch)-sentinels] {
		e.run(color, int(p)-pos)
		pos, color = int(p), color^1
	}
	e.run(color, e.opt.Width-pos)
}

func (e *Encoder) putMode(m mode) {
	c := e.t.modes[m]
	e.bw.put(uint32(c.bits), uint(c.n))
}

// vertical is the mode for a1-b1 = index-3.
var vertical = [7]mode{modeVL3, modeVL2, modeVL1, modeV0, modeVR1, modeVR2, modeVR3}

// code2D codes the row cur against ref (T.4 §4.2.1.3.2 / T.6 §2.2.3).
func (e *Encoder) code2D(ref, cur []int32) {
	width := int32(e.opt.Width)
	a0, color := int32(-1), 0
	ci, ri := 0, 0
	for a0 < width {
		for cur[ci] <= a0 {
			ci++
		}
		a1 := cur[ci]
		for ref[ri] <= a0 {
			ri++
		}
		bi := ri
		if bi&1 != color {
			bi++
		}
		b1, b2 := ref[bi], ref[bi+1]
		switch d := a1 - b1; {
		case b2 < a1:
			e.putMode(modePass)
			a0 = b2
		case d >= -3 && d <= 3:
			e.putMode(vertical[d+3])
			a0 = a1
			color ^= 1
		default:
			a2 := cur[ci+1]
			e.putMode(modeHorizontal)
			e.run(color, int(a1-max(a0, 0)))
			e.run(color^1, int(a2-a1))
			a0 = a2
		}
	}
}
