package sip_test

import (
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo"

	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/sip"
)

// registered is a stand-in for the registrar: extension 201 has one phone.
type registered map[string][]sip.Binding

func (r registered) Lookup(aor string, _ time.Time) []sip.Binding { return r[aor] }

// A PBX wires the B2BUA onto a sipgo server: extensions ring their
// registered phones for 20 seconds, and a call nobody answers goes to the
// application's next step (here: 486 if busy, else 480). Media is anchored
// on ports 10000-20000 of the server's address.
func ExampleNewB2BUA() {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("telekit"))
	if err != nil {
		log.Fatal(err)
	}
	defer ua.Close()
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()

	loc := registered{"201": {{AOR: "201", Contact: "sip:201@192.0.2.10:5060", Source: netip.MustParseAddrPort("192.0.2.10:5060")}}}
	pbx, err := sip.NewB2BUA(srv, sip.Config{
		Addr:       addr,
		Router:     sip.ExtensionRouter(loc, func(ext string) bool { return ext == "201" || ext == "202" }, 20*time.Second, nil),
		Next:       sip.DefaultNextStep, // examples/pbx asks its call rules here
		RTPPortMin: 10000, RTPPortMax: 20000,
		Logger: slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	pbx.OnCallEvent(func(e sip.CallEvent) {
		fmt.Println(e.CallID, e.From, "→", e.To, e.State, e.Outcome, e.Reason)
	})
	go srv.ServeUDP(conn) // the registrar's REGISTER handler goes on srv too
	defer pbx.Close()
	fmt.Println("calls in progress:", pbx.Calls())
	// Output:
	// calls in progress: 0
}

// The SDP answer to a phone's offer: the first G.711 codec it lists,
// its telephone-event payload type, and recvonly when it holds the call.
func ExampleLocal_Answer() {
	offer, err := sip.ParseSDP([]byte("v=0\r\no=- 1 2 IN IP4 192.0.2.7\r\ns=-\r\n" +
		"m=audio 40000 RTP/AVP 18 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n" +
		"c=IN IP4 192.0.2.7\r\na=sendonly\r\nt=0 0\r\n")) // c= and t= after m=, as some phones send
	if err != nil {
		fmt.Println(err)
		return
	}
	local := sip.Local{Addr: netip.MustParseAddrPort("203.0.113.5:10000"), Codecs: []media.Codec{media.CodecPCMU, media.CodecPCMA}}
	answer, n, err := local.Answer(offer)
	if err != nil {
		fmt.Println(err) // errors.Is(err, sip.ErrNoCommonCodec): answer 488
		return
	}
	fmt.Println("send", n.Codec, "to", n.Remote, "DTMF PT", n.EventPT, "they", n.Direction)
	fmt.Print(strings.ReplaceAll(string(answer.Marshal()), "\r\n", "\n"))
	// Output:
	// send PCMA to 192.0.2.7:40000 DTMF PT 101 they sendonly
	// v=0
	// o=- 0 0 IN IP4 203.0.113.5
	// s=telekit
	// c=IN IP4 203.0.113.5
	// t=0 0
	// m=audio 10000 RTP/AVP 8 101
	// a=rtpmap:8 PCMA/8000
	// a=rtpmap:101 telephone-event/8000
	// a=fmtp:101 0-16
	// a=recvonly
}
