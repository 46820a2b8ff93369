package sip_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/emiago/sipgo"
	"github.com/telekit/telekit/sip"
)

// A registrar with digest authentication and a guessing defence on a
// sipgo server. The application supplies the credentials (here in
// memory; in the PBX, the account store, read on every request).
func ExampleNewRegistrar() {
	creds := &sip.MemCredentials{}
	creds.Set("101", "s3cret")

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	guard, err := sip.NewGuard(sip.GuardConfig{Logger: logger}) // 5 guesses per (source, extension), then 1 min, 2 min, … 1 h
	if err != nil {
		fmt.Println(err)
		return
	}
	auth, err := sip.NewDigestAuth(sip.AuthConfig{
		Realm:       "pbx.example.com",
		Credentials: creds,
		Guard:       guard,
		Logger:      logger,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	reg, err := sip.NewRegistrar(sip.RegistrarConfig{
		Auth:        auth,
		MaxContacts: 3,
		OnChange: func(aor string, bs []sip.Binding) {
			logger.Info("registrations changed", "aor", aor, "devices", len(bs))
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close()

	ua, _ := sipgo.NewUA()
	defer ua.Close()
	srv, _ := sipgo.NewServer(ua)
	srv.OnRegister(reg.HandleRegister)
	srv.OnOptions(reg.HandleOptions)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = srv.ListenAndServe(ctx, "udp", "127.0.0.1:0") // until ctx ends

	// The call layer finds the phones of an extension through Locator.
	var loc sip.Locator = reg
	fmt.Println(len(loc.Lookup("101", time.Now())), "devices registered for 101")
	// Output: 0 devices registered for 101
}

// DigestHA1 is what an account store keeps instead of the SIP password
// (the same as `printf 101:pbx.example.com:s3cret | md5sum`).
func ExampleDigestHA1() {
	fmt.Println(sip.DigestHA1(sip.MD5, "101", "pbx.example.com", "s3cret"))
	fmt.Println(sip.DigestHA1(sip.SHA256, "101", "pbx.example.com", "s3cret")[:16] + "…")
	// Output:
	// ac7294a971415a1ce9f1344a80c00653
	// 48bed528ab878309…
}
