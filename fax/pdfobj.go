package fax

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// This file is a small reader of PDF objects: enough of ISO 32000-1 §7
// (syntax, indirect objects, streams, object streams) to find the pages of
// a scanned document and the images on them. It does not use the xref
// table: it finds every "N G obj" in the file, as PDF readers do to repair
// a broken file, so that incremental updates (later definitions win),
// classic xref tables and xref streams are all read the same way.

// pdfName is a PDF name object, without its slash.
type pdfName string

// pdfRef is an indirect reference, N G R.
type pdfRef struct{ num, gen int }

// pdfDict is a PDF dictionary.
type pdfDict map[pdfName]any

// pdfStream is a stream object: its dictionary and its raw (still
// filtered) bytes.
type pdfStream struct {
	dict pdfDict
	data []byte
}

// pdfOp is a content-stream operator (a bare keyword).
type pdfOp string

// errPDFSyntax is the reason the object reader gives up on a value.
var errPDFSyntax = errors.New("PDF syntax error")

const pdfMaxDepth = 32 // nesting of arrays and dictionaries, and of references

// pdfLexer reads values from b starting at pos.
type pdfLexer struct {
	b     []byte
	pos   int
	depth int
	ops   bool // bare keywords are operators (content streams), not errors
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace skips white space and comments.
func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		if !isPDFSpace(c) {
			return
		}
		l.pos++
	}
}

// word returns the regular characters at pos.
func (l *pdfLexer) word() []byte {
	start := l.pos
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		l.pos++
	}
	return l.b[start:l.pos]
}

// value reads the next value; io.EOF at the end of the input.
func (l *pdfLexer) value() (any, error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, io.EOF
	}
	if l.depth > pdfMaxDepth {
		return nil, fmt.Errorf("%w: nested too deep", errPDFSyntax)
	}
	switch c := l.b[l.pos]; c {
	case '/':
		l.pos++
		return pdfName(l.word()), nil
	case '[':
		l.pos++
		l.depth++
		defer func() { l.depth-- }()
		var arr []any
		for {
			l.skipSpace()
			if l.pos >= len(l.b) {
				return nil, fmt.Errorf("%w: unterminated array", errPDFSyntax)
			}
			if l.b[l.pos] == ']' {
				l.pos++
				return arr, nil
			}
			v, err := l.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			l.depth++
			defer func() { l.depth-- }()
			d := pdfDict{}
			for {
				l.skipSpace()
				if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
					l.pos += 2
					return d, nil
				}
				k, err := l.value()
				if err != nil {
					return nil, err
				}
				name, ok := k.(pdfName)
				if !ok {
					return nil, fmt.Errorf("%w: dictionary key is not a name", errPDFSyntax)
				}
				v, err := l.value()
				if err != nil {
					return nil, err
				}
				d[name] = v
			}
		}
		end := bytes.IndexByte(l.b[l.pos:], '>')
		if end < 0 {
			return nil, fmt.Errorf("%w: unterminated hex string", errPDFSyntax)
		}
		s := string(l.b[l.pos+1 : l.pos+end])
		l.pos += end + 1
		return s, nil // kept as written: the reader needs no strings' contents
	case '(':
		start, nest := l.pos, 0
		for ; l.pos < len(l.b); l.pos++ {
			switch l.b[l.pos] {
			case '\\':
				l.pos++
			case '(':
				nest++
			case ')':
				nest--
				if nest == 0 {
					l.pos++
					return string(l.b[start+1 : l.pos-1]), nil
				}
			}
		}
		return nil, fmt.Errorf("%w: unterminated string", errPDFSyntax)
	case ']', '>', ')', '{', '}':
		if l.ops {
			l.pos++
			return pdfOp(c), nil
		}
		return nil, fmt.Errorf("%w: unexpected %q", errPDFSyntax, c)
	}
	w := l.word()
	if len(w) == 0 {
		return nil, fmt.Errorf("%w: unexpected %q", errPDFSyntax, l.b[l.pos])
	}
	if c := w[0]; c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		if n, err := strconv.ParseInt(string(w), 10, 64); err == nil {
			if !l.ops {
				if ref, ok := l.ref(n); ok {
					return ref, nil
				}
			}
			return n, nil
		}
		f, err := strconv.ParseFloat(string(w), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad number %q", errPDFSyntax, w)
		}
		return f, nil
	}
	switch string(w) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if l.ops {
		return pdfOp(w), nil
	}
	return nil, fmt.Errorf("%w: unexpected keyword %q", errPDFSyntax, w)
}

