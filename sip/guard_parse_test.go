package sip

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

func TestParseGuardCheck(t *testing.T) {
	const good = "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1\r\n" +
		"From: <sip:101@pbx.test>;tag=a\r\nTo: <sip:pbx.test>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	g, err := NewParseGuard(ParseGuardConfig{MaxMessageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	type verdict struct {
		Pass   bool
		Status int
	}
	tests := []struct {
		name string
		msg  string
		size int // 0: len(msg)
		want verdict
	}{
		{"good request", good, 0, verdict{Pass: true}},
		{"keep-alive", "\r\n\r\n", 0, verdict{Pass: true}},
		{"good response", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", 0, verdict{Pass: true}},
		{"bad response dropped", "SIP/2.0 4294967301 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", 0, verdict{}},
		{"garbage dropped", "\x01\x02hello", 0, verdict{}},
		{"negative content-length", replace(good, "Content-Length: 0", "Content-Length: -5"), 0, verdict{Status: 400}},
		{"no via dropped", replace(good, "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1\r\n", ""), 0, verdict{}},
		{"missing call-id", replace(good, "Call-ID: c1\r\n", ""), 0, verdict{Status: 400}},
		{"cseq method mismatch", replace(good, "1 OPTIONS", "1 INVITE"), 0, verdict{Status: 400}},
		{"two from", replace(good, "To:", "From: <sip:x@y>;tag=b\r\nTo:"), 0, verdict{Status: 400}},
		{"unknown scheme", replace(good, "OPTIONS sip:pbx.test", "OPTIONS urn:pbx.test"), 0, verdict{Status: 416}},
		{"other version", replace(good, "pbx.test SIP/2.0", "pbx.test SIP/3.0"), 0, verdict{Status: 505}},
		{"too large", good, 1001, verdict{Status: 513}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = len(tc.msg)
			}
			v := g.Check([]byte(tc.msg), size)
			if diff := cmp.Diff(tc.want, verdict{Pass: v.Pass, Status: v.Status}); diff != "" {
				t.Errorf("verdict mismatch (-want +got):\n%s (reason %q)", diff, v.Reason)
			}
			if v.Reply == nil {
				return
			}
			res, err := gosip.ParseMessage(v.Reply)
			if err != nil {
				t.Fatalf("reply does not parse: %v\n%s", err, v.Reply)
			}
			r := res.(*gosip.Response)
			if to := r.To(); to == nil || to.Params == nil || !to.Params.Has("tag") {
				t.Errorf("reply To has no tag: %s", v.Reply)
			}
			if len(v.Reply) > size+100 {
				t.Errorf("reply of %d bytes to a request of %d", len(v.Reply), size)
			}
		})
	}
}

func replace(s, old, new string) string {
	out := []byte(s)
	return string(bytes.Replace(out, []byte(old), []byte(new), 1))
}

func TestParseGuardReplyAddr(t *testing.T) {
	src := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 40000}
	tests := []struct {
		via  string
		want string
	}{
		{"Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1", "192.0.2.7:5062"},
		{"Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1", "192.0.2.7:5060"},
		{"Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bK1", "192.0.2.7:40000"},
		{"v: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1", "192.0.2.7:5070"},
		{"Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1", "192.0.2.7:5060"},
		{"Via: SIP/2.0/UDP host:99999;branch=z9hG4bK1", "192.0.2.7:40000"},
	}
	for _, tc := range tests {
		msg := "INVITE sip:a@b SIP/2.0\r\n" + tc.via + "\r\n\r\n"
		if got := replyAddr([]byte(msg), src).String(); got != tc.want {
			t.Errorf("%s: reply to %s, want %s", tc.via, got, tc.want)
		}
	}
}

func TestParseGuardReplyBudget(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g, err := NewParseGuard(ParseGuardConfig{MaxRepliesPerSecond: 3, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for range 4 {
		got = append(got, g.allowReply())
	}
	now = now.Add(time.Second)
	got = append(got, g.allowReply())
	if diff := cmp.Diff([]bool{true, true, true, false, true}, got); diff != "" {
		t.Errorf("reply budget (-want +got):\n%s", diff)
	}
	if _, err := NewParseGuard(ParseGuardConfig{MaxMessageSize: -1}); err == nil {
		t.Error("negative MaxMessageSize accepted")
	}
}

// FuzzParseGuard feeds arbitrary datagrams to the guard, sipgo's parser and,
// for what passes, the registrar's handlers. Invariants: nothing panics; a
// datagram the guard passes parses with sipgo's parser; a reply is a
// response with the verdict's status code, no longer than the request plus
// a fixed overhead.
func FuzzParseGuard(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "torture", "*", "*.dat"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	g, err := NewParseGuard(ParseGuardConfig{})
	if err != nil {
		f.Fatal(err)
	}
	auth, err := NewDigestAuth(AuthConfig{Realm: "pbx.test", Credentials: &MemCredentials{}})
	if err != nil {
		f.Fatal(err)
	}
	reg, err := NewRegistrar(RegistrarConfig{Auth: auth, SweepInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { reg.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		v := g.Check(data, len(data))
		if v.Pass {
			if isKeepAlive(data) {
				return
			}
			msg, err := gosip.NewParser().ParseSIP(data)
			if err != nil {
				t.Fatalf("guard passed what sipgo cannot parse: %v", err)
			}
			if req, ok := msg.(*gosip.Request); ok {
				switch req.Method {
				case gosip.REGISTER:
					reg.HandleRegister(req, newRecTx())
				case gosip.OPTIONS:
					reg.HandleOptions(req, newRecTx())
				}
			}
			return
		}
		if v.Reply == nil {
			return
		}
		if rawStatus(v.Reply) != v.Status {
			t.Fatalf("reply status %d, verdict %d:\n%q", rawStatus(v.Reply), v.Status, v.Reply)
		}
		if len(v.Reply) > len(data)+80 {
			t.Fatalf("reply of %d bytes to %d bytes", len(v.Reply), len(data))
		}
	})
}
