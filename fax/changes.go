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
// and the sentinels. It reads the row 64 pixels at a time: the bits of
// w ^ (w>>1 with the previous word's last pixel shifted in) are the
// changing elements of that word, taken out one by one, most significant
// first.
func rowChanges(dst []int32, row []byte, width int) []int32 {
	dst = dst[:0]
	var prev uint64 // the last pixel of the previous word, in bit 63
	i := 0
	for ; i+8 <= len(row); i += 8 {
		w := binary.BigEndian.Uint64(row[i:])
		ch := w ^ (w>>1 | prev)
		prev = w << 63
		base := int32(i) << 3
		for ch != 0 {
			z := bits.LeadingZeros64(ch)
			dst = append(dst, base+int32(z))
			ch &^= 1 << (63 - uint(z))
		}
	}
	if i < len(row) {
		var w uint64
		for k, c := range row[i:] {
			w |= uint64(c) << (56 - 8*k)
		}
		ch := w ^ (w>>1 | prev)
		base := int32(i) << 3
		for ch != 0 {
			z := bits.LeadingZeros64(ch)
			dst = append(dst, base+int32(z))
			ch &^= 1 << (63 - uint(z))
		}
	}
	// Pixels past the width (padding, and the white fill of the last word)
	// hold no changes.
	n := len(dst)
	for n > 0 && dst[n-1] >= int32(width) {
		n--
	}
	return appendSentinels(dst[:n], width)
}

func appendSentinels(dst []int32, width int) []int32 {
	return append(dst, int32(width), int32(width), int32(width))
}

// renderer draws changing elements into rows a 64-bit word at a time: a
// span of black pixels rarely crosses a word, where it often crosses a
// byte. It owns its word buffer, reused for every row.
type renderer struct {
	words []uint64
}

func newRenderer(width int) renderer {
	return renderer{words: make([]uint64, (width+63)/64)}
}

// render draws the changing elements ch (sentinels included) into row as
// pixels, width pixels wide.
func (r *renderer) render(row []byte, ch []int32, width int) {
	words := r.words
	clear(words)
	n := len(ch) - sentinels
	for i := 0; i < n; i += 2 {
		from, to := uint(ch[i]), uint(ch[i+1]) // for odd n, ch[i+1] is the first sentinel
		if from >= to {
			continue
		}
		fw, tw := from>>6, (to-1)>>6
		if fw >= uint(len(words)) || tw >= uint(len(words)) {
			return // cannot happen: the decoders keep changes within the width
		}
		first := ^uint64(0) >> (from & 63)
		last := ^uint64(0) << (63 - (to-1)&63)
		if fw == tw {
			words[fw] |= first & last
			continue
		}
		words[fw] |= first
		for k := fw + 1; k < tw; k++ {
			words[k] = ^uint64(0)
		}
		words[tw] |= last
	}
	full := len(row) / 8
	for i, w := range words[:full] {
		binary.BigEndian.PutUint64(row[8*i:], w)
	}
	if rest := row[8*full:]; len(rest) > 0 {
		w := words[full]
		for i := range rest {
			rest[i] = byte(w >> (56 - 8*i))
		}
	}
}
