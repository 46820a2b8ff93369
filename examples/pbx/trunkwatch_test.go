package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
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
	prov := startProvider(t, sipp, filepath.Join("..", "..", "sip", "testdata", "sipp", "provider_register.xml"))
	added := time.Now()
	if out, err := runCLI(t, "trunk", "add", "upstream", "-host", prov.addr, "-user", "trunkuser", "-password", "trunkpass", "-prefix", "9", "-data", data); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	deadline := added.Add(10 * time.Second)
	for prov.registers() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("provider saw %d REGISTERs within 10 s of trunk add, want 3 (challenged, answered, refresh)", prov.registers())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("registered and refreshed %v after trunk add", time.Since(added).Round(10*time.Millisecond))

	st, err := openStore(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.DeleteTrunk(context.Background(), "upstream"); err != nil {
		t.Fatal(err)
	}
	prov.wait(t) // the unregistration ends sipp's scenario
}

// TestTrunkDIDWhileRunning: a trunk with a DID added while the server
// runs takes that DID's calls at once: the provider (sipp) calls the DID
// without credentials, the PBX recognises it by address, rings extension
// 102 (a registered sipp phone) and logs an incoming call.
func TestTrunkDIDWhileRunning(t *testing.T) {
	sipp := interop.LookPath(t, "sipp", "sip-tester")
	data := t.TempDir()
	p := startPBXArgs(t, data, "-rtp-ports", "40000-49999", "-trunk-poll", "200ms")
	uasPort := freePort(t)
	sippRegisterFrom(t, sipp, p.sip, "102", p.demo["102"], uasPort)
	uas := startSippBackground(t, sipp, "uas", filepath.Join("..", "..", "sip", "testdata", "sipp", "uas_answer.xml"),
		"-i", "127.0.0.1", "-p", fmt.Sprint(uasPort), "-m", "1")
	waitUDPBound(t, uasPort)

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

	prov := startSippBackground(t, sipp, "provider", filepath.Join("testdata", "sipp", "trunk_inbound.xml"),
		p.sip, "-s", "15551230000", "-i", "127.0.0.1", "-p", fmt.Sprint(provPort), "-m", "1")
	if err := prov.wait(30 * time.Second); err != nil {
		t.Fatalf("provider (port %d): %v", provPort, err)
	}
	if err := uas.wait(20 * time.Second); err != nil {
		t.Fatalf("callee: %v", err)
	}
	bob := &apiClient{t: t, base: p.http, user: "102", pass: p.demo["102"]}
	bob.do("POST", "/api/v1/password", map[string]string{"old_password": bob.pass, "new_password": "Bob-portal-102"})
	bob.pass = "Bob-portal-102"
	var calls []callView
	waitForCond(t, "the DID call in 102's history", func() bool {
		code, body := bob.do("GET", "/api/v1/calls?view=received", nil)
		calls = nil
		return code == http.StatusOK && json.Unmarshal(body, &calls) == nil && len(calls) == 1
	})
	if c := calls[0]; c.To != "15551230000" || c.Direction != "incoming" {
		t.Errorf("DID call as 102 sees it: %+v", c)
	}
}

// answerRegister waits up to 10 s for a REGISTER on pc and answers it 200
// with an hour's grant, so the trunk sends nothing more there.
func answerRegister(t *testing.T, pc net.PacketConn) {
	t.Helper()
	buf := make([]byte, 65536)
	_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no REGISTER from the trunk within 10 s of trunk add: %v", err)
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
