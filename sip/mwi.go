package sip

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// EventMessageSummary is the event package of message-waiting
// indication (RFC 3842): a phone subscribes to it to light its message
// lamp.
const EventMessageSummary = "message-summary"

// ContentTypeMessageSummary is the media type of a message-summary body.
const ContentTypeMessageSummary = "application/simple-message-summary"

// MWICounts is how many messages a mailbox holds: New and Old count all
// messages, urgent ones included, so UrgentNew <= New and UrgentOld <=
// Old (RFC 3842 section 5.2: "2/8 (0/2)" is 2 new of which 0 urgent, 8
// old of which 2 urgent). No field may be negative.
type MWICounts struct {
	New, Old, UrgentNew, UrgentOld int
}

// Waiting reports whether the lamp should be lit: there are new messages.
func (c MWICounts) Waiting() bool { return c.New > 0 || c.UrgentNew > 0 }

func (c MWICounts) validate() error {
	if c.New < 0 || c.Old < 0 || c.UrgentNew < 0 || c.UrgentOld < 0 {
		return errors.New("negative message count")
	}
	if c.New > maxMsgCount || c.Old > maxMsgCount || c.UrgentNew > maxMsgCount || c.UrgentOld > maxMsgCount {
		return errors.New("message count too large")
	}
	return nil
}

// maxMsgCount bounds counts so that every platform's int holds them.
const maxMsgCount = 1<<31 - 1

// ClassCounts is one message-summary line: the counts of one message
// context class (RFC 3458), such as "Voice-Message".
type ClassCounts struct {
	// Class is the message context class, in the canonical spelling for
	// the classes RFC 3842 names (Voice-Message, Fax-Message,
	// Pager-Message, Multimedia-Message, Text-Message, None) and as
	// written for extension classes.
	Class string
	MWICounts
}

// MessageSummary is an application/simple-message-summary body (RFC 3842
// section 5).
type MessageSummary struct {
	// Waiting is the Messages-Waiting line: yes or no.
	Waiting bool
	// Account is the Message-Account URI, e.g. "sip:101@pbx.example";
	// empty when absent.
	Account string
	// Classes are the summary lines in the order they appear.
	Classes []ClassCounts
}

// Voice returns the counts of the Voice-Message line, zero if absent.
func (s MessageSummary) Voice() MWICounts {
	for _, c := range s.Classes {
		if c.Class == "Voice-Message" {
			return c.MWICounts
		}
	}
	return MWICounts{}
}

// VoiceSummary returns the summary a PBX sends for a voice mailbox with
// counts: Messages-Waiting from counts.Waiting, account as the
// Message-Account, and one Voice-Message line.
func VoiceSummary(account string, counts MWICounts) MessageSummary {
	return MessageSummary{
		Waiting: counts.Waiting(),
		Account: account,
		Classes: []ClassCounts{{Class: "Voice-Message", MWICounts: counts}},
	}
}

var knownClasses = []string{"Voice-Message", "Fax-Message", "Pager-Message", "Multimedia-Message", "Text-Message", "None"}

