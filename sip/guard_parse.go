package sip

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// ParseGuardConfig configures a ParseGuard. Every zero value means the
// default written beside it.
type ParseGuardConfig struct {
	// Parser is the parser the guard checks datagrams with. It must be the
	// one sipgo's transport layer uses, so that the guard's verdict is
	// sipgo's; nil means gosip.NewParser(), which is sipgo's default.
	Parser *gosip.Parser
	// MaxMessageSize is the largest datagram passed on, in bytes. A
	// larger request is answered 513 Message Too Large. Default 32768,
	// sipgo's read buffer: a datagram longer than that would reach sipgo
	// cut short.
	MaxMessageSize int
	// MaxRepliesPerSecond bounds the error responses the guard sends in
	// any one second, so that a flood of bad requests from spoofed
	// sources cannot turn the server into a reflector. Bad requests past
	// the bound are dropped silently. Default 200; negative means the
	// guard never answers and only drops.
	MaxRepliesPerSecond int
	// MaxPerSource is how many datagrams a second one source IP address
	// may send on average (with bursts of twice that); the rest are
	// dropped unanswered and counted in Stats.Flooded, so that a flood
	// from one address cannot starve other callers. Default 100, enough
	// for a busy trunk provider; negative disables the limit.
	MaxPerSource int
	// Exempt, when set, names sources that MaxPerSource does not apply to,
	// such as the PBX's trunk providers, which legitimately send far
	// more than any phone.
	Exempt func(src netip.Addr) bool
	// Logger receives one debug record per refused datagram. Nil
	// discards them.
	Logger *slog.Logger
	// Clock returns the current time, for the reply budget; nil means
	// time.Now.
	Clock func() time.Time
}

// ParseGuardStats counts what a ParseGuard did with the datagrams it read.
type ParseGuardStats struct {
	// Flooded counts datagrams dropped because their source exceeded
	// MaxPerSource.
	Flooded uint64
	// Passed is how many datagrams went on to sipgo.
	Passed uint64
	// Answered is how many bad requests got an error response from the
	// guard (400, 416, 505 or 513).
	Answered uint64
	// Dropped is how many datagrams were discarded without an answer:
	// unparsable responses, garbage without a request line or Via, and bad
	// requests past the reply budget.
	Dropped uint64
}

// ParseGuard stands between a UDP socket and sipgo's transport and
// answers the requests sipgo would silently drop or wrongly accept.
//
// sipgo v1.7.2 logs and discards a datagram its parser rejects, so a phone
// that sent a malformed request retransmits into silence until its timer
// fires. The guard parses each datagram first, with the parser sipgo
// uses, and
//
//   - answers 400 Bad Request to a request that does not parse, or that
//     parses but breaks RFC 3261 in ways sipgo lets through: a missing
//     Via, From, To, Call-ID or CSeq, a CSeq method other than the
//     request's, or more than one From, To, Call-ID, CSeq, Max-Forwards
//     or Content-Length (RFC 4475 sections 3.1.2, 3.3.1, 3.3.8, 3.3.9);
//   - answers 416 Unsupported URI Scheme to a request whose Request-URI
//     has a well-formed scheme other than sip, sips or tel (RFC 4475
//     3.3.2, 3.3.3);
//   - answers 505 Version Not Supported to a request in another version
//     than SIP/2.0 (RFC 4475 3.1.2.16);
//   - answers 513 Message Too Large to a request longer than
//     MaxMessageSize;
//   - drops responses that do not parse, datagrams that are not SIP, and
//     requests without a Via (no answer could be matched by the sender).
//
// The error response copies the request's Via, From, To (with a tag
// added), Call-ID and CSeq header lines as they came, and goes to the
// source address: the port of the top Via's sent-by unless it carries
// rport or has no usable port (RFC 3261 section 18.2.2, RFC 3581), like
// sipgo's own responses. It is never larger than the request plus a
// status line, a tag and a Content-Length, so the guard amplifies
// nothing, and MaxRepliesPerSecond bounds its rate.
//
// Everything else, CRLF keep-alives included, is passed to sipgo
// unchanged. The price is a second parse of each good datagram.
//
// Listener puts the same checks in front of a TCP or TLS listener,
// framing each connection's stream by Content-Length (see there).
//
// Safe for concurrent use.
type ParseGuard struct {
	parser   *gosip.Parser
	maxSize  int
	maxRate  int
	log      *slog.Logger
	now      func() time.Time
	passed   atomic.Uint64
	answered atomic.Uint64
	dropped  atomic.Uint64
	flooded  atomic.Uint64
	flood    *floodLimiter // nil when disabled
	exempt   func(netip.Addr) bool

	mu          sync.Mutex
	windowStart time.Time
	windowCount int
}

