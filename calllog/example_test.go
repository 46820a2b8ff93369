package calllog_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/telekit/telekit/calllog"
)

// A call from 101 to 102 that nobody answered is in both histories: placed
// for 101, missed for 102.
func Example() {
	ctx := context.Background()
	s := calllog.NewMemStore()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	err := s.AddRecord(ctx, calllog.Record{
		ID: "1772442000.1", From: "101", FromName: "Alice", To: "102", ToName: "Bob",
		Start: start, End: start.Add(20 * time.Second),
		Disposition: calllog.NoAnswer, Direction: calllog.Internal, Type: calllog.Voice,
		Parties: []calllog.Party{{Extension: "101", Role: calllog.Caller}, {Extension: "102", Role: calllog.Callee}},
		Events: []calllog.Event{
			{At: start, Kind: calllog.EventRing, Detail: "ringing 102 (2 devices)"},
			{At: start.Add(20 * time.Second), Kind: calllog.EventNoAnswer, Detail: "no answer after 20s"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	missed, _ := s.ListRecords(ctx, calllog.Filter{Owner: "102", View: calllog.ViewMissed})
	placed, _ := s.CountRecords(ctx, calllog.Filter{Owner: "101", View: calllog.ViewPlaced})
	fmt.Println("102 missed:", len(missed), missed[0].From, missed[0].Disposition)
	fmt.Println("101 placed:", placed)
	for _, e := range missed[0].Events {
		fmt.Println(e.At.Format("15:04:05"), e.Detail)
	}
	// Output:
	// 102 missed: 1 101 No Answer
	// 101 placed: 1
	// 09:00:00 ringing 102 (2 devices)
	// 09:00:20 no answer after 20s
}

func ExampleWriteCSV() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	r := calllog.Record{
		ID: "1772442000.2", From: "+15550100", FromName: "=HYPERLINK(\"x\")", To: "101",
		Start: start, Answer: start.Add(3 * time.Second), End: start.Add(63 * time.Second),
		Disposition: calllog.Answered, Direction: calllog.Incoming, Type: calllog.Voice,
	}
	var b strings.Builder
	_ = calllog.WriteCSV(&b, []calllog.Record{r})
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n")) // RFC 4180 lines end in CRLF
	// Output:
	// Unique ID,Start,Answer,End,Duration (s),From (Name),From,To (Name),To,Disposition,Direction,Call Type,Trunk
	// 1772442000.2,2026-03-02T09:00:00Z,2026-03-02T09:00:03Z,2026-03-02T09:01:03Z,60,"'=HYPERLINK(""x"")",'+15550100,,101,Answered,Incoming,Voice,
}
