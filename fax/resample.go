package fax

import (
	"image"
	"math"

	"golang.org/x/image/draw"
)

// contribution is one source pixel's share of a destination pixel.
type contribution struct {
	src    int
	weight float32
}

// areaWeights returns, for each of dn destination pixels spanning sn source
// pixels, the source pixels it covers and by how much (the weights sum to
// 1): box-filter (area-average) resampling, which keeps thin strokes when
// shrinking and repeats pixels when enlarging.
func areaWeights(sn, dn int) [][]contribution {
	out := make([][]contribution, dn)
	scale := float64(sn) / float64(dn)
	for d := range out {
		lo, hi := float64(d)*scale, float64(d+1)*scale
		for s := int(lo); s < sn && float64(s) < hi; s++ {
			w := math.Min(hi, float64(s+1)) - math.Max(lo, float64(s))
			if w > 1e-9 {
				out[d] = append(out[d], contribution{s, float32(w / scale)})
			}
		}
	}
	return out
}

// resampleInto scales src to fill dst.Rect of dst by area averaging, one
// destination row at a time (two rows of float32 scratch). Both must be
// *image.Gray with Min at their origin or not; src's transparency was
// already flattened.
func resampleInto(dst *image.Gray, r image.Rectangle, src *image.Gray) {
	sb := src.Rect
	xs := areaWeights(sb.Dx(), r.Dx())
	ys := areaWeights(sb.Dy(), r.Dy())
	acc := make([]float32, r.Dx())
	for dy, yc := range ys {
		clear(acc)
		for _, cy := range yc {
			srow := src.Pix[cy.src*src.Stride:]
			for dx, xc := range xs {
				var v float32
				for _, cx := range xc {
					v += float32(srow[cx.src]) * cx.weight
				}
				acc[dx] += v * cy.weight
			}
		}
		drow := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+dy):]
		for dx, v := range acc {
			drow[dx] = uint8(min(255, v+0.5))
		}
	}
}

// toGray returns img as greyscale, transparent parts white. An *image.Gray
// is returned as it is.
func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := whiteGray(b.Dx(), b.Dy())
	draw.Draw(g, g.Rect, img, b.Min, draw.Over)
	return g
}
