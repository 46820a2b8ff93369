package sip

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/media"
)

// sipp as a carrier sends 183 with SDP and RTP from a pcap, 2 s before its
// 200; sipp as the caller echoes the RTP it receives (-rtp_echo). RTP must
// cross the bridge both ways before the 200 (the caller's echo can only
// come from early media it heard), and go on after it in the same bridge.
func TestSippEarlyMedia(t *testing.T) {
	callee := startSippUA(t, "uas_early.xml")
	p := startPBX(t, Config{Router: ExtensionRouter(staticLocator{"201": {AOR: "201", Contact: fmt.Sprintf("sip:201@127.0.0.1:%d", callee.port),
		Source: netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", callee.port)), Transport: "udp"}}, nil, 0, nil)})
	callee.listening(t)
	caller := startSippUA(t, "call_early.xml", p.addr.String(), "-s", "201", "-rtp_echo")
	c := <-p.calls

	answeredFirst := false
	waitWithin(t, 10*time.Second, "RTP both ways through the bridge before the 200", func() bool {
		if c.isAnswered() {
			answeredFirst = true
			return true
		}
		s, ok := c.BridgeStats()
		return ok && s.A.Relayed >= 10 && s.B.Relayed >= 10
	})
	if answeredFirst {
		t.Fatal("the call was answered before early media crossed the bridge both ways")
	}
	waitWithin(t, 10*time.Second, "the callee's 200", c.isAnswered)
	s0, _ := c.BridgeStats()
	waitWithin(t, 10*time.Second, "RTP both ways after the 200", func() bool {
		s, ok := c.BridgeStats()
		return ok && s.A.Relayed >= s0.A.Relayed+20 && s.B.Relayed >= s0.B.Relayed+20
	})
	caller.wait(t)
	callee.wait(t)

	log, err := os.ReadFile(caller.msgLog)
	if err != nil {
		t.Fatal(err)
	}
	early, answer := mLine(string(log), "SIP/2.0 183"), mLine(string(log), "SIP/2.0 200 OK")
	if early == "" || early != answer {
		t.Errorf("caller's 183 has %q, its 200 %q: want the same anchored stream", early, answer)
	}
	if e := p.ended(t); e.Outcome != OutcomeAnswered || e.Reason != "caller hung up" {
		t.Errorf("ended event = %+v, want answered, caller hung up", e)
	}
}

// mLine returns the m= line of the first received response with status
// (e.g. "SIP/2.0 183") to the INVITE in a sipp message log.
func mLine(log, status string) string {
	for _, msg := range strings.Split(log, "-----") {
		if !strings.Contains(msg, "message received") || !strings.Contains(msg, status) || !strings.Contains(msg, "CSeq: 1 INVITE") {
			continue
		}
		for _, l := range strings.Split(msg, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "m=") {
				return l
			}
		}
	}
	return ""
}

// sipp calls with a late offer: INVITE without SDP, the answer in its
// ACK, then PCMA RTP that the callee (PCMU, -rtp_echo) sends back.
func TestSippLateOffer(t *testing.T) {
	p, _, _ := sippCallDuring(t, Config{}, "call_late_offer.xml", "uas_answer.xml", func(p *pbx) {
		c := <-p.calls
		waitWithin(t, 10*time.Second, "RTP both ways through the bridge", func() bool {
			s, ok := c.BridgeStats()
			return ok && s.A.Relayed >= 20 && s.B.Relayed >= 20
		})
		c.mu.Lock()
		a, b := c.negA.Codec, c.negB.Codec
		c.mu.Unlock()
		if a != media.CodecPCMA || b != media.CodecPCMU {
			t.Errorf("codecs caller %v callee %v, want PCMA (from the ACK) and PCMU", a, b)
		}
	}, "-rtp_echo")
	if e := p.ended(t); e.Outcome != OutcomeAnswered || e.Reason != "caller hung up" {
		t.Errorf("ended event = %+v, want answered, caller hung up", e)
	}
}
