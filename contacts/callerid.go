package contacts

import (
	"sync"

	"github.com/telekit/telekit/phonenumber"
)

// CallerID is an index from telephone numbers to the contacts that have
// them, for naming an incoming call. Numbers are parsed with the PBX's
// phonenumber.Plan when a contact is put, so a caller ID in any format
// ("+15551234567", "sip:+15551234567@trunk", "(555) 123-4567") finds a
// contact whose number was written in any other.
//
// Lookup tries an exact match first (phonenumber.Match, through the
// number's Key) and then a suffix match (phonenumber.MatchSuffix: at least
// MinSuffixDigits last digits, for a caller ID or a contact number without
// country information). Personal contacts of the called user win over
// business contacts, exact matches over suffix ones, and among equals the
// contact put first.
//
// The index is updated one contact at a time (Put, Delete) as contacts are
// added, edited and deleted; building it from a Store's List is a Put per
// contact. Safe for concurrent use: lookups share a read lock.
type CallerID struct {
	plan phonenumber.Plan

	mu     sync.RWMutex
	exact  map[string][]callerEntry // Number.Key → entries
	suffix map[string][]callerEntry // last MinSuffixDigits digits → entries
	byID   map[string]callerItem
	seq    uint64
}

// callerEntry is one number of one contact.
type callerEntry struct {
	num   phonenumber.Number
	seq   uint64
	id    string
	owner string
	name  string
	phone PhoneType
}

// callerItem is what the index holds for one contact, to remove it again.
type callerItem struct {
	seq         uint64
	exact, suff []string
}

// CallerMatch is the contact found for a caller's number.
type CallerMatch struct {
	// ID and Owner identify the contact ("" Owner: a business contact).
	ID, Owner string
	// Name is the contact's Name, to show on the call and in the log.
	Name string
	// Phone is which of the contact's numbers matched.
	Phone PhoneType
	// Suffix is true when the number matched by its last digits only.
	Suffix bool
}

// NewCallerID returns an empty index that parses numbers under plan.
func NewCallerID(plan phonenumber.Plan) *CallerID {
	return &CallerID{
		plan:   plan,
		exact:  map[string][]callerEntry{},
		suffix: map[string][]callerEntry{},
		byID:   map[string]callerItem{},
	}
}

// Len returns the number of contacts in the index.
func (x *CallerID) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// Put adds c to the index, or replaces what it held for c.ID (a contact
// keeps its place among equals when edited). c.ID must not be empty;
// numbers that do not parse are left out. It reports whether c was put.
func (x *CallerID) Put(c Contact) bool {
	if c.ID == "" {
		return false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	item, ok := x.byID[c.ID]
	if ok {
		x.remove(c.ID, item)
	} else {
		x.seq++
		item.seq = x.seq
	}
	item.exact, item.suff = item.exact[:0], item.suff[:0]
	name := c.Name()
	var kbuf [40]byte
	for _, t := range phoneTypes {
		s := c.Phones.Get(t)
		if s == "" {
			continue
		}
		n, err := phonenumber.Parse(x.plan, s, phonenumber.Received)
		if err != nil {
			continue
		}
		e := callerEntry{num: n, seq: item.seq, id: c.ID, owner: c.Owner, name: name, phone: t}
		k := string(n.AppendKey(kbuf[:0]))
		x.exact[k] = append(x.exact[k], e)
		item.exact = append(item.exact, k)
		if sk, ok := suffixKey(n); ok {
			x.suffix[sk] = append(x.suffix[sk], e)
			item.suff = append(item.suff, sk)
		}
	}
	x.byID[c.ID] = item
	return true
}

// Delete removes the contact with id from the index; an unknown id is
// ignored.
func (x *CallerID) Delete(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if item, ok := x.byID[id]; ok {
		x.remove(id, item)
		delete(x.byID, id)
	}
}

func (x *CallerID) remove(id string, item callerItem) {
	drop := func(m map[string][]callerEntry, keys []string) {
		for _, k := range keys {
			es := m[k]
			out := es[:0]
			for _, e := range es {
				if e.id != id {
					out = append(out, e)
				}
			}
			clear(es[len(out):])
			if len(out) == 0 {
				delete(m, k)
			} else {
				m[k] = out
			}
		}
	}
	drop(x.exact, item.exact)
	drop(x.suffix, item.suff)
}

// suffixKey is the last MinSuffixDigits digits of an external number.
func suffixKey(n phonenumber.Number) (string, bool) {
	switch n.Kind {
	case phonenumber.National, phonenumber.International, phonenumber.KindUnknown:
	default:
		return "", false
	}
	if len(n.Digits) < phonenumber.MinSuffixDigits {
		return "", false
	}
	return n.Digits[len(n.Digits)-phonenumber.MinSuffixDigits:], true
}

// Lookup finds the contact for number (a caller ID in any format) as the
// user owner sees it: owner's personal contacts, then business contacts.
// It reports false when no contact has the number or it does not parse.
// A caller ID that arrives as "+15551234567" or a sip: URI costs no
// allocation.
func (x *CallerID) Lookup(owner, number string) (CallerMatch, bool) {
	n, err := phonenumber.Parse(x.plan, number, phonenumber.Received)
	if err != nil {
		return CallerMatch{}, false
	}
	return x.LookupNumber(owner, n)
}

// LookupNumber is Lookup for a number already parsed under the index's
// plan. It does not allocate.
func (x *CallerID) LookupNumber(owner string, n phonenumber.Number) (CallerMatch, bool) {
	var kbuf [40]byte
	x.mu.RLock()
	defer x.mu.RUnlock()
	if e, ok := best(x.exact[string(n.AppendKey(kbuf[:0]))], owner, n, phonenumber.Match); ok {
		return e.match(false), true
	}
	if sk, ok := suffixKey(n); ok {
		if e, ok := best(x.suffix[sk], owner, n, phonenumber.MatchSuffix); ok {
			return e.match(true), true
		}
	}
	return CallerMatch{}, false
}

// best returns the entry of es that matches n and comes first: owner's
// over business ones, then the one put first. Entries of other owners
// are never returned.
func best(es []callerEntry, owner string, n phonenumber.Number, match func(a, b phonenumber.Number) bool) (callerEntry, bool) {
	var found callerEntry
	ok := false
	for i := range es {
		e := &es[i]
		if e.owner != owner && e.owner != "" || !match(n, e.num) {
			continue
		}
		if !ok || betterEntry(e, &found, owner) {
			found, ok = *e, true
		}
	}
	return found, ok
}

func betterEntry(a, b *callerEntry, owner string) bool {
	aOwn, bOwn := a.owner == owner && owner != "", b.owner == owner && owner != ""
	if aOwn != bOwn {
		return aOwn
	}
	return a.seq < b.seq
}

func (e callerEntry) match(suffix bool) CallerMatch {
	return CallerMatch{ID: e.id, Owner: e.owner, Name: e.name, Phone: e.phone, Suffix: suffix}
}
