package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telekit/telekit/media"
)

// rtpSink is a phone's media port for a sipp phone whose SDP points here
// (uas scenarios with [callee_rtp]): it decodes the G.711 it receives into
// 8 kHz samples laid out by RTP timestamp, and echoes every packet back
// to its sender as a phone would answer.
type rtpSink struct {
	pc      net.PacketConn
	mu      sync.Mutex
	samples []int16
	packets int
	done    chan struct{}
}

func startRTPSink(t *testing.T) *rtpSink {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rtpSink{pc: pc, done: make(chan struct{})}
	t.Cleanup(func() { pc.Close(); <-s.done })
	go s.run()
	return s
}

func (s *rtpSink) port() int { return s.pc.LocalAddr().(*net.UDPAddr).Port }

func (s *rtpSink) run() {
	defer close(s.done)
	buf := make([]byte, 1500)
	pcm := make([]int16, 1500)
	var ts0 uint32
	first := true
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		s.pc.WriteTo(buf[:n], from)
		if n < 12 || buf[0]>>6 != 2 {
			continue
		}
		pt := buf[1] & 0x7f
		hdr := 12 + 4*int(buf[0]&0xf)
		if pt != 0 && pt != 8 || n <= hdr {
			continue
		}
		ts := binary.BigEndian.Uint32(buf[4:])
		s.mu.Lock()
		if first {
			ts0, first = ts, false
		}
		at := int(ts - ts0)
		if at < 0 || at > 120*media.SampleRate { // a new timestamp base; not expected
			s.mu.Unlock()
			continue
		}
		var k int
		if pt == 8 {
			k = media.DecodeALaw(pcm, buf[hdr:n])
		} else {
			k = media.DecodeULaw(pcm, buf[hdr:n])
		}
		if need := at + k; need > len(s.samples) {
			s.samples = append(s.samples, make([]int16, need-len(s.samples))...)
		}
		copy(s.samples[at:], pcm[:k])
		s.packets++
		s.mu.Unlock()
	}
}

// heard returns the audio received so far and the number of packets.
func (s *rtpSink) heard() ([]int16, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int16(nil), s.samples...), s.packets
}

// TestVoicemailOperatorEndToEnd: 202 turns on "press 0 for the operator"
// with operator 203 (PUT /voicemail/settings, options.operator). 203's
// phone (sipp) is registered; its media goes to this test's RTP socket.
// 201 (sipp) calls 202, who has no phone, so the call reaches 202's
// voicemail; one second into the greeting 201 presses 0 (RFC 4733). The
// PBX rings 203 with 201 as the caller, 203 answers, and the 7 s of
// speech 201 then sends reach 203 through the PBX's bridge (found in what
// the socket received, sample by sample). No message is left in 202's
// mailbox; the call log shows 201's call to 202 transferred, in 203's
// history too, its call flow saying it went to voicemail and on to
// operator 203.
func TestVoicemailOperatorEndToEnd(t *testing.T) {
	v := startVMTest(t)
	if code, body := v.owner.do("PUT", "/api/v1/voicemail/settings", map[string]any{
		"options": map[string]string{"operator": "203"},
	}); code != http.StatusOK || !strings.Contains(string(body), `"operator":"203"`) {
		t.Fatalf("PUT settings: %d %s", code, body)
	}

	media := startRTPSink(t)
	op := startPhone(t, v.sipp, v.p.sip, "203", v.p.demo["203"], sippScenario("vm_operator_uas.xml"),
		"-key", "callee_rtp", fmt.Sprint(media.port()))

	v.call(t, "vm_operator.xml", "202")
	if err := op.wait(20 * time.Second); err != nil {
		t.Fatalf("operator phone: %v", err)
	}

	got, packets := media.heard()
	sent := trimSilence(pcapAudio(t, "/usr/share/sip-tester/g711a.pcap"), 100)
	at, c := find(got, sent, 0)
	t.Logf("operator received %d packets, %.2f s; the caller's speech found at %.2f s, correlation %.3f",
		packets, float64(len(got))/8000, float64(at)/8000, c)
	if c < 0.95 {
		t.Errorf("the operator did not hear the caller through the bridge: best correlation %.3f", c)
	}

	if l := v.list(t, v.owner); l.Total != 0 {
		t.Errorf("a message was left although the caller went to the operator: %+v", l)
	}

	caller := &apiClient{t: t, base: v.p.http, user: "201", pass: "Portal-pass-201"}
	c0 := waitCalls(t, caller, "placed", 1)[0]
	code, body := caller.do("GET", "/api/v1/calls/"+c0.ID, nil)
	var one callView
	if code != http.StatusOK || json.Unmarshal(body, &one) != nil {
		t.Fatalf("GET call: %d %s", code, body)
	}
	var flow []string
	for _, e := range one.Flow {
		flow = append(flow, e.Kind+": "+e.Detail)
	}
	t.Logf("call log: %s to %s, %s, %d s; flow:\n  %s", c0.From, c0.To, c0.Disposition, c0.Seconds, strings.Join(flow, "\n  "))
	if c0.To != "202" || c0.Disposition != "transferred" || c0.Seconds < 8 {
		t.Errorf("call log: %+v; want to 202, transferred, at least 8 s", c0)
	}
	operator := &apiClient{t: t, base: v.p.http, user: "203", pass: "Portal-pass-203"}
	if code, body := operator.do("GET", "/api/v1/calls/"+c0.ID, nil); code != http.StatusOK {
		t.Errorf("the operator cannot see the call they took: %d %s", code, body)
	}
	f := strings.Join(flow, "\n")
	for _, want := range []string{"call-handling: voicemail (unavailable)", "call-handling: voicemail: caller pressed 0 for operator 203",
		"answered: answered on sip:203@"} {
		if !strings.Contains(f, want) {
			t.Errorf("call flow lacks %q:\n%s", want, f)
		}
	}
}
