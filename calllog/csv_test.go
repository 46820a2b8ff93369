package calllog_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/calllog/calllogtest"
)

func TestWriteCSV(t *testing.T) {
	fx := calllogtest.Fixture()
	var buf bytes.Buffer
	if err := calllog.WriteCSV(&buf, []calllog.Record{fx[0], fx[2], fx[6]}); err != nil {
		t.Fatal(err)
	}
	want := "Unique ID,Start,Answer,End,Duration (s),From (Name),From,To (Name),To,Disposition,Direction,Call Type,Trunk\r\n" +
		"c1,2026-03-02T09:00:00Z,2026-03-02T09:00:05Z,2026-03-02T09:00:40Z,35,Alice,101,Bob,102,Answered,Internal,Voice,\r\n" +
		"c3,2026-03-02T11:00:00Z,,2026-03-02T11:00:40Z,0,Carol 100%_off,'+15550100,Alice,101,Voicemail,Incoming,Voice,provider\r\n" +
		"c7,2026-03-02T15:00:00Z,2026-03-02T15:00:05Z,2026-03-02T15:00:40Z,35,'=cmd|' /C calc'!A0,'+15550199,Alice,101,Transferred,Incoming,Voice,\r\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteCSVQuoting(t *testing.T) {
	r := calllogtest.Fixture()[0]
	r.FromName = "Smith, \"Al\"\nJr"
	r.ToName = "@SUM(A1)"
	r.From = "-2+3"
	r.To = "\t=1"
	r = r.In(time.FixedZone("X", 3600))
	var buf bytes.Buffer
	if err := calllog.WriteCSV(&buf, []calllog.Record{r}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := rows[1]
	wantCells := map[int]string{1: "2026-03-02T10:00:00+01:00", 5: "Smith, \"Al\"\nJr", 6: "'-2+3", 7: "'@SUM(A1)", 8: "'\t=1"}
	for i, w := range wantCells {
		if got[i] != w {
			t.Errorf("cell %d = %q, want %q", i, got[i], w)
		}
	}
}

// FuzzWriteCSV checks that any caller-controlled names and numbers come
// back from a CSV reader intact (apart from the defusing quote), one row
// per record, and that no cell could start a formula.
func FuzzWriteCSV(f *testing.F) {
	f.Add("Alice", "101", "=1+1", "+15550100")
	f.Add("a,\"b\"\r\nc", "\r", "@x", "\t")
	f.Fuzz(func(t *testing.T, fromName, from, toName, to string) {
		r := calllogtest.Fixture()[0]
		r.FromName, r.From, r.ToName, r.To = fromName, from, toName, to
		var buf bytes.Buffer
		if err := calllog.WriteCSV(&buf, []calllog.Record{r}); err != nil {
			return // encoding/csv refuses nothing we give it, but be safe
		}
		rd := csv.NewReader(&buf)
		rows, err := rd.ReadAll()
		if err != nil {
			t.Fatalf("our CSV does not parse: %v", err)
		}
		if len(rows) != 2 || len(rows[1]) != len(calllog.CSVHeader()) {
			t.Fatalf("got %d rows of %d cells", len(rows), len(rows[len(rows)-1]))
		}
		for i, in := range map[int]string{5: fromName, 6: from, 7: toName, 8: to} {
			cell := rows[1][i]
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %q starts a formula", cell)
			}
			// encoding/csv's reader drops carriage returns inside
			// quoted fields; compare without them.
			in = strings.ReplaceAll(in, "\r", "")
			cell = strings.ReplaceAll(cell, "\r", "")
			if cell != in && cell != "'"+in {
				t.Fatalf("cell %d = %q, want %q", i, cell, in)
			}
		}
	})
}
