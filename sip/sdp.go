package sip

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/telekit/telekit/media"
	"net/netip"
	"strconv"
	"strings"
)

// SessionDescription is the part of an SDP body (RFC 4566) the call layer
// uses. ParseSDP fills it from what phones send, tolerating lines in any
// order and ignoring what it does not know; Marshal writes it back in the
// strict RFC 4566 order.
type SessionDescription struct {
	// Origin is the o= line.
	Origin Origin
	// Name is the s= line; empty is written as "-".
	Name string
	// Conn is the session-level connection address (c=), or the zero Addr
	// when only the media carry one.
	Conn netip.Addr
	// Media are the m= sections in order.
	Media []MediaDescription
}

// Origin is an SDP o= line.
type Origin struct {
	// Username is the originator's login, "-" when none.
	Username string
	// SessionID and Version identify the session and its revision; the
	// version goes up by one with every new offer of the same session.
	SessionID, Version uint64
	// Addr is the originator's address.
	Addr netip.Addr
}

// Direction is a media stream's direction attribute (RFC 3264 section
// 5.1): the media package's, so a negotiation passes straight to the
// bridge. DirectionUnknown, the zero value, means the SDP named none,
// which RFC 3264 reads as sendrecv.
type Direction = media.Direction

// The directions.
const (
	DirectionUnknown  = media.DirectionUnknown
	DirectionSendRecv = media.DirectionSendRecv
	DirectionSendOnly = media.DirectionSendOnly
	DirectionRecvOnly = media.DirectionRecvOnly
	DirectionInactive = media.DirectionInactive
)

// RTPMap is an a=rtpmap attribute: what a dynamic (or static) payload type
// means.
type RTPMap struct {
	PT       uint8
	Name     string // encoding name as written, e.g. "telephone-event"
	Rate     int    // clock rate in Hz
	Channels int    // 0 when not given
}

// FMTP is an a=fmtp attribute: format parameters for a payload type.
type FMTP struct {
	PT     uint8
	Params string // e.g. "0-16"
}

// MediaDescription is one m= section.
type MediaDescription struct {
	// Type is the media type: "audio", "video", "image"….
	Type string
	// Port is the transport port; 0 means the stream is rejected or
	// disabled.
	Port int
	// Proto is the transport protocol, e.g. "RTP/AVP".
	Proto string
	// Formats are the media formats in preference order: RTP payload
	// type numbers as text for RTP protocols, other tokens otherwise.
	Formats []string
	// Conn is the media-level connection address, or the zero Addr when
	// the session-level one applies.
	Conn netip.Addr
	// RTPMaps and FMTPs are the rtpmap and fmtp attributes in order.
	RTPMaps []RTPMap
	FMTPs   []FMTP
	// Ptime is the packet time in milliseconds, 0 when not given.
	Ptime int
	// Direction is the direction attribute, DirectionUnknown when none.
	Direction Direction
	// RTCPPort is the port of a=rtcp, 0 when not given.
	RTCPPort int
	// RTCPMux is set by a=rtcp-mux (RFC 5761).
	RTCPMux bool
}

// ErrSDP is wrapped by every error ParseSDP returns.
var ErrSDP = errors.New("sdp: malformed")

// maxSDP bounds the body ParseSDP accepts, in bytes.
const maxSDP = 16 << 10

