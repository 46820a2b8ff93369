package fax

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// CoverPage is a dynamic fax cover sheet: the fields a user fills in the
// portal (FortiVoice's "Dynamic" cover sheet), rendered by Render into a
// fax page with the Go fonts (a real TrueType face, anti-aliased then
// thresholded). Empty fields are left out.
type CoverPage struct {
	To       string // the recipient's name or fax number
	From     string // the sender's name
	Email    string // the sender's email address
	Company  string // the sender's business name
	Subject  string
	Comments string // free text, wrapped to the page; newlines start paragraphs
	// Time is printed as the date of the fax; zero leaves the date out.
	Time time.Time
	// Pages is the number of pages sent, this cover included; zero leaves
	// it out.
	Pages int
}

// fonts holds the parsed Go fonts; each renderer parses its own, so there
// is no package state.
type fonts struct{ regular, bold *opentype.Font }

func loadFonts() (*fonts, error) {
	r, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	b, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, err
	}
	return &fonts{r, b}, nil
}

func (f *fonts) face(bold bool, points float64, dpi int) (font.Face, error) {
	ft := f.regular
	if bold {
		ft = f.bold
	}
	return opentype.NewFace(ft, &opentype.FaceOptions{Size: points, DPI: float64(dpi), Hinting: font.HintingFull})
}

