package fax

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testPage is a synthetic page: rows of width/8 bytes.
type testPage struct {
	name  string
	width int
	rows  [][]byte
}

func newRows(width, height int) [][]byte {
	rows := make([][]byte, height)
	for i := range rows {
		rows[i] = make([]byte, width/8)
	}
	return rows
}

func setPixel(row []byte, x int) { row[x>>3] |= 0x80 >> uint(x&7) }

// testPages returns the synthetic pages used by the round-trip tests at the
// given width.
func testPages(width int) []testPage {
	const h = 40
	var pages []testPage

	pages = append(pages, testPage{"white", width, newRows(width, h)})

	blk := newRows(width, h)
	for _, r := range blk {
		for i := range r {
			r[i] = 0xff
		}
	}
	pages = append(pages, testPage{"black", width, blk})

	rnd := rand.New(rand.NewPCG(1, uint64(width)))
	random := newRows(width, h)
	for _, r := range random {
		for i := range r {
			r[i] = byte(rnd.Uint32())
		}
	}
	pages = append(pages, testPage{"random", width, random})

	checker := newRows(width, h)
	for y, r := range checker {
		for x := 0; x < width; x++ {
			if (x+y)%2 == 0 {
				setPixel(r, x)
			}
		}
	}
	pages = append(pages, testPage{"checkerboard", width, checker})

	pages = append(pages, testPage{"text", width, textRows(width, h, rnd)})

	// Edges: a black pixel at each end, long runs crossing 2560.
	edge := newRows(width, h)
	for y, r := range edge {
		setPixel(r, 0)
		setPixel(r, width-1)
		if y%3 == 0 {
			for x := 1; x < width-1 && x < 2700; x++ {
				setPixel(r, x)
			}
		}
	}
	pages = append(pages, testPage{"edges", width, edge})
	return pages
}

// textRows draws rows of glyph-like blocks: short black strokes whose
// positions drift slightly from row to row, as scanned text does.
func textRows(width, h int, rnd *rand.Rand) [][]byte {
	rows := newRows(width, h)
	for line := 0; line*12 < h; line++ {
		x := 40
		for x < width-60 {
			w := 2 + rnd.IntN(20)
			stroke := 1 + rnd.IntN(3)
			for dy := 0; dy < 9 && line*12+dy < h; dy++ {
				r := rows[line*12+dy]
				off := rnd.IntN(3) - 1
				for sx := 0; sx < w; sx += stroke + 2 {
					for k := 0; k < stroke; k++ {
						if p := x + sx + k + off; p >= 0 && p < width {
							setPixel(r, p)
						}
					}
				}
			}
			x += w + 4 + rnd.IntN(10)
		}
	}
	return rows
}

func encodePage(t testing.TB, opt Options, rows [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := e.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodePage(t testing.TB, opt Options, data []byte) ([][]byte, Stats, error) {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]byte
	for {
		row := make([]byte, opt.RowBytes())
		err := d.ReadRow(row)
		if err == io.EOF {
			return rows, d.Stats(), nil
		}
		if err != nil {
			return rows, d.Stats(), err
		}
		rows = append(rows, row)
	}
}

var codings = []struct {
	name string
	opt  Options
}{
	{"MH", Options{Coding: MH}},
	{"MH-aligned", Options{Coding: MH, AlignEOL: true}},
	{"MH-minrow-noRTC", Options{Coding: MH, MinRowBits: 400, OmitRTC: true}},
	{"MR-K2", Options{Coding: MR, K: 2}},
	{"MR-K4-aligned", Options{Coding: MR, K: 4, AlignEOL: true}},
	{"MR-K4-lsb", Options{Coding: MR, K: 4, LSBFirst: true}},
	{"MMR", Options{Coding: MMR}},
	{"MMR-lsb", Options{Coding: MMR, LSBFirst: true}},
}

func TestRoundTrip(t *testing.T) {
	for _, width := range []int{WidthA4, WidthB4, WidthA3, WidthA4300, WidthA4Super, 8, 64, 8192} {
		for _, p := range testPages(width) {
			for _, c := range codings {
				t.Run(fmt.Sprintf("%d/%s/%s", width, p.name, c.name), func(t *testing.T) {
					opt := c.opt
					opt.Width = width
					data := encodePage(t, opt, p.rows)
					got, st, err := decodePage(t, opt, data)
					if err != nil {
						t.Fatal(err)
					}
					if !equalRows(p.rows, got) {
						diff := cmp.Diff(p.rows, got)
						t.Fatalf("rows mismatch (-want +got):\n%s", diff)
					}
					if want := (Stats{Rows: len(p.rows)}); st != want {
						t.Errorf("stats = %+v, want %+v", st, want)
					}
				})
			}
		}
	}
}

func equalRows(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestEncoderFill(t *testing.T) {
	rows := testPages(WidthA4)[4].rows
	t.Run("aligned", func(t *testing.T) {
		data := encodePage(t, Options{Coding: MH, Width: WidthA4, AlignEOL: true}, rows)
		// Every EOL ends on a byte boundary: each 0x?1 byte... check by
		// scanning for EOL patterns.
		br := bitReader{r: bytes.NewReader(data), buf: make([]byte, 64)}
		var pos, eols int
		zeros := 0
		for !br.atEnd() {
			b := br.peek(1)
			br.skip(1)
			pos++
			if b == 0 {
				zeros++
				continue
			}
			if zeros >= 11 {
				eols++
				if pos%8 != 0 {
					t.Fatalf("EOL %d ends at bit %d, not on a byte boundary", eols, pos)
				}
			}
			zeros = 0
		}
		if want := len(rows) + 6; eols != want {
			t.Errorf("%d EOLs, want %d", eols, want)
		}
	})
	t.Run("min row bits", func(t *testing.T) {
		white := newRows(WidthA4, 10)
		plain := encodePage(t, Options{Coding: MH, Width: WidthA4, OmitRTC: true}, white)
		padded := encodePage(t, Options{Coding: MH, Width: WidthA4, OmitRTC: true, MinRowBits: 192}, white)
		// A white row is EOL + 1728 make-up + 0 terminating = 12+9+8 bits;
		// each of the first 9 rows is padded to 192 bits.
		if want := (9*192 + 29 + 7) / 8; len(padded) != want {
			t.Errorf("padded page is %d bytes, want %d (plain %d)", len(padded), want, len(plain))
		}
	})
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		opt   Options
		field string
	}{
		{Options{Width: 1728}, "Coding"},
		{Options{Coding: MH, Width: 1727}, "Width"},
		{Options{Coding: MH}, "Width"},
		{Options{Coding: MH, Width: MaxWidth + 8}, "Width"},
		{Options{Coding: MR, Width: 1728, K: -1}, "K"},
		{Options{Coding: MH, Width: 1728, MinRowBits: -1}, "MinRowBits"},
	} {
		_, err := NewEncoder(io.Discard, tc.opt)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("NewEncoder(%+v) = %v, want ValidationError on %s", tc.opt, err, tc.field)
		}
		_, err = NewDecoder(bytes.NewReader(nil), tc.opt)
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("NewDecoder(%+v) = %v, want ValidationError on %s", tc.opt, err, tc.field)
		}
	}
}
