package contacts

import (
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// fromV21 rewrites one card's text (CRLF lines) from vCard 2.1, as
// Android and older phones export, into the 3.0 form go-vcard reads:
//
//   - bare type parameters ("TEL;CELL;PREF:") become TYPE parameters
//     (go-vcard would drop them), in a card that says VERSION:2.1;
//   - properties with ENCODING=QUOTED-PRINTABLE have their soft line
//     breaks ("=" at the end of a line) joined and =XX bytes decoded
//     from the CHARSET (UTF-8 when absent or unknown; ISO-8859-1 and
//     Windows-1252 are decoded), line breaks in the value are written
//     "\n", and the ENCODING and CHARSET parameters are dropped.
//
// Other cards and lines are returned unchanged.
func fromV21(card string) string {
	upper := strings.ToUpper(card)
	v21 := strings.Contains(upper, "\r\nVERSION:2.1")
	if !v21 && !strings.Contains(upper, "QUOTED-PRINTABLE") {
		return card
	}
	lines := strings.Split(card, "\r\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		colon := strings.IndexByte(l, ':')
		semi := strings.IndexByte(l, ';')
		if colon < 0 || semi < 0 || semi > colon {
			b.WriteString(l)
			b.WriteString("\r\n")
			continue
		}
		value := l[colon+1:]
		var keep []string
		charset, qp := "", false
		for _, p := range strings.Split(l[:colon], ";")[1:] {
			k, v, hasEq := strings.Cut(p, "=")
			switch {
			case strings.EqualFold(p, "QUOTED-PRINTABLE") || strings.EqualFold(k, "ENCODING") && strings.EqualFold(v, "QUOTED-PRINTABLE"):
				qp = true
			case strings.EqualFold(k, "CHARSET"):
				charset = strings.ToUpper(v)
			case !hasEq && v21 && p != "":
				keep = append(keep, "TYPE="+p)
			default:
				keep = append(keep, p)
			}
		}
		if qp {
			for strings.HasSuffix(value, "=") && i+1 < len(lines) {
				i++
				value = value[:len(value)-1] + strings.TrimLeft(lines[i], " \t")
			}
			raw := qpDecode(value)
			switch charset {
			case "ISO-8859-1", "LATIN1":
				value, _ = charmap.ISO8859_1.NewDecoder().String(raw)
			case "WINDOWS-1252", "CP1252":
				value, _ = charmap.Windows1252.NewDecoder().String(raw)
			default:
				value = strings.ToValidUTF8(raw, "\uFFFD")
			}
			value = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(value)
		}
		b.WriteString(l[:semi])
		for _, p := range keep {
			b.WriteByte(';')
			b.WriteString(p)
		}
		b.WriteByte(':')
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	return strings.TrimSuffix(b.String(), "\r\n")
}

// qpDecode decodes =XX escapes; a malformed escape is kept as written.
func qpDecode(s string) string {
	if strings.IndexByte(s, '=') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if h, ok1 := unhex(s[i+1]); ok1 {
				if l, ok2 := unhex(s[i+2]); ok2 {
					b.WriteByte(h<<4 | l)
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
