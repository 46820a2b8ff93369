package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// smtpSink is a minimal SMTP server for the tests: it accepts every
// message and keeps it whole.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs [][]byte
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) addr() string { return s.ln.Addr().String() }

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(scaled(30 * time.Second)))
	r := bufio.NewReader(c)
	say := func(line string) { fmt.Fprintf(c, "%s\r\n", line) }
	say("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-sink")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "DATA"):
			say("354 go ahead")
			var msg []byte
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				l = strings.TrimPrefix(l, ".")
				msg = append(msg, l...)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg)
			s.mu.Unlock()
			say("250 queued")
		case strings.HasPrefix(cmd, "QUIT"):
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpSink) messages() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.msgs...)
}

// vmTest is a PBX with extensions of its own: the caller 201, the
// mailbox owner 202 (PIN 4826, set with `ext add -pin`) and the operator
// 203, and an SMTP sink.
type vmTest struct {
	p     *pbxProcess
	owner *apiClient // 202
	smtp  *smtpSink
	sipp  string
}

const vmOwnerPIN = "4826"

func startVMTest(t *testing.T) *vmTest {
	t.Helper()
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	for _, args := range [][]string{
		{"ext", "add", "201", "-name", "Caller", "-password", "caller-secret-201", "-portal-password", "Portal-pass-201"},
		{"ext", "add", "202", "-name", "Owner", "-password", "owner-secret-202", "-portal-password", "Portal-pass-202",
			"-pin", vmOwnerPIN, "-email", "owner@example.com"},
		{"ext", "add", "203", "-name", "Operator", "-password", "operator-secret-203", "-portal-password", "Portal-pass-203"},
	} {
		if out, err := runCLI(t, append(args, "-data", data)...); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	smtp := startSMTPSink(t)
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999", "-smtp", smtp.addr(), "-smtp-from", "pbx@example.com", "-smtp-tls", "off")
	p.demo["201"], p.demo["202"], p.demo["203"] = "caller-secret-201", "owner-secret-202", "operator-secret-203"
	return &vmTest{p: p, owner: &apiClient{t: t, base: p.http, user: "202", pass: "Portal-pass-202"}, smtp: smtp, sipp: sipp}
}

// call runs a sipp caller scenario from 201 to to, which must pass.
func (v *vmTest) call(t *testing.T, scenario, to string) {
	t.Helper()
	placeCallFor(t, v.sipp, v.p.sip, "201", "caller-secret-201", to, scenario, 40*time.Second)
}

type vmList struct {
	Messages []messageView `json:"messages"`
	Total    int           `json:"total"`
}

func (v *vmTest) list(t *testing.T, c *apiClient) vmList {
	t.Helper()
	code, body := c.do("GET", "/api/v1/voicemail/messages", nil)
	var l vmList
	if code != http.StatusOK || json.Unmarshal(body, &l) != nil {
		t.Fatalf("GET messages: %d %s", code, body)
	}
	return l
}

// TestVoicemailDepositEndToEnd: 201 (sipp) calls 202, who has no phone
// registered, so the call goes to 202's voicemail. A caller who hangs up
// in the greeting, and one who hangs up half a second after the beep,
// leave nothing. Then sipp skips the greeting with # (RFC 4733) and sends
// 7 s of speech: the message appears in 202's mailbox through the API,
// with the caller and the length, and its audio is what sipp sent; 202's
// phone, subscribed to message-summary, gets a NOTIFY with 1 new message;
// an email with the WAV attached reaches the SMTP server; and 201's call
// is in the call log with disposition voicemail.
func TestVoicemailDepositEndToEnd(t *testing.T) {
	v := startVMTest(t)
	if code, body := v.owner.do("PUT", "/api/v1/voicemail/settings", map[string]any{
		"notify": map[string]string{"email": "with-audio", "address": "owner@example.com"},
	}); code != http.StatusOK {
		t.Fatalf("PUT settings: %d %s", code, body)
	}

	v.call(t, "vm_hangup_greeting.xml", "202")
	v.call(t, "vm_hangup_beep.xml", "202")
	if l := v.list(t, v.owner); l.Total != 0 {
		t.Fatalf("after two hang-ups without a message, the mailbox has %+v", l)
	}

	// 202's phone watches its lamp.
	mwi := startSippBackground(t, v.sipp, "mwi", sippScenario("vm_mwi.xml"), v.p.sip,
		"-inf", sippUser(t, "202", "owner-secret-202"), "-i", "127.0.0.1", "-m", "1", "-auth_uri", "202@"+v.p.sip)
	waitFor(t, "the initial MWI NOTIFY", condWait, func() bool {
		return strings.Contains(mwi.messages(), "Messages-Waiting: no")
	}, mwi.report)

	v.call(t, "vm_deposit.xml", "202")
	var l vmList
	waitForCond(t, "the message in 202's mailbox", func() bool { l = v.list(t, v.owner); return l.Total == 1 })
	m := l.Messages[0]
	// sipp: 1.2 s after # (0.4 s of beep), 7.05 s of speech, 7.5 s, BYE.
	if m.CallerNumber != "201" || m.Folder != "new" || m.Seconds < 7 || m.Seconds > 9.5 {
		t.Errorf("message %+v: want from 201, new, 7 to 9.5 s", m)
	}
	code, wav := v.owner.do("GET", "/api/v1/voicemail/messages/"+m.ID+"/audio", nil)
	if code != http.StatusOK {
		t.Fatalf("GET audio: %d %s", code, wav)
	}
	sent := trimSilence(pcapAudio(t, "/usr/share/sip-tester/g711a.pcap"), 100)
	got := wavSamples(t, wav)
	if at, c := find(got, sent, 0); c < 0.95 {
		t.Errorf("the message's audio does not match what sipp sent: best correlation %.3f at %d", c, at)
	} else {
		t.Logf("sent audio found in the message at %.2f s, correlation %.3f", float64(at)/8000, c)
	}

	if err := mwi.wait(30 * time.Second); err != nil {
		t.Errorf("MWI phone: %v", err)
	}

	var raw []byte
	waitForCond(t, "the email", func() bool {
		if ms := v.smtp.messages(); len(ms) > 0 {
			raw = ms[0]
			return true
		}
		return false
	})
	checkVoicemailEmail(t, raw, "owner@example.com", wav)

	caller := &apiClient{t: t, base: v.p.http, user: "201", pass: "Portal-pass-201"}
	for _, c := range waitCalls(t, caller, "placed", 3) {
		if c.To != "202" || c.Disposition != "voicemail" {
			t.Errorf("call log: %+v, want to 202, disposition voicemail", c)
		}
	}
	// The owner's lamp and listing agree with another user's view: 201
	// has no messages, and cannot read 202's.
	if l := v.list(t, caller); l.Total != 0 {
		t.Errorf("201 sees %+v", l)
	}
	if code, _ := caller.do("GET", "/api/v1/voicemail/messages/"+m.ID+"/audio", nil); code != http.StatusNotFound {
		t.Errorf("201 reading 202's message: %d, want 404", code)
	}
}

// checkVoicemailEmail checks a notification email: addressed to to, with
// the message's WAV attached, byte for byte what the API serves.
func checkVoicemailEmail(t *testing.T, raw []byte, to string, wav []byte) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("email: %v\n%s", err, raw)
	}
	if got := msg.Header.Get("To"); !strings.Contains(got, to) {
		t.Errorf("email To %q, want %s", got, to)
	}
	if subj := msg.Header.Get("Subject"); !strings.Contains(subj, "201") {
		t.Errorf("email Subject %q does not name the caller", subj)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("email Content-Type %q: want multipart", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	found := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ct := part.Header.Get("Content-Type"); !strings.HasPrefix(ct, "audio/wav") {
			continue
		}
		found = true
		var r io.Reader = part
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64Reader(part)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(wav) {
			t.Errorf("the attached WAV (%d bytes) is not the message's audio (%d bytes)", len(b), len(wav))
		}
	}
	if !found {
		t.Errorf("no audio/wav attachment in the email:\n%s", raw[:min(len(raw), 2000)])
	}
}

func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }
