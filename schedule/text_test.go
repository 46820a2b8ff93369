package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text      string
		want      Schedule
		canonical string // String() of the result
	}{
		{
			text: "mon-fri 09:00-17:00; sat 10:00-12:00; tz=Europe/Paris; holiday 2026-12-25; holiday 2026-12-24..2026-12-31 closed",
			want: Schedule{
				Zone: "Europe/Paris",
				Windows: []Window{
					{Days: Weekdays, Start: At(9, 0), End: At(17, 0)},
					{Days: Days(time.Saturday), Start: At(10, 0), End: At(12, 0)},
				},
				Holidays: []Holiday{
					{From: Date{2026, 12, 25}},
					{From: Date{2026, 12, 24}, To: Date{2026, 12, 31}},
				},
			},
			canonical: "tz=Europe/Paris; mon-fri 09:00-17:00; sat 10:00-12:00; holiday 2026-12-25 closed; holiday 2026-12-24..2026-12-31 closed",
		},
		{
			text: `name=Support desk;TZ=America/New_York ; Weekdays 8:00-12:00 , 13:00-17:30;fri-mon 22:00-06:00+1;sunday all-day;;` +
				` HOLIDAY 12-25 "Christmas; Day" ; holiday 12-31..01-01 10:00-12:00,14:00-15:00; holiday 2026-07-04..2026-07-04 closed`,
			want: Schedule{
				Name: "Support desk",
				Zone: "America/New_York",
				Windows: []Window{
					{Days: Weekdays, Start: At(8, 0), End: At(12, 0)},
					{Days: Weekdays, Start: At(13, 0), End: At(17, 30)},
					{Days: Days(time.Friday, time.Saturday, time.Sunday, time.Monday), Start: At(22, 0), End: At(6, 0), Overnight: true},
					AllDay(Days(time.Sunday)),
				},
				Holidays: []Holiday{
					{Name: "Christmas; Day", From: Date{0, 12, 25}},
					{From: Date{0, 12, 31}, To: Date{0, 1, 1}, Hours: []Span{{At(10, 0), At(12, 0)}, {At(14, 0), At(15, 0)}}},
					{From: Date{2026, 7, 4}},
				},
			},
			canonical: `name=Support desk; tz=America/New_York; mon-fri 08:00-12:00; mon-fri 13:00-17:30; mon,fri-sun 22:00-06:00+1; sun all-day; ` +
				`holiday 12-25 closed "Christmas; Day"; holiday 12-31..01-01 10:00-12:00,14:00-15:00; holiday 2026-07-04 closed`,
		},
		{
			text: `name=" padded; \"quoted\" "; tz=UTC; daily 00:00-24:00; holiday 02-29 all-day`,
			want: Schedule{
				Name:     ` padded; "quoted" `,
				Zone:     "UTC",
				Windows:  []Window{AllDay(EveryDay)},
				Holidays: []Holiday{{From: Date{0, 2, 29}, Hours: []Span{{0, EndOfDay}}}},
			},
			canonical: `name=" padded; \"quoted\" "; tz=UTC; daily all-day; holiday 02-29 all-day`,
		},
		{
			text:      "",
			want:      Schedule{},
			canonical: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := Parse(tc.text)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			if s := got.String(); s != tc.canonical {
				t.Errorf("String() =\n%s\nwant\n%s", s, tc.canonical)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		text string
		want SyntaxError
	}{
		{"mon-fri", SyntaxError{1, "mon-fri", "want days and times, e.g. mon-fri 09:00-17:00"}},
		{"tz=UTC; mon-fry 09:00-17:00", SyntaxError{2, "mon-fry 09:00-17:00", `want days such as mon-fri, sat,sun or daily; unknown day "fry"`}},
		{"mon 9-17", SyntaxError{1, "mon 9-17", `want a time of day as HH:MM, not "9"`}},
		{"mon 09:00-25:00", SyntaxError{1, "mon 09:00-25:00", `time of day out of range (00:00 to 24:00), not "25:00"`}},
		{"mon 09:00", SyntaxError{1, "mon 09:00", `want times as HH:MM-HH:MM, HH:MM-HH:MM+1 or all-day, not "09:00"`}},
		{"mon all-day+1", SyntaxError{1, "mon all-day+1", "all-day cannot end the next day"}},
		{"holiday", SyntaxError{1, "holiday", "want a date, e.g. holiday 2026-12-25 or holiday 12-25 for every year"}},
		{"holiday 2026-12-32", SyntaxError{1, "holiday 2026-12-32", `no such day, not "2026-12-32"`}},
		{"holiday 2027-02-29", SyntaxError{1, "holiday 2027-02-29", `no such day, not "2027-02-29"`}},
		{"holiday 0000-12-25", SyntaxError{1, "holiday 0000-12-25", `year 0000 is not a date; write MM-DD for every year, not "0000-12-25"`}},
		{"holiday 25/12", SyntaxError{1, "holiday 25/12", `want a date as YYYY-MM-DD, or MM-DD for every year, not "25/12"`}},
		{`holiday 12-25 "Xmas" closed`, SyntaxError{1, `holiday 12-25 "Xmas" closed`, "the holiday's name must be one quoted string at the end"}},
		{`name="open`, SyntaxError{1, `name="open`, "unterminated or bad quoted string"}},
		{`name=a"b"`, SyntaxError{1, `name=a"b"`, `a name with '"' must be quoted`}},
		{"name=a; name=b", SyntaxError{2, "name=b", "the name is given twice"}},
		{"name= ", SyntaxError{1, "name=", "empty name"}},
		{"tz=Europe/Paris; tz=UTC", SyntaxError{2, "tz=UTC", "the time zone is given twice"}},
		{"tz=Europe/ Paris", SyntaxError{1, "tz=Europe/ Paris", "want a time zone name such as Europe/Paris"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			_, err := Parse(tc.text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want a *SyntaxError", tc.text, err)
			}
			if diff := cmp.Diff(tc.want, *se); diff != "" {
				t.Errorf("SyntaxError mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParse checks that whatever Parse accepts, String writes in a form
// Parse reads back to the same Schedule, and that String is then stable.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		benchSchedule,
		"mon-fri 09:00-17:00; sat 10:00-12:00; tz=Europe/Paris; holiday 2026-12-25; holiday 2026-12-24..2026-12-31 closed",
		`name=" x; \"y\" "; tz=UTC; fri-mon 22:00-06:00+1; sunday all-day; holiday 12-31..01-01 10:00-12:00 "New Year"`,
		"daily 00:00-24:00+1; holiday 02-29..02-29; weekend 23:59-00:00+1",
		`NAME=Desk; Holiday 2026-07-04 closed "\u00e9t\xe9"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text)
		if err != nil {
			return
		}
		out := s.String()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) = %v; it came from String() of Parse(%q)", out, err, text)
		}
		if diff := cmp.Diff(s, again); diff != "" {
			t.Fatalf("round trip through %q changed the schedule (-first +second):\n%s", out, diff)
		}
		if out2 := again.String(); out2 != out {
			t.Fatalf("String not stable: %q then %q", out, out2)
		}
	})
}
