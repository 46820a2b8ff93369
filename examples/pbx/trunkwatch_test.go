package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/telekit/telekit/internal/interop"
)

// TestTrunkAddedWhileRunning: a trunk added with `pbx trunk add` to a
// running server is registered to its provider (sipp, which verifies our
// digest) within seconds, refreshed, and unregistered when the trunk is
// removed from the store, all without a restart. sipp's scenario fails
// unless it sees exactly challenge, answer, refresh and unregistration.
func TestTrunkAddedWhileRunning(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	startPBXArgs(t, data, "-trunk-poll", "200ms")
	prov, provPort := startSippUAS(t, sipp, "provider", sipScenario("provider_register.xml"), 30*time.Second, "-m", "1")
	added := time.Now()
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort), "-user", "trunkuser", "-password", "trunkpass", "-prefix", "9", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	waitFor(t, "3 REGISTERs at the provider after trunk add (challenged, answered, refresh)", 10*time.Second,
		func() bool { return prov.registers() >= 3 }, func() string { return fmt.Sprintf("%d seen", prov.registers()) })
	t.Logf("registered and refreshed %v after trunk add", time.Since(added).Round(10*time.Millisecond))

	st, err := openStore(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.DeleteTrunk(context.Background(), "upstream"); err != nil {
		t.Fatal(err)
	}
	if err := prov.wait(20 * time.Second); err != nil { // the unregistration ends sipp's scenario
		t.Fatal(err)
	}
}

// TestTrunkDIDWhileRunning: a trunk with a DID added while the server
// runs takes that DID's calls at once: the provider (sipp) calls the DID
// without credentials, the PBX recognises it by address, rings extension
// 102 (a registered sipp phone) and logs an incoming call.
func TestTrunkDIDWhileRunning(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999", "-trunk-poll", "200ms")
	uas := startPhone(t, sipp, p.sip, "102", p.demo["102"], sipScenario("uas_answer.xml"))

	// The provider's address, held by a socket that answers the trunk's
	// REGISTER: its arrival shows the server picked the trunk up.
	reg, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	provPort := reg.LocalAddr().(*net.UDPAddr).Port
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", fmt.Sprintf("127.0.0.1:%d", provPort), "-user", "u", "-password", "p",
		"-did", "+15551230000=102", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	answerRegister(t, reg)
	reg.Close()

	prov := startSippBackground(t, sipp, "provider", sippScenario("trunk_inbound.xml"),
		p.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatalf("provider (port %d): %v", provPort, err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee: %v", err)
	}
	bob := portalUser(t, p, "102")
	if c := waitCalls(t, bob, "received", 1)[0]; c.To != "15551230000" || c.Direction != "incoming" {
		t.Errorf("DID call as 102 sees it: %+v", c)
	}
}

// answerRegister waits up to 10 s (scaled) for a REGISTER on pc and answers it 200
// with an hour's grant, so the trunk sends nothing more there.
func answerRegister(t *testing.T, pc net.PacketConn) {
	t.Helper()
	buf := make([]byte, 65536)
	_ = pc.SetReadDeadline(time.Now().Add(scaled(10 * time.Second)))
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no REGISTER from the trunk within %v of trunk add: %v", scaled(10*time.Second), err)
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "REGISTER ") {
			continue
		}
		var b strings.Builder
		b.WriteString("SIP/2.0 200 OK\r\n")
		head, _, _ := strings.Cut(msg, "\r\n\r\n")
		for _, l := range strings.Split(head, "\r\n")[1:] {
			name, _, _ := strings.Cut(l, ":")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "via", "from", "call-id", "cseq", "contact":
				b.WriteString(l + "\r\n")
			case "to":
				b.WriteString(l + ";tag=prov\r\n")
			}
		}
		b.WriteString("Expires: 3600\r\nContent-Length: 0\r\n\r\n")
		if _, err := pc.WriteTo([]byte(b.String()), from); err != nil {
			t.Fatal(err)
		}
		return
	}
}