// canonicalClass returns the canonical spelling of a known class name.
func canonicalClass(name string) string {
	for _, k := range knownClasses {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// Format returns the body for s with CRLF line ends, or an error when a
// count is negative or a class or account would not survive a round trip
// (not a token, or containing a line break).
func (s MessageSummary) Format() ([]byte, error) {
	var b bytes.Buffer
	yes := "no"
	if s.Waiting {
		yes = "yes"
	}
	b.WriteString("Messages-Waiting: " + yes + "\r\n")
	if s.Account != "" {
		if strings.ContainsAny(s.Account, "\r\n") || strings.TrimSpace(s.Account) != s.Account {
			return nil, errors.New("sip: message-summary: bad Message-Account")
		}
		b.WriteString("Message-Account: " + s.Account + "\r\n")
	}
	for _, c := range s.Classes {
		if c.Class == "" || !isToken(c.Class) || isSummaryHeader(c.Class) {
			return nil, fmt.Errorf("sip: message-summary: bad class %q", c.Class)
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("sip: message-summary: %s: %w", c.Class, err)
		}
		fmt.Fprintf(&b, "%s: %d/%d", canonicalClass(c.Class), c.New, c.Old)
		if c.UrgentNew != 0 || c.UrgentOld != 0 {
			fmt.Fprintf(&b, " (%d/%d)", c.UrgentNew, c.UrgentOld)
		}
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

func isSummaryHeader(name string) bool {
	return strings.EqualFold(name, "Messages-Waiting") || strings.EqualFold(name, "Message-Account")
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}

// maxSummaryBody bounds what ParseMessageSummary reads, in bytes.
const maxSummaryBody = 64 << 10

// ParseMessageSummary parses an application/simple-message-summary body.
// Header names are case-insensitive and lines may end in CRLF or LF. The
// Messages-Waiting line is required; a line with a class name and counts
// ("Voice-Message: 2/8 (0/2)") is a summary line; other lines, and the
// optional message headers after the first blank line, are ignored as RFC
// 3842 allows extensions. A malformed count is an error.
func ParseMessageSummary(body []byte) (MessageSummary, error) {
	var s MessageSummary
	if len(body) > maxSummaryBody {
		return s, errors.New("sip: message-summary: body too large")
	}
	sawStatus := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 1024), maxSummaryBody+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if sawStatus {
				break // message headers follow
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return MessageSummary{}, fmt.Errorf("sip: message-summary: line %d: no colon", n)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Messages-Waiting"):
			switch strings.ToLower(value) {
			case "yes":
				s.Waiting = true
			case "no":
				s.Waiting = false
			default:
				return MessageSummary{}, fmt.Errorf("sip: message-summary: line %d: Messages-Waiting %q is not yes or no", n, clip(value))
			}
			sawStatus = true
		case strings.EqualFold(name, "Message-Account"):
			s.Account = value
		case isToken(name) && looksLikeCounts(value):
			c, err := parseCounts(value)
			if err != nil {
				return MessageSummary{}, fmt.Errorf("sip: message-summary: line %d: %s: %w", n, clip(name), err)
			}
			s.Classes = append(s.Classes, ClassCounts{Class: canonicalClass(name), MWICounts: c})
		}
	}
	if err := sc.Err(); err != nil {
		return MessageSummary{}, fmt.Errorf("sip: message-summary: %w", err)
	}
	if !sawStatus {
		return MessageSummary{}, errors.New("sip: message-summary: no Messages-Waiting line")
	}
	return s, nil
}

// looksLikeCounts reports whether v starts like "N/M": a summary line.
func looksLikeCounts(v string) bool {
	i := strings.IndexByte(v, '/')
	if i <= 0 {
		return false
	}
	return strings.Trim(strings.TrimSpace(v[:i]), "0123456789") == ""
}

// parseCounts parses "new/old" with an optional " (urgent-new/urgent-old)".
func parseCounts(v string) (MWICounts, error) {
	var c MWICounts
	main, urgent, hasUrgent := strings.Cut(v, "(")
	var err error
	if c.New, c.Old, err = parsePair(main); err != nil {
		return c, err
	}
	if hasUrgent {
		inner, rest, ok := strings.Cut(urgent, ")")
		if !ok || strings.TrimSpace(rest) != "" {
			return c, errors.New("unbalanced parenthesis")
		}
		if c.UrgentNew, c.UrgentOld, err = parsePair(inner); err != nil {
			return c, fmt.Errorf("urgent: %w", err)
		}
	}
	return c, nil
}

func parsePair(s string) (a, b int, err error) {
	l, r, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, errors.New("want new/old")
	}
	if a, err = parseCount(l); err != nil {
		return 0, 0, err
	}
	if b, err = parseCount(r); err != nil {
		return 0, 0, err
	}
	return a, b, nil
}

func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("count %q is not a number", clip(s))
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, fmt.Errorf("count %q too large", clip(s))
	}
	return int(n), nil
}

// unsolicitedTarget is a registered device with an unsolicited NOTIFY
// pending or in flight. Fields are guarded by Notifier.mu.
type unsolicitedTarget struct {
	b     Binding
	delay time.Duration
	dirty bool
}

