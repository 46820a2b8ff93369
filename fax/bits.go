package fax

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// bitWriter packs codes into bytes, first bit in the most significant bit
// (or the least, for lsb), and writes them to w in chunks of bufSize. Its
// buffer is reused for the life of the encoder.
type bitWriter struct {
	w       io.Writer
	buf     []byte
	acc     uint64 // pending bits, left-aligned
	n       uint   // number of pending bits in acc (< 32 after put)
	flushed int64  // bytes written to w
	lsb     bool
	err     error
}

const bufSize = 4096

// put writes the n (<= 32) low bits of c, most significant first. It is
// small enough to be inlined; spill does the rest every 32 bits.
func (b *bitWriter) put(c uint32, n uint) {
	b.acc |= uint64(c) << (64 - b.n - n)
	b.n += n
	if b.n >= 32 {
		b.spill()
	}
}

// spill moves the first 32 pending bits to the buffer.
func (b *bitWriter) spill() {
	b.buf = binary.BigEndian.AppendUint32(b.buf, uint32(b.acc>>32))
	b.acc <<= 32
	b.n -= 32
	if len(b.buf) >= bufSize {
		b.flushBuf()
	}
}

// total returns the number of bits written since the start.
func (b *bitWriter) total() int64 {
	return 8*(b.flushed+int64(len(b.buf))) + int64(b.n)
}

// zeros writes n 0 bits (fill).
func (b *bitWriter) zeros(n int) {
	for n > 32 {
		b.put(0, 32)
		n -= 32
	}
	b.put(0, uint(n))
}

func (b *bitWriter) flushBuf() {
	if b.err != nil {
		b.flushed += int64(len(b.buf))
		b.buf = b.buf[:0]
		return
	}
	if b.lsb {
		for i, c := range b.buf {
			b.buf[i] = bits.Reverse8(c)
		}
	}
	_, b.err = b.w.Write(b.buf)
	b.flushed += int64(len(b.buf))
	b.buf = b.buf[:0]
}

// finish pads the last byte with 0 bits and writes everything out.
func (b *bitWriter) finish() error {
	for b.n > 0 {
		b.buf = append(b.buf, byte(b.acc>>56))
		b.acc <<= 8
		b.n -= min(b.n, 8)
	}
	b.flushBuf()
	return b.err
}

// bitReader reads bits, first bit in the most significant bit (or the least,
// for lsb), from r through a reused buffer. Bits past the end of the input
// read as 0; avail says how many real bits are left in acc.
type bitReader struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	acc  uint64 // next bits, left-aligned
	n    uint   // real bits in acc
	eof  bool   // r has no more bytes
	err  error  // a read error other than io.EOF
	lsb  bool
	read int64 // bytes taken from r
	// last and lastN are acc before the last skip and its length, so a
	// decoder that fails can tell how many 0 bits it just consumed.
	last  uint64
	lastN uint
}

// fill tops acc up to at least 57 bits, or as many as the input has.
func (b *bitReader) fill() {
	if b.pos+8 <= b.end {
		// The fast path: take as many whole bytes as fit from one 64-bit load.
		w := binary.BigEndian.Uint64(b.buf[b.pos:])
		if b.lsb {
			w = bits.ReverseBytes64(bits.Reverse64(w))
		}
		k := (64 - b.n) / 8
		b.acc |= w >> b.n &^ (1<<(64-b.n-8*k) - 1)
		b.pos += int(k)
		b.n += 8 * k
		return
	}
	for b.n <= 56 {
		if b.pos == b.end {
			if b.eof {
				return
			}
			b.refill()
			if b.pos == b.end {
				return
			}
		}
		c := b.buf[b.pos]
		if b.lsb {
			c = bits.Reverse8(c)
		}
		b.pos++
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

func (b *bitReader) refill() {
	for tries := 0; tries < 100; tries++ {
		n, err := b.r.Read(b.buf)
		b.pos, b.end = 0, n
		b.read += int64(n)
		if err != nil {
			b.eof = true
			if err != io.EOF {
				b.err = err
			}
		}
		if n > 0 || b.eof {
			return
		}
	}
	b.eof, b.err = true, io.ErrNoProgress
}

// peek returns the next k bits (k <= 32) without consuming them.
func (b *bitReader) peek(k uint) uint32 {
	if b.n < k {
		b.fill()
	}
	return uint32(b.acc >> (64 - k))
}

// skip consumes k bits (k <= 32); it reports false if fewer than k real bits
// were left.
func (b *bitReader) skip(k uint) bool {
	if b.n < k {
		return b.skipSlow(k)
	}
	b.last, b.lastN = b.acc, k
	b.acc <<= k
	b.n -= k
	return true
}

func (b *bitReader) skipSlow(k uint) bool {
	b.fill()
	if b.n < k {
		b.acc, b.n = 0, 0
		return false
	}
	b.last, b.lastN = b.acc, k
	b.acc <<= k
	b.n -= k
	return true
}

// tailZeros returns how many 0 bits ended the bits the last skip consumed.
func (b *bitReader) tailZeros() int {
	if b.lastN == 0 {
		return 0
	}
	v := b.last >> (64 - b.lastN)
	if v == 0 {
		return int(b.lastN)
	}
	return bits.TrailingZeros64(v)
}

// atEnd reports whether no real bits are left.
func (b *bitReader) atEnd() bool {
	if b.n == 0 {
		b.fill()
	}
	return b.n == 0
}

// skipZeros consumes 0 bits up to the next 1 bit, which it leaves. It
// returns how many it consumed, and false if the input ended first.
func (b *bitReader) skipZeros() (int, bool) {
	count := 0
	for {
		if b.n == 0 {
			b.fill()
			if b.n == 0 {
				return count, false
			}
		}
		z := uint(bits.LeadingZeros64(b.acc))
		if z < b.n {
			b.acc <<= z
			b.n -= z
			return count + int(z), true
		}
		count += int(b.n)
		b.acc, b.n = 0, 0
	}
}
