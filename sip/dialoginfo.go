package sip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// EventDialog is the dialog event package (RFC 4235): desk phones
// subscribe to it for their busy-lamp-field (BLF) keys.
const EventDialog = "dialog"

// ContentTypeDialogInfo is the media type of a dialog event body.
const ContentTypeDialogInfo = "application/dialog-info+xml"

// DialogPhase is where a dialog is in RFC 4235's state machine (section
// 3.7.1). The zero value is DialogPhaseUnknown.
type DialogPhase uint8

const (
	// DialogPhaseUnknown is the zero value: no phase set.
	DialogPhaseUnknown DialogPhase = iota
	// DialogTrying: a request was sent or received, no response yet.
	DialogTrying
	// DialogProceeding: a provisional response without a tag.
	DialogProceeding
	// DialogEarly: ringing (a provisional response with a tag).
	DialogEarly
	// DialogConfirmed: answered, the call is up.
	DialogConfirmed
	// DialogTerminated: the call ended or failed.
	DialogTerminated
)

var dialogPhaseNames = [...]string{"", "trying", "proceeding", "early", "confirmed", "terminated"}

// String returns the phase's RFC 4235 name ("confirmed"), or "unknown".
func (p DialogPhase) String() string {
	if p == DialogPhaseUnknown || int(p) >= len(dialogPhaseNames) {
		return "unknown"
	}
	return dialogPhaseNames[p]
}

// ParseDialogPhase returns the phase named s (case-insensitive).
func ParseDialogPhase(s string) (DialogPhase, error) {
	for i, n := range dialogPhaseNames {
		if i > 0 && strings.EqualFold(n, strings.TrimSpace(s)) {
			return DialogPhase(i), nil
		}
	}
	return DialogPhaseUnknown, fmt.Errorf("sip: unknown dialog state %q", clip(s))
}

// DialogDirection says which side started a call, seen from the extension the
// dialog state belongs to. The zero value is DialogDirectionUnknown (no
// direction attribute).
type DialogDirection uint8

const (
	// DialogDirectionUnknown leaves the direction out.
	DialogDirectionUnknown DialogDirection = iota
	// Initiator: the extension placed the call.
	Initiator
	// Recipient: the extension is being called.
	Recipient
)

// String returns "initiator", "recipient" or "unknown".
func (d DialogDirection) String() string {
	switch d {
	case Initiator:
		return "initiator"
	case Recipient:
		return "recipient"
	}
	return "unknown"
}

// Identity is a party of a dialog: its URI and optional display name.
type Identity struct {
	URI     string
	Display string
}

// DialogState is one call of an extension as busy lamps see it: one
// <dialog> element of a dialog-info document.
type DialogState struct {
	// ID identifies the dialog within the extension's document; it must
	// be unique among the extension's dialogs and stay the same while
	// the call lasts. Required.
	ID string
	// CallID, LocalTag and RemoteTag identify the SIP dialog; phones use
	// them for directed call pickup. Optional.
	CallID, LocalTag, RemoteTag string
	// Direction is who placed the call.
	Direction DialogDirection
	// Phase is the dialog's state. Required.
	Phase DialogPhase
	// Local is the extension's side, Remote the other party (shown by
	// phones on the BLF key). Optional.
	Local, Remote Identity
}

// DialogInfo is an application/dialog-info+xml document (RFC 4235).
type DialogInfo struct {
	// Version counts the documents sent on one subscription, from 0.
	Version uint32
	// Full is true for state="full" (the whole state), false for
	// "partial". Notifier always sends full documents.
	Full bool
	// Entity is the URI of the watched extension.
	Entity string
	// Dialogs are the extension's calls, in order.
	Dialogs []DialogState
}

type xmlDialogInfo struct {
	XMLName xml.Name    `xml:"urn:ietf:params:xml:ns:dialog-info dialog-info"` // RFC 4235's namespace
	Version string      `xml:"version,attr"`
	State   string      `xml:"state,attr"`
	Entity  string      `xml:"entity,attr"`
	Dialogs []xmlDialog `xml:"dialog"`
}

type xmlDialog struct {
	ID        string          `xml:"id,attr"`
	CallID    string          `xml:"call-id,attr,omitempty"`
	LocalTag  string          `xml:"local-tag,attr,omitempty"`
	RemoteTag string          `xml:"remote-tag,attr,omitempty"`
	Direction string          `xml:"direction,attr,omitempty"`
	State     string          `xml:"state"`
	Local     *xmlParticipant `xml:"local,omitempty"`
	Remote    *xmlParticipant `xml:"remote,omitempty"`
}

type xmlParticipant struct {
	Identity *xmlIdentity `xml:"identity,omitempty"`
}

type xmlIdentity struct {
	Display string `xml:"display,attr,omitempty"`
	URI     string `xml:",chardata"`
}

func participant(id Identity) *xmlParticipant {
	if id == (Identity{}) {
		return nil
	}
	return &xmlParticipant{Identity: &xmlIdentity{Display: id.Display, URI: id.URI}}
}