// NewParseGuard returns a ParseGuard for cfg, or an error for a negative
// size.
func NewParseGuard(cfg ParseGuardConfig) (*ParseGuard, error) {
	if cfg.MaxMessageSize < 0 {
		return nil, fmt.Errorf("sip: parse guard: negative MaxMessageSize %d", cfg.MaxMessageSize)
	}
	g := &ParseGuard{
		parser:  cfg.Parser,
		maxSize: cfg.MaxMessageSize,
		maxRate: cfg.MaxRepliesPerSecond,
		log:     cfg.Logger,
		now:     cfg.Clock,
		exempt:  cfg.Exempt,
	}
	if g.parser == nil {
		g.parser = gosip.NewParser()
	}
	if g.maxSize == 0 {
		g.maxSize = 32768
	}
	if g.maxRate == 0 {
		g.maxRate = 200
	}
	switch {
	case cfg.MaxPerSource == 0:
		g.flood = newFloodLimiter(100, 200, 65536)
	case cfg.MaxPerSource > 0:
		g.flood = newFloodLimiter(cfg.MaxPerSource, 2*cfg.MaxPerSource, 65536)
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

// Stats returns the guard's counters so far.
func (g *ParseGuard) Stats() ParseGuardStats {
	return ParseGuardStats{Passed: g.passed.Load(), Answered: g.answered.Load(), Dropped: g.dropped.Load(), Flooded: g.flooded.Load()}
}

// Verdict is what a ParseGuard decided for one datagram.
type Verdict struct {
	// Pass is true when the datagram goes on to sipgo unchanged.
	Pass bool
	// Reply, when not nil, is the error response to send to the source;
	// Status is its status code.
	Reply  []byte
	Status int
	// Reason says why the datagram was refused, for logs and tests.
	Reason string
}

// Check decides what to do with one datagram data of a total length of
// size bytes (size may exceed len(data) when the datagram was cut short
// on reading). It changes no counter and sends nothing.
func (g *ParseGuard) Check(data []byte, size int) Verdict {
	if isKeepAlive(data) {
		return Verdict{Pass: true}
	}
	if size > g.maxSize {
		return g.refuse(data, 513, "Message Too Large", fmt.Sprintf("datagram of %d bytes over %d", size, g.maxSize))
	}
	msg, err := g.parser.ParseSIP(data)
	if err != nil {
		if scheme, ok := requestURIScheme(data); ok && !knownScheme(scheme) {
			return g.refuse(data, 416, "Unsupported URI Scheme", "request-uri scheme "+scheme)
		}
		return g.refuse(data, 400, "Bad Request", "parse: "+err.Error())
	}
	req, ok := msg.(*gosip.Request)
	if !ok {
		return Verdict{Pass: true}
	}
	if req.SipVersion != "SIP/2.0" {
		return g.refuse(data, 505, "Version Not Supported", "version "+req.SipVersion)
	}
	if !knownScheme(req.Recipient.Scheme) {
		return g.refuse(data, 416, "Unsupported URI Scheme", "request-uri scheme "+req.Recipient.Scheme)
	}
	if reason := semanticFault(req); reason != "" {
		return g.refuse(data, 400, "Bad Request", reason)
	}
	return Verdict{Pass: true}
}

// semanticFault returns why req breaks RFC 3261's rules on the headers
// every request carries, or "".
func semanticFault(req *gosip.Request) string {
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if req.GetHeader(name) == nil {
			return "missing " + name
		}
	}
	for _, name := range []string{"From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length"} {
		if n := len(req.GetHeaders(name)); n > 1 {
			return fmt.Sprintf("%d %s headers", n, name)
		}
	}
	// sipgo upper-cases the request line's method but not CSeq's, so the
	// comparison ignores case.
	if cseq := req.CSeq(); cseq != nil && !strings.EqualFold(string(cseq.MethodName), string(req.Method)) {
		return fmt.Sprintf("CSeq method %s in a %s", cseq.MethodName, req.Method)
	}
	return ""
}

// refuse builds the error response for a bad datagram, or a drop verdict
// when data is not a request with a Via.
func (g *ParseGuard) refuse(data []byte, code int, phrase, reason string) Verdict {
	reply := errorResponse(data, code, phrase)
	if reply == nil {
		return Verdict{Reason: reason}
	}
	return Verdict{Reply: reply, Status: code, Reason: reason}
}

// allowReply reports whether one more reply fits in this second's budget.
func (g *ParseGuard) allowReply() bool {
	if g.maxRate < 0 {
		return false
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.windowStart) >= time.Second || now.Before(g.windowStart) {
		g.windowStart, g.windowCount = now, 0
	}
	if g.windowCount >= g.maxRate {
		return false
	}
	g.windowCount++
	return true
}

// PacketConn wraps pc so that sipgo, serving UDP on the result
// (sipgo.Server.ServeUDP), only ever reads the datagrams the guard
// passes. Bad requests are answered on pc from ReadFrom itself, in the
// reading goroutine. Writes go straight to pc. The wrapper keeps one
// 64 KiB buffer, so it must be read by one goroutine at a time, as sipgo
// does.
func (g *ParseGuard) PacketConn(pc net.PacketConn) net.PacketConn {
	return &guardedConn{PacketConn: pc, g: g, buf: make([]byte, 65536)}
}

type guardedConn struct {
	net.PacketConn
	g   *ParseGuard
	buf []byte
}

// ReadFrom returns the next datagram the guard passes.
func (c *guardedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, src, err := c.PacketConn.ReadFrom(c.buf)
		if err != nil {
			return 0, src, err
		}
		if c.g.flood != nil {
			if ua, ok := src.(*net.UDPAddr); ok {
				if a, ok := netip.AddrFromSlice(ua.IP); ok && (c.g.exempt == nil || !c.g.exempt(a.Unmap())) && !c.g.flood.take(a.Unmap(), c.g.now()) {
					c.g.flooded.Add(1)
					continue
				}
			}
		}
		size := n
		if n > len(b) {
			// The caller's buffer is too short: refuse as oversized,
			// whatever MaxMessageSize says.
			size = max(n, c.g.maxSize+1)
		}
		v := c.g.Check(c.buf[:n], size)
		if v.Pass {
			c.g.passed.Add(1)
			return copy(b, c.buf[:n]), src, nil
		}
		c.g.deliver(c.PacketConn, v, c.buf[:n], src)
	}
}

