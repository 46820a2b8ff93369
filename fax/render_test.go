package fax

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRenderMatchesPixels draws random rows from their changing elements
// and compares with the rows themselves, for widths that end inside a byte
// and inside a word, and spans that cross words.
func TestRenderMatchesPixels(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, width := range []int{8, 64, 72, 200, WidthA4, WidthA4 + 8} {
		r := newRenderer(width)
		for k := 0; k < 50; k++ {
			want := make([]byte, (width+7)/8)
			density := rnd.IntN(10) + 1
			black := rnd.IntN(2) == 0
			for x := 0; x < width; x++ {
				if rnd.IntN(density) == 0 {
					black = !black
				}
				if black {
					setPixel(want, x)
				}
			}
			ch := rowChanges(nil, want, width)
			got := make([]byte, len(want))
			for i := range got {
				got[i] = 0x5a // render must overwrite what was there
			}
			r.render(got, ch, width)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("width %d row %d (-want +got):\n%s", width, k, diff)
			}
		}
	}
}

// TestRowChangesMatchesPixels compares rowChanges with a pixel-by-pixel
// walk, including black padding bits past a width that ends inside a byte
// of the last, partial word.
func TestRowChangesMatchesPixels(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 8))
	for _, width := range []int{8, 64, 70, 200, WidthA4} {
		for k := 0; k < 50; k++ {
			row := make([]byte, (width+7)/8)
			for i := range row {
				a, b := rnd.Uint32(), rnd.Uint32()
				row[i] = byte(a) & byte(b) // a quarter of the pixels black
			}
			if k%5 == 0 {
				clear(row)
			}
			var want []int32
			prev := false
			for x := 0; x < width; x++ {
				if b := row[x/8]&(0x80>>(x%8)) != 0; b != prev {
					want = append(want, int32(x))
					prev = b
				}
			}
			want = appendSentinels(want, width)
			if diff := cmp.Diff(want, rowChanges(nil, row, width)); diff != "" {
				t.Fatalf("width %d row %d (-want +got):\n%s", width, k, diff)
			}
		}
	}
}
