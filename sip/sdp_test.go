package sip

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/telekit/telekit/media"
)

func readSDP(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sdp", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var cmpAddr = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })
var cmpAddrPort = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

func TestParseSDPRealPhones(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		file string
		want Negotiated // what answering it with PCMU/PCMA settles
		dirs []Direction
	}{
		{"yealink_t46.sdp", Negotiated{Remote: ap("192.168.1.23:11796"), Codec: media.CodecPCMU, EventPT: 101, Ptime: 20, Direction: DirectionSendRecv}, []Direction{DirectionSendRecv}},
		{"polycom_vvx.sdp", Negotiated{Remote: ap("10.0.0.45:2222"), Codec: media.CodecPCMU, EventPT: 127, Direction: DirectionSendRecv}, []Direction{DirectionSendRecv}},
		{"baresip.sdp", Negotiated{Remote: ap("192.168.0.10:10130"), Codec: media.CodecPCMA, EventPT: 101, Ptime: 20, Direction: DirectionSendRecv, RTCPMux: true}, []Direction{DirectionSendRecv}},
		{"linphone.sdp", Negotiated{Remote: ap("172.16.5.9:7078"), Codec: media.CodecPCMU, EventPT: 100, Direction: DirectionSendRecv}, []Direction{DirectionUnknown, DirectionUnknown}},
		{"odd_order_hold.sdp", Negotiated{Remote: ap("192.0.2.7:40000"), Codec: media.CodecPCMA, EventPT: 101, Direction: DirectionSendOnly}, []Direction{DirectionSendOnly}},
		{"old_hold.sdp", Negotiated{Remote: ap("0.0.0.0:5004"), Codec: media.CodecPCMU, Direction: DirectionSendOnly}, []Direction{DirectionUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := ParseSDP(readSDP(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var dirs []Direction
			for _, m := range s.Media {
				dirs = append(dirs, m.Direction)
			}
			if diff := cmp.Diff(tt.dirs, dirs); diff != "" {
				t.Errorf("directions (-want +got):\n%s", diff)
			}
			l := Local{Addr: ap("203.0.113.1:20000"), Codecs: []media.Codec{media.CodecPCMU, media.CodecPCMA}, EventPT: 101}
			ans, n, err := l.Answer(s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, n, cmpAddrPort); diff != "" {
				t.Errorf("Negotiated (-want +got):\n%s", diff)
			}
			if len(ans.Media) != len(s.Media) {
				t.Errorf("answer has %d m= lines, offer %d (RFC 3264 6: must match)", len(ans.Media), len(s.Media))
			}
			// The answer, parsed back, names one codec, the offerer's
			// event PT and the reverse direction.
			back, err := ParseSDP(ans.Marshal())
			if err != nil {
				t.Fatalf("our answer does not parse: %v\n%s", err, ans.Marshal())
			}
			got, err := ReadAnswer(back, l.Codecs)
			if err != nil {
				t.Fatal(err)
			}
			want := Negotiated{Remote: l.Addr, Codec: tt.want.Codec, EventPT: tt.want.EventPT, Direction: tt.want.Direction.Reverse()}
			if diff := cmp.Diff(want, got, cmpAddrPort); diff != "" {
				t.Errorf("answer read back (-want +got):\n%s\n%s", diff, ans.Marshal())
			}
		})
	}
}

func TestSDPAnswerErrors(t *testing.T) {
	l := Local{Addr: netip.MustParseAddrPort("203.0.113.1:20000"), Codecs: []media.Codec{media.CodecPCMU, media.CodecPCMA}}
	tests := []struct {
		name, body string
		want       error
	}{
		{"g729 only", string(readSDP(t, "g729_only.sdp")), ErrNoCommonCodec},
		{"garbage", string(readSDP(t, "garbage.sdp")), ErrSDP},
		{"no version", "o=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", ErrSDP},
		{"bad port", "v=0\r\nm=audio 70000 RTP/AVP 0\r\n", ErrSDP},
		{"bad c", "v=0\r\nc=IN IP4 ::1\r\nm=audio 5000 RTP/AVP 0\r\n", ErrSDP},
		{"bad pt", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0 300\r\n", ErrSDP},
		{"no audio", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 5000 RTP/AVP 96\r\n", ErrNoCommonCodec},
		{"srtp", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n", ErrNoCommonCodec},
		{"no c", "v=0\r\nm=audio 5000 RTP/AVP 0\r\n", ErrSDP},
		{"pcmu remapped", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 opus/48000\r\n", ErrNoCommonCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSDP([]byte(tt.body))
			if err == nil {
				_, _, err = l.Answer(s)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSDPMarshalOrder(t *testing.T) {
	l := Local{Addr: netip.MustParseAddrPort("192.0.2.1:30000"), Origin: Origin{SessionID: 7, Version: 8},
		Codecs: []media.Codec{media.CodecPCMA, media.CodecPCMU}, EventPT: 101, Ptime: 20, Direction: DirectionSendOnly}
	got := string(l.Offer().Marshal())
	want := "v=0\r\no=- 7 8 IN IP4 192.0.2.1\r\ns=telekit\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
		"m=audio 30000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendonly\r\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("offer (-want +got):\n%s", diff)
	}
}

// FuzzParseSDP checks that whatever ParseSDP accepts, Marshal writes in a
// form that parses back to the same media descriptions.
func FuzzParseSDP(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "sdp", "*.sdp"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseSDP(body)
		if err != nil {
			if !errors.Is(err, ErrSDP) {
				t.Fatalf("error %v does not wrap ErrSDP", err)
			}
			return
		}
		out := s.Marshal()
		s2, err := ParseSDP(out)
		if err != nil {
			t.Fatalf("our own output does not parse: %v\n%q", err, out)
		}
		if diff := cmp.Diff(s.Media, s2.Media, cmpAddr, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("media changed by a round trip (-first +second):\n%s\n%q", diff, out)
		}
		if s.Conn != s2.Conn {
			t.Fatalf("session c= %v became %v", s.Conn, s2.Conn)
		}
	})
}
