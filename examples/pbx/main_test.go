package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/internal/interop"
)

// runCLI runs one pbx command and returns its output.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestExtAddFlagsAnywhere(t *testing.T) {
	data := t.TempDir()
	// Flags after, before and around the positional NUMBER.
	for _, args := range [][]string{
		{"ext", "add", "201", "-name", "Alice", "-password", "s3cret-alice", "-data", data},
		{"ext", "add", "-data", data, "-name", "Bob", "-password", "s3cret-bob1", "202"},
		{"ext", "add", "-name", "Carol", "203", "-password", "s3cret-carol", "-pin", "4826", "-data", data},
	} {
		if out, err := runCLI(t, args...); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	out, err := runCLI(t, "ext", "list", "-data", data, "-json")
	if err != nil {
		t.Fatal(err)
	}
	var got []extView
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("ext list -json: %v\n%s", err, out)
	}
	want := []extView{{"201", "Alice", "", "user"}, {"202", "Bob", "", "user"}, {"203", "Carol", "", "user"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ext list (-want +got):\n%s", diff)
	}
}

func TestExtAddBadInputChangesNothing(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ext", "add", "301", "-name", "X", "-password", "short"}, "secret"},
		{[]string{"ext", "add", "301", "-name", "X", "-password", "long-enough-1", "-pin", "1234"}, "PIN"},
		{[]string{"ext", "add", "3a1", "-name", "X", "-password", "long-enough-1"}, "extension"},
		{[]string{"ext", "add", "301", "-password", "long-enough-1"}, "-name and -password are required"},
		{[]string{"ext", "add", "301", "302", "-name", "X", "-password", "long-enough-1"}, "exactly one"},
	} {
		out, err := runCLI(t, append(tc.args, "-data", data)...)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
			t.Errorf("%q: err %v (output %q), want one mentioning %q", tc.args, err, out, tc.want)
		}
	}
	out, err := runCLI(t, "ext", "list", "-json", "-data", data)
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("after refused adds, ext list = %q, %v; want []", out, err)
	}
	// A duplicate is refused and leaves the first one's secret working.
	if _, err := runCLI(t, "ext", "add", "301", "-name", "A", "-password", "first-secret", "-data", data); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "ext", "add", "301", "-name", "B", "-password", "second-secret", "-data", data); err == nil {
		t.Error("duplicate extension accepted")
	}
}

func TestTrunkAdd(t *testing.T) {
	data := t.TempDir()
	if _, err := runCLI(t, "ext", "add", "101", "-name", "A", "-password", "secret-101", "-data", data); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "trunk", "add", "prov", "-host", "sip.example.net:5060", "-user", "u1", "-password", "p1",
		"-prefix", "9", "-did", "+15551234567=101", "-data", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := runCLI(t, "trunk", "add", "bad", "-host", "h:5060", "-user", "u", "-password", "p",
		"-did", "5550000=999", "-data", data); err == nil {
		t.Error("a DID to a missing extension was accepted")
	}
}