// ParseSDP parses an SDP body tolerantly: lines may come in any order
// (real phones put a= before c=, or t= after m=), may end in CRLF or LF,
// unknown lines and attributes are skipped. It returns an error wrapping
// ErrSDP for what is not SDP at all: a missing v=0, a line that is not
// "x=value", a bad m= or c= line, or a body over 16 KiB.
func ParseSDP(body []byte) (*SessionDescription, error) {
	if len(body) > maxSDP {
		return nil, fmt.Errorf("%w: body of %d bytes exceeds %d", ErrSDP, len(body), maxSDP)
	}
	s := &SessionDescription{}
	var md *MediaDescription
	sawV := false
	sessionDir := DirectionUnknown
	for n, line := range bytes.Split(body, []byte{'\n'}) {
		l := strings.TrimRight(string(line), "\r \t")
		if l == "" {
			continue
		}
		if len(l) < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z' {
			return nil, fmt.Errorf("%w: line %d: %q is not type=value", ErrSDP, n+1, truncate(l))
		}
		v := l[2:]
		var err error
		switch l[0] {
		case 'v':
			if v != "0" {
				return nil, fmt.Errorf("%w: line %d: version %q, want 0", ErrSDP, n+1, truncate(v))
			}
			sawV = true
		case 'o':
			if md == nil {
				s.Origin, err = parseOrigin(v)
			}
		case 's':
			if md == nil {
				s.Name = v
			}
		case 'c':
			var a netip.Addr
			a, err = parseConn(v)
			if md == nil {
				s.Conn = a
			} else {
				md.Conn = a
			}
		case 'm':
			var m MediaDescription
			m, err = parseMediaLine(v)
			if err == nil {
				s.Media = append(s.Media, m)
				md = &s.Media[len(s.Media)-1]
			}
		case 'a':
			if md != nil {
				err = md.parseAttr(v)
			} else {
				var sm MediaDescription // session-level: only a direction counts
				_ = sm.parseAttr(v)
				if sm.Direction != DirectionUnknown {
					sessionDir = sm.Direction
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrSDP, n+1, err)
		}
	}
	if !sawV {
		return nil, fmt.Errorf("%w: no v=0 line", ErrSDP)
	}
	for i := range s.Media {
		if s.Media[i].Direction == DirectionUnknown {
			s.Media[i].Direction = sessionDir
		}
	}
	return s, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func parseOrigin(v string) (Origin, error) {
	f := strings.Fields(v)
	if len(f) != 6 {
		return Origin{}, fmt.Errorf("o= has %d fields, want 6", len(f))
	}
	var o Origin
	o.Username = f[0]
	// Phones send session IDs wider than 64 bits or non-numeric; keep
	// what fits, the call layer does not depend on it.
	o.SessionID, _ = strconv.ParseUint(f[1], 10, 64)
	o.Version, _ = strconv.ParseUint(f[2], 10, 64)
	o.Addr, _ = netip.ParseAddr(f[5])
	return o, nil
}

func parseConn(v string) (netip.Addr, error) {
	f := strings.Fields(v)
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return netip.Addr{}, fmt.Errorf("c= %q: want \"IN IP4|IP6 address\"", truncate(v))
	}
	host := f[2]
	if i := strings.IndexByte(host, '/'); i >= 0 { // multicast TTL
		host = host[:i]
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" || (f[1] == "IP4") != a.Is4() {
		return netip.Addr{}, fmt.Errorf("c= address %q is not an %s address", truncate(host), f[1])
	}
	return a, nil
}

func parseMediaLine(v string) (MediaDescription, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return MediaDescription{}, fmt.Errorf("m= %q: want \"media port proto fmt...\"", truncate(v))
	}
	m := MediaDescription{Type: f[0], Proto: f[2]}
	port := f[1]
	if i := strings.IndexByte(port, '/'); i >= 0 { // port/count
		port = port[:i]
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return MediaDescription{}, fmt.Errorf("m= port %q out of range", truncate(f[1]))
	}
	m.Port = p
	rtp := strings.Contains(m.Proto, "RTP/")
	for _, fm := range f[3:] {
		if rtp {
			if _, err := parsePT(fm); err != nil {
				return MediaDescription{}, fmt.Errorf("m= format %q: %v", truncate(fm), err)
			}
		}
		m.Formats = append(m.Formats, fm)
	}
	return m, nil
}

func parsePT(s string) (uint8, error) {
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil || n > 127 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not an RTP payload type 0-127")
	}
	return uint8(n), nil
}

