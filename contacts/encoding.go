package contacts

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encoding is the character encoding an imported file was read in. The zero
// value is EncodingUnknown.
type Encoding int

// Encodings DecodeText recognises.
const (
	EncodingUnknown Encoding = iota
	// UTF8 is UTF-8 without byte-order mark.
	UTF8
	// UTF8BOM is UTF-8 starting with EF BB BF, as Excel's "CSV UTF-8" writes.
	UTF8BOM
	// UTF16LE is UTF-16 little-endian with a FF FE byte-order mark, as
	// Outlook's "Unicode" exports are.
	UTF16LE
	// UTF16BE is UTF-16 big-endian with a FE FF byte-order mark.
	UTF16BE
	// Windows1252 is the Western Windows code page Outlook's "Comma
	// Separated Values (Windows)" uses on Western systems; assumed for any
	// file without BOM that is not valid UTF-8.
	Windows1252
)

// String returns the encoding's usual name, e.g. "UTF-16LE".
func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "UTF-8"
	case UTF8BOM:
		return "UTF-8 with BOM"
	case UTF16LE:
		return "UTF-16LE"
	case UTF16BE:
		return "UTF-16BE"
	case Windows1252:
		return "Windows-1252"
	}
	return "unknown"
}

// DecodeText detects the encoding of b from its byte-order mark and
// content and returns the text as UTF-8 without BOM. UTF-16 needs its BOM
// (Outlook always writes one); a file without BOM that is not valid UTF-8
// is read as Windows-1252, which accepts every byte. A malformed UTF-16
// code unit (an odd final byte, a lone surrogate) becomes U+FFFD.
func DecodeText(b []byte) (string, Encoding) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return toValidUTF8(b[3:]), UTF8BOM
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return decodeUTF16(b[2:], false), UTF16LE
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return decodeUTF16(b[2:], true), UTF16BE
	case utf8.Valid(b):
		return string(b), UTF8
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil { // cannot happen: every byte has a mapping
		return toValidUTF8(b), Windows1252
	}
	return string(out), Windows1252
}

func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

func decodeUTF16(b []byte, bigEndian bool) string {
	units := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if bigEndian {
			units = append(units, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			units = append(units, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	s := string(utf16.Decode(units))
	if len(b)%2 == 1 {
		s += "\uFFFD"
	}
	return s
}
