package sip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
)

// Listener wraps ln, a TCP or TLS listener, so that sipgo, serving on the
// result (sipgo.Server.ServeTCP or ServeTLS), only ever reads whole
// messages the guard passes, and the guard answers on the connection the
// requests sipgo would drop.
//
// Each accepted connection is framed as RFC 3261 section 18.3 asks of a
// stream: a message is its header block, up to the first empty line, and
// then exactly Content-Length bytes of body. On every framed message the
// guard gives the verdict Check gives a datagram, answers a refused
// request with its error response on the same connection (within
// MaxRepliesPerSecond), and reads on: the framing is intact. CRLF
// keep-alives between messages are passed on as they came.
//
// When the framing itself is lost the guard answers what it can and
// ends the connection (sipgo then closes it):
//
//   - a header block without Content-Length, with several that disagree,
//     or with one that is not a number: 400 Bad Request;
//   - a header block, or a header block and its announced body, longer
//     than MaxMessageSize: 513 Message Too Large (before the body is
//     read, so the guard never holds more than MaxMessageSize bytes of a
//     connection).
//
// MaxPerSource applies per message to the connection's remote address,
// as it does per datagram on UDP; a message past the limit is dropped
// unanswered, the connection stays.
//
// Each connection's Read must be called by one goroutine at a time, as
// sipgo does; Write goes straight to the connection.
func (g *ParseGuard) Listener(ln net.Listener) net.Listener {
	return &guardedListener{Listener: ln, g: g}
}

type guardedListener struct {
	net.Listener
	g *ParseGuard
}

// Accept returns the next connection, framed and checked by the guard.
func (l *guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	gc := &guardedStream{Conn: c, g: l.g, f: newStreamFramer(c, l.g.maxSize)}
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			gc.src, gc.hasSrc = a.Unmap(), true
		}
	}
	return gc, nil
}

// guardedStream is one accepted connection seen through the guard.
type guardedStream struct {
	net.Conn
	g       *ParseGuard
	f       *streamFramer
	src     netip.Addr
	hasSrc  bool
	pending []byte // the rest of a passed message or keep-alive
	ended   bool   // framing lost: the reader gets io.EOF
}

