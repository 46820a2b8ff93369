package fax

import (
	"image"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResample(t *testing.T) {
	// Columns alternately black and white, 8 wide.
	src := image.NewGray(image.Rect(0, 0, 8, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 8; x += 2 {
			src.Pix[y*8+x+1] = 255
		}
	}
	cases := []struct {
		w, h int
		want []uint8
	}{
		{4, 1, []uint8{128, 128, 128, 128}}, // 2:1 averages pairs
		{8, 2, src.Pix},                     // 1:1 copies
		{16, 1, []uint8{0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255}}, // 1:2 repeats
		{3, 1, []uint8{96, 128, 159}}, // 8/3 columns each: 3/8 and 5/8 white at the ends
	}
	for _, c := range cases {
		dst := image.NewGray(image.Rect(0, 0, c.w, c.h))
		scaleInto(dst, src)
		if diff := cmp.Diff(c.want, dst.Pix); diff != "" {
			t.Errorf("%d×%d (-want +got):\n%s", c.w, c.h, diff)
		}
	}
}
