package fax

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
)

// readPNM reads one binary PGM (P5, 8-bit) or PBM (P4) image from a stream
// of them, as pdftoppm writes to its standard output, refusing images over
// maxPixels before allocating. It returns io.EOF at the end of the stream.
func readPNM(r *bufio.Reader, maxPixels int64) (*image.Gray, error) {
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, errors.New("PNM: truncated header")
		}
		return nil, err
	}
	if magic[0] != 'P' || (magic[1] != '4' && magic[1] != '5') {
		return nil, fmt.Errorf("PNM: magic %q is not P4 or P5", magic)
	}
	n := 3
	if magic[1] == '4' {
		n = 2
	}
	var v [3]int
	for i := 0; i < n; i++ {
		x, err := pnmInt(r)
		if err != nil {
			return nil, err
		}
		v[i] = x
	}
	w, h := v[0], v[1]
	if w <= 0 || h <= 0 || int64(w)*int64(h) > maxPixels {
		return nil, fmt.Errorf("%w: PNM image %d×%d", ErrTooLarge, w, h)
	}
	if n == 3 && v[2] != 255 {
		return nil, fmt.Errorf("PNM: maxval %d, want 255", v[2])
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	if magic[1] == '5' {
		if _, err := io.ReadFull(r, g.Pix); err != nil {
			return nil, fmt.Errorf("PNM: pixels: %w", err)
		}
		return g, nil
	}
	row := make([]byte, (w+7)/8)
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, fmt.Errorf("PNM: pixels: %w", err)
		}
		for x := 0; x < w; x++ {
			if row[x>>3]&(0x80>>(x&7)) == 0 { // PBM: 1 is black
				g.Pix[y*w+x] = 0xff
			}
		}
	}
	return g, nil
}

// pnmInt reads a decimal header field, skipping white space and comments
// before it and consuming the one white space character after it.
func pnmInt(r *bufio.Reader) (int, error) {
	c, err := r.ReadByte()
	for err == nil && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#') {
		if c == '#' {
			_, err = r.ReadString('\n')
			if err != nil {
				break
			}
		}
		c, err = r.ReadByte()
	}
	if err != nil {
		return 0, errors.New("PNM: truncated header")
	}
	v, digits := 0, 0
	for ; err == nil && c >= '0' && c <= '9'; c, err = r.ReadByte() {
		if v > 1<<24 {
			return 0, errors.New("PNM: header number too large")
		}
		v = v*10 + int(c-'0')
		digits++
	}
	if digits == 0 || err != nil || !(c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		return 0, errors.New("PNM: bad header number")
	}
	return v, nil
}
