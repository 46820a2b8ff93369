package fax

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// encodeMarked encodes rows and returns the stream and, for each row, the
// bit range its codes occupy (after its EOL and tag bit).
func encodeMarked(t *testing.T, opt Options, rows [][]byte) ([]byte, [][2]int64) {
	t.Helper()
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	var spans [][2]int64
	for _, r := range rows {
		if err := e.WriteRow(r); err != nil {
			t.Fatal(err)
		}
		start := e.rowBit + eolLen
		if opt.Coding == MR {
			start++
		}
		if opt.Coding == MMR {
			start = 0
			if len(spans) > 0 {
				start = spans[len(spans)-1][1]
			}
		}
		spans = append(spans, [2]int64{start, e.bw.total()})
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), spans
}

func flipBit(data []byte, bit int64) []byte {
	d := bytes.Clone(data)
	d[bit/8] ^= 0x80 >> uint(bit%8)
	return d
}

// TestDamagedRow flips bits inside one coded row of a T.4 page. The decoder
// must replace that row by the row above, count it, and decode every other
// row intact: exactly so at fixed positions of MH rows, and for most of the
// flips at every bit of a row (99% in 1-D rows, 70% in 2-D rows, whose
// vertical codes turn into one another). The other flips cannot be
// told apart by any decoder, and may only cost the damaged row itself: an
// undetected flip (one valid code sequence turned into another of the same
// width) changes that row alone, and a flip that forges an EOL inside the
// row (e.g. turning 000010 000010 into 000010000000...1) splits it into two
// rows, at least one of them replaced and counted.
func TestDamagedRow(t *testing.T) {
	rows := testPages(WidthA4)[4].rows // text-like
	for _, tc := range []struct {
		opt      Options
		row      int
		fixed    bool
		minExact int // percent
	}{
		{Options{Coding: MH, Width: WidthA4}, 5, true, 99},
		{Options{Coding: MH, Width: WidthA4, AlignEOL: true}, 1, true, 99},
		{Options{Coding: MH, Width: WidthA4}, 0, true, 99},
		{Options{Coding: MH, Width: WidthA4}, 39, true, 99}, // the last row, before RTC
		// MR: a 2-D row that the next 1-D row does not depend on.
		{Options{Coding: MR, Width: WidthA4, K: 4}, 15, false, 70},
		{Options{Coding: MR, Width: WidthA4, K: 2}, 13, false, 70},
		// MR: a 1-D row just before the next 1-D row.
		{Options{Coding: MR, Width: WidthA4, K: 1}, 6, false, 99},
	} {
		data, spans := encodeMarked(t, tc.opt, rows)
		span := spans[tc.row]
		var above []byte
		if tc.row > 0 {
			above = rows[tc.row-1]
		} else {
			above = make([]byte, WidthA4/8)
		}
		name := fmt.Sprintf("%s-K%d-row%d", tc.opt.Coding, tc.opt.K, tc.row)
		if tc.fixed {
			want := make([][]byte, len(rows))
			copy(want, rows)
			want[tc.row] = above
			for _, at := range []int64{span[0], span[0] + 1, (span[0] + span[1]) / 2, span[1] - 1} {
				t.Run(fmt.Sprintf("%s/bit%d", name, at-span[0]), func(t *testing.T) {
					got, st, err := decodePage(t, tc.opt, flipBit(data, at))
					if err != nil {
						t.Fatal(err)
					}
					if !equalRows(want, got) {
						t.Fatalf("rows differ: %s", firstDiff(want, got))
					}
					if want := (Stats{Rows: len(rows), BadRows: 1}); st != want {
						t.Errorf("stats = %+v, want %+v", st, want)
					}
				})
			}
		}
		t.Run(name+"/every-bit", func(t *testing.T) {
			exact, undetected, split := 0, 0, 0
			after := len(rows) - tc.row - 1
			for at := span[0]; at < span[1]; at++ {
				got, st, err := decodePage(t, tc.opt, flipBit(data, at))
				if err != nil {
					t.Fatal(err)
				}
				bit := at - span[0]
				if len(got) < len(rows) || len(got) > len(rows)+1 {
					t.Fatalf("bit %d: %d rows, want %d or one more", bit, len(got), len(rows))
				}
				if !equalRows(rows[:tc.row], got[:tc.row]) || !equalRows(rows[tc.row+1:], got[len(got)-after:]) {
					t.Fatalf("bit %d: a row other than %d is damaged", bit, tc.row)
				}
				middle := got[tc.row : len(got)-after]
				switch {
				case st.BadRows == 0 && len(middle) == 1:
					undetected++
				case st.BadRows == 1 && len(middle) == 1:
					if !bytes.Equal(middle[0], above) {
						t.Fatalf("bit %d: bad row not replaced by the row above", bit)
					}
					exact++
				case len(middle) == 2 && st.BadRows >= 1:
					split++
				default:
					t.Fatalf("bit %d: %d rows in place of row %d, %d counted bad", bit, len(middle), tc.row, st.BadRows)
				}
			}
			n := int(span[1] - span[0])
			t.Logf("%d flips: %d replaced exactly, %d undetected, %d forged an EOL", n, exact, undetected, split)
			if exact*100 < n*tc.minExact {
				t.Errorf("only %d of %d flips replaced exactly", exact, n)
			}
		})
	}
}

