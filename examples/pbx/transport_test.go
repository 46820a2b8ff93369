package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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
	dir := t.TempDir()
	inf := filepath.Join(dir, "caller.csv")
	os.WriteFile(inf, []byte(fmt.Sprintf("SEQUENTIAL\n101;[authentication username=101 password=%s]\n", p.demo["101"])), 0o600)
	errLog := filepath.Join(dir, "errors.log")
	uac := exec.CommandContext(ctx, sipp, p.sip, "-sf", filepath.Join("testdata", "sipp", "call_auth.xml"),
		"-s", "102", "-inf", inf, "-i", "127.0.0.1", "-m", "1", "-timeout", "8s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", errLog)
	if out, err := uac.CombinedOutput(); err != nil {
		errs, _ := os.ReadFile(errLog)
		t.Fatalf("caller sipp: %v\n%s\n%s", err, errs, out[max(0, len(out)-1500):])
	}
	waitForCond(t, "BYE at the TCP phone", func() bool { return byes.Load() == 1 })
	if invites.Load() != 1 {
		t.Errorf("TCP phone got %d INVITEs, want 1", invites.Load())
	}
	bob := &apiClient{t: t, base: p.http, user: "102", pass: p.demo["102"]}
	bob.do("POST", "/api/v1/password", map[string]string{"old_password": bob.pass, "new_password": "Bob-portal-tcp"})
	bob.pass = "Bob-portal-tcp"
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