// ref reads " G R" after the integer n, if it is there.
func (l *pdfLexer) ref(n int64) (pdfRef, bool) {
	save := l.pos
	l.skipSpace()
	g := l.word()
	gen, err := strconv.Atoi(string(g))
	if err == nil && gen >= 0 && n >= 0 && n < 1<<31 {
		l.skipSpace()
		if r := l.word(); string(r) == "R" {
			return pdfRef{int(n), gen}, true
		}
	}
	l.pos = save
	return pdfRef{}, false
}

// pdfFile is a PDF file's objects, parsed as they are asked for.
type pdfFile struct {
	b       []byte
	offsets map[int]int // object number -> offset of its value
	cache   map[int]any
	inObjs  map[int][2]int // object number -> (object stream, index), once expanded
	busy    map[int]bool   // objects being resolved, against reference loops
	stmData map[int][]byte // inflated object streams
	expand  bool
}

var pdfObjHeader = regexp.MustCompile(`(\d+)[ \t\r\n\f\x00]+(\d+)[ \t\r\n\f\x00]+obj\b`)

func newPDFFile(b []byte) *pdfFile {
	f := &pdfFile{b: b, offsets: map[int]int{}, cache: map[int]any{}, busy: map[int]bool{}, stmData: map[int][]byte{}}
	for _, m := range pdfObjHeader.FindAllSubmatchIndex(b, -1) {
		if m[0] > 0 && !isPDFSpace(b[m[0]-1]) && !isPDFDelim(b[m[0]-1]) {
			continue // digits that end a longer word
		}
		n, err := strconv.Atoi(string(b[m[2]:m[3]]))
		if err != nil {
			continue
		}
		f.offsets[n] = m[1] // later definitions (incremental updates) win
	}
	return f
}

// resolve follows v if it is a reference, to depth pdfMaxDepth.
func (f *pdfFile) resolve(v any) any {
	for i := 0; i < pdfMaxDepth; i++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = f.object(r.num)
	}
	return nil
}

// object returns object n, nil if it is missing or cannot be read.
func (f *pdfFile) object(n int) any {
	if v, ok := f.cache[n]; ok {
		return v
	}
	if f.busy[n] {
		return nil
	}
	f.busy[n] = true
	defer delete(f.busy, n)
	var v any
	if off, ok := f.offsets[n]; ok {
		v = f.parseAt(off)
	} else {
		v = f.fromObjStm(n)
	}
	f.cache[n] = v
	return v
}

// parseAt reads the object whose value starts at off, and its stream.
func (f *pdfFile) parseAt(off int) any {
	l := &pdfLexer{b: f.b, pos: off}
	v, err := l.value()
	if err != nil {
		return nil
	}
	d, ok := v.(pdfDict)
	if !ok {
		return v
	}
	l.skipSpace()
	if !bytes.HasPrefix(f.b[l.pos:], []byte("stream")) {
		return d
	}
	start := l.pos + len("stream")
	if start < len(f.b) && f.b[start] == '\r' {
		start++
	}
	if start < len(f.b) && f.b[start] == '\n' {
		start++
	}
	end := -1
	if n, ok := f.resolve(d["Length"]).(int64); ok && n >= 0 && n <= int64(len(f.b)-start) {
		end = start + int(n)
		rest := f.b[end:]
		rest = bytes.TrimLeft(rest[:min(len(rest), 16)], " \r\n\t")
		if !bytes.HasPrefix(rest, []byte("endstream")) {
			end = -1 // a wrong Length: look for endstream instead
		}
	}
	if end < 0 {
		i := bytes.Index(f.b[start:], []byte("endstream"))
		if i < 0 {
			return nil
		}
		end = start + i
		for end > start && (f.b[end-1] == '\n' || f.b[end-1] == '\r') {
			end--
		}
	}
	return &pdfStream{dict: d, data: f.b[start:end]}
}

