package schedule

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJSON(t *testing.T) {
	s := Schedule{
		Name: "Office hours",
		Zone: "Europe/Paris",
		Windows: []Window{
			{Days: Weekdays, Start: At(9, 0), End: At(17, 0)},
			{Days: Days(time.Friday), Start: At(22, 0), End: At(2, 0), Overnight: true},
			AllDay(Days(time.Sunday)),
		},
		Holidays: []Holiday{
			{Name: "Christmas Day", From: Date{0, 12, 25}},
			{From: Date{2026, 12, 24}, To: Date{2026, 12, 31}, Hours: []Span{{At(10, 0), At(12, 0)}}},
		},
	}
	const want = `{"name":"Office hours","zone":"Europe/Paris","windows":[` +
		`{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"17:00"},` +
		`{"days":["fri"],"start":"22:00","end":"02:00","overnight":true},` +
		`{"days":["sun"],"start":"00:00","end":"24:00"}],"holidays":[` +
		`{"name":"Christmas Day","from":"12-25"},` +
		`{"from":"2026-12-24","to":"2026-12-31","hours":[{"start":"10:00","end":"12:00"}]}]}`
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var back Schedule
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, in := range []string{
		`{"zone":"UTC","windows":[{"days":["mon"],"start":"9am","end":"17:00"}]}`,
		`{"zone":"UTC","windows":[{"days":["monday","funday"],"start":"09:00","end":"17:00"}]}`,
		`{"zone":"UTC","holidays":[{"from":"2026-02-30"}]}`,
		`{"zone":"UTC","windows":[{"days":"mon-fri","start":"09:00","end":"17:00"}]}`,
	} {
		var s Schedule
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", in, s)
		}
	}
	if _, err := json.Marshal(Schedule{Zone: "UTC", Windows: []Window{{Days: EveryDay, Start: -5, End: 10}}}); err == nil {
		t.Error("Marshal of an out-of-range time of day succeeded")
	}
}