func firstDiff(want, got [][]byte) string {
	for i := range want {
		if i >= len(got) {
			return fmt.Sprintf("got %d rows, want %d", len(got), len(want))
		}
		if !bytes.Equal(want[i], got[i]) {
			return fmt.Sprintf("row %d", i)
		}
	}
	return fmt.Sprintf("got %d rows, want %d", len(got), len(want))
}

// TestMMRDamage checks that a damaged MMR page ends with a *DecodeError
// naming the row, after the rows decoded before it.
func TestMMRDamage(t *testing.T) {
	rows := testPages(WidthA4)[4].rows
	opt := Options{Coding: MMR, Width: WidthA4}
	data, _ := encodeMarked(t, opt, rows)
	// Cut the page short inside row 20.
	_, spans := encodeMarked(t, opt, rows)
	cut := data[:spans[20][0]/8+2]
	got, st, err := decodePage(t, opt, cut)
	var de *DecodeError
	if !errors.As(err, &de) || de.Row != 20 {
		t.Fatalf("err = %v, want DecodeError at row 20", err)
	}
	if !equalRows(rows[:20], got) || st.Rows != 20 {
		t.Fatalf("got %d rows (stats %+v), want the first 20 intact", len(got), st)
	}
	// The error sticks.
	d, _ := NewDecoder(bytes.NewReader(cut), opt)
	row := make([]byte, opt.RowBytes())
	for d.ReadRow(row) == nil {
	}
	if err := d.ReadRow(row); !errors.As(err, &de) {
		t.Errorf("ReadRow after the error = %v, want the DecodeError again", err)
	}
}

// TestTruncatedT4 checks that a T.4 page cut short ends cleanly with the rows
// that arrived, the cut row counted as damaged.
func TestTruncatedT4(t *testing.T) {
	rows := testPages(WidthA4)[4].rows
	for _, opt := range []Options{{Coding: MH, Width: WidthA4}, {Coding: MR, Width: WidthA4, K: 4}} {
		data, spans := encodeMarked(t, opt, rows)
		cut := data[:(spans[14][0]+spans[14][1])/16]
		got, st, err := decodePage(t, opt, cut)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 15 || !equalRows(rows[:14], got[:14]) || !bytes.Equal(got[14], rows[13]) {
			t.Errorf("%s: got %d rows, want 14 intact and the cut one replaced", opt.Coding, len(got))
		}
		if want := (Stats{Rows: 15, BadRows: 1}); st != want {
			t.Errorf("%s: stats = %+v, want %+v", opt.Coding, st, want)
		}
	}
}

func TestRowsOption(t *testing.T) {
	rows := testPages(WidthA4)[2].rows
	for _, c := range []Coding{MH, MR, MMR} {
		opt := Options{Coding: c, Width: WidthA4, Rows: 7}
		got, _, err := decodePage(t, opt, encodePage(t, opt, rows))
		if err != nil || !equalRows(rows[:7], got) {
			t.Errorf("%s: Rows 7 gave %d rows, err %v", c, len(got), err)
		}
	}
}

func TestRowLength(t *testing.T) {
	e, _ := NewEncoder(&bytes.Buffer{}, Options{Coding: MH, Width: 16})
	if err := e.WriteRow(make([]byte, 3)); !errors.Is(err, ErrRowLength) {
		t.Errorf("WriteRow(3 bytes) = %v", err)
	}
	e.Close()
	if err := e.WriteRow(make([]byte, 2)); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteRow after Close = %v", err)
	}
	d, _ := NewDecoder(bytes.NewReader(nil), Options{Coding: MH, Width: 16})
	if err := d.ReadRow(make([]byte, 1)); !errors.Is(err, ErrRowLength) {
		t.Errorf("ReadRow(1 byte) = %v", err)
	}
}

// TestReadError checks that a failing reader's error reaches the caller
// instead of a quiet end of page.
func TestReadError(t *testing.T) {
	rows := testPages(WidthA4)[4].rows
	boom := errors.New("connection reset")
	for _, c := range []Coding{MH, MR, MMR} {
		opt := Options{Coding: c, Width: WidthA4}
		data := encodePage(t, opt, rows)
		d, _ := NewDecoder(io.MultiReader(bytes.NewReader(data[:len(data)/2]), iotest.ErrReader(boom)), opt)
		row := make([]byte, opt.RowBytes())
		var err error
		for err == nil {
			err = d.ReadRow(row)
		}
		if !errors.Is(err, boom) {
			t.Errorf("%s: ReadRow = %v after %d rows, want the reader's error", c, err, d.Stats().Rows)
		}
		if err2 := d.ReadRow(row); !errors.Is(err2, boom) {
			t.Errorf("%s: second ReadRow = %v, want the reader's error again", c, err2)
		}
	}
}