// deliver sends v's reply to src, or counts the drop.
func (g *ParseGuard) deliver(pc net.PacketConn, v Verdict, data []byte, src net.Addr) {
	if v.Reply == nil || !g.allowReply() {
		g.dropped.Add(1)
		g.log.Debug("sip datagram dropped", "source", src.String(), "reason", v.Reason)
		return
	}
	dst := replyAddr(data, src)
	if _, err := pc.WriteTo(v.Reply, dst); err != nil && !errors.Is(err, net.ErrClosed) {
		g.log.Debug("sip guard reply failed", "to", dst.String(), "error", err)
	}
	g.answered.Add(1)
	g.log.Debug("sip request refused", "source", src.String(), "status", v.Status, "reason", v.Reason)
}

// isKeepAlive reports whether data is empty, CRLFs (RFC 5626 keep-alive)
// or NULs, which sipgo ignores itself.
func isKeepAlive(data []byte) bool {
	return len(bytes.Trim(data, "\r\n\x00")) == 0
}

func knownScheme(s string) bool {
	switch strings.ToLower(s) {
	case "sip", "sips", "tel":
		return true
	}
	return false
}

// requestURIScheme returns the scheme of data's Request-URI when its first
// line looks like a request line with a well-formed scheme (RFC 3986: a
// letter, then letters, digits, '+', '-', '.').
func requestURIScheme(data []byte) (string, bool) {
	line, _, _ := bytes.Cut(data, []byte("\r\n"))
	f := strings.Fields(string(line))
	if len(f) != 3 || !strings.HasPrefix(f[2], "SIP/") {
		return "", false
	}
	scheme, _, ok := strings.Cut(f[1], ":")
	if !ok || scheme == "" {
		return "", false
	}
	for i, r := range scheme {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return "", false
		}
	}
	return scheme, true
}

