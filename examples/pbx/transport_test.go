package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/telekit/telekit/internal/interop"
)

// TestCallToPhoneOnTCP: a phone registered over TCP (a sipgo user agent
// with digest auth) is rung over its own TCP connection when a UDP phone
// (sipp) calls it, and the call completes both ways.
func TestCallToPhoneOnTCP(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	p := startPBXArgs(t, t.TempDir(), "-rtp-ports", "40000-49999")

	ua, err := sipgo.NewUA(sipgo.WithUserAgent("tcp-phone"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	var invites, byes atomic.Int32
	srv.OnInvite(func(req *gosip.Request, tx gosip.ServerTransaction) {
		invites.Add(1)
		if req.Transport() != "TCP" {
			t.Errorf("INVITE reached the TCP phone over %s", req.Transport())
		}
		sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30998 RTP/AVP 0 101\r\n" +
			"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
		res := gosip.NewResponseFromRequest(req, 200, "OK", []byte(sdp))
		ct := gosip.ContentTypeHeader("application/sdp")
		res.AppendHeader(&ct)
		res.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: "102", Host: "127.0.0.1", Port: 5099,
			UriParams: tcpParam()}})
		tx.Respond(res)
	})
	srv.OnAck(func(*gosip.Request, gosip.ServerTransaction) {})
	srv.OnBye(func(req *gosip.Request, tx gosip.ServerTransaction) {
		byes.Add(1)
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	cli, err := sipgo.NewClient(ua)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scaled(10*time.Second))
	defer cancel()
	reg := gosip.NewRequest(gosip.REGISTER, gosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: portOf(p.sip), UriParams: tcpParam()})
	reg.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: "sip", User: "102", Host: "127.0.0.1"}})
	reg.AppendHeader(&gosip.FromHeader{Address: gosip.Uri{Scheme: "sip", User: "102", Host: "127.0.0.1"}, Params: params("tag", "tcpphone")})
	reg.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: "102", Host: "127.0.0.1", Port: 5099,
		UriParams: tcpParam()}})
	exp := gosip.ExpiresHeader(300)
	reg.AppendHeader(&exp)
	reg.SetTransport("TCP")
	res, err := cli.Do(ctx, reg)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == 401 {
		res, err = cli.DoDigestAuth(ctx, reg, res, sipgo.DigestAuth{Username: "102", Password: p.demo["102"]})
		if err != nil {
			t.Fatal(err)
		}
	}
	if res.StatusCode != 200 {
		t.Fatalf("TCP REGISTER: %d %s", res.StatusCode, res.Reason)
	}

	// 101 (sipp over UDP) calls 102.
	placeCall(t, sipp, p.sip, "101", p.demo["101"], "102", "call_auth.xml")
	waitForCond(t, "BYE at the TCP phone", func() bool { return byes.Load() == 1 })
	if invites.Load() != 1 {
		t.Errorf("TCP phone got %d INVITEs, want 1", invites.Load())
	}
	bob := portalUser(t, p, "102")
	code, body := bob.do("GET", "/api/v1/devices", nil)
	var devs []deviceView
	if code != http.StatusOK || json.Unmarshal(body, &devs) != nil || len(devs) != 1 || devs[0].Transport != "tcp" {
		t.Errorf("102's devices: %d %s", code, body)
	}
}

func tcpParam() gosip.HeaderParams { return params("transport", "tcp") }

func params(k, v string) gosip.HeaderParams {
	p := gosip.NewParams()
	p.Add(k, v)
	return p
}

func portOf(hostport string) int {
	_, port, _ := net.SplitHostPort(hostport)
	n, _ := strconv.Atoi(port)
	return n
}
