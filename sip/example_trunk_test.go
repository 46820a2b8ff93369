package sip_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/emiago/sipgo"
	"github.com/telekit/telekit/sip"
)

// A PBX keeps itself registered at an upstream provider. Here the
// "provider" is this package's own Registrar on loopback; in the PBX it
// is the host:port of `pbx trunk add NAME -host HOST:PORT`.
func ExampleNewTrunkRegistration() {
	// The provider: a registrar that knows the trunk's account.
	creds := &sip.MemCredentials{}
	creds.Set("trunkuser", "trunkpass")
	auth, _ := sip.NewDigestAuth(sip.AuthConfig{Realm: "provider.example.com", Credentials: creds})
	reg, _ := sip.NewRegistrar(sip.RegistrarConfig{Auth: auth})
	defer reg.Close()
	providerUA, _ := sipgo.NewUA()
	defer providerUA.Close()
	provider, _ := sipgo.NewServer(providerUA)
	provider.OnRegister(reg.HandleRegister)
	providerConn, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	defer providerConn.Close()
	go provider.ServeUDP(providerConn)

	// The PBX: its sipgo UA (which also serves the phones) and a client
	// on it. In a server, build the client with
	// sipgo.WithClientConnectionAddr(the UDP listen address) so that
	// REGISTERs leave from the socket the provider's calls come to.
	pbxUA, _ := sipgo.NewUA()
	defer pbxUA.Close()
	client, _ := sipgo.NewClient(pbxUA)

	statuses := make(chan sip.TrunkStatus, 16)
	trunk, err := sip.NewTrunkRegistration(client, sip.TrunkConfig{
		Name:     "provider-a",
		Provider: providerConn.LocalAddr().String(),
		Username: "trunkuser",
		Password: "trunkpass",
		Contact:  "127.0.0.1:5060", // where the provider sends calls: the PBX's public address
		Expires:  10 * time.Minute,
		OnStatus: func(s sip.TrunkStatus) { statuses <- s }, // e.g. log it
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := <-statuses // registering
	for s.State == sip.TrunkRegistering {
		s = <-statuses
	}
	if s.State != sip.TrunkRegistered {
		fmt.Println(s.Name, s.State, s.Err) // retrying, or failed on bad credentials
		return
	}
	fmt.Println(s.Name, s.State, s.Code, "for", s.ExpiresAt.Sub(s.RegisteredAt))
	fmt.Println("provider sees", reg.Bindings("trunkuser")[0].Contact)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := trunk.Close(ctx); err != nil { // unregisters
		fmt.Println(err)
	}
	fmt.Println(trunk.Status().State, len(reg.Bindings("trunkuser")), "bindings left")
	// Output:
	// provider-a registered 200 for 10m0s
	// provider sees sip:trunkuser@127.0.0.1:5060
	// closed 0 bindings left
}

// Calls from the provider carry the dialled number (the DID) in the
// Request-URI or the To header, written in many ways; the trunk's DID
// map says which extension rings.
func ExampleDIDRouter() {
	dids, err := sip.NewDIDRouter(map[string]string{
		"+15551234567": "101",
		"+15557654321": "102",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range []string{"+15551234567", "15551234567", "5557654321", "5550000000"} {
		ext, did, ok := dids.Lookup(n)
		fmt.Println(n, "→", ext, did, ok)
	}
	// Output:
	// +15551234567 → 101 +15551234567 true
	// 15551234567 → 101 +15551234567 true
	// 5557654321 → 102 +15557654321 true
	// 5550000000 →   false
}

// Users dial a prefix to go out through a trunk; the prefix is stripped.
func ExamplePickTrunk() {
	routes := []sip.TrunkRoute{
		{Trunk: "provider-a", Prefix: "9"},
		{Trunk: "provider-b", Prefix: "8"},
	}
	fmt.Println(sip.PickTrunk(routes, "9+15551234567"))
	fmt.Println(sip.PickTrunk(routes, "85551234567"))
	fmt.Println(sip.PickTrunk(routes, "101"))
	// Output:
	// provider-a +15551234567 true
	// provider-b 5551234567 true
	//   false
}
