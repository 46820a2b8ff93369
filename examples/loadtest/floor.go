package main

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The floor is a minimal B2BUA written directly on sipgo, run as
// `loadtest serve -sip ADDR …` (the PBX's command line, so -pbx
// floor=PATH-OF-LOADTEST measures it like a PBX build). It does the
// signalling the load's calls need and nothing else: REGISTER with an
// MD5 qop=auth digest challenge (HMAC-timed nonces, HA1s derived from the
// load's passwords and kept in memory) into an in-memory location map,
// INVITE with a 407 challenge, a second INVITE leg to the registered
// callee through sipgo's dialog caches, 180 and 200 relayed, ACK, BYE
// from either side relayed. It anchors no media (the SDP's port is
// rewritten into the PBX's range so the scenarios' checks pass, no socket
// is opened), writes no call log, keeps no busy lamps, counts no failures,
// checks no nonce-count replays and sends no MWI. Its CPU per call is
// what sipgo and the Go runtime cost for the same datagrams: the floor
// under which our own layer cannot go without changing the message path.

// runFloor serves the floor B2BUA until ctx ends. args are `pbx serve`'s
// flags; only -sip is used, the others are accepted and ignored.
func runFloor(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("sip", "127.0.0.1:0", "SIP UDP address")
	for _, name := range []string{"data", "http", "rtp-ports", "log", "flood-limit", "gogc"} {
		fs.String(name, "", "ignored (the PBX's flag)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp", *addr)
	if err != nil {
		return err
	}
	local := pc.LocalAddr().(*net.UDPAddr)
	f, err := newFloor(local)
	if err != nil {
		pc.Close()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- f.srv.ServeUDP(pc) }()
	fmt.Fprintf(stdout, "telekit ready sip=%s http=127.0.0.1:0\n", local)
	select {
	case <-ctx.Done():
		pc.Close()
		f.ua.Close()
		return nil
	case err := <-errc:
		f.ua.Close()
		return err
	}
}

// floor is the minimal B2BUA's state.
type floor struct {
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	in   *sipgo.DialogServerCache
	out  *sipgo.DialogClientCache
	key  [32]byte
	port atomic.Uint32 // the next fake RTP port

	mu  sync.Mutex
	loc map[string]sip.Uri // extension → registered contact
	ha1 map[string]string  // extension → MD5 HA1
}

func newFloor(local *net.UDPAddr) (*floor, error) {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("floor"))
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		return nil, err
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientAddr(local.String()), sipgo.WithClientLogger(quiet))
	if err != nil {
		return nil, err
	}
	contact := sip.ContactHeader{Address: sip.Uri{Host: local.IP.String(), Port: local.Port}}
	f := &floor{ua: ua, srv: srv,
		in:  sipgo.NewDialogServerCache(cli, contact),
		out: sipgo.NewDialogClientCache(cli, contact),
		loc: map[string]sip.Uri{}, ha1: map[string]string{}}
	if _, err := rand.Read(f.key[:]); err != nil {
		return nil, err
	}
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	srv.OnRegister(f.register)
	srv.OnInvite(f.invite)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { f.in.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := f.in.ReadBye(req, tx); err == nil {
			return
		}
		if err := f.out.ReadBye(req, tx); err == nil {
			return
		}
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	})
	return f, nil
}

