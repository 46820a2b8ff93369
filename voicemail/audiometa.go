package voicemail

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// A message's metadata travels inside its WAV file, so that Recover can
// rebuild a lost index row from the file alone: after the data chunk the
// Service appends a standard LIST/INFO chunk whose ICMT (comment) holds
// metaPrefix and the JSON of fileMeta. Readers that do not know it (every
// audio player, media.WAVReader) skip it. Flags changed after the deposit
// live only in the Store; a rebuilt row is a new message again.

const (
	metaPrefix  = "telekit-voicemail/1 "
	maxMetaSize = 16 << 10
)

// fileMeta is the metadata written into a message's WAV file.
type fileMeta struct {
	ID            string    `json:"id"`
	Mailbox       string    `json:"mailbox"`
	CallerNumber  string    `json:"caller_number,omitempty"`
	CallerName    string    `json:"caller_name,omitempty"`
	Received      time.Time `json:"received"`
	DurationMS    int64     `json:"duration_ms"`
	Urgent        bool      `json:"urgent,omitempty"`
	ForwardedFrom string    `json:"forwarded_from,omitempty"`
}

func metaOf(m Message) fileMeta {
	return fileMeta{ID: m.ID, Mailbox: m.Mailbox, CallerNumber: m.CallerNumber, CallerName: m.CallerName,
		Received: m.Received.UTC(), DurationMS: m.Duration.Milliseconds(), Urgent: m.Urgent, ForwardedFrom: m.ForwardedFrom}
}

func (f fileMeta) message(audio string) Message {
	return Message{ID: f.ID, Mailbox: f.Mailbox, CallerNumber: f.CallerNumber, CallerName: f.CallerName,
		Received: f.Received.UTC(), Duration: time.Duration(f.DurationMS) * time.Millisecond,
		Folder: FolderNew, Urgent: f.Urgent, ForwardedFrom: f.ForwardedFrom, Audio: audio}
}

// appendMeta appends the LIST chunk with m to a WAV file that a closed
// media.WAVWriter left positioned at its end, and patches the RIFF size.
func appendMeta(w io.WriteSeeker, m fileMeta) error {
	js, err := json.Marshal(m)
	if err != nil {
		return err
	}
	text := append([]byte(metaPrefix), js...)
	text = append(text, 0) // INFO strings are NUL-terminated
	pad := len(text) & 1
	sub := 8 + len(text) + pad
	chunk := make([]byte, 0, 12+sub)
	chunk = append(chunk, "LIST"...)
	chunk = binary.LittleEndian.AppendUint32(chunk, uint32(4+sub))
	chunk = append(chunk, "INFOICMT"...)
	chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(text)))
	chunk = append(chunk, text...)
	if pad == 1 {
		chunk = append(chunk, 0)
	}
	end, err := w.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := w.Write(chunk); err != nil {
		return err
	}
	if _, err := w.Seek(4, io.SeekStart); err != nil {
		return err
	}
	var riff [4]byte
	binary.LittleEndian.PutUint32(riff[:], uint32(end+int64(len(chunk))-8))
	if _, err := w.Write(riff[:]); err != nil {
		return err
	}
	_, err = w.Seek(0, io.SeekEnd)
	return err
}

var errNoMeta = errors.New("no voicemail metadata in WAV file")

// readMeta finds the metadata LIST chunk of a message file by walking its
// RIFF chunks. It reads at most a fixed amount whatever the sizes say.
func readMeta(r io.ReadSeeker) (fileMeta, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return fileMeta{}, fmt.Errorf("reading RIFF header: %w", err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return fileMeta{}, errors.New("not a RIFF/WAVE file")
	}
	for range 64 {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return fileMeta{}, errNoMeta
			}
			return fileMeta{}, fmt.Errorf("reading chunk header: %w", err)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		if string(ch[0:4]) == "LIST" && size >= 12 && size <= maxMetaSize {
			body := make([]byte, size)
			if _, err := io.ReadFull(r, body); err != nil {
				return fileMeta{}, fmt.Errorf("reading LIST chunk: %w", err)
			}
			if m, ok := parseInfo(body); ok {
				return m, nil
			}
			if size&1 == 1 {
				if _, err := r.Seek(1, io.SeekCurrent); err != nil {
					return fileMeta{}, err
				}
			}
			continue
		}
		if _, err := r.Seek(size+size&1, io.SeekCurrent); err != nil {
			return fileMeta{}, err
		}
	}
	return fileMeta{}, errNoMeta
}

// parseInfo looks for our ICMT in a LIST chunk's body.
func parseInfo(b []byte) (fileMeta, bool) {
	if len(b) < 4 || string(b[:4]) != "INFO" {
		return fileMeta{}, false
	}
	b = b[4:]
	for len(b) >= 8 {
		id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:8]))
		b = b[8:]
		if n > len(b) {
			return fileMeta{}, false
		}
		val := b[:n]
		b = b[min(n+n&1, len(b)):]
		if id != "ICMT" || len(val) < len(metaPrefix) || string(val[:len(metaPrefix)]) != metaPrefix {
			continue
		}
		js := val[len(metaPrefix):]
		for len(js) > 0 && js[len(js)-1] == 0 {
			js = js[:len(js)-1]
		}
		var m fileMeta
		if err := json.Unmarshal(js, &m); err != nil || m.ID == "" {
			return fileMeta{}, false
		}
		return m, true
	}
	return fileMeta{}, false
}