// parseAttr reads the attributes the call layer needs and skips the rest.
// A known attribute with a bad value is skipped too, as a phone that
// writes it so would not mean anything by it that we could use.
func (m *MediaDescription) parseAttr(v string) error {
	name, val, _ := strings.Cut(v, ":")
	switch name {
	case "rtpmap":
		ptS, enc, ok := strings.Cut(val, " ")
		pt, err := parsePT(ptS)
		if !ok || err != nil {
			return nil
		}
		parts := strings.Split(strings.TrimSpace(enc), "/")
		if len(parts) < 2 || len(parts) > 3 || !sdpToken(parts[0]) {
			return nil
		}
		r := RTPMap{PT: pt, Name: parts[0]}
		var err1, err2 error
		r.Rate, err1 = strconv.Atoi(parts[1])
		if len(parts) == 3 {
			r.Channels, err2 = strconv.Atoi(parts[2])
		}
		if err1 != nil || err2 != nil || r.Rate <= 0 || r.Channels < 0 || r.Channels > 255 {
			return nil
		}
		m.RTPMaps = append(m.RTPMaps, r)
	case "fmtp":
		ptS, params, ok := strings.Cut(val, " ")
		pt, err := parsePT(ptS)
		params = strings.TrimSpace(params)
		if !ok || err != nil || params == "" {
			return nil
		}
		m.FMTPs = append(m.FMTPs, FMTP{PT: pt, Params: params})
	case "ptime":
		if p, err := strconv.Atoi(val); err == nil && p > 0 && p <= 1000 {
			m.Ptime = p
		}
	case "sendrecv":
		m.Direction = DirectionSendRecv
	case "sendonly":
		m.Direction = DirectionSendOnly
	case "recvonly":
		m.Direction = DirectionRecvOnly
	case "inactive":
		m.Direction = DirectionInactive
	case "rtcp":
		port, _, _ := strings.Cut(val, " ")
		if p, err := strconv.Atoi(port); err == nil && p > 0 && p <= 65535 {
			m.RTCPPort = p
		}
	case "rtcp-mux":
		m.RTCPMux = true
	}
	return nil
}

func sdpToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' || c == ':' {
			return false
		}
	}
	return true
}

// Marshal writes the description in RFC 4566 order (v o s c t m, then per
// media c and a), with CRLF line ends. Fields are written as they are;
// build descriptions with valid tokens.
func (s *SessionDescription) Marshal() []byte {
	var b bytes.Buffer
	b.Grow(256)
	user := s.Origin.Username
	if user == "" {
		user = "-"
	}
	oaddr := s.Origin.Addr
	if !oaddr.IsValid() {
		oaddr = s.Conn
	}
	if !oaddr.IsValid() {
		oaddr = netip.IPv4Unspecified()
	}
	name := s.Name
	if name == "" {
		name = "-"
	}
	fmt.Fprintf(&b, "v=0\r\no=%s %d %d IN %s %s\r\ns=%s\r\n", user, s.Origin.SessionID, s.Origin.Version, ipver(oaddr), oaddr, name)
	if s.Conn.IsValid() {
		fmt.Fprintf(&b, "c=IN %s %s\r\n", ipver(s.Conn), s.Conn)
	}
	b.WriteString("t=0 0\r\n")
	for i := range s.Media {
		s.Media[i].marshal(&b)
	}
	return b.Bytes()
}

func ipver(a netip.Addr) string {
	if a.Is4() {
		return "IP4"
	}
	return "IP6"
}

func (m *MediaDescription) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "m=%s %d %s", m.Type, m.Port, m.Proto)
	for _, f := range m.Formats {
		b.WriteByte(' ')
		b.WriteString(f)
	}
	b.WriteString("\r\n")
	if m.Conn.IsValid() {
		fmt.Fprintf(b, "c=IN %s %s\r\n", ipver(m.Conn), m.Conn)
	}
	for _, r := range m.RTPMaps {
		fmt.Fprintf(b, "a=rtpmap:%d %s/%d", r.PT, r.Name, r.Rate)
		if r.Channels > 0 {
			fmt.Fprintf(b, "/%d", r.Channels)
		}
		b.WriteString("\r\n")
	}
	for _, f := range m.FMTPs {
		fmt.Fprintf(b, "a=fmtp:%d %s\r\n", f.PT, f.Params)
	}
	if m.Ptime > 0 {
		fmt.Fprintf(b, "a=ptime:%d\r\n", m.Ptime)
	}
	if m.RTCPPort > 0 {
		fmt.Fprintf(b, "a=rtcp:%d\r\n", m.RTCPPort)
	}
	if m.RTCPMux {
		b.WriteString("a=rtcp-mux\r\n")
	}
	if m.Direction != DirectionUnknown {
		fmt.Fprintf(b, "a=%s\r\n", m.Direction)
	}
}