// drawString draws s in black with its baseline at y, starting at x.
func drawString(dst *image.Gray, face font.Face, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// wrap breaks s into lines no wider than width pixels, at spaces; a word
// wider than the line is cut.
func wrap(face font.Face, s string, width int) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if font.MeasureString(face, try).Ceil() <= width {
				line = try
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			for font.MeasureString(face, word).Ceil() > width && len(word) > 1 {
				n := len(word) - 1
				for n > 1 && font.MeasureString(face, word[:n]).Ceil() > width {
					n--
				}
				lines = append(lines, word[:n])
				word = word[n:]
			}
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

// whiteGray returns a white greyscale image w × h.
func whiteGray(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 0xff
	}
	return g
}

// Render draws the cover sheet as one fax page at opt's resolution and
// size (zero values: fine, A4).
func (c CoverPage) Render(opt ConvertOptions) (*Page, error) {
	opt = opt.withDefaults()
	opt.Halftone = HalftoneThreshold
	f, err := loadFonts()
	if err != nil {
		return nil, err
	}
	size := opt.Size
	if _, h := size.Millimetres(); h == 0 {
		size = A4 // an unlimited roll still gets an A4 cover
	}
	// Draw with square pixels at the horizontal resolution, then scale
	// down the rows to the vertical one.
	w := opt.Resolution.Width()
	dpi, _ := opt.Resolution.DPI()
	_, mm := size.Millimetres()
	h := int(mm / 25.4 * float64(dpi))
	g := whiteGray(w, h)
	px := func(points float64) int { return int(points / 72 * float64(dpi)) }
	margin := px(54)
	title, err := f.face(true, 40, dpi)
	if err != nil {
		return nil, err
	}
	label, _ := f.face(true, 14, dpi)
	value, _ := f.face(false, 14, dpi)
	body, _ := f.face(false, 12, dpi)

	y := px(110)
	drawString(g, title, margin, y, "FAX")
	if !c.Time.IsZero() {
		s := c.Time.Format("2 January 2006 15:04")
		drawString(g, value, w-margin-font.MeasureString(value, s).Ceil(), y, s)
	}
	y += px(18)
	rule(g, margin, w-margin, y, px(3))
	y += px(40)
	fields := [][2]string{{"To:", c.To}, {"From:", c.From}, {"Email:", c.Email}, {"Company:", c.Company}, {"Subject:", c.Subject}}
	if c.Pages > 0 {
		fields = append(fields, [2]string{"Pages:", fmt.Sprintf("%d (including this cover page)", c.Pages)})
	}
	col := margin + px(90)
	for _, fl := range fields {
		if fl[1] == "" {
			continue
		}
		drawString(g, label, margin, y, fl[0])
		for i, line := range wrap(value, fl[1], w-margin-col) {
			if i > 0 {
				y += px(20)
			}
			drawString(g, value, col, y, line)
		}
		y += px(26)
	}
	y += px(4)
	rule(g, margin, w-margin, y, px(1.5))
	if c.Comments != "" {
		y += px(36)
		drawString(g, label, margin, y, "Comments:")
		y += px(24)
		for _, line := range wrap(body, c.Comments, w-2*margin) {
			if y > h-margin {
				break // what does not fit is left out, as on paper
			}
			drawString(g, body, margin, y, line)
			y += px(17)
		}
	}
	return placeImage(g, float64(w), float64(size.Rows(opt.Resolution)), opt)
}

// rule draws a horizontal black line thick pixels high from x0 to x1 at y.
func rule(g *image.Gray, x0, x1, y, thick int) {
	for dy := 0; dy < max(thick, 1); dy++ {
		for x := x0; x < x1; x++ {
			g.SetGray(x, y+dy, color.Gray{0})
		}
	}
}

// Header is the line a sending fax machine prints across the top of every
// page: the time, the sender's name, its station ID (its fax number) and
// "page n/m".
type Header struct {
	Time      time.Time // when the fax is sent; zero leaves it out
	Sender    string    // the sender's name or company
	StationID string    // the sending fax number (T.30 TSI)
	// Pages is m in "page n/m"; zero takes it from the Document if it is a
	// PageCounter, and else prints "page n" alone.
	Pages int
}

// text returns the header line for page n.
func (h Header) text(n int) string {
	var parts []string
	if !h.Time.IsZero() {
		parts = append(parts, h.Time.Format("2006-01-02 15:04"))
	}
	if h.Sender != "" {
		parts = append(parts, h.Sender)
	}
	if h.StationID != "" {
		parts = append(parts, h.StationID)
	}
	p := fmt.Sprintf("page %d", n)
	if h.Pages > 0 {
		p += fmt.Sprintf("/%d", h.Pages)
	}
	return strings.Join(append(parts, p), "   ")
}

// StampHeader returns doc with h's header line drawn across the top of
// every page, over a white band about 4 mm high (where pages leave a
// margin). Rows stream through unchanged below the band. Closing the
// result closes doc.
func StampHeader(doc Document, h Header) (Document, error) {
	if h.Pages == 0 {
		if pc, ok := doc.(PageCounter); ok {
			h.Pages = pc.PageCount()
		}
	}
	f, err := loadFonts()
	if err != nil {
		return nil, err
	}
	return &stamped{doc: doc, h: h, f: f}, nil
}

type stamped struct {
	doc Document
	h   Header
	f   *fonts
	n   int
}

func (s *stamped) Close() error { return s.doc.Close() }

func (s *stamped) PageCount() int { return s.h.Pages }

func (s *stamped) NextPage() (*Page, error) {
	p, err := s.doc.NextPage()
	if err != nil {
		return nil, err
	}
	s.n++
	band, err := s.band(p, s.h.text(s.n))
	if err != nil {
		return nil, err
	}
	q := *p
	src, i := p.Rows, 0
	q.Rows = RowReaderFunc(func(row []byte) error {
		if err := src.ReadRow(row); err != nil {
			return err
		}
		if i < len(band) {
			copy(row, band[i])
			i++
		}
		return nil
	})
	if st, ok := src.(statser); ok {
		q.Rows = &statRows{RowReader: q.Rows, s: st}
	}
	return &q, nil
}

// statRows keeps a wrapped RowReader's Stats visible.
type statRows struct {
	RowReader
	s statser
}

func (r *statRows) Stats() Stats { return r.s.Stats() }

// band renders the header line for page p as rows of its width and
// resolution.
func (s *stamped) band(p *Page, text string) ([][]byte, error) {
	dpi, ydpi := p.Resolution.DPI()
	px := func(points float64) int { return int(points / 72 * float64(dpi)) }
	face, err := s.f.face(false, 8.5, dpi)
	if err != nil {
		return nil, err
	}
	h := px(11)
	g := whiteGray(p.Width, h)
	drawString(g, face, px(18), px(8.5), text)
	opt := ConvertOptions{Resolution: p.Resolution, Size: SizeUnlimited, Halftone: HalftoneThreshold, Threshold: 160}
	// placeImage works at the resolution's A4 width; draw the band at the
	// page's own width instead.
	rows := max(1, int(float64(h)*float64(ydpi)/float64(dpi)))
	dst := whiteGray(p.Width, rows)
	scaleInto(dst, g)
	bp := GrayPage(dst, opt)
	var out [][]byte
	for {
		r := make([]byte, p.RowBytes())
		if err := bp.Rows.ReadRow(r); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
}
