package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPairsFor(t *testing.T) {
	for _, tt := range []struct {
		rate float64
		want int
	}{{1, 1}, {16, 1}, {17, 2}, {28.6, 2}, {100, 7}, {200, 13}} {
		if got := pairsFor(tt.rate); got != tt.want {
			t.Errorf("pairsFor(%g) = %d, want %d", tt.rate, got, tt.want)
		}
	}
}

func TestPairAddr(t *testing.T) {
	if got := pairAddr(150, 0).String(); got != "127.150.1.1" {
		t.Errorf("pair 0: %s", got)
	}
	if got := pairAddr(150, 250).String(); got != "127.150.2.1" {
		t.Errorf("pair 250: %s", got)
	}
}

// TestCallXML: calls without media lose the RTP player and nothing else;
// media calls keep it, playing the plan's recording.
func TestCallXML(t *testing.T) {
	plain := string(callXML(callScenario, callPlan{Mode: "calls", PCAP: "/x.pcap"}))
	if strings.Contains(plain, "play_pcap_audio") || strings.Contains(plain, "<!--RTP_BEGIN-->") {
		t.Error("calls scenario still plays RTP")
	}
	for _, must := range []string{"<pause/>", "BYE [next_url]", `<recv response="407" auth="true"/>`} {
		if !strings.Contains(plain, must) {
			t.Errorf("calls scenario lost %q", must)
		}
	}
	media := string(callXML(callScenario, callPlan{Mode: "media", PCAP: "/x.pcap", Hold: 7 * time.Second}))
	if !strings.Contains(media, `play_pcap_audio="/x.pcap"`) {
		t.Error("media scenario does not play the recording")
	}
	if !strings.Contains(string(uasScenario), "m=audio MEDIA_PORT RTP/AVP 8") {
		t.Error("callee scenario no longer names MEDIA_PORT")
	}
}

func TestCallResultFigures(t *testing.T) {
	r := callResult{Plan: callPlan{Rate: 100, Hold: 2 * time.Second}, CPU: 300 * time.Millisecond,
		PssBefore: 10 << 20, PssPeak: 60 << 20}
	r.Stats.Successful = 1000
	if got := r.PerCall(); got != 300 {
		t.Errorf("PerCall = %v, want 300 µs", got)
	}
	if got := r.PerCallSecond(); got != 150 {
		t.Errorf("PerCallSecond = %v, want 150 µs", got)
	}
	if got := r.MBPerCallRate(); got != 0.5 {
		t.Errorf("MBPerCallRate = %v, want 0.5 MB", got)
	}
}

func TestParsePBX(t *testing.T) {
	got, err := parsePBX("A=/tmp/a, B=/tmp/b")
	if err != nil {
		t.Fatal(err)
	}
	want := []pbxBinary{{"A", "/tmp/a"}, {"B", "/tmp/b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsePBX mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"A", "=x", "A=", "A=x,A=y"} {
		if _, err := parsePBX(bad); err == nil {
			t.Errorf("parsePBX(%q) accepted", bad)
		}
	}
	if got, err := parsePBX(""); err != nil || got != nil {
		t.Errorf("parsePBX(\"\") = %v, %v; want nothing (build this tree's)", got, err)
	}
}