// fromObjStm finds object n in the file's object streams (PDF 1.5),
// reading their indexes the first time one is needed.
func (f *pdfFile) fromObjStm(n int) any {
	if !f.expand {
		f.expand = true
		f.inObjs = map[int][2]int{}
		for num := range f.offsets {
			s, ok := f.object(num).(*pdfStream)
			if !ok || s.dict["Type"] != pdfName("ObjStm") {
				continue
			}
			data, err := f.decodeStream(s, 64<<20)
			if err != nil {
				continue
			}
			f.stmData[num] = data
			count, _ := s.dict["N"].(int64)
			l := &pdfLexer{b: data}
			for i := 0; i < int(min(count, 1<<20)); i++ {
				a, err1 := l.value()
				_, err2 := l.value()
				obj, ok := a.(int64)
				if err1 != nil || err2 != nil || !ok {
					break
				}
				if _, direct := f.offsets[int(obj)]; !direct {
					f.inObjs[int(obj)] = [2]int{num, i}
				}
			}
		}
	}
	at, ok := f.inObjs[n]
	if !ok {
		return nil
	}
	s, ok := f.object(at[0]).(*pdfStream)
	data := f.stmData[at[0]]
	if !ok || data == nil {
		return nil
	}
	first, _ := s.dict["First"].(int64)
	l := &pdfLexer{b: data}
	var off int64 = -1
	for i := 0; i <= at[1]; i++ {
		l.value()
		v, _ := l.value()
		off, _ = v.(int64)
	}
	if first < 0 || off < 0 || first+off >= int64(len(data)) {
		return nil
	}
	l = &pdfLexer{b: data, pos: int(first + off)}
	v, err := l.value()
	if err != nil {
		return nil
	}
	return v
}

// decodeStream returns the stream's bytes with its FlateDecode filter
// undone (or as they are, unfiltered), at most limit bytes. Other filters
// are for the caller.
func (f *pdfFile) decodeStream(s *pdfStream, limit int64) ([]byte, error) {
	filters := f.filters(s.dict)
	switch {
	case len(filters) == 0:
		return s.data, nil
	case len(filters) == 1 && filters[0] == "FlateDecode":
		if p, ok := f.resolve(s.dict["DecodeParms"]).(pdfDict); ok {
			if pred, _ := f.resolve(p["Predictor"]).(int64); pred > 1 {
				return nil, fmt.Errorf("flate predictor %d is not read", pred)
			}
		}
		zr, err := zlib.NewReader(bytes.NewReader(s.data))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("stream inflates past %d bytes", limit)
		}
		if err != nil && len(out) == 0 {
			return nil, err
		}
		return out, nil // a truncated zlib tail is tolerated, as viewers do
	}
	return nil, fmt.Errorf("filters %v are not read", filters)
}

// filters returns the names of a stream's filters.
func (f *pdfFile) filters(d pdfDict) []pdfName {
	switch v := f.resolve(d["Filter"]).(type) {
	case pdfName:
		return []pdfName{v}
	case []any:
		var names []pdfName
		for _, x := range v {
			if n, ok := f.resolve(x).(pdfName); ok {
				names = append(names, n)
			}
		}
		return names
	}
	return nil
}

// number returns v (an integer or a real, maybe by reference) as a float.
func (f *pdfFile) number(v any) (float64, bool) {
	switch n := f.resolve(v).(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// root returns the document catalog: the trailer's /Root (classic trailer
// or xref stream), or else an object of /Type /Catalog.
func (f *pdfFile) root() (pdfDict, error) {
	if i := bytes.LastIndex(f.b, []byte("trailer")); i >= 0 {
		l := &pdfLexer{b: f.b, pos: i + len("trailer")}
		if v, err := l.value(); err == nil {
			if d, ok := v.(pdfDict); ok {
				if cat, ok := f.resolve(d["Root"]).(pdfDict); ok {
					return cat, nil
				}
			}
		}
	}
	var cat pdfDict
	best := -1
	for num, off := range f.offsets {
		if !bytes.Contains(f.b[off:min(len(f.b), off+4096)], []byte("/Root")) &&
			!bytes.Contains(f.b[off:min(len(f.b), off+4096)], []byte("/Catalog")) {
			continue
		}
		var d pdfDict
		switch v := f.object(num).(type) {
		case *pdfStream:
			d = v.dict
		case pdfDict:
			d = v
		}
		if r, ok := f.resolve(d["Root"]).(pdfDict); ok && off > best {
			cat, best = r, off
		} else if d["Type"] == pdfName("Catalog") && cat == nil {
			cat = d
		}
	}
	if cat == nil {
		return nil, errors.New("no document catalog")
	}
	return cat, nil
}