func identityOf(p *xmlParticipant) Identity {
	if p == nil || p.Identity == nil {
		return Identity{}
	}
	return Identity{URI: strings.TrimSpace(p.Identity.URI), Display: p.Identity.Display}
}

// Format returns the XML document for d, or an error when a dialog has
// no ID or no phase, or a text would not survive a round trip (leading
// or trailing space in a URI, characters XML cannot carry).
func (d DialogInfo) Format() ([]byte, error) {
	x := xmlDialogInfo{Version: strconv.FormatUint(uint64(d.Version), 10), State: "partial", Entity: d.Entity}
	if d.Full {
		x.State = "full"
	}
	texts := []string{d.Entity}
	for i, dl := range d.Dialogs {
		if dl.ID == "" {
			return nil, fmt.Errorf("sip: dialog-info: dialog %d has no ID", i)
		}
		if dl.Phase == DialogPhaseUnknown || int(dl.Phase) >= len(dialogPhaseNames) {
			return nil, fmt.Errorf("sip: dialog-info: dialog %q has no state", dl.ID)
		}
		xd := xmlDialog{
			ID: dl.ID, CallID: dl.CallID, LocalTag: dl.LocalTag, RemoteTag: dl.RemoteTag,
			State: dl.Phase.String(), Local: participant(dl.Local), Remote: participant(dl.Remote),
		}
		if dl.Direction != DialogDirectionUnknown {
			xd.Direction = dl.Direction.String()
		}
		for _, u := range []string{dl.Local.URI, dl.Remote.URI} {
			if strings.TrimSpace(u) != u {
				return nil, fmt.Errorf("sip: dialog-info: dialog %q: URI %q has surrounding space", dl.ID, u)
			}
		}
		texts = append(texts, dl.ID, dl.CallID, dl.LocalTag, dl.RemoteTag, dl.Local.URI, dl.Local.Display, dl.Remote.URI, dl.Remote.Display)
		x.Dialogs = append(x.Dialogs, xd)
	}
	for _, s := range texts {
		if !xmlSafe(s) {
			return nil, fmt.Errorf("sip: dialog-info: text %q cannot be carried in XML", clip(s))
		}
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, fmt.Errorf("sip: dialog-info: %w", err)
	}
	b.WriteString("\n")
	return b.Bytes(), nil
}

// xmlSafe reports whether s is valid UTF-8 made only of characters XML
// 1.0 allows, and no carriage returns (which XML parsers normalise).
func xmlSafe(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n':
		case r == '\r' || r < 0x20 || r == 0xFFFD || r == 0xFFFE || r == 0xFFFF:
			return false
		case r >= 0xD800 && r <= 0xDFFF:
			return false
		}
	}
	return true
}

// maxDialogInfoBody bounds what ParseDialogInfo reads, in bytes.
const maxDialogInfoBody = 256 << 10

// ParseDialogInfo parses an application/dialog-info+xml document. It
// requires the RFC 4235 namespace, a numeric version and state "full" or
// "partial"; each dialog needs an id and a known state. Elements it does
// not know (target, duration, local and remote extensions) are ignored.
func ParseDialogInfo(body []byte) (DialogInfo, error) {
	if len(body) > maxDialogInfoBody {
		return DialogInfo{}, errors.New("sip: dialog-info: body too large")
	}
	var x xmlDialogInfo
	if err := xml.Unmarshal(body, &x); err != nil {
		return DialogInfo{}, fmt.Errorf("sip: dialog-info: %w", err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(x.Version), 10, 32)
	if err != nil {
		return DialogInfo{}, fmt.Errorf("sip: dialog-info: version %q is not a number", clip(x.Version))
	}
	d := DialogInfo{Version: uint32(v), Entity: x.Entity}
	switch x.State {
	case "full":
		d.Full = true
	case "partial":
	default:
		return DialogInfo{}, fmt.Errorf("sip: dialog-info: state %q is not full or partial", clip(x.State))
	}
	for _, xd := range x.Dialogs {
		if xd.ID == "" {
			return DialogInfo{}, errors.New("sip: dialog-info: dialog without id")
		}
		ph, err := ParseDialogPhase(xd.State)
		if err != nil {
			return DialogInfo{}, fmt.Errorf("sip: dialog-info: dialog %q: %w", clip(xd.ID), err)
		}
		dl := DialogState{
			ID: xd.ID, CallID: xd.CallID, LocalTag: xd.LocalTag, RemoteTag: xd.RemoteTag,
			Phase: ph, Local: identityOf(xd.Local), Remote: identityOf(xd.Remote),
		}
		switch xd.Direction {
		case "initiator":
			dl.Direction = Initiator
		case "recipient":
			dl.Direction = Recipient
		case "":
		default:
			return DialogInfo{}, fmt.Errorf("sip: dialog-info: dialog %q: direction %q", clip(xd.ID), clip(xd.Direction))
		}
		d.Dialogs = append(d.Dialogs, dl)
	}
	return d, nil
}