// sendUnsolicited sends b an out-of-dialog message-summary NOTIFY with
// its mailbox's counts after delay, unless b holds a message-summary
// subscription (a subscription from the same source address), or one is
// already under way (then the latest counts go out when it ends). Called
// with n.mu held.
func (n *Notifier) sendUnsolicited(b Binding, delay time.Duration) {
	if n.closed {
		return
	}
	for _, s := range n.subs {
		if s.event == EventMessageSummary && s.resource == b.AOR && s.source == b.Source && s.reason == "" {
			return
		}
	}
	key := b.AOR + "\x00" + b.Contact
	if t := n.unsolicited[key]; t != nil {
		t.b, t.dirty = b, true
		return
	}
	t := &unsolicitedTarget{b: b, delay: delay}
	n.unsolicited[key] = t
	n.wg.Add(1)
	go n.sendUnsolicitedLoop(key, t)
}

func (n *Notifier) sendUnsolicitedLoop(key string, t *unsolicitedTarget) {
	defer n.wg.Done()
	if t.delay > 0 {
		timer := time.NewTimer(t.delay)
		select {
		case <-n.ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
	}
	for {
		n.mu.Lock()
		if n.closed {
			delete(n.unsolicited, key)
			n.mu.Unlock()
			return
		}
		t.dirty = false
		b, counts := t.b, n.mailboxes[t.b.AOR]
		n.mu.Unlock()
		req, err := n.unsolicitedNotify(b, counts)
		if err == nil {
			ctx, cancel := context.WithTimeout(n.ctx, n.cfg.NotifyTimeout)
			var res *gosip.Response
			res, err = n.cfg.Sender.Send(ctx, req)
			cancel()
			if err == nil && !res.IsSuccess() {
				err = fmt.Errorf("answered %d", res.StatusCode)
			}
		}
		if err != nil {
			n.log.Info("sip unsolicited notify failed", "aor", b.AOR, "contact", b.Contact, "error", err)
		}
		n.mu.Lock()
		if !t.dirty {
			delete(n.unsolicited, key)
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()
	}
}

// unsolicitedNotify builds the out-of-dialog NOTIFY for device b: to its
// Contact, sent to the address it registered from, From and To the
// extension's address of record.
func (n *Notifier) unsolicitedNotify(b Binding, counts MWICounts) (*gosip.Request, error) {
	var target gosip.Uri
	if err := gosip.ParseUri(b.Contact, &target); err != nil {
		return nil, fmt.Errorf("contact %q: %w", b.Contact, err)
	}
	var aor gosip.Uri
	if err := gosip.ParseUri(n.aorURI(b.AOR), &aor); err != nil {
		return nil, fmt.Errorf("aor %q: %w", b.AOR, err)
	}
	body, err := VoiceSummary(aor.String(), counts).Format()
	if err != nil {
		return nil, err
	}
	req := gosip.NewRequest(gosip.NOTIFY, target)
	from := &gosip.FromHeader{Address: aor}
	from.Params.Add("tag", gosip.GenerateTagN(16))
	to := &gosip.ToHeader{Address: *aor.Clone()}
	callID := gosip.CallIDHeader(gosip.GenerateTagN(24) + "@" + n.cfg.Domain)
	maxFwd := gosip.MaxForwardsHeader(70)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.NOTIFY})
	req.AppendHeader(&maxFwd)
	if n.cfg.Contact != "" {
		req.AppendHeader(gosip.NewHeader("Contact", "<"+n.cfg.Contact+">"))
	}
	req.AppendHeader(gosip.NewHeader("Event", EventMessageSummary))
	req.AppendHeader(gosip.NewHeader("Subscription-State", "active"))
	req.AppendHeader(gosip.NewHeader("Content-Type", ContentTypeMessageSummary))
	req.SetBody(body)
	if b.Transport != "" {
		req.SetTransport(strings.ToUpper(b.Transport))
	}
	if b.Source.IsValid() {
		req.SetDestination(b.Source.String())
	}
	return req, nil
}