// Read returns the bytes of the messages and keep-alives the guard
// passes, in order.
func (c *guardedStream) Read(b []byte) (int, error) {
	for {
		if len(c.pending) > 0 {
			n := copy(b, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		if c.ended {
			return 0, io.EOF
		}
		frame, err := c.f.next()
		if err != nil {
			var fe *FramingError
			if !errors.As(err, &fe) {
				return 0, err
			}
			c.ended = true
			c.refuse(Verdict{Reply: errorResponse(fe.Head, fe.Status, fe.Phrase), Status: fe.Status, Reason: fe.Reason}, fe.Head)
			return 0, io.EOF
		}
		if isKeepAlive(frame) {
			c.pending = frame
			continue
		}
		g := c.g
		if g.flood != nil && c.hasSrc && (g.exempt == nil || !g.exempt(c.src)) && !g.flood.take(c.src, g.now()) {
			g.flooded.Add(1)
			continue
		}
		v := g.Check(frame, len(frame))
		if v.Pass {
			g.passed.Add(1)
			c.pending = frame
			continue
		}
		c.refuse(v, frame)
	}
}

// refuse writes v's reply on the connection, or counts the drop.
func (c *guardedStream) refuse(v Verdict, data []byte) {
	g := c.g
	src := c.RemoteAddr().String()
	if v.Reply == nil || !g.allowReply() {
		g.dropped.Add(1)
		g.log.Debug("sip message dropped", "transport", "tcp", "source", src, "reason", v.Reason)
		return
	}
	if _, err := c.Conn.Write(v.Reply); err != nil && !errors.Is(err, net.ErrClosed) {
		g.log.Debug("sip guard reply failed", "to", src, "error", err)
	}
	g.answered.Add(1)
	g.log.Debug("sip request refused", "transport", "tcp", "source", src, "status", v.Status, "reason", v.Reason)
}

// FramingError is why a stream of SIP messages cannot be read on: after
// it there is no telling where the next message starts.
type FramingError struct {
	// Status and Phrase are the response the message deserves (400 or
	// 513).
	Status int
	Phrase string
	// Reason says what was wrong, for logs and tests.
	Reason string
	// Head is what was read of the message, from which a response can be
	// built when its request line and Via are there.
	Head []byte
}

func (e *FramingError) Error() string {
	return fmt.Sprintf("sip: stream framing: %d %s: %s", e.Status, e.Phrase, e.Reason)
}

// streamFramer cuts a byte stream into SIP messages by their
// Content-Length (RFC 3261 section 18.3), holding at most max bytes of
// one message.
type streamFramer struct {
	r          io.Reader
	max        int
	buf        []byte // buf[off:] is read but not yet returned
	off        int
	scanFrom   int // where the search for the end of the header block resumes
	readFailed error
}

func newStreamFramer(r io.Reader, max int) *streamFramer {
	return &streamFramer{r: r, max: max}
}

// fill reads more bytes into buf, compacting or growing it as needed.
func (f *streamFramer) fill() error {
	if f.readFailed != nil {
		return f.readFailed
	}
	if f.off > 0 {
		n := copy(f.buf, f.buf[f.off:])
		f.buf = f.buf[:n]
		f.scanFrom -= f.off
		f.off = 0
	}
	if len(f.buf) == cap(f.buf) {
		// Room for one more read past max, so that "too large" is seen.
		nb := make([]byte, len(f.buf), min(max(2*cap(f.buf), 4096), f.max+4096))
		copy(nb, f.buf)
		f.buf = nb
	}
	n, err := f.r.Read(f.buf[len(f.buf):cap(f.buf)])
	f.buf = f.buf[:len(f.buf)+n]
	if err != nil && n == 0 {
		f.readFailed = err
		return err
	}
	return nil
}

// next returns the next CRLF keep-alive (at most 4 bytes) or whole
// message. The slice is valid until the next call. Errors are the
// reader's (io.EOF between or inside messages) or a *FramingError.
func (f *streamFramer) next() ([]byte, error) {
	for len(f.buf)-f.off == 0 {
		if err := f.fill(); err != nil {
			return nil, err
		}
	}
	data := f.buf[f.off:]
	if data[0] == '\r' || data[0] == '\n' {
		n := 0
		for n < len(data) && n < 4 && (data[n] == '\r' || data[n] == '\n') {
			n++
		}
		f.off += n
		f.scanFrom = f.off
		return data[:n], nil
	}
	// The header block ends at the first empty line.
	var headLen int
	for {
		data = f.buf[f.off:]
		from := max(f.scanFrom-f.off-3, 0)
		if i := bytes.Index(data[from:], []byte("\r\n\r\n")); i >= 0 {
			headLen = from + i + 4
			break
		}
		if len(data) > f.max {
			return nil, f.lost(513, "Message Too Large", fmt.Sprintf("no end of headers within %d bytes", f.max), data)
		}
		f.scanFrom = len(f.buf)
		if err := f.fill(); err != nil {
			return nil, err
		}
	}
	head := f.buf[f.off : f.off+headLen]
	cl, reason := contentLength(head)
	if reason != "" {
		return nil, f.lost(400, "Bad Request", reason, head)
	}
	if cl > int64(f.max-headLen) {
		return nil, f.lost(513, "Message Too Large", fmt.Sprintf("message of %d bytes over %d", int64(headLen)+cl, f.max), head)
	}
	total := headLen + int(cl)
	for len(f.buf)-f.off < total {
		if err := f.fill(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	msg := f.buf[f.off : f.off+total]
	f.off += total
	f.scanFrom = f.off
	return msg, nil
}

// lost returns the FramingError for the message starting at data, with a
// copy of its head, and stops the framer.
func (f *streamFramer) lost(status int, phrase, reason string, head []byte) error {
	err := &FramingError{Status: status, Phrase: phrase, Reason: reason, Head: bytes.Clone(head)}
	f.readFailed = err
	f.buf, f.off, f.scanFrom = f.buf[:0], 0, 0
	return err
}

// contentLength returns the Content-Length of a header block (its value
// in bytes), or why it cannot be used to frame a stream: missing, not a
// number, or given twice with different values. It allocates only for
// the reason.
func contentLength(head []byte) (n int64, reason string) {
	found := false
	rest := head
	first := true
	for len(rest) > 0 {
		var l []byte
		if i := bytes.Index(rest, []byte("\r\n")); i >= 0 {
			l, rest = rest[:i], rest[i+2:]
		} else {
			l, rest = rest, nil
		}
		if first {
			first = false // the start line
			continue
		}
		name, val, ok := bytes.Cut(l, []byte(":"))
		if !ok || len(l) == 0 || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		name = bytes.TrimSpace(name)
		if !bytes.EqualFold(name, []byte("content-length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		v, ok := parseLength(bytes.TrimSpace(val))
		if !ok {
			return 0, fmt.Sprintf("Content-Length %q is not a length", bytes.TrimSpace(val))
		}
		if found && v != n {
			return 0, fmt.Sprintf("Content-Length %d and %d", n, v)
		}
		n, found = v, true
	}
	if !found {
		return 0, "no Content-Length on a stream transport (RFC 3261 section 18.3)"
	}
	return n, ""
}

// parseLength reads 1*DIGIT (RFC 3261's Content-Length) up to 10^15.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}
