package main

import (
	"net"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

func TestDigestParams(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{`Digest username="20000", realm="telekit", nonce="a.b", uri="sip:x", response="r", qop=auth, nc=00000001, cnonce="c,d"`,
			map[string]string{"username": "20000", "realm": "telekit", "nonce": "a.b", "uri": "sip:x", "response": "r", "qop": "auth", "nc": "00000001", "cnonce": "c,d"}},
		{`Digest`, map[string]string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, digestParams(tt.in)); diff != "" {
			t.Errorf("digestParams(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestFloorAuthorized: the floor accepts the load's password on its own
// nonce and refuses a wrong password or a forged nonce.
func TestFloorAuthorized(t *testing.T) {
	f, err := newFloor(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060})
	if err != nil {
		t.Fatal(err)
	}
	defer f.ua.Close()
	nonce := f.nonce(1 << 40) // far future: fresh
	sign := func(password, nonce string) *sip.Request {
		req := sip.NewRequest(sip.REGISTER, sip.Uri{Host: "127.0.0.1"})
		ha1 := md5hex("20000:" + realm + ":" + password)
		resp := md5hex(ha1 + ":" + nonce + ":00000001:cn:auth:" + md5hex("REGISTER:sip:127.0.0.1"))
		req.AppendHeader(sip.NewHeader("Authorization", `Digest username="20000", realm="telekit", nonce="`+nonce+
			`", uri="sip:127.0.0.1", response="`+resp+`", qop=auth, nc=00000001, cnonce="cn"`))
		return req
	}
	tests := []struct {
		name string
		req  *sip.Request
		want bool
	}{
		{"right", sign("lt-20000-secret", nonce), true},
		{"wrong password", sign("guess", nonce), false},
		{"forged nonce", sign("lt-20000-secret", "10000000000.00"), false},
	}
	for _, tt := range tests {
		if _, got := f.authorized(tt.req, "Authorization"); got != tt.want {
			t.Errorf("%s: authorized %v, want %v", tt.name, got, tt.want)
		}
	}
}