// Addr returns where the stream's RTP goes: the media-level connection
// address, else the session-level one, with the m= port.
func (s *SessionDescription) Addr(m *MediaDescription) netip.AddrPort {
	a := m.Conn
	if !a.IsValid() {
		a = s.Conn
	}
	return netip.AddrPortFrom(a, uint16(m.Port))
}

// Audio returns the first audio stream with a non-zero port, or nil.
func (s *SessionDescription) Audio() *MediaDescription {
	for i := range s.Media {
		if s.Media[i].Type == "audio" && s.Media[i].Port != 0 {
			return &s.Media[i]
		}
	}
	return nil
}

// ErrNoCommonCodec means an offer or answer has no audio format the PBX
// supports; the INVITE is answered 488 Not Acceptable Here.
var ErrNoCommonCodec = errors.New("sdp: no common codec")

// Negotiated is what offer/answer settled for one call leg: where to send
// RTP and in which format.
type Negotiated struct {
	// Remote is the peer's RTP address from its SDP. Its address is
	// unspecified (0.0.0.0) when the peer put the call on hold the old
	// way (RFC 2543).
	Remote netip.AddrPort
	// Codec is the audio codec both sides use on this leg.
	Codec media.Codec
	// EventPT is the RFC 4733 telephone-event payload type, 0 when none.
	EventPT uint8
	// Ptime is the peer's packet time in milliseconds, 0 when unstated.
	Ptime int
	// Direction is the peer's stated direction, c=0.0.0.0 read as
	// sendonly.
	Direction Direction
	// RTCPMux is set when the peer multiplexes RTCP on the RTP port.
	RTCPMux bool
}

// telephoneEvent finds the offer's RFC 4733 payload type (8 kHz, dynamic).
func (m *MediaDescription) telephoneEvent() uint8 {
	for _, f := range m.Formats {
		pt, err := parsePT(f)
		if err != nil || pt < 96 {
			continue
		}
		for _, r := range m.RTPMaps {
			if r.PT == pt && strings.EqualFold(r.Name, "telephone-event") && r.Rate == 8000 {
				return pt
			}
		}
	}
	return 0
}

// codecs returns the G.711 codecs the stream lists, in its order. Only the
// static payload types 0 and 8 count, since the bridge sends those.
func (m *MediaDescription) codecs() []media.Codec {
	var cs []media.Codec
	for _, f := range m.Formats {
		pt, err := parsePT(f)
		if err != nil {
			continue
		}
		c := media.CodecForPayloadType(pt)
		if c == media.CodecUnknown {
			continue
		}
		ok := true
		for _, r := range m.RTPMaps { // a static PT remapped to something else
			if r.PT == pt && (!strings.EqualFold(r.Name, c.String()) || r.Rate != 8000) {
				ok = false
			}
		}
		if ok {
			cs = append(cs, c)
		}
	}
	return cs
}

// negotiated reads the peer's side of a stream, choosing the first of its
// codecs that is in ours.
func (s *SessionDescription) negotiated(m *MediaDescription, ours []media.Codec) (Negotiated, error) {
	if m == nil {
		return Negotiated{}, fmt.Errorf("%w: no audio stream", ErrNoCommonCodec)
	}
	if m.Proto != "RTP/AVP" {
		return Negotiated{}, fmt.Errorf("%w: audio over %q, want RTP/AVP", ErrNoCommonCodec, m.Proto)
	}
	n := Negotiated{Remote: s.Addr(m), EventPT: m.telephoneEvent(), Ptime: m.Ptime, Direction: m.Direction, RTCPMux: m.RTCPMux}
	if !n.Remote.Addr().IsValid() {
		return Negotiated{}, fmt.Errorf("%w: audio stream has no c= address", ErrSDP)
	}
	if n.Direction == DirectionUnknown {
		n.Direction = DirectionSendRecv
	}
	if n.Remote.Addr().IsUnspecified() && n.Direction == DirectionSendRecv {
		n.Direction = DirectionSendOnly
	}
	for _, c := range m.codecs() {
		for _, o := range ours {
			if c == o {
				n.Codec = c
				return n, nil
			}
		}
	}
	return Negotiated{}, fmt.Errorf("%w: offered %v", ErrNoCommonCodec, m.Formats)
}

