package media

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzDTMFPayload checks that any payload Unmarshal accepts marshals back
// to bytes that unmarshal to the same value.
func FuzzDTMFPayload(f *testing.F) {
	f.Add([]byte{0x05, 0x8a, 0x03, 0x20})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p DTMFPayload
		if err := p.Unmarshal(b); err != nil {
			return
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal(%+v) of a parsed payload: %v", p, err)
		}
		var q DTMFPayload
		if err := q.Unmarshal(out); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, q); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
		if out[1]&0x40 != 0 {
			t.Errorf("R bit sent")
		}
	})
}

// FuzzDTMFReceiver feeds random packet sequences to a receiver, each
// packet 9 bytes of input: timestamp (1 byte, so that events repeat),
// marker, then the 4-byte payload and 3 bytes of arrival step and tick. The
// receiver must not panic, must report no more key-downs than the distinct
// timestamps of DTMF events it saw, and must pair every release with the
// key-down before it.
func FuzzDTMFReceiver(f *testing.F) {
	f.Add([]byte{1, 1, 5, 10, 0, 0, 10, 0, 0, 1, 0, 5, 0x8a, 1, 0x40, 50, 0, 1})
	f.Add([]byte{9, 0, 16, 0x80, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var reports []DTMFReport
		r, _ := NewDTMFReceiver(func(rep DTMFReport) { reports = append(reports, rep) }, DTMFReceiverConfig{})
		at := dspT0
		starts := map[uint32]bool{}
		for ; len(data) >= 9; data = data[9:] {
			ts := uint32(data[0]) * 160
			payload := data[2:6]
			at = at.Add(time.Duration(binary.BigEndian.Uint16(data[6:8])) * time.Millisecond / 16)
			if err := r.Receive(ts, data[1]&1 != 0, payload, at); err != nil {
				t.Fatal(err)
			}
			if payload[0] <= uint8(DTMFFlash) {
				starts[ts] = true
			}
			if data[8]&1 != 0 {
				r.Tick(at.Add(time.Second))
			}
		}
		downs := 0
		for i, rep := range reports {
			if !rep.End {
				downs++
				if i > 0 && !reports[i-1].End {
					t.Fatalf("key-down %d while the previous key is down: %+v", i, reports)
				}
				continue
			}
			if i == 0 || reports[i-1].End || reports[i-1].Timestamp != rep.Timestamp || reports[i-1].Event != rep.Event {
				t.Fatalf("release %d without its key-down: %+v", i, reports)
			}
			if rep.Duration < reports[i-1].Duration {
				t.Fatalf("release %d shorter than its key-down: %+v", i, reports)
			}
		}
		if downs > len(starts) {
			t.Fatalf("%d key-downs from %d distinct event timestamps", downs, len(starts))
		}
	})
}
