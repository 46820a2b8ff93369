package fax

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
)

var coverTime = time.Date(2025, 3, 4, 15, 6, 0, 0, time.UTC)

func TestCoverPage(t *testing.T) {
	full := CoverPage{To: "Bob Smith, +44 20 7946 0000", From: "Alice Jones", Email: "alice@example.com",
		Company: "Example Ltd", Subject: "Quarterly report", Comments: strings.Repeat("Please find the report attached. ", 20), Time: coverTime, Pages: 4}
	for _, res := range []Resolution{Standard, Fine, Superfine, R300} {
		p, err := full.Render(ConvertOptions{Resolution: res})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := onePage(t, Pages(p))
		if p.Width != res.Width() || len(rows) != A4.Rows(res) {
			t.Errorf("%v: %d×%d, want %d×%d", res, p.Width, len(rows), res.Width(), A4.Rows(res))
		}
		// Ink where the title and fields are, none at the bottom.
		_, ydpi := res.DPI()
		at := func(points float64) int { return int(points / 72 * float64(ydpi)) }
		if s := blackShare(rows[at(70):at(115)]); s < 0.01 {
			t.Errorf("%v: no title (%.3f black)", res, s)
		}
		if s := blackShare(rows[len(rows)*3/4:]); s != 0 {
			t.Errorf("%v: ink below the comments (%.4f black)", res, s)
		}
		if *dumpCover != "" && res == Fine {
			dumpRows(t, *dumpCover, rows)
		}
	}
	// Each field shows: a cover with more fields has more ink.
	bare, _ := CoverPage{To: "Bob"}.Render(ConvertOptions{})
	rich, _ := full.Render(ConvertOptions{})
	br, _ := onePage(t, Pages(bare))
	rr, _ := onePage(t, Pages(rich))
	if blackShare(br) >= blackShare(rr) {
		t.Errorf("a bare cover has as much ink (%.4f) as a full one (%.4f)", blackShare(br), blackShare(rr))
	}
}

func TestWrap(t *testing.T) {
	f, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	face, _ := f.face(false, 12, 204)
	lines := wrap(face, "one two three four five six seven eight nine ten\n\nnew paragraph "+strings.Repeat("x", 300), 600)
	if len(lines) < 5 {
		t.Fatalf("wrapped into %d lines: %q", len(lines), lines)
	}
	for _, l := range lines {
		if w := font.MeasureString(face, l).Ceil(); w > 600 {
			t.Errorf("line %q is %d pixels wide, want at most 600", l, w)
		}
	}
	if got := strings.Join(strings.Fields(strings.Join(lines, " ")), " "); !strings.HasPrefix(got, "one two three four five six seven eight nine ten new paragraph x") {
		t.Errorf("words lost or reordered: %q", got)
	}
}

func TestHeaderText(t *testing.T) {
	cases := []struct {
		h    Header
		n    int
		want string
	}{
		{Header{Time: coverTime, Sender: "Example Ltd", StationID: "+44 20 7946 0001", Pages: 3}, 2, "2025-03-04 15:06   Example Ltd   +44 20 7946 0001   page 2/3"},
		{Header{Sender: "Alice"}, 1, "Alice   page 1"},
	}
	for _, c := range cases {
		if got := c.h.text(c.n); got != c.want {
			t.Errorf("text(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestStampHeader(t *testing.T) {
	doc := testDoc()
	var pages []*Page
	for i, rows := range doc {
		pages = append(pages, &Page{Width: WidthA4, Resolution: testRes[i], Rows: MemRows(rows)})
	}
	d, err := StampHeader(Pages(pages...), Header{Time: coverTime, Sender: "Alice", StationID: "+1 555 0100"})
	if err != nil {
		t.Fatal(err)
	}
	if n := d.(PageCounter).PageCount(); n != 3 {
		t.Errorf("PageCount %d, want 3 from the document", n)
	}
	got, _ := readAll(t, d)
	for i := range doc {
		_, ydpi := testRes[i].DPI()
		band := int(11.0 / 72 * float64(ydpi))
		if !equalRows(doc[i][band+1:], got[i][band+1:]) {
			t.Errorf("page %d: rows below the header band changed", i+1)
		}
		if s := blackShare(got[i][:band]); s < 0.005 || s > 0.2 {
			t.Errorf("page %d: header band %.3f black, want text", i+1, s)
		}
		if s := blackShare([][]byte{got[i][0]}); s != 0 {
			t.Errorf("page %d: first row %.3f black, want the band's white top", i+1, s)
		}
	}
	// Different page numbers make different bands.
	if equalRows(got[0][:5], got[2][:5]) && equalRows(got[0], got[2]) {
		t.Error("pages 1 and 3 have the same header")
	}
}

// The header band must keep the damaged-row count of a received page.
func TestStampHeaderKeepsStats(t *testing.T) {
	rows := textRows(WidthA4, 40, rand.New(rand.NewPCG(1, 1)))
	coded := encodePage(t, Options{Coding: MH, Width: WidthA4}, rows)
	coded[len(coded)/2] ^= 0xff
	dec, _ := NewDecoder(bytes.NewReader(coded), Options{Coding: MH, Width: WidthA4})
	d, _ := StampHeader(Pages(&Page{Width: WidthA4, Resolution: Fine, Rows: dec}), Header{Sender: "x"})
	p, _ := d.NextPage()
	row := make([]byte, p.RowBytes())
	for p.Rows.ReadRow(row) != io.EOF {
	}
	st, ok := p.Rows.(statser)
	if !ok || st.Stats().BadRows == 0 {
		t.Error("the stamped page lost the decoder's bad-row count")
	}
}

var dumpCover = flag.String("dump-cover", "", "write the fine cover page to this PNG file, to look at")

func dumpRows(t *testing.T, path string, rows [][]byte) {
	g := image.NewGray(image.Rect(0, 0, len(rows[0])*8, len(rows)))
	for y, r := range rows {
		for x := 0; x < len(r)*8; x++ {
			if !pixel(rows, x, y) {
				g.Pix[y*g.Stride+x] = 0xff
			}
		}
		_ = r
	}
	var buf bytes.Buffer
	png.Encode(&buf, g)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
