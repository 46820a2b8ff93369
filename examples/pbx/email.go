package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/telekit/telekit/voicemail"
)

// Email from the PBX: voicemail notices and forwards, sent with
// github.com/wneessen/go-mail to the SMTP server `serve -smtp` names.
//
// What a mailbox gets depends on its Notify settings (FortiVoice's
// notification choices and CommPortal's auto-forwarding):
//
//	email none,      auto-forward off     nothing
//	email simple                          a notice: who called, when, how long
//	email with-audio                      the notice with the message as a WAV attachment
//	auto-forward keep / delete            the notice with the WAV, whatever the email choice;
//	                                      "delete" removes the message once the server took it
//
// A failed email is logged and never loses the message (it stays in the
// mailbox even with auto-forward delete).

// smtpConfig is what `serve` is told about the mail server.
type smtpConfig struct {
	// Addr is the server as host:port; "" sends no email.
	Addr string
	// From is the sender address.
	From string
	// TLS is the TLS policy: "opportunistic" (STARTTLS when offered, the
	// default), "mandatory", or "off" (plain text, for a relay on
	// loopback).
	TLS string
	// Username and Password, when set, authenticate (PLAIN or LOGIN, as
	// the server offers).
	Username, Password string
	// Timeout bounds one email's delivery; zero means 30 s.
	Timeout time.Duration
}

// mailer sends email through one SMTP server. Safe for concurrent use:
// each email is its own SMTP session.
type mailer struct {
	host string
	port int
	from string
	opts []mail.Option
}

// newMailer checks c; it returns nil, nil when no server is configured.
func newMailer(c smtpConfig) (*mailer, error) {
	if c.Addr == "" {
		return nil, nil
	}
	host, p, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("-smtp %q: want host:port: %w", c.Addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("-smtp %q: bad port", c.Addr)
	}
	if c.From == "" {
		return nil, errors.New("-smtp needs -smtp-from, the sender address")
	}
	if err := mail.NewMsg().From(c.From); err != nil {
		return nil, fmt.Errorf("-smtp-from %q: %w", c.From, err)
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(timeout)}
	switch c.TLS {
	case "", "opportunistic":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case "mandatory":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "off":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("-smtp-tls %q: want opportunistic, mandatory or off", c.TLS)
	}
	if c.Username != "" {
		opts = append(opts, mail.WithUsername(c.Username), mail.WithPassword(c.Password),
			mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover))
	}
	return &mailer{host: host, port: port, from: c.From, opts: opts}, nil
}

// checkNotify checks the address of notification settings that send
// email: one or more addresses, separated by commas.
func checkNotify(n voicemail.Notify) error {
	if n.Email == voicemail.EmailNone && n.AutoForward == voicemail.ForwardOff {
		return nil
	}
	if strings.TrimSpace(n.Address) == "" {
		return errors.New("address: email needs an address")
	}
	if _, err := netmail.ParseAddressList(n.Address); err != nil {
		return fmt.Errorf("address %q: %w", n.Address, err)
	}
	return nil
}

// send delivers m.
func (ml *mailer) send(ctx context.Context, m *mail.Msg) error {
	c, err := mail.NewClient(ml.host, ml.opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, m)
}

// arrivalEmail builds the email for a new message; wav returns the
// message's audio as a WAV file, called only when it is attached. It
// returns nil when the mailbox wants no email.
func (ml *mailer) arrivalEmail(a voicemail.Arrival, wav func() ([]byte, error)) (*mail.Msg, error) {
	n := a.Notify
	attach := n.Email == voicemail.EmailWithAudio || n.AutoForward != voicemail.ForwardOff
	if n.Email == voicemail.EmailNone && n.AutoForward == voicemail.ForwardOff {
		return nil, nil
	}
	if strings.TrimSpace(n.Address) == "" {
		return nil, errors.New("the mailbox has no email address")
	}
	msg := a.Message
	m := mail.NewMsg()
	if err := m.From(ml.from); err != nil {
		return nil, err
	}
	var to []string
	for _, addr := range strings.Split(n.Address, ",") {
		if addr = strings.TrimSpace(addr); addr != "" {
			to = append(to, addr)
		}
	}
	if err := m.To(to...); err != nil {
		return nil, fmt.Errorf("email address %q: %w", n.Address, err)
	}
	caller := callerText(msg)
	urgent := ""
	if msg.Urgent {
		urgent = "Urgent "
	}
	m.Subject(fmt.Sprintf("%svoicemail from %s (%s)", urgent, caller, durationText(msg.Duration)))
	m.SetDateWithValue(msg.Received)
	m.SetMessageID()
	var body strings.Builder
	fmt.Fprintf(&body, "You have a new %svoice message in mailbox %s", strings.ToLower(urgent), msg.Mailbox)
	if a.MailboxName != "" {
		fmt.Fprintf(&body, " (%s)", a.MailboxName)
	}
	fmt.Fprintf(&body, ".\n\nFrom:     %s\nReceived: %s\nLength:   %s\n", caller,
		msg.Received.Local().Format("Monday 2 January 2006, 15:04"), durationText(msg.Duration))
	if msg.ForwardedFrom != "" {
		fmt.Fprintf(&body, "Forwarded from mailbox %s\n", msg.ForwardedFrom)
	}
	switch {
	case n.AutoForward == voicemail.ForwardDelete:
		body.WriteString("\nThe message is attached and has been removed from your mailbox.\n")
	case attach:
		body.WriteString("\nThe message is attached. It stays in your mailbox until you delete it.\n")
	default:
		body.WriteString("\nDial *61 from your phone, or open the portal, to listen to it.\n")
	}
	m.SetBodyString(mail.TypeTextPlain, body.String())
	if attach {
		b, err := wav()
		if err != nil {
			return nil, fmt.Errorf("read the message's audio: %w", err)
		}
		m.AttachReadSeeker(fmt.Sprintf("voicemail-%s-%s.wav", msg.Mailbox, msg.Received.UTC().Format("20060102-150405")),
			bytes.NewReader(b), mail.WithFileContentType("audio/wav"))
	}
	return m, nil
}

// sendArrival sends the email for a new message, if the mailbox wants one.
func (ml *mailer) sendArrival(ctx context.Context, a voicemail.Arrival, wav func() ([]byte, error)) error {
	m, err := ml.arrivalEmail(a, wav)
	if err != nil || m == nil {
		return err
	}
	return ml.send(ctx, m)
}

// callerText is the caller as an email shows it.
func callerText(m voicemail.Message) string {
	switch {
	case m.CallerName != "" && m.CallerNumber != "":
		return m.CallerName + " <" + m.CallerNumber + ">"
	case m.CallerNumber != "":
		return m.CallerNumber
	case m.CallerName != "":
		return m.CallerName
	}
	return "an unknown caller"
}

// durationText says a message's length as "1:05".
func durationText(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
