package fax_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"time"

	"github.com/telekit/telekit/fax"
)

// Code a page row by row in MMR and decode it again.
func Example() {
	opt := fax.Options{Coding: fax.MMR, Width: fax.WidthA4}

	var coded bytes.Buffer
	enc, err := fax.NewEncoder(&coded, opt)
	if err != nil {
		panic(err)
	}
	row := make([]byte, opt.RowBytes()) // 1 bit a pixel, 1 = black
	for y := 0; y < 100; y++ {
		clear(row)
		if y%10 == 0 {
			for x := 100; x < 300; x++ { // a short black line every 10 rows
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		if err := enc.WriteRow(row); err != nil {
			panic(err)
		}
	}
	if err := enc.Close(); err != nil {
		panic(err)
	}

	dec, err := fax.NewDecoder(&coded, opt)
	if err != nil {
		panic(err)
	}
	black := 0
	for {
		if err := dec.ReadRow(row); err == io.EOF {
			break
		} else if err != nil {
			panic(err)
		}
		if row[100/8] != 0 {
			black++
		}
	}
	fmt.Printf("%d rows, %d with the line, %+v\n", dec.Stats().Rows, black, dec.Stats())
	// Output:
	// 100 rows, 10 with the line, {Rows:100 BadRows:0}
}

// A T.4 decoder replaces a damaged row by the row above and counts it.
func ExampleDecoder_ReadRow() {
	opt := fax.Options{Coding: fax.MH, Width: 64}
	var coded bytes.Buffer
	enc, _ := fax.NewEncoder(&coded, opt)
	rows := [][]byte{
		{0xff, 0, 0, 0, 0, 0, 0, 0},
		{0xf0, 0, 0, 0, 0, 0, 0, 0x0f},
		{0, 0, 0, 0, 0, 0, 0, 0xff},
	}
	for _, r := range rows {
		enc.WriteRow(r)
	}
	enc.Close()

	b := coded.Bytes()
	b[6] ^= 0x10 // damage the second row

	dec, _ := fax.NewDecoder(bytes.NewReader(b), opt)
	row := make([]byte, opt.RowBytes())
	for dec.ReadRow(row) == nil {
		fmt.Printf("% x\n", row)
	}
	fmt.Printf("%+v\n", dec.Stats())
	// Output:
	// ff 00 00 00 00 00 00 00
	// ff 00 00 00 00 00 00 00
	// 00 00 00 00 00 00 00 ff
	// {Rows:3 BadRows:1}
}

// Convert an image into a fine-resolution fax with a cover page and a
// header line, and store it as a TIFF-F file.
func ExampleConvert() {
	img := image.NewGray(image.Rect(0, 0, 850, 1100)) // a black page
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		panic(err)
	}
	doc, err := fax.Convert(context.Background(), &pngBuf, fax.ConvertOptions{Resolution: fax.Fine})
	if err != nil {
		panic(err)
	}
	when := time.Date(2025, 3, 4, 15, 6, 0, 0, time.UTC)
	cover, err := fax.CoverPage{To: "Bob", From: "Alice", Subject: "Plans", Time: when, Pages: 2}.Render(fax.ConvertOptions{})
	if err != nil {
		panic(err)
	}
	doc, err = fax.StampHeader(fax.Concat(fax.Pages(cover), doc), fax.Header{Time: when, Sender: "Alice", StationID: "+1 555 0100"})
	if err != nil {
		panic(err)
	}
	defer doc.Close()

	var file bytes.Buffer
	w, err := fax.NewTIFFWriter(&file, fax.TIFFOptions{Coding: fax.MMR, Pages: 2})
	if err != nil {
		panic(err)
	}
	stats, err := fax.Copy(w, doc)
	if err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	for i, s := range stats {
		fmt.Printf("page %d: %d rows\n", i+1, s.Rows)
	}
	// Output:
	// page 1: 2292 rows
	// page 2: 2149 rows
}

// Read a received TIFF-F fax page by page, row by row, as the portal does
// to show or forward it. A file from outside is checked against limits
// before any pixel is decoded.
func ExampleReadTIFF() {
	// A two-page fax, as a fax machine or a TIFF-F file would hold it.
	var file bytes.Buffer
	w, err := fax.NewTIFFWriter(&file, fax.TIFFOptions{Coding: fax.MR})
	if err != nil {
		panic(err)
	}
	for _, length := range []int{1143, 800} {
		rows := make([][]byte, length)
		for i := range rows {
			rows[i] = make([]byte, fax.WidthA4/8)
			if i%100 == 0 {
				rows[i][20] = 0xff // a short line every 100 rows
			}
		}
		if _, err := w.WritePage(&fax.Page{Width: fax.WidthA4, Resolution: fax.Standard, Rows: fax.MemRows(rows)}); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}

	b := file.Bytes()
	tr, err := fax.ReadTIFF(bytes.NewReader(b), int64(len(b)), fax.TIFFLimits{MaxPages: 50})
	if err != nil {
		panic(err) // a *fax.TIFFError says which page is wrong and why
	}
	defer tr.Close()
	fmt.Println(tr.PageCount(), "pages")
	for {
		p, err := tr.NextPage()
		if err == io.EOF {
			break
		} else if err != nil {
			panic(err)
		}
		row := make([]byte, p.RowBytes())
		lines := 0
		for {
			if err := p.Rows.ReadRow(row); err == io.EOF {
				break
			} else if err != nil {
				panic(err)
			}
			if row[20] != 0 {
				lines++
			}
		}
		fmt.Printf("%dx%d %v %v: %d lines\n", p.Width, p.Length, p.Resolution, p.Coding, lines)
	}
	// Output:
	// 2 pages
	// 1728x1143 standard MR: 12 lines
	// 1728x800 standard MR: 8 lines
}

// Turn a received fax into a PDF for download: one PDF page per fax page,
// at its physical size, the fax bits kept as they are.
func ExamplePDFWriter() {
	rows := make([][]byte, 2287) // a white A4 page at fine resolution
	for i := range rows {
		rows[i] = make([]byte, fax.WidthA4/8)
	}
	doc := fax.Pages(&fax.Page{Width: fax.WidthA4, Resolution: fax.Fine, Rows: fax.MemRows(rows)})
	defer doc.Close()

	var pdf bytes.Buffer
	w := fax.NewPDFWriter(&pdf)
	stats, err := fax.Copy(w, doc)
	if err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	fmt.Printf("%d page(s), %d rows, starts with %q\n", len(stats), stats[0].Rows, pdf.Bytes()[:8])
	// Output:
	// 1 page(s), 2287 rows, starts with "%PDF-1.4"
}