// rawHeaders holds the header lines of a message that an error response
// copies, unfolded but otherwise as they came.
type rawHeaders struct {
	via                    []string
	from, to, callID, cseq string
}

// splitRaw reads data's start line and the header lines an error
// response copies. ok is false when data does not start with a request
// line.
func splitRaw(data []byte) (h rawHeaders, ok bool) {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i]
	}
	lines := strings.Split(string(head), "\r\n")
	// A request line, maybe with extra spaces in it (RFC 4475 3.1.2.8,
	// 3.1.2.9): a method, something, and a version last.
	f := strings.Fields(lines[0])
	if len(f) < 3 || !strings.HasPrefix(f[len(f)-1], "SIP/") || strings.HasPrefix(f[0], "SIP/") {
		return h, false
	}
	// Unfold: a line starting with SP or HT continues the previous one.
	var unfolded []string
	for _, l := range lines[1:] {
		if l != "" && (l[0] == ' ' || l[0] == '\t') && len(unfolded) > 0 {
			unfolded[len(unfolded)-1] += " " + strings.TrimLeft(l, " \t")
			continue
		}
		unfolded = append(unfolded, l)
	}
	for _, l := range unfolded {
		name, _, found := strings.Cut(l, ":")
		if !found || strings.ContainsAny(l, "\r\n") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v":
			h.via = append(h.via, l)
		case "from", "f":
			if h.from == "" {
				h.from = l
			}
		case "to", "t":
			if h.to == "" {
				h.to = l
			}
		case "call-id", "i":
			if h.callID == "" {
				h.callID = l
			}
		case "cseq":
			if h.cseq == "" {
				h.cseq = l
			}
		}
	}
	return h, true
}

// errorResponse builds the response with code for the request in data
// (RFC 3261 section 8.2.6), or nil when data is not a request with a Via.
func errorResponse(data []byte, code int, phrase string) []byte {
	h, ok := splitRaw(data)
	if !ok || len(h.via) == 0 {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, phrase)
	for _, v := range h.via {
		b.WriteString(v + "\r\n")
	}
	for _, l := range []string{h.from, h.to, h.callID, h.cseq} {
		if l == "" {
			continue
		}
		b.WriteString(l)
		if l == h.to && !strings.Contains(strings.ToLower(l), "tag=") {
			b.WriteString(";tag=" + newTag())
		}
		b.WriteString("\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.Bytes()
}

func newTag() string {
	var r [6]byte
	_, _ = rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

// replyAddr is where the error response for data from src goes: src's IP
// and the top Via's sent-by port, or src's port when that Via has rport
// or no port that can be read (RFC 3261 section 18.2.2, RFC 3581).
func replyAddr(data []byte, src net.Addr) net.Addr {
	ua, ok := src.(*net.UDPAddr)
	if !ok {
		return src
	}
	h, _ := splitRaw(data)
	if len(h.via) == 0 {
		return src
	}
	_, val, _ := strings.Cut(h.via[0], ":")
	val, _, _ = strings.Cut(val, ",") // the top Via of a comma list
	sentBy, params, _ := strings.Cut(val, ";")
	for _, p := range strings.Split(params, ";") {
		if strings.EqualFold(strings.TrimSpace(p), "rport") {
			return src
		}
	}
	f := strings.Fields(sentBy)
	if len(f) == 0 {
		return src
	}
	port := 5060
	hostport := f[len(f)-1]
	if i := strings.LastIndex(hostport, ":"); i >= 0 && !strings.HasSuffix(hostport, "]") {
		p, err := strconv.Atoi(hostport[i+1:])
		if err != nil || p <= 0 || p > 65535 {
			return src
		}
		port = p
	}
	return &net.UDPAddr{IP: ua.IP, Port: port, Zone: ua.Zone}
}
