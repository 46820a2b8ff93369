package fax

import (
	"errors"
	"fmt"
)

// Coding is a fax image coding scheme.
type Coding int

const (
	// CodingUnknown is the zero value; encoders and decoders refuse it.
	CodingUnknown Coding = iota
	// MH is ITU-T T.4 one-dimensional coding (modified Huffman): every row
	// is a sequence of white and black run lengths, each preceded by an EOL.
	MH
	// MR is ITU-T T.4 two-dimensional coding (modified READ): every K-th row
	// is coded as in MH, the others against the row above; each row is
	// preceded by an EOL and a tag bit saying which.
	MR
	// MMR is ITU-T T.6 coding (modified modified READ): every row coded
	// against the row above, the first against an imaginary white row, with
	// no EOLs and an EOFB at the end of the page.
	MMR
)

// String returns "MH", "MR", "MMR" or "unknown".
func (c Coding) String() string {
	switch c {
	case MH:
		return "MH"
	case MR:
		return "MR"
	case MMR:
		return "MMR"
	}
	return "unknown"
}

// Standard page widths, in pixels (ITU-T T.4 §2.2).
const (
	WidthA4      = 1728 // A4 at 8 pels/mm (204 dpi)
	WidthB4      = 2048 // B4 at 8 pels/mm
	WidthA3      = 2432 // A3 at 8 pels/mm
	WidthA4300   = 2592 // A4 at 300 dpi
	WidthA4Super = 3456 // A4 at 16 pels/mm (408 dpi)
)

// MaxWidth is the widest row the codec accepts, in pixels. It bounds the
// memory a decoder allocates for input it does not trust.
const MaxWidth = 1 << 15

// Options says how a page is coded. The same value configures an Encoder
// and the Decoder of what it wrote.
//
// Rows are 1 bit per pixel, packed 8 pixels a byte with the leftmost pixel in
// the most significant bit; 1 is black and 0 is white (as TIFF's
// PhotometricInterpretation WhiteIsZero). A row is Width/8 bytes.
type Options struct {
	// Coding is MH, MR or MMR. Required.
	Coding Coding
	// Width is the row width in pixels: a positive multiple of 8, at most
	// MaxWidth. The standard widths are WidthA4 and the other Width constants.
	Width int
	// K is, for MR, the number of rows in each group that starts with a
	// one-dimensional row: 2 at standard resolution, 4 at fine. Zero means 2.
	// The decoder ignores it (each row's tag bit says how it is coded).
	K int
	// AlignEOL makes the encoder put fill bits before each EOL so that the EOL
	// ends on a byte boundary (TIFF Group3Options bit 2, T.30 DIS bit
	// "fill bits"). The decoder accepts fill bits whatever this says. T.4 only.
	AlignEOL bool
	// MinRowBits is the minimum length of a coded row, EOL included, in bits;
	// the encoder adds fill bits before the next EOL to reach it. It is the
	// minimum scan-line time times the bit rate: 20 ms at 9600 bit/s is 192.
	// Zero means no minimum. T.4 only.
	MinRowBits int
	// OmitRTC stops the encoder writing RTC (six EOLs) at the end of a T.4
	// page, as TIFF strips often do. The decoder accepts pages with or
	// without it.
	OmitRTC bool
	// LSBFirst packs bits least significant bit first in each byte, the
	// order in which T.30 sends them on the line (TIFF FillOrder 2). The
	// default is most significant bit first (TIFF FillOrder 1).
	LSBFirst bool
	// Rows is, for a decoder, the number of rows in the page when known
	// (from a TIFF ImageLength, say): decoding stops there even without
	// RTC or EOFB. Zero means until RTC, EOFB or the end of the input.
	// The encoder ignores it.
	Rows int
}

// RowBytes returns the length of a row in bytes.
func (o Options) RowBytes() int { return o.Width / 8 }

func (o Options) validate() error {
	switch o.Coding {
	case MH, MR, MMR:
	default:
		return &ValidationError{Field: "Coding", Reason: fmt.Sprintf("unknown coding %d", int(o.Coding))}
	}
	if o.Width <= 0 || o.Width%8 != 0 || o.Width > MaxWidth {
		return &ValidationError{Field: "Width", Reason: fmt.Sprintf("%d is not a positive multiple of 8 up to %d", o.Width, MaxWidth)}
	}
	if o.K < 0 {
		return &ValidationError{Field: "K", Reason: "negative"}
	}
	if o.MinRowBits < 0 {
		return &ValidationError{Field: "MinRowBits", Reason: "negative"}
	}
	if o.Rows < 0 {
		return &ValidationError{Field: "Rows", Reason: "negative"}
	}
	return nil
}

// ValidationError says which Options field is unusable and why.
type ValidationError struct {
	Field  string
	Reason string
}

// Error says which field is wrong and why.
func (e *ValidationError) Error() string { return "fax: options: " + e.Field + ": " + e.Reason }

// DecodeError says where an MMR page (which has no EOLs to resync on) stopped
// decoding: Row is the 0-based row that could not be decoded.
type DecodeError struct {
	Row    int
	Reason string
}

// Error says which row failed and why.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("fax: decode row %d: %s", e.Row, e.Reason)
}

// ErrRowLength is returned by Encoder.WriteRow and Decoder.ReadRow when the
// row buffer is not Options.RowBytes long.
var ErrRowLength = errors.New("fax: row buffer length is not Width/8")

// ErrClosed is returned by Encoder.WriteRow after Close.
var ErrClosed = errors.New("fax: encoder closed")

// Stats counts what a Decoder has decoded so far.
type Stats struct {
	// Rows is the number of rows returned, damaged ones included.
	Rows int
	// BadRows is the number of damaged rows that were replaced by the row
	// above (or by white, for the first row).
	BadRows int
}

const (
	white = 0
	black = 1
)
