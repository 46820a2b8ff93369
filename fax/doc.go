// Package fax is telekit's fax layer: everything between a document a user
// drops into the portal and the bits a fax machine sends or receives.
//
// The package, when complete, holds these pieces (DESIGN.md, issue 8):
//
//   - the ITU-T T.4 / T.6 image codec: one-dimensional MH, two-dimensional
//     MR with a K factor, and MMR, with EOL, fill bits, RTC/EOFB and the
//     row-error tolerance of a real fax receiver;
//   - TIFF-F (RFC 3949 profile S/F) reading and writing of multi-page faxes;
//   - conversion of PDF, PNG, JPEG and TIFF documents into 1-bit fax pages at
//     the standard resolutions and widths, cover pages and header lines, and
//     received faxes back to PDF;
//   - a Document / Page model that streams rows page by page;
//   - the T.30 protocol engine (with ECM), the T.38 IFP/UDPTL terminal and
//     the audio modems for fax over G.711.
//
// Today the codec, the page model, TIFF-F, conversion, PDF output, cover
// pages and header lines exist; T.30, T.38 and the modems are to come.
//
// # Pages and documents
//
// A Page says what is known before its rows are read (Width, Length,
// Resolution, Size, Coding) and streams its rows through a RowReader, which
// a *Decoder is. A Document is a sequence of Pages read one at a time
// (NextPage … io.EOF, then Close): a TIFFReader, the result of Convert,
// Pages(…) of pages in memory, Concat(cover, doc), or StampHeader(doc, h),
// which draws the fax header line over the top of each page as its rows
// pass. Documents that know their page count say so through PageCounter.
// A TIFFWriter (TIFF-F, MH, MR or MMR) or a PDFWriter (one CCITT G4 image
// per page at its physical size) takes the pages; Copy joins the two ends.
// Nothing holds more than one coded page or one page's greyscale image.
//
// Convert recognises PDF, TIFF, PNG and JPEG by content. Images are scaled
// to the fax width keeping their aspect (fax pixels are not square) and
// thresholded or dithered (Floyd–Steinberg), chosen per page by how much of
// it is mid-grey unless ConvertOptions.Halftone says. A TIFF that is already
// a fax passes through untouched. Scanned PDFs, whose pages each draw one
// JPEG, CCITT or Flate image and nothing else, are read in Go
// (ReadImagePDF: a small object reader that finds objects by their
// headers, object streams included, rather than trusting the xref); every
// other PDF is rendered by poppler's pdftoppm at the fax resolution, and
// without it Convert fails with ErrNoPDFRenderer, naming poppler-utils and
// why the PDF is not a plain scan. CoverPage renders a
// dynamic cover sheet with the Go fonts.
//
// # The codec
//
// An Encoder takes the rows of one page one at a time (WriteRow) and writes
// the coded bits to an io.Writer; Close ends the page with RTC (T.4) or EOFB
// (T.6). A Decoder reads a coded page from an io.Reader and fills the
// caller's row buffer one row at a time (ReadRow) until io.EOF. Neither holds
// a whole page: each keeps the row above as a list of changing elements and
// a 4 KiB byte buffer, reused for the life of the page, so a Page can stream
// rows from a file to a modem without allocating per row.
//
// Decoding looks run-length codes up in two-level tables (9 bits, then 4)
// small enough for the L1 cache, keeping the bit buffer in registers; rows
// are drawn from their changing elements, and found in rows to encode, 64
// pixels at a time. On a busy A4 page both directions are faster than
// libtiff (BENCHMARKS.md).
//
// Both are configured by the same Options value: the Coding (MH, MR, MMR),
// the Width in pixels (a multiple of 8; the standard widths are WidthA4,
// WidthB4, WidthA3, WidthA4300 and WidthA4Super) and, for T.4, the K factor,
// fill bits for byte-aligned EOLs, the minimum scan-line length in bits, and
// whether to end the page with RTC. Bits are packed most significant first
// in each byte (TIFF FillOrder 1) unless Options.LSBFirst says otherwise.
//
// A row is Width/8 bytes, 1 bit a pixel, the leftmost pixel in the most
// significant bit, 1 = black and 0 = white.
//
// A T.4 decoder resynchronises on EOLs as fax machines do: a row that does
// not decode to exactly Width pixels followed by an EOL is replaced by the
// row above and counted in Stats.BadRows. As on a fax machine, damage can go
// unseen: a bit error may turn one valid code sequence into another of the
// same width (rare in 1-D rows, common in 2-D ones), or forge an EOL inside a
// row, which then counts as two. In MR the 2-D rows after a damaged row are
// decoded against its replacement until the next 1-D row. A T.6 page has no
// EOLs, so a damaged row ends it with a *DecodeError after the rows decoded
// so far.
//
// # What it does not do
//
// The codec handles one page at a time; pages, resolutions and page sizes
// belong to the Page and Document model. It does not implement the T.4
// uncompressed mode (the 2-D extension code 0000001xxx) nor T.4 Annex B
// error-limiting mode; such codes count as damage.
//
// The TIFF reader reads bilevel, strip-organised classic TIFFs (not tiled,
// not BigTIFF, not JBIG); greyscale and colour TIFFs go through
// github.com/hhrutter/tiff in Convert. The Go PDF reader does not render:
// text, vector drawing, several images on a page, JBIG2 or JPX images,
// Flate predictors, Indexed or CMYK colour and rotated pages need
// pdftoppm. Text is not laid out beyond the cover
// sheet's fields and wrapped comments.
package fax
