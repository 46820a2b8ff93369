package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// validationErrors unpacks what Validate returned.
func validationErrors(t *testing.T, err error) []ValidationError {
	t.Helper()
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []ValidationError
	for _, e := range errs {
		var ve *ValidationError
		if !errors.As(e, &ve) {
			t.Fatalf("error %v is not a *ValidationError", e)
		}
		out = append(out, *ve)
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		want []ValidationError
	}{
		{
			name: "valid",
			s:    Schedule{Zone: "Europe/Paris", Windows: []Window{{Days: Weekdays, Start: At(9, 0), End: At(17, 0)}}},
		},
		{
			name: "empty",
			s:    Schedule{Zone: "UTC"},
			want: []ValidationError{{"windows", "the schedule is empty; add at least one window"}},
		},
		{
			name: "only closed holidays",
			s:    Schedule{Zone: "UTC", Holidays: []Holiday{{From: Date{0, 12, 25}}}},
			want: []ValidationError{{"windows", "the schedule is never active; add at least one window"}},
		},
		{
			name: "only a holiday with hours is fine",
			s:    Schedule{Zone: "UTC", Holidays: []Holiday{{From: Date{0, 12, 24}, Hours: []Span{{At(9, 0), At(12, 0)}}}}},
		},
		{
			name: "missing zone",
			s:    Schedule{Windows: []Window{AllDay(EveryDay)}},
			want: []ValidationError{{"zone", "missing; name an IANA time zone such as Europe/London or UTC"}},
		},
		{
			name: "unknown zone",
			s:    Schedule{Zone: "Mars/Olympus", Windows: []Window{AllDay(EveryDay)}},
			want: []ValidationError{{"zone", `unknown time zone "Mars/Olympus"`}},
		},
		{
			name: "local zone",
			s:    Schedule{Zone: "Local", Windows: []Window{AllDay(EveryDay)}},
			want: []ValidationError{{"zone", "Local depends on the machine; name an IANA time zone such as Europe/London or UTC"}},
		},
		{
			name: "end not after start",
			s:    Schedule{Zone: "UTC", Windows: []Window{{Days: Days(time.Friday), Start: At(22, 0), End: At(2, 0)}}},
			want: []ValidationError{{"windows[0]", "end 02:00 is not after start 22:00; to cross midnight write the end as 02:00+1"}},
		},
		{
			name: "empty window",
			s:    Schedule{Zone: "UTC", Windows: []Window{{Days: Days(time.Friday), Start: At(9, 0), End: At(9, 0)}}},
			want: []ValidationError{{"windows[0]", "end 09:00 is not after start 09:00; to cross midnight write the end as 09:00+1"}},
		},
		{
			name: "overnight longer than a day",
			s:    Schedule{Zone: "UTC", Windows: []Window{{Days: Days(time.Friday), Start: At(9, 0), End: At(10, 0), Overnight: true}}},
			want: []ValidationError{{"windows[0]", "an overnight window ends the next day by its start time; 09:00-10:00+1 would last over 24 hours"}},
		},
		{
			name: "no days",
			s:    Schedule{Zone: "UTC", Windows: []Window{{Start: At(9, 0), End: At(10, 0)}}},
			want: []ValidationError{{"windows[0]", "no days; say which days the window is on"}},
		},
		{
			name: "start out of range",
			s:    Schedule{Zone: "UTC", Windows: []Window{{Days: EveryDay, Start: EndOfDay, End: EndOfDay}}},
			want: []ValidationError{{"windows[0]", "start 24:00 is not a time of day from 00:00 to 23:59"}},
		},
		{
			name: "overlap names both windows and the day",
			s: Schedule{Zone: "UTC", Windows: []Window{
				{Days: Weekdays, Start: At(9, 0), End: At(17, 0)},
				{Days: Weekend, Start: At(10, 0), End: At(12, 0)},
				{Days: Days(time.Wednesday, time.Thursday), Start: At(16, 0), End: At(18, 0)},
			}},
			want: []ValidationError{{"windows[2]", `"wed,thu 16:00-18:00" overlaps windows[0] "mon-fri 09:00-17:00" on Wednesday`}},
		},
		{
			name: "overnight tail overlaps the next morning",
			s: Schedule{Zone: "UTC", Windows: []Window{
				{Days: Days(time.Friday), Start: At(22, 0), End: At(2, 0), Overnight: true},
				{Days: Days(time.Saturday), Start: At(1, 0), End: At(3, 0)},
			}},
			want: []ValidationError{{"windows[1]", `"sat 01:00-03:00" overlaps windows[0] "fri 22:00-02:00+1" on Saturday`}},
		},
		{
			name: "touching windows are fine",
			s: Schedule{Zone: "UTC", Windows: []Window{
				{Days: Days(time.Friday), Start: At(22, 0), End: At(2, 0), Overnight: true},
				{Days: Days(time.Saturday), Start: At(2, 0), End: At(3, 0)},
				{Days: Days(time.Friday), Start: At(9, 0), End: At(22, 0)},
			}},
		},
		{
			name: "holiday range ends before it starts",
			s: Schedule{Zone: "UTC", Windows: []Window{AllDay(Weekdays)}, Holidays: []Holiday{
				{From: Date{2026, 12, 31}, To: Date{2026, 12, 24}},
			}},
			want: []ValidationError{{"holidays[0].to", "the range ends (2026-12-24) before it starts (2026-12-31)"}},
		},
		{
			name: "holiday mixing yearly and dated",
			s: Schedule{Zone: "UTC", Windows: []Window{AllDay(Weekdays)}, Holidays: []Holiday{
				{From: Date{0, 12, 24}, To: Date{2026, 12, 26}},
			}},
			want: []ValidationError{{"holidays[0].to", "12-24 and 2026-12-26 must both be yearly (MM-DD) or both dated (YYYY-MM-DD)"}},
		},
		{
			name: "no such date",
			s: Schedule{Zone: "UTC", Windows: []Window{AllDay(Weekdays)}, Holidays: []Holiday{
				{From: Date{2027, 2, 29}},
			}},
			want: []ValidationError{{"holidays[0].from", "2027-02-29 is not a date"}},
		},
		{
			name: "holiday hours",
			s: Schedule{Zone: "UTC", Windows: []Window{AllDay(Weekdays)}, Holidays: []Holiday{
				{From: Date{2026, 12, 24}, Hours: []Span{{At(9, 0), At(12, 0)}, {At(11, 0), At(13, 0)}, {At(22, 0), At(2, 0)}}},
			}},
			want: []ValidationError{
				{"holidays[0].hours[1]", "11:00-13:00 overlaps hours[0] 09:00-12:00"},
				{"holidays[0].hours[2]", "end 02:00 is not after start 22:00 (holiday hours cannot cross midnight)"},
			},
		},
		{
			name: "overlapping holidays of equal length with other hours",
			s: Schedule{Zone: "UTC", Windows: []Window{AllDay(Weekdays)}, Holidays: []Holiday{
				{From: Date{0, 12, 24}, To: Date{0, 12, 25}},
				{From: Date{0, 12, 25}, To: Date{0, 12, 26}, Hours: []Span{{At(9, 0), At(12, 0)}}},
			}},
			want: []ValidationError{{"holidays[1]", `"holiday 12-25..12-26 09:00-12:00" overlaps holidays[0] "holiday 12-24..12-25 closed" for as many days with other hours; say which applies`}},
		},
		{
			name: "overlapping holidays ordered by length or kind are fine",
			s: Schedule{Zone: "UTC", Windows: []Window{AllDay(Weekdays)}, Holidays: []Holiday{
				{From: Date{0, 12, 25}},
				{From: Date{0, 12, 24}, To: Date{0, 12, 26}, Hours: []Span{{At(9, 0), At(12, 0)}}},
				{From: Date{2026, 12, 25}, Hours: []Span{{At(10, 0), At(11, 0)}}},
				{From: Date{2026, 12, 25}},
			}},
			want: []ValidationError{{"holidays[3]", `"holiday 2026-12-25 closed" overlaps holidays[2] "holiday 2026-12-25 10:00-11:00" for as many days with other hours; say which applies`}},
		},
		{
			name: "several problems at once",
			s: Schedule{Zone: "", Windows: []Window{{Days: Weekdays, Start: At(17, 0), End: At(9, 0)}}, Holidays: []Holiday{
				{From: Date{2026, 13, 1}},
			}},
			want: []ValidationError{
				{"zone", "missing; name an IANA time zone such as Europe/London or UTC"},
				{"windows[0]", "end 09:00 is not after start 17:00; to cross midnight write the end as 09:00+1"},
				{"holidays[0].from", "2026-13-01 is not a date"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if diff := cmp.Diff(tc.want, validationErrors(t, err)); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
			_, cerr := tc.s.Compile()
			if (err == nil) != (cerr == nil) {
				t.Errorf("Validate says %v but Compile says %v", err, cerr)
			}
		})
	}
}