// TestServeRegisterAndPortal starts the server on an empty data
// directory, registers a demo extension with sipp using the printed
// credentials, and walks the portal API as that user would.
func TestServeRegisterAndPortal(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	p := startPBX(t, data)
	if len(p.demo) != 3 {
		t.Fatalf("demo credentials printed: %v, want 3", p.demo)
	}

	// A real phone (sipp) registers as 101 with the printed password.
	sippRegister(t, sipp, p.sip, "101", p.demo["101"])

	alice := &apiClient{t: t, base: p.http, user: "101", pass: p.demo["101"]}
	// The portal password started as the SIP secret and must be changed
	// before anything else is served.
	if code, body := alice.do("GET", "/api/v1/me", nil); code != http.StatusForbidden || !strings.Contains(string(body), "password change required") {
		t.Fatalf("GET /me before the password change: %d %s", code, body)
	}
	if code, body := alice.do("POST", "/api/v1/password", map[string]string{"old_password": p.demo["101"], "new_password": "Alice-new-portal-1"}); code != http.StatusNoContent {
		t.Fatalf("change password: %d %s", code, body)
	}
	alice.pass = "Alice-new-portal-1"
	code, body := alice.do("GET", "/api/v1/me", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"name":"Alice"`) {
		t.Fatalf("GET /me: %d %s", code, body)
	}
	// The SIP secret did not change with the portal password: the phone
	// registers again with it.
	sippRegister(t, sipp, p.sip, "101", p.demo["101"])

	code, body = alice.do("GET", "/api/v1/devices", nil)
	var devs []deviceView
	if err := json.Unmarshal(body, &devs); code != http.StatusOK || err != nil || len(devs) != 1 || devs[0].UserAgent != "sipp" {
		t.Fatalf("GET /devices: %d %s", code, body)
	}
	// Bob sees none of Alice's devices: his own list is empty.
	bob := &apiClient{t: t, base: p.http, user: "102", pass: p.demo["102"]}
	bob.do("POST", "/api/v1/password", map[string]string{"old_password": p.demo["102"], "new_password": "Bob-new-portal-22"})
	bob.pass = "Bob-new-portal-22"
	if code, body := bob.do("GET", "/api/v1/devices", nil); code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("Bob's devices: %d %s, want an empty list", code, body)
	}
	if code, body := bob.do("GET", "/api/v1/calls?view=missed", nil); code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("Bob's missed calls: %d %s", code, body)
	}
	if code, _ := bob.do("GET", "/api/v1/calls?view=sideways", nil); code != http.StatusBadRequest {
		t.Errorf("bad view: %d, want 400", code)
	}

	// Cookie sessions: login, then an unsafe request needs the CSRF token.
	sess := &apiClient{t: t, base: p.http}
	code, body = sess.do("POST", "/api/v1/login", map[string]string{"extension": "101", "password": "Alice-new-portal-1"})
	var lr loginResponse
	if err := json.Unmarshal(body, &lr); code != http.StatusOK || err != nil || lr.CSRFToken == "" {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, _ := sess.do("GET", "/api/v1/me", nil); code != http.StatusOK {
		t.Errorf("GET /me with the session cookie: %d", code)
	}
	if code, _ := sess.do("POST", "/api/v1/logout", nil); code != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d, want 403", code)
	}
	sess.csrf = lr.CSRFToken
	if code, _ := sess.do("POST", "/api/v1/logout", nil); code != http.StatusNoContent {
		t.Errorf("logout with CSRF token: %d, want 204", code)
	}
	if code, _ := sess.do("GET", "/api/v1/me", nil); code != http.StatusUnauthorized {
		t.Errorf("GET /me after logout: %d, want 401", code)
	}
}

// TestPortalLoginRateLimit: password guessing from one address is banned,
// while the victim logs in from another address.
func TestPortalLoginRateLimit(t *testing.T) {
	data := t.TempDir()
	p := startPBX(t, data)
	mallory := &apiClient{t: t, base: p.http}
	var codes []int
	for i := range 7 {
		code, _ := mallory.do("POST", "/api/v1/login", map[string]string{"extension": "101", "password": fmt.Sprintf("guess-%d", i)})
		codes = append(codes, code)
	}
	want := []int{401, 401, 401, 401, 401, 429, 429}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("guess responses (-want +got):\n%s", diff)
	}
	// The right password from the banned address is refused too...
	if code, _ := mallory.do("POST", "/api/v1/login", map[string]string{"extension": "101", "password": p.demo["101"]}); code != http.StatusTooManyRequests {
		t.Errorf("right password from the banned address: %d, want 429", code)
	}
	// ...but the extension itself is not locked: from 127.0.0.2 it works.
	tr := &http.Transport{DialContext: (&netDialer{local: "127.0.0.2"}).DialContext}
	victim := &http.Client{Transport: tr}
	b, _ := json.Marshal(map[string]string{"extension": "101", "password": p.demo["101"]})
	resp, err := victim.Post("http://"+p.http+"/api/v1/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("victim's login from 127.0.0.2: %d, want 200", resp.StatusCode)
	}
}

// TestServeTLS answers OPTIONS over SIP/TLS with a certificate made here.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	p := startPBXArgs(t, dir, "-sip-tls", "127.0.0.1:0", "-cert", certFile, "-key", keyFile)
	tlsAddr := p.tls
	if tlsAddr == "" {
		t.Fatal("no TLS address printed")
	}
	conn, err := tls.Dial("tcp", tlsAddr, &tls.Config{InsecureSkipVerify: true}) // self-signed test certificate
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(scaled(10 * time.Second)))
	local := conn.LocalAddr().String()
	msg := "OPTIONS sip:" + tlsAddr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/TLS " + local + ";branch=z9hG4bK-tls-1;rport\r\n" +
		"From: <sip:probe@127.0.0.1>;tag=t1\r\nTo: <sip:" + tlsAddr + ">\r\n" +
		"Call-ID: tls-options-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(conn)
	status, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("OPTIONS over TLS: %q, %v", status, err)
	}
	// The parse guard frames TLS too: a request without Content-Length
	// gets 400 (RFC 3261 section 18.3).
	for { // the rest of the 200
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	bad := strings.Replace(strings.Replace(msg, "Content-Length: 0\r\n", "", 1), "tls-options-1", "tls-options-2", 1)
	if _, err := conn.Write([]byte(bad)); err != nil {
		t.Fatal(err)
	}
	if status, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(status, "SIP/2.0 400") {
		t.Fatalf("a request without Content-Length over TLS: %q, %v", status, err)
	}
}

func TestServeTLSNeedsCertAndKey(t *testing.T) {
	_, err := runCLI(t, "serve", "-data", t.TempDir(), "-sip-tls", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "-cert and -key") {
		t.Errorf("err = %v", err)
	}
}

func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestServeAnswersSubscribe: the event handler is wired, and an
// unauthenticated SUBSCRIBE to a mailbox is challenged.
func TestServeAnswersSubscribe(t *testing.T) {
	p := startPBX(t, t.TempDir())
	conn, err := net.Dial("udp", p.sip)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(scaled(10 * time.Second)))
	local := conn.LocalAddr().String()
	msg := "SUBSCRIBE sip:101@" + p.sip + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-sub-1;rport\r\n" +
		"From: <sip:101@127.0.0.1>;tag=s1\r\nTo: <sip:101@" + p.sip + ">\r\n" +
		"Call-ID: sub-1\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:101@" + local + ">\r\n" +
		"Event: message-summary\r\nAccept: application/simple-message-summary\r\nExpires: 600\r\n" +
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if resp := string(buf[:n]); !strings.HasPrefix(resp, "SIP/2.0 407") || !strings.Contains(resp, "Proxy-Authenticate: Digest") {
		t.Errorf("SUBSCRIBE without credentials got:\n%s", resp)
	}
}

// TestServeAnswersMalformed: a request sipgo cannot parse (no Call-ID) gets
// 400 instead of silence, and the server goes on answering.
func TestServeAnswersMalformed(t *testing.T) {
	p := startPBX(t, t.TempDir())
	conn, err := net.Dial("udp", p.sip)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(scaled(10 * time.Second)))
	local := conn.LocalAddr().String()
	send := func(msg string) string {
		t.Helper()
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
	bad := "OPTIONS sip:" + p.sip + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=z9hG4bK-bad-1;rport\r\n" +
		"From: <sip:probe@127.0.0.1>;tag=b1\r\nTo: <sip:" + p.sip + ">\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if resp := send(bad); !strings.HasPrefix(resp, "SIP/2.0 400") {
		t.Errorf("OPTIONS without Call-ID got:\n%s", resp)
	}
	good := strings.Replace(bad, "CSeq: 1 OPTIONS", "Call-ID: good-1\r\nCSeq: 1 OPTIONS", 1)
	good = strings.Replace(good, "bad-1", "good-1", 1)
	if resp := send(good); !strings.HasPrefix(resp, "SIP/2.0 200") {
		t.Errorf("OPTIONS after the bad one got:\n%s", resp)
	}
}

// TestServeRegistersTrunk: a trunk added with `pbx trunk add` is
// registered to its provider (sipp, which checks our digest answers with
// its own verifyauth), refreshed, and unregistered when the server stops.
func TestServeRegistersTrunk(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	prov, provPort := startSippUAS(t, sipp, "provider", sipScenario("provider_register.xml"), 30*time.Second, "-m", "1")
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort), "-user", "trunkuser", "-password", "trunkpass", "-prefix", "9", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p := startPBX(t, data)
	// The scenario grants 2 s, so a refresh follows the registration.
	waitFor(t, "3 REGISTERs at the provider (challenged, answered, refresh)", condWait,
		func() bool { return prov.registers() >= 3 }, func() string { return fmt.Sprintf("%d seen", prov.registers()) })
	p.stop() // unregisters
	if err := prov.wait(20 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestServeSurvivesInviteFlood: one address floods INVITEs; it is cut down
// to the per-source budget, while a phone at another address is served.
func TestServeSurvivesInviteFlood(t *testing.T) {
	p := startPBX(t, t.TempDir())
	flood, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer flood.Close()
	dst, _ := net.ResolveUDPAddr("udp4", p.sip)
	local := flood.LocalAddr().String()
	start := time.Now()
	const sent = 3000
	for i := range sent {
		msg := fmt.Sprintf("INVITE sip:102@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-flood-%d;rport\r\n"+
			"From: <sip:101@127.0.0.1>;tag=f%d\r\nTo: <sip:102@%s>\r\nCall-ID: flood-%d\r\nCSeq: 1 INVITE\r\n"+
			"Contact: <sip:101@%s>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", p.sip, local, i, i, p.sip, i, local)
		flood.WriteTo([]byte(msg), dst)
	}
	elapsed := time.Since(start)

	// Another address is still answered.
	victim := &net.Dialer{LocalAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	conn, err := victim.Dial("udp4", p.sip)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	vl := conn.LocalAddr().String()
	opt := "OPTIONS sip:" + p.sip + " SIP/2.0\r\nVia: SIP/2.0/UDP " + vl + ";branch=z9hG4bK-victim-1;rport\r\n" +
		"From: <sip:probe@127.0.0.2>;tag=v1\r\nTo: <sip:" + p.sip + ">\r\nCall-ID: victim-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	// Like any UA over UDP it retransmits (timer E, from 500 ms): the
	// kernel may have dropped the first copy while the flood filled the
	// socket buffer.
	buf := make([]byte, 4096)
	var n int
	deadline := time.Now().Add(scaled(12 * time.Second))
	for try := 0; ; try++ {
		conn.Write([]byte(opt))
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond << min(try, 2)))
		if n, err = conn.Read(buf); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		t.Fatalf("OPTIONS from another address during the flood: %q, %v", buf[:n], err)
	}

	// The flooder got answers to at most its budget: a burst of 200 and
	// 100 a second after it. (Count calls, not datagrams: a 407 is
	// retransmitted until ACKed.)
	calls := map[string]bool{}
	callID := regexp.MustCompile(`Call-ID: (flood-\d+)`)
	flood.SetReadDeadline(time.Now().Add(time.Second))
	for {
		n, _, err := flood.ReadFrom(buf)
		if err != nil {
			break
		}
		if m := callID.FindSubmatch(buf[:n]); m != nil {
			calls[string(m[1])] = true
		}
	}
	answered := len(calls)
	budget := 200 + int(100*(elapsed+time.Second).Seconds()) + 10
	if answered > budget || answered == 0 {
		t.Errorf("flooder sent %d INVITEs in %v and got %d answers; want 1..%d", sent, elapsed, answered, budget)
	}
}

// TestServeReportsBusyPort: a start-up failure is an error, not a crash,
// and releases what had started.
func TestServeReportsBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = runCLI(t, "serve", "-data", t.TempDir(), "-sip", "127.0.0.1:0", "-http", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "-http") {
		t.Errorf("serve on a busy HTTP port: %v", err)
	}
}
