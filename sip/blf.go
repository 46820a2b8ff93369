package sip

import (
	"fmt"
	"slices"
)

// Busy-lamp state: the calls of each extension that dialog (RFC 4235)
// subscribers see, kept by the Notifier.

// watchKey names what a subscription watches.
type watchKey struct{ event, resource string }

// SetDialogState replaces the calls of ext that busy lamps show with
// dialogs (an empty slice: ext is idle) and sends a dialog NOTIFY to
// every subscriber of ext. Every NOTIFY carries the full state, so a call
// that ended may be reported as terminated or simply left out. It returns
// at once; NOTIFYs go out in the background. It returns an error when a
// dialog has no ID or phase or two share an ID. For the change of one
// call, UpdateDialog is cheaper. Safe for concurrent use.
func (n *Notifier) SetDialogState(ext string, dialogs []DialogState) error {
	seen := make(map[string]bool, len(dialogs))
	for _, d := range dialogs {
		if err := checkDialogState(ext, d); err != nil {
			return err
		}
		if seen[d.ID] {
			return fmt.Errorf("sip: set dialog state %q: dialog ID %q twice", ext, d.ID)
		}
		seen[d.ID] = true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(dialogs) == 0 {
		delete(n.dialogs, ext)
	} else {
		n.dialogs[ext] = slices.Clone(dialogs)
	}
	n.notifyResource(EventDialog, ext)
	return nil
}

// UpdateDialog changes one call of ext that busy lamps show: d replaces
// the dialog with d.ID, or is added after ext's other dialogs when it is
// new; a d in phase DialogTerminated removes it. Subscribers of ext get a
// NOTIFY with the full state, in the background; when nobody subscribes
// to ext the change costs a map update and nothing else, so it can be
// called for every call event of a busy server. It returns an error when
// d has no ID or phase. Safe for concurrent use.
func (n *Notifier) UpdateDialog(ext string, d DialogState) error {
	if err := checkDialogState(ext, d); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	ds := n.dialogs[ext]
	i := slices.IndexFunc(ds, func(o DialogState) bool { return o.ID == d.ID })
	switch {
	case d.Phase == DialogTerminated && i < 0:
		return nil // never shown: nothing changes
	case d.Phase == DialogTerminated:
		ds = slices.Delete(ds, i, i+1)
	case i < 0:
		ds = append(ds, d)
	default:
		ds[i] = d
	}
	if len(ds) == 0 {
		delete(n.dialogs, ext)
	} else {
		n.dialogs[ext] = ds
	}
	n.notifyResource(EventDialog, ext)
	return nil
}

// DialogStates returns the calls of ext that busy lamps show now, in
// order (a copy). Safe for concurrent use.
func (n *Notifier) DialogStates(ext string) []DialogState {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.dialogs[ext])
}

func checkDialogState(ext string, d DialogState) error {
	if d.ID == "" || d.Phase == DialogPhaseUnknown || int(d.Phase) >= len(dialogPhaseNames) {
		return fmt.Errorf("sip: set dialog state %q: dialog %q needs an ID and a phase", ext, d.ID)
	}
	return nil
}
