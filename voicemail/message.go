package voicemail

import (
	"strings"
	"time"
)

// Message is one voicemail message: who left it, when, how long it is, its
// flags and where its audio lives. It is a plain value; the Store keeps the
// index of them and the audio lives in a file named by Audio.
type Message struct {
	// ID identifies the message within its mailbox. Letters, digits and
	// '-' only, so it is safe as a file name.
	ID string `json:"id"`
	// Mailbox is the mailbox the message is in.
	Mailbox string `json:"mailbox"`
	// CallerNumber is the caller's number as presented, "" when withheld.
	CallerNumber string `json:"caller_number"`
	// CallerName is the caller's display name, "" when unknown.
	CallerName string `json:"caller_name"`
	// Received is when the caller started leaving the message (UTC).
	Received time.Time `json:"received"`
	// Duration is the length of the audio, to the millisecond.
	Duration time.Duration `json:"duration"`
	// Folder is new (not yet heard) or old.
	Folder Folder `json:"folder"`
	// Urgent is set by the caller (deposit menu) or the owner.
	Urgent bool `json:"urgent"`
	// ForwardedFrom is the mailbox the message was forwarded from, "" for a
	// message left by a caller.
	ForwardedFrom string `json:"forwarded_from,omitempty"`
	// Audio is the message's audio: a path relative to the data directory
	// of the Service's FS, e.g. "101/18f3a2c4b00-3e9a1c.wav". Open it with
	// Service.OpenAudio.
	Audio string `json:"audio"`
}

// IsNew reports whether the message has not been heard yet.
func (m Message) IsNew() bool { return m.Folder == FolderNew }

// Matches reports whether m is selected by f.
func (m Message) Matches(f Filter) bool {
	switch f {
	case FilterInbox:
		return m.Folder == FolderNew
	case FilterUrgent:
		return m.Urgent
	case FilterOld:
		return m.Folder == FolderOld
	}
	return true
}

// Query selects and pages a listing of a mailbox.
type Query struct {
	// Filter selects the messages; the zero value selects all.
	Filter Filter
	// Order sorts them by received time (ties broken by ID).
	Order Order
	// Offset skips that many messages of the selection.
	Offset int
	// Limit is the most messages returned; 0 or less means all.
	Limit int
}

// Page is one page of a listing.
type Page struct {
	// Messages are the messages of the page, in the query's order.
	Messages []Message
	// Total is how many messages the filter selects, over all pages.
	Total int
}

// Counts are a mailbox's message counts, as message-waiting indication
// (RFC 3842 message-summary "Voice-Message: new/old (urgent new/urgent
// old)") reports them: New and Old count every message in their folder,
// urgent or not, and the Urgent counts are the urgent part of each.
type Counts struct {
	New       int `json:"new"`
	Old       int `json:"old"`
	UrgentNew int `json:"urgent_new"`
	UrgentOld int `json:"urgent_old"`
}

// Waiting reports whether the message-waiting lamp should be on: there is
// at least one new message.
func (c Counts) Waiting() bool { return c.New > 0 }

// Add counts one message in c.
func (c *Counts) Add(m Message) {
	switch m.Folder {
	case FolderNew:
		c.New++
		if m.Urgent {
			c.UrgentNew++
		}
	case FolderOld:
		c.Old++
		if m.Urgent {
			c.UrgentOld++
		}
	}
}

// Less reports whether a sorts before b in order o: by Received, ties by
// ID. Store implementations sort with it.
func Less(a, b Message, o Order) bool {
	if !a.Received.Equal(b.Received) {
		if o == NewestFirst {
			return a.Received.After(b.Received)
		}
		return a.Received.Before(b.Received)
	}
	if o == NewestFirst {
		return strings.Compare(a.ID, b.ID) > 0
	}
	return strings.Compare(a.ID, b.ID) < 0
}