// register serves REGISTER: 401, then the contact stored on a good digest.
func (f *floor) register(req *sip.Request, tx sip.ServerTransaction) {
	user, ok := f.authorized(req, "Authorization")
	if !ok {
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", f.challenge()))
		tx.Respond(res)
		return
	}
	c := req.Contact()
	if c == nil {
		tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	f.mu.Lock()
	f.loc[user] = c.Address
	f.mu.Unlock()
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(c.Clone())
	res.AppendHeader(sip.NewHeader("Expires", "3600"))
	tx.Respond(res)
}

// invite serves a call: 407, then the second leg to the registered callee.
// It blocks (on sipgo's handler goroutine) until the call ends.
func (f *floor) invite(req *sip.Request, tx sip.ServerTransaction) {
	caller, ok := f.authorized(req, "Proxy-Authorization")
	if !ok {
		res := sip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
		res.AppendHeader(sip.NewHeader("Proxy-Authenticate", f.challenge()))
		tx.Respond(res)
		return
	}
	f.mu.Lock()
	target, ok := f.loc[req.Recipient.User]
	f.mu.Unlock()
	if !ok {
		tx.Respond(sip.NewResponseFromRequest(req, 480, "Temporarily Unavailable", nil))
		return
	}
	in, err := f.in.ReadInvite(req, tx)
	if err != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
		return
	}
	defer in.Close()
	in.Respond(100, "Trying", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	leg := sip.NewRequest(sip.INVITE, target)
	leg.SetBody(f.anchor(req.Body()))
	from := &sip.FromHeader{Address: sip.Uri{User: caller, Host: target.Host}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	leg.AppendHeader(from)
	leg.AppendHeader(&sip.ToHeader{Address: target, Params: sip.NewParams()})
	leg.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	out, err := f.out.WriteInvite(ctx, leg)
	if err != nil {
		in.Respond(503, "Service Unavailable", nil)
		return
	}
	defer out.Close()
	err = out.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		if res.StatusCode == 180 {
			in.Respond(180, "Ringing", nil)
		}
		return nil
	}})
	var de *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &de):
		in.Respond(de.Res.StatusCode, de.Res.Reason, nil)
		return
	case err != nil:
		in.Respond(480, "Temporarily Unavailable", nil)
		return
	}
	if err := out.Ack(ctx); err != nil {
		return
	}
	if err := in.RespondSDP(f.anchor(out.InviteResponse.Body())); err != nil {
		out.Bye(ctx)
		return
	}
	// The call is up until either side says BYE.
	select {
	case <-in.Context().Done():
		bye, cancel := context.WithTimeout(context.Background(), 32*time.Second)
		out.Bye(bye)
		cancel()
	case <-out.Context().Done():
		bye, cancel := context.WithTimeout(context.Background(), 32*time.Second)
		in.Bye(bye)
		cancel()
	}
}

// mLine is the SDP audio line whose port the floor rewrites.
var mLine = regexp.MustCompile(`m=audio [0-9]+ `)

// anchor returns sdp with its audio port replaced by a fake one in the
// PBX's range (10000-19999), as an anchoring B2BUA would send, without
// opening a socket.
func (f *floor) anchor(sdp []byte) []byte {
	p := 10000 + 2*(f.port.Add(1)%5000)
	return mLine.ReplaceAll(sdp, []byte("m=audio "+strconv.Itoa(int(p))+" "))
}

// challenge returns a Digest challenge with a nonce bound to now by HMAC.
func (f *floor) challenge() string {
	return `Digest realm="` + realm + `", nonce="` + f.nonce(time.Now().Unix()) + `", qop="auth", algorithm=MD5`
}

func (f *floor) nonce(ts int64) string {
	t := strconv.FormatInt(ts, 16)
	m := hmac.New(sha256.New, f.key[:])
	m.Write([]byte(t))
	return t + "." + hex.EncodeToString(m.Sum(nil)[:12])
}

// authorized checks the request's credentials in header h and returns the
// user name when they are right and the nonce is the floor's and fresh.
func (f *floor) authorized(req *sip.Request, h string) (string, bool) {
	hdr := req.GetHeader(h)
	if hdr == nil {
		return "", false
	}
	p := digestParams(hdr.Value())
	t, _, _ := strings.Cut(p["nonce"], ".")
	ts, err := strconv.ParseInt(t, 16, 64)
	if err != nil || p["nonce"] != f.nonce(ts) || time.Since(time.Unix(ts, 0)) > 5*time.Minute {
		return "", false
	}
	user := p["username"]
	f.mu.Lock()
	ha1, ok := f.ha1[user]
	if !ok {
		ha1 = md5hex(user + ":" + realm + ":lt-" + user + "-secret")
		f.ha1[user] = ha1
	}
	f.mu.Unlock()
	ha2 := md5hex(req.Method.String() + ":" + p["uri"])
	want := md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
	return user, hmac.Equal([]byte(want), []byte(p["response"]))
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// digestParams splits `Digest a="b", c=d` into its parameters.
func digestParams(v string) map[string]string {
	_, v, _ = strings.Cut(v, " ")
	p := map[string]string{}
	for v != "" {
		var kv string
		kv, v = cutParam(v)
		k, val, _ := strings.Cut(kv, "=")
		p[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
	}
	return p
}

// cutParam returns the text up to the first comma outside quotes and the rest.
func cutParam(v string) (string, string) {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				return v[:i], v[i+1:]
			}
		}
	}
	return v, ""
}
