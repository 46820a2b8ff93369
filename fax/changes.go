package fax

import (
	"encoding/binary"
	"math/bits"
)

// A row is handled as its changing elements: the positions (0..width-1) of
// the pixels whose colour differs from the pixel to their left, the pixel
// left of the row being white. Even entries change to black, odd to white.
// Every list ends with three sentinels equal to the width so the 2-D coders
// can look past the last real change without bounds checks.

const sentinels = 3

// rowChanges appends the changing elements of row (width pixels) to dst[:0]
// and the sentinels.
func rowChanges(dst []int32, row []byte, width int) []int32 {
	dst = dst[:0]
	pos, color := 0, white
	for {
		pos = nextChange(row, pos, width, color)
		if pos >= width {
			break
		}
		dst = append(dst, int32(pos))
		color ^= 1
	}
	return appendSentinels(dst, width)
}

func appendSentinels(dst []int32, width int) []int32 {
	return append(dst, int32(width), int32(width), int32(width))
}

// nextChange returns the first position at or after pos whose pixel is not
// color, or width.
func nextChange(row []byte, pos, width, color int) int {
	if pos >= width {
		return width
	}
	var skip byte // the byte value that holds no change
	if color == black {
		skip = 0xff
	}
	i := pos >> 3
	// the partial first byte
	c := row[i] ^ skip
	c <<= uint(pos & 7)
	if c != 0 {
		p := pos + bits.LeadingZeros8(c)
		if p > width {
			return width
		}
		return p
	}
	i++
	skip64 := uint64(0)
	if color == black {
		skip64 = ^uint64(0)
	}
	for ; i+8 <= len(row); i += 8 {
		if c := binary.BigEndian.Uint64(row[i:]) ^ skip64; c != 0 {
			return i<<3 + bits.LeadingZeros64(c)
		}
	}
	for ; i < len(row); i++ {
		if c := row[i] ^ skip; c != 0 {
			return i<<3 + bits.LeadingZeros8(c)
		}
	}
	return width
}

// renderChanges draws the changing elements ch (sentinels included) into
// row as pixels, width pixels wide.
func renderChanges(row []byte, ch []int32, width int) {
	clear(row)
	n := len(ch) - sentinels
	for i := 0; i < n; i += 2 {
		end := int(ch[i+1]) // for odd n this is the first sentinel
		fillBlack(row, int(ch[i]), end)
	}
}

// fillBlack sets pixels [from, to) to 1.
func fillBlack(row []byte, from, to int) {
	if from >= to {
		return
	}
	fi, ti := from>>3, (to-1)>>3
	first := byte(0xff) >> uint(from&7)
	last := byte(0xff) << uint(7-(to-1)&7)
	if fi == ti {
		row[fi] |= first & last
		return
	}
	row[fi] |= first
	for i := fi + 1; i < ti; i++ {
		row[i] = 0xff
	}
	row[ti] |= last
}