// Local is our side of a stream: where we receive RTP and what we say in
// our SDP.
type Local struct {
	// Addr is our RTP address (IP and port of the socket).
	Addr netip.AddrPort
	// Origin is our o= line; bump Version for every new offer or answer
	// in the same session.
	Origin Origin
	// Codecs are the codecs we offer, in our order of preference; an
	// answer uses only the one chosen.
	Codecs []media.Codec
	// EventPT is the telephone-event payload type we offer (answers use
	// the offerer's), 0 for none.
	EventPT uint8
	// Direction is the direction we state.
	Direction Direction
	// Ptime is the packet time we state in milliseconds, 0 for none.
	Ptime int
	// RTCPMux states a=rtcp-mux.
	RTCPMux bool
}

func (l Local) description(formats []string, codecs []media.Codec, eventPT uint8) *SessionDescription {
	m := MediaDescription{Type: "audio", Port: int(l.Addr.Port()), Proto: "RTP/AVP", Formats: formats,
		Ptime: l.Ptime, Direction: l.Direction, RTCPMux: l.RTCPMux}
	for _, c := range codecs {
		m.RTPMaps = append(m.RTPMaps, RTPMap{PT: c.PayloadType(), Name: c.String(), Rate: 8000})
	}
	if eventPT != 0 {
		m.RTPMaps = append(m.RTPMaps, RTPMap{PT: eventPT, Name: "telephone-event", Rate: 8000})
		m.FMTPs = append(m.FMTPs, FMTP{PT: eventPT, Params: "0-16"})
	}
	o := l.Origin
	if !o.Addr.IsValid() {
		o.Addr = l.Addr.Addr()
	}
	return &SessionDescription{Origin: o, Name: "telekit", Conn: l.Addr.Addr(), Media: []MediaDescription{m}}
}

// Offer returns an SDP offer of one audio stream at l.
func (l Local) Offer() *SessionDescription {
	var formats []string
	for _, c := range l.Codecs {
		formats = append(formats, strconv.Itoa(int(c.PayloadType())))
	}
	if l.EventPT != 0 {
		formats = append(formats, strconv.Itoa(int(l.EventPT)))
	}
	return l.description(formats, l.Codecs, l.EventPT)
}

// Answer answers offer per RFC 3264: the first audio stream with a port
// gets the offer's first codec that is in l.Codecs, the offerer's
// telephone-event payload type if it has one, and the reverse of the
// offerer's direction (sendonly or c=0.0.0.0 → recvonly, inactive →
// inactive) unless l.Direction is set; every other stream is refused with
// port 0. It returns the answer and what was negotiated, or an error
// wrapping ErrNoCommonCodec (answer 488) or ErrSDP.
func (l Local) Answer(offer *SessionDescription) (*SessionDescription, Negotiated, error) {
	am := offer.Audio()
	n, err := offer.negotiated(am, l.Codecs)
	if err != nil {
		return nil, Negotiated{}, err
	}
	if l.Direction == DirectionUnknown {
		l.Direction = n.Direction.Reverse()
	}
	l.RTCPMux = l.RTCPMux && n.RTCPMux
	formats := []string{strconv.Itoa(int(n.Codec.PayloadType()))}
	if n.EventPT != 0 {
		formats = append(formats, strconv.Itoa(int(n.EventPT)))
	}
	a := l.description(formats, []media.Codec{n.Codec}, n.EventPT)
	ours := a.Media[0]
	a.Media = a.Media[:0]
	for i := range offer.Media {
		m := &offer.Media[i]
		if m == am {
			a.Media = append(a.Media, ours)
			continue
		}
		rej := MediaDescription{Type: m.Type, Port: 0, Proto: m.Proto, Formats: m.Formats}
		if len(rej.Formats) > 1 {
			rej.Formats = rej.Formats[:1]
		}
		a.Media = append(a.Media, rej)
	}
	return a, n, nil
}

// ReadAnswer reads the answer to an offer we made with codecs ours: the
// answerer's first codec that we offered.
func ReadAnswer(answer *SessionDescription, ours []media.Codec) (Negotiated, error) {
	return answer.negotiated(answer.Audio(), ours)
}
