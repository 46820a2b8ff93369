package fax

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
)

// ErrNoPDFRenderer is wrapped by the error Convert returns for a PDF when
// poppler's pdftoppm is not installed.
var ErrNoPDFRenderer = errors.New("fax: no PDF renderer: install poppler-utils (pdftoppm) to send PDF documents")

// pdfDoc streams the pages pdftoppm renders, one greyscale image at a time.
type pdfDoc struct {
	opt    ConvertOptions
	dir    string
	cmd    *exec.Cmd
	out    io.ReadCloser
	r      *bufio.Reader
	stderr bytes.Buffer
	pages  int
	read   int
	done   bool
}

var _ Document = (*pdfDoc)(nil)

// renderPDF starts pdftoppm on the PDF in b, rendering every page to grey
// at the page resolution; pages are read from its output as NextPage is
// called.
func renderPDF(ctx context.Context, b []byte, opt ConvertOptions) (Document, error) {
	prog := opt.PDFRenderer
	if prog == "" {
		prog = "pdftoppm"
	}
	path, err := exec.LookPath(prog)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoPDFRenderer, err)
	}
	dir, err := os.MkdirTemp("", "telekit-fax-pdf-")
	if err != nil {
		return nil, err
	}
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	d := &pdfDoc{opt: opt, dir: dir}
	d.pages = pdfPageCount(ctx, filepath.Join(filepath.Dir(path), "pdfinfo"), in)
	x, y := opt.Resolution.DPI()
	d.cmd = exec.CommandContext(ctx, path, "-gray", "-rx", strconv.Itoa(x), "-ry", strconv.Itoa(y), in)
	d.cmd.Stderr = &d.stderr
	if d.out, err = d.cmd.StdoutPipe(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("fax: start pdftoppm: %w", err)
	}
	d.r = bufio.NewReaderSize(d.out, 64<<10)
	return d, nil
}

var pdfinfoPages = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// pdfPageCount asks pdfinfo how many pages the PDF has; 0 when it cannot.
func pdfPageCount(ctx context.Context, prog, path string) int {
	out, err := exec.CommandContext(ctx, prog, path).Output()
	if err != nil {
		return 0
	}
	m := pdfinfoPages.FindSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// PageCount returns the number of pages pdfinfo reported, 0 if it could not.
func (d *pdfDoc) PageCount() int { return d.pages }

// NextPage reads the next rendered page and makes it a fax page. Rendered
// pages are at the fax resolution already, so they keep their physical size:
// an A4 page is 1687 pixels wide, centred in the 1728 of the fax.
func (d *pdfDoc) NextPage() (*Page, error) {
	if d.done {
		return nil, io.EOF
	}
	g, err := readPNM(d.r, d.opt.MaxPixels)
	if err == io.EOF {
		d.done = true
		if werr := d.wait(); werr != nil {
			return nil, werr
		}
		if d.read == 0 {
			return nil, errors.New("fax: the PDF has no pages")
		}
		return nil, io.EOF
	}
	if err != nil {
		d.done = true
		werr := d.wait()
		return nil, fmt.Errorf("fax: PDF page %d: %w", d.read+1, errors.Join(err, werr))
	}
	d.read++
	return placeImage(g, float64(g.Rect.Dx()), float64(g.Rect.Dy()), d.opt)
}

func (d *pdfDoc) wait() error {
	if d.cmd == nil {
		return nil
	}
	err := d.cmd.Wait()
	d.cmd = nil
	if err != nil {
		return fmt.Errorf("fax: pdftoppm: %w: %s", err, bytes.TrimSpace(d.stderr.Bytes()))
	}
	return nil
}

// Close stops pdftoppm if it is still rendering and removes its temporary
// copy of the PDF.
func (d *pdfDoc) Close() error {
	if d.cmd != nil {
		d.out.Close()
		d.cmd.Process.Kill()
		d.cmd.Wait()
		d.cmd = nil
	}
	return os.RemoveAll(d.dir)
}
