package fax

import (
	"bytes"
	"image"
	"io"
	"math/rand/v2"
	"testing"
)

// a4Fine is a busy A4 fine page, 1728 x 2287: 80 lines of 10-point-like
// glyphs (vertical and horizontal strokes 2-3 pixels thick) between 100-pixel
// margins, about 10% black.
func a4Fine() [][]byte {
	const width, height = WidthA4, 2287
	rnd := rand.New(rand.NewPCG(4, 4))
	rows := newRows(width, height)
	for top := 100; top+20 < height-100; top += 27 {
		x := 100
		for x < width-120 {
			if rnd.IntN(6) == 0 { // a space between words
				x += 12
				continue
			}
			gw := 9 + rnd.IntN(6)
			th := 2 + rnd.IntN(2)
			// a vertical stroke on the left, maybe one on the right, and a
			// horizontal stroke at the top, middle or bottom
			for y := top; y < top+18; y++ {
				for k := 0; k < th; k++ {
					setPixel(rows[y], x+k)
					if gw%2 == 0 {
						setPixel(rows[y], x+gw-th+k)
					}
				}
			}
			hy := top + []int{0, 8, 16}[rnd.IntN(3)]
			for y := hy; y < hy+th; y++ {
				for k := 0; k < gw; k++ {
					setPixel(rows[y], x+k)
				}
			}
			x += gw + 3
		}
	}
	return rows
}

var benchCodings = []struct {
	name string
	opt  Options
}{
	{"MH", Options{Coding: MH, Width: WidthA4}},
	{"MR-K4", Options{Coding: MR, Width: WidthA4, K: 4}},
	{"MMR", Options{Coding: MMR, Width: WidthA4}},
}

func BenchmarkEncodeA4Fine(b *testing.B) {
	rows := a4Fine()
	for _, c := range benchCodings {
		b.Run(c.name, func(b *testing.B) {
			var size int
			b.ReportAllocs()
			for b.Loop() {
				e, _ := NewEncoder(io.Discard, c.opt)
				for _, r := range rows {
					e.WriteRow(r)
				}
				e.Close()
				size = int(e.bw.total() / 8)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			b.ReportMetric(float64(size), "coded-bytes")
		})
	}
}

func BenchmarkDecodeA4Fine(b *testing.B) {
	rows := a4Fine()
	for _, c := range benchCodings {
		b.Run(c.name, func(b *testing.B) {
			data := encodePage(b, c.opt, rows)
			row := make([]byte, c.opt.RowBytes())
			r := bytes.NewReader(data)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(data)
				d, _ := NewDecoder(r, c.opt)
				for d.ReadRow(row) == nil {
				}
				if d.Stats().Rows != len(rows) {
					b.Fatalf("%d rows", d.Stats().Rows)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// TestRowsDoNotAllocate checks the streaming promise: once an Encoder or
// Decoder exists, coding a row allocates nothing.
func TestRowsDoNotAllocate(t *testing.T) {
	rows := textRows(WidthA4, 48, rand.New(rand.NewPCG(5, 5)))
	for _, c := range benchCodings {
		e, _ := NewEncoder(io.Discard, c.opt)
		i := 0
		if n := testing.AllocsPerRun(200, func() { e.WriteRow(rows[i%len(rows)]); i++ }); n != 0 {
			t.Errorf("%s: WriteRow allocates %v times a row", c.name, n)
		}
		opt := c.opt
		opt.OmitRTC = true
		var long bytes.Buffer
		e, _ = NewEncoder(&long, opt)
		for j := 0; j < 300; j++ {
			e.WriteRow(rows[j%len(rows)])
		}
		e.Close()
		d, _ := NewDecoder(bytes.NewReader(long.Bytes()), opt)
		row := make([]byte, opt.RowBytes())
		if n := testing.AllocsPerRun(200, func() {
			if err := d.ReadRow(row); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: ReadRow allocates %v times a row", c.name, n)
		}
	}
}

// BenchmarkReadTIFF reads a 50-page MMR TIFF-F file of busy A4 fine pages,
// page by page, row by row: pages per second.
func BenchmarkReadTIFF(b *testing.B) {
	rows := a4Fine()
	doc := make([][][]byte, 50)
	for i := range doc {
		doc[i] = rows
	}
	var buf bytes.Buffer
	w, _ := NewTIFFWriter(&buf, TIFFOptions{Coding: MMR})
	for _, r := range doc {
		if _, err := w.WritePage(&Page{Width: WidthA4, Resolution: Fine, Rows: MemRows(r)}); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	file := buf.Bytes()
	row := make([]byte, WidthA4/8)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tr, err := ReadTIFF(bytes.NewReader(file), int64(len(file)), TIFFLimits{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			p, err := tr.NextPage()
			if err != nil {
				break
			}
			for p.Rows.ReadRow(row) == nil {
			}
		}
	}
	b.ReportMetric(float64(50*b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkImagePage scales a 2480×3508 greyscale scan (A4 at 300 dpi) to
// a fine fax page and dithers it: pages per second.
func BenchmarkImagePage(b *testing.B) {
	g := image.NewGray(image.Rect(0, 0, 2480, 3508))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	row := make([]byte, WidthA4/8)
	b.ReportAllocs()
	for b.Loop() {
		p, err := ImagePage(g, ConvertOptions{Halftone: HalftoneDither})
		if err != nil {
			b.Fatal(err)
		}
		for p.Rows.ReadRow(row) == nil {
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
