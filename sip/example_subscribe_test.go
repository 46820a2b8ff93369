package sip_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/telekit/telekit/sip"
)

// A PBX's event server: phones subscribe to their mailbox (MWI) and to
// colleagues' busy lamps (BLF); desk phones that never subscribe get
// unsolicited MWI when they register and when their mailbox changes.
// The notifier sends NOTIFYs with a client on the server's own user
// agent, so they leave from the socket the phones talk to.
func ExampleNewNotifier() {
	creds := &sip.MemCredentials{}
	creds.Set("101", "s3cret")
	creds.Set("102", "s3cret2")
	auth, err := sip.NewDigestAuth(sip.AuthConfig{Realm: "pbx.example.com", Credentials: creds})
	if err != nil {
		fmt.Println(err)
		return
	}

	ua, _ := sipgo.NewUA()
	defer ua.Close()
	srv, _ := sipgo.NewServer(ua)
	client, _ := sipgo.NewClient(ua)

	var events *sip.Notifier
	reg, err := sip.NewRegistrar(sip.RegistrarConfig{
		Auth: auth,
		// A phone that registers gets its lamp state at once.
		OnChange: func(aor string, bs []sip.Binding) { events.BindingsChanged(aor, bs) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close()
	events, err = sip.NewNotifier(sip.NotifierConfig{
		Auth:    auth,
		Sender:  sip.ClientSender(client),
		Domain:  "pbx.example.com",
		Locator: reg, // for unsolicited MWI when counts change
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer events.Close()
	srv.OnRegister(reg.HandleRegister)
	srv.OnSubscribe(events.HandleSubscribe)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = srv.ListenAndServe(ctx, "udp", "127.0.0.1:0") // until ctx ends

	// Voicemail reports a new message for 101: its lamp lights.
	if err := events.SetMailbox("101", sip.MWICounts{New: 1, Old: 3}); err != nil {
		fmt.Println(err)
	}
	// The call layer reports 102 talking to 101: BLF keys on 102 turn red.
	err = events.SetDialogState("102", []sip.DialogState{{
		ID: "call-7", Direction: sip.Recipient, Phase: sip.DialogConfirmed,
		Remote: sip.Identity{URI: "sip:101@pbx.example.com", Display: "Alice"},
	}})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(events.Mailbox("101").Waiting())
	// Output: true
}

// The message-summary body a phone's lamp reads (RFC 3842).
func ExampleVoiceSummary() {
	body, err := sip.VoiceSummary("sip:101@pbx.example.com", sip.MWICounts{New: 2, Old: 8, UrgentNew: 1}).Format()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(body), "\r\n", "\n")) // lines end in CRLF
	s, _ := sip.ParseMessageSummary(body)
	fmt.Println(s.Waiting, s.Voice().New)
	// Output:
	// Messages-Waiting: yes
	// Message-Account: sip:101@pbx.example.com
	// Voice-Message: 2/8 (1/0)
	// true 2
}

// The dialog-info document a BLF key reads (RFC 4235).
func ExampleDialogInfo_Format() {
	doc, err := sip.DialogInfo{Version: 1, Full: true, Entity: "sip:102@pbx.example.com", Dialogs: []sip.DialogState{{
		ID: "call-7", Direction: sip.Initiator, Phase: sip.DialogEarly,
		Remote: sip.Identity{URI: "sip:103@pbx.example.com"},
	}}}.Format()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(doc))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:102@pbx.example.com">
	//   <dialog id="call-7" direction="initiator">
	//     <state>early</state>
	//     <remote>
	//       <identity>sip:103@pbx.example.com</identity>
	//     </remote>
	//   </dialog>
	// </dialog-info>
}
