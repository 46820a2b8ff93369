package sip

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chunkReader returns its data in reads of at most size bytes, as a TCP
// connection may.
type chunkReader struct {
	data []byte
	size int
}

func (r *chunkReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), r.size)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// frameAll runs a framer over data to its end and returns the frames and
// the error that ended it (the status of a FramingError, or -1 for EOF,
// -2 for an unexpected EOF inside a message).
func frameAll(data []byte, chunk, max int) (frames []string, end int) {
	f := newStreamFramer(&chunkReader{data: data, size: chunk}, max)
	for {
		fr, err := f.next()
		if err != nil {
			var fe *FramingError
			switch {
			case errors.As(err, &fe):
				return frames, fe.Status
			case errors.Is(err, io.ErrUnexpectedEOF):
				return frames, -2
			default:
				return frames, -1
			}
		}
		// Keep-alives come as TCP delivers them: join a run of them, so
		// that frames do not depend on read sizes.
		if n := len(frames); n > 0 && isKeepAlive(fr) && isKeepAlive([]byte(frames[n-1])) {
			frames[n-1] += string(fr)
			continue
		}
		frames = append(frames, string(fr))
	}
}

func TestStreamFramer(t *testing.T) {
	opt := "OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n"
	withBody := "MESSAGE sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK2\r\nl: 5\r\n\r\nhello"
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		wantEnd int
	}{
		{name: "one", in: opt, want: []string{opt}, wantEnd: -1},
		{name: "body and compact name", in: withBody + opt, want: []string{withBody, opt}, wantEnd: -1},
		{name: "keep-alives", in: "\r\n\r\n" + opt + "\r\n", want: []string{"\r\n\r\n", opt, "\r\n"}, wantEnd: -1},
		{name: "cut in the body", in: withBody[:len(withBody)-2], wantEnd: -2},
		{name: "no Content-Length", in: "OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n" + opt, wantEnd: 400},
		{name: "negative", in: strings.Replace(opt, "Length: 0", "Length: -1", 1), wantEnd: 400},
		{name: "two that disagree", in: strings.Replace(opt, "Content-Length: 0", "Content-Length: 0\r\nl: 3", 1), wantEnd: 400},
		{name: "two that agree", in: strings.Replace(opt, "Content-Length: 0", "Content-Length: 0\r\nl: 0", 1),
			want: []string{strings.Replace(opt, "Content-Length: 0", "Content-Length: 0\r\nl: 0", 1)}, wantEnd: -1},
		{name: "body over max", in: strings.Replace(opt, "Length: 0", "Length: 99999999999", 1), max: 1000, wantEnd: 513},
		{name: "headers over max", in: "INVITE sip:a SIP/2.0\r\n" + strings.Repeat("X: y\r\n", 300), max: 1000, wantEnd: 513},
		{name: "exactly max", in: opt, max: len(opt), want: []string{opt}, wantEnd: -1},
		{name: "one over max", in: opt, max: len(opt) - 1, wantEnd: 513},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 7, 4096} {
			max := tc.max
			if max == 0 {
				max = 32768
			}
			frames, end := frameAll([]byte(tc.in), chunk, max)
			if diff := cmp.Diff(tc.want, frames); diff != "" || end != tc.wantEnd {
				t.Errorf("%s in reads of %d: end %d, want %d; frames (-want +got):\n%s", tc.name, chunk, end, tc.wantEnd, diff)
			}
		}
	}
}

// FuzzStreamFramer checks, for any byte stream cut into any read sizes,
// that the frames are the stream's bytes in order with nothing lost or
// added, each a keep-alive or one message of its Content-Length within
// the limit, and that the same stream read in one piece frames the same.
func FuzzStreamFramer(f *testing.F) {
	for _, dir := range []string{"rfc4475", "rfc5118"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "torture", dir, "*.dat"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b, uint8(3))
			}
		}
	}
	f.Add([]byte("\r\n\r\nOPTIONS sip:a SIP/2.0\r\nl: 2\r\n\r\nhi\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		const max = 2048
		frames, end := frameAll(data, int(chunk)%64+1, max)
		whole, wholeEnd := frameAll(data, len(data)+1, max)
		if diff := cmp.Diff(whole, frames); diff != "" || end != wholeEnd {
			t.Fatalf("framing depends on read sizes: end %d vs %d, (-whole +chunked):\n%s", wholeEnd, end, diff)
		}
		joined := []byte(strings.Join(frames, ""))
		if !bytes.HasPrefix(data, joined) {
			t.Fatalf("frames are not a prefix of the stream")
		}
		for _, fr := range frames {
			if len(strings.Trim(fr, "\r\n")) == 0 {
				continue
			}
			i := strings.Index(fr, "\r\n\r\n")
			if i < 0 || len(fr) > max {
				t.Fatalf("frame of %d bytes without its end of headers", len(fr))
			}
			cl, reason := contentLength([]byte(fr[:i+4]))
			if reason != "" || int64(len(fr)) != int64(i+4)+cl {
				t.Fatalf("frame of %d bytes, header block %d, Content-Length %d (%s)", len(fr), i+4, cl, reason)
			}
		}
		if end != -1 && end != -2 && end != 400 && end != 513 {
			t.Fatalf("ended with %d", end)
		}
	})
}

func BenchmarkStreamFramer(b *testing.B) {
	msg := []byte(inviteWithBody(1200))
	stream := bytes.Repeat(msg, 64)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	r := &chunkReader{}
	for b.Loop() {
		r.data, r.size = stream, 1460
		f := newStreamFramer(r, 32768)
		for {
			if _, err := f.next(); err != nil {
				break
			}
		}
	}
}
