package fax

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoders. They must not panic,
// must return at most one row per bit of input (plus one), and what they
// return must survive a round trip: encoding the decoded rows and decoding
// them again gives the same rows, with no bad rows.
//
// Inputs over maxInput bytes are not read and the round trip keeps at most
// maxKept rows: the fuzzer minimizes each new interesting input by trying
// every sub-range it could cut (quadratic in its size), and with A4 rows
// and a 500-row round trip that took most of a 60-second run.
func FuzzDecode(f *testing.F) {
	for _, c := range []Coding{MH, MR, MMR} {
		opt := Options{Coding: c, Width: 64, K: 2}
		for _, p := range testPages(64) {
			f.Add(encodePage(f, opt, p.rows[:6]), uint8(c), uint8(0))
		}
	}
	f.Add([]byte{0x00, 0x10, 0x01, 0x00}, uint8(MH), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, coding, widthSel uint8) {
		const maxInput = 512
		if len(data) > maxInput {
			return
		}
		widths := [...]int{8, 16, 64, 200, WidthA4}
		opt := Options{Coding: Coding(coding%3 + 1), Width: widths[int(widthSel)%len(widths)], LSBFirst: widthSel&0x80 != 0}
		d, err := NewDecoder(bytes.NewReader(data), opt)
		if err != nil {
			t.Fatal(err)
		}
		const maxKept = 64 // rows kept for the round trip, to keep each run fast
		var rows [][]byte
		n := 0
		for {
			row := make([]byte, opt.RowBytes())
			err := d.ReadRow(row)
			if err == io.EOF {
				break
			}
			if err != nil {
				var de *DecodeError
				if opt.Coding != MMR || !errors.As(err, &de) {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			n++
			if n > 8*len(data)+1 {
				t.Fatalf("%d rows from %d bytes", n, len(data))
			}
			if len(rows) < maxKept {
				rows = append(rows, row)
			}
		}
		if st := d.Stats(); st.Rows != n || st.BadRows > st.Rows {
			t.Fatalf("stats %+v for %d rows", st, n)
		}
		again, st, err := decodePage(t, opt, encodePage(t, opt, rows))
		if err != nil || st.BadRows != 0 || !equalRows(rows, again) {
			t.Fatalf("round trip of %d decoded rows: %d rows, %+v, %v", len(rows), len(again), st, err)
		}
	})
}
