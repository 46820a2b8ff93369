package schedule

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustCompile(t testing.TB, text string) *Compiled {
	t.Helper()
	s, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	c, err := s.Compile()
	if err != nil {
		t.Fatalf("Compile(%q): %v", text, err)
	}
	return c
}

// wall returns the instant at which the wall clock in zone reads v
// ("2006-01-02 15:04:05" or without seconds).
func wall(t testing.TB, zone, v string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if ts, err := time.ParseInLocation(layout, v, loc); err == nil {
			return ts
		}
	}
	t.Fatalf("bad time %q", v)
	return time.Time{}
}

func utc(t testing.TB, v string) time.Time { return wall(t, "UTC", v) }

func TestActiveAt(t *testing.T) {
	const office = "tz=Europe/Paris; mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00; fri 22:00-02:00+1; " +
		"holiday 12-25 closed; holiday 2026-12-24..2026-12-31 closed; holiday 2026-12-31 10:00-12:00"
	tests := []struct {
		name     string
		schedule string
		wall     string // in the schedule's zone
		want     bool
	}{
		{"before opening", office, "2026-03-02 08:59:59", false},
		{"opening minute", office, "2026-03-02 09:00", true},
		{"last second of the morning", office, "2026-03-02 11:59:59", true},
		{"lunch is closed (end is exclusive)", office, "2026-03-02 12:00", false},
		{"afternoon", office, "2026-03-02 16:59", true},
		{"closing", office, "2026-03-02 17:00", false},
		{"friday night window", office, "2026-03-06 23:00", true},
		{"after midnight belongs to saturday", office, "2026-03-07 01:59", true},
		{"overnight window ends", office, "2026-03-07 02:00", false},
		{"saturday morning", office, "2026-03-07 10:30", true},
		{"sunday", office, "2026-03-08 10:30", false},
		{"thursday 22:00 has no overnight window", office, "2026-03-05 23:00", false},
		{"yearly holiday on a saturday", office, "2027-12-25 10:30", false},
		{"yearly holiday on a weekday", office, "2028-12-25 10:30", false},
		{"inside a closed range", office, "2026-12-28 10:00", false},
		{"range end day is included", office, "2026-12-30 10:00", false},
		{"shorter holiday with hours wins inside a range", office, "2026-12-31 10:30", true},
		{"outside the shorter holiday's hours", office, "2026-12-31 09:30", false},
		{"day after the range", office, "2027-01-04 09:30", true},

		{"overnight tail across the year end", "tz=UTC; thu 22:00-02:00+1", "2027-01-01 01:00", true},
		{"yearly holiday closes the tail on its date", "tz=UTC; thu 22:00-02:00+1; holiday 01-01", "2027-01-01 01:00", false},
		{"the evening before the holiday stays open", "tz=UTC; thu 22:00-02:00+1; holiday 01-01", "2026-12-31 23:59", true},
		{"tail after a holiday start day still runs", "tz=UTC; fri 22:00-02:00+1; holiday 2026-03-06", "2026-03-07 01:00", true},
		{"holiday date itself is closed", "tz=UTC; fri 22:00-02:00+1; holiday 2026-03-06", "2026-03-06 23:00", false},

		{"leap day holiday", "tz=UTC; daily all-day; holiday 02-29", "2028-02-29 12:00", false},
		{"no leap day: feb 28 open", "tz=UTC; daily all-day; holiday 02-29", "2027-02-28 12:00", true},
		{"no leap day: mar 1 open", "tz=UTC; daily all-day; holiday 02-29", "2027-03-01 12:00", true},
		{"leap year mar 1 open", "tz=UTC; daily all-day; holiday 02-29", "2028-03-01 00:00", true},
		{"range over feb 29 in a leap year", "tz=UTC; daily all-day; holiday 02-28..03-01", "2028-02-29 12:00", false},

		{"yearly range wrapping the year: jan 2", "tz=UTC; daily all-day; holiday 12-31..01-02", "2027-01-02 23:59", false},
		{"yearly range wrapping the year: dec 31", "tz=UTC; daily all-day; holiday 12-31..01-02", "2026-12-31 00:00", false},
		{"yearly range wrapping the year: jan 3", "tz=UTC; daily all-day; holiday 12-31..01-02", "2027-01-03 00:00", true},
		{"yearly range wrapping the year: dec 30", "tz=UTC; daily all-day; holiday 12-31..01-02", "2026-12-30 23:59", true},

		{"holiday hours open a day without windows", "tz=UTC; mon-fri 09:00-17:00; holiday 2026-03-07 10:00-12:00", "2026-03-07 10:30", true},
		{"dated holiday beats yearly", "tz=UTC; daily all-day; holiday 12-25; holiday 2026-12-25 10:00-11:00", "2026-12-25 10:30", true},
		{"yearly holiday in another year", "tz=UTC; daily all-day; holiday 12-25; holiday 2026-12-25 10:00-11:00", "2027-12-25 10:30", false},
		{"all day ends at midnight", "tz=UTC; mon all-day", "2026-03-03 00:00", false},
		{"all day", "tz=UTC; mon all-day", "2026-03-02 23:59:59", true},
		{"before 1970", "tz=UTC; mon 09:00-17:00", "1969-12-29 09:00", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.schedule)
			at := wall(t, c.Location().String(), tc.wall)
			if got := c.ActiveAt(at); got != tc.want {
				t.Errorf("ActiveAt(%s) = %v, want %v", at, got, tc.want)
			}
			// The answer depends on the instant, not on t's Location.
			tokyo, _ := time.LoadLocation("Asia/Tokyo")
			if got := c.ActiveAt(at.In(tokyo)); got != tc.want {
				t.Errorf("ActiveAt(%s) = %v, want %v", at.In(tokyo), got, tc.want)
			}
		})
	}
}

func iv(t testing.TB, a, b string) Interval { return Interval{utc(t, a), utc(t, b)} }

// TestDST checks windows on the days the clocks change, as UTC intervals.
func TestDST(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		from, to string // UTC
		want     []Interval
	}{
		{
			// 01:00 GMT becomes 02:00 BST: 01:30-02:00 never happens.
			name:     "london spring forward, window 01:30-02:30",
			schedule: "tz=Europe/London; sun 01:30-02:30",
			from:     "2026-03-29 00:00", to: "2026-03-30 00:00",
			want: []Interval{iv(t, "2026-03-29 01:00", "2026-03-29 01:30")},
		},
		{
			name:     "london spring forward, window inside the lost hour",
			schedule: "tz=Europe/London; sun 01:15-01:45",
			from:     "2026-03-28 00:00", to: "2026-03-30 00:00",
			want: nil,
		},
		{
			name:     "london spring forward, overnight window spanning the change",
			schedule: "tz=Europe/London; sat 22:00-04:00+1",
			from:     "2026-03-28 00:00", to: "2026-03-30 00:00",
			want: []Interval{iv(t, "2026-03-28 22:00", "2026-03-29 03:00")},
		},
		{
			// 02:00 EST becomes 03:00 EDT.
			name:     "new york spring forward, window 01:30-02:30",
			schedule: "tz=America/New_York; sun 01:30-02:30",
			from:     "2026-03-08 00:00", to: "2026-03-09 00:00",
			want: []Interval{iv(t, "2026-03-08 06:30", "2026-03-08 07:00")},
		},
		{
			name:     "new york spring forward, office hours are 8 wall hours in EDT",
			schedule: "tz=America/New_York; sun 09:00-17:00",
			from:     "2026-03-08 00:00", to: "2026-03-09 00:00",
			want: []Interval{iv(t, "2026-03-08 13:00", "2026-03-08 21:00")},
		},
		{
			// 02:00 BST becomes 01:00 GMT: 01:00-01:59 happens twice.
			name:     "london fall back, window ending in the repeated hour",
			schedule: "tz=Europe/London; sun 00:00-01:30",
			from:     "2026-10-24 12:00", to: "2026-10-26 00:00",
			want: []Interval{
				iv(t, "2026-10-24 23:00", "2026-10-25 00:30"),
				iv(t, "2026-10-25 01:00", "2026-10-25 01:30"),
			},
		},
		{
			name:     "london fall back, window starting in the repeated hour",
			schedule: "tz=Europe/London; sun 01:30-03:00",
			from:     "2026-10-25 00:00", to: "2026-10-26 00:00",
			want: []Interval{
				iv(t, "2026-10-25 00:30", "2026-10-25 01:00"),
				iv(t, "2026-10-25 01:30", "2026-10-25 03:00"),
			},
		},
		{
			// 02:00 EDT becomes 01:00 EST.
			name:     "new york fall back, window ending in the repeated hour",
			schedule: "tz=America/New_York; sun 00:30-01:30",
			from:     "2026-11-01 00:00", to: "2026-11-02 00:00",
			want: []Interval{
				iv(t, "2026-11-01 04:30", "2026-11-01 05:30"),
				iv(t, "2026-11-01 06:00", "2026-11-01 06:30"),
			},
		},
		{
			name:     "new york fall back, window covering the change is one stretch",
			schedule: "tz=America/New_York; sun 00:00-03:00",
			from:     "2026-11-01 00:00", to: "2026-11-02 00:00",
			want: []Interval{iv(t, "2026-11-01 04:00", "2026-11-01 08:00")},
		},
		{
			name:     "lord howe moves its clocks by 30 minutes",
			schedule: "tz=Australia/Lord_Howe; sun 01:45-02:45",
			from:     "2026-10-03 12:00", to: "2026-10-04 12:00",
			// 02:00 LHST (+10:30) becomes 02:30 LHDT (+11).
			want: []Interval{iv(t, "2026-10-03 15:15", "2026-10-03 15:45")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.schedule)
			got := c.Windows(utc(t, tc.from), utc(t, tc.to))
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("Windows mismatch (-want +got):\n%s", diff)
			}
			checkAgainstScan(t, c, utc(t, tc.from), utc(t, tc.to))
		})
	}
}

// checkAgainstScan follows NextChange from from to to and checks it against
// ActiveAt evaluated every minute (every zone here changes offset on whole
// minutes, so no change can hide between two samples).
func checkAgainstScan(t *testing.T, c *Compiled, from, to time.Time) {
	t.Helper()
	at := from
	cur := c.ActiveAt(at)
	for at.Before(to) {
		next, ok := c.NextChange(at)
		for m := at.Truncate(time.Minute).Add(time.Minute); m.Before(to) && (!ok || m.Before(next)); m = m.Add(time.Minute) {
			if c.ActiveAt(m) != cur {
				t.Fatalf("NextChange(%s) = %s, %v but ActiveAt changes to %v at %s", at, next, ok, !cur, m)
			}
		}
		if !ok || !next.Before(to) {
			return
		}
		if !next.After(at) {
			t.Fatalf("NextChange(%s) = %s, not after", at, next)
		}
		if c.ActiveAt(next) == cur || c.ActiveAt(next.Add(-time.Second)) != cur {
			t.Fatalf("NextChange(%s) = %s, but ActiveAt there is %v and a second before %v", at, next, c.ActiveAt(next), c.ActiveAt(next.Add(-time.Second)))
		}
		at, cur = next, !cur
	}
}

// TestNextChangeScan checks NextChange against a minute-by-minute scan over
// weeks that contain clock changes, in zones with 60- and 30-minute shifts
// and a half-hour offset.
func TestNextChangeScan(t *testing.T) {
	schedules := []string{
		"mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00; fri 22:00-02:00+1; sun 01:30-02:30",
		"daily 00:00-01:30; daily 02:15-03:00; holiday 03-29 01:00-03:00; holiday 10-25",
		"sat 23:00-23:00+1; mon 00:00-00:01",
		"daily all-day; holiday 2026-03-08..2026-03-09 02:00-02:30,03:00-03:01",
	}
	zones := []string{"Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	starts := []string{"2026-03-05 00:00", "2026-03-26 00:00", "2026-10-01 00:00", "2026-10-22 00:00", "2026-10-29 00:00"}
	for _, s := range schedules {
		for _, z := range zones {
			c := mustCompile(t, "tz="+z+"; "+s)
			for _, st := range starts {
				from := utc(t, st).Add(17 * time.Second)
				checkAgainstScan(t, c, from, from.Add(6*24*time.Hour))
			}
		}
	}
}

func TestNextChange(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		at       string // UTC
		want     string // UTC; "" means no change
	}{
		{"inside a window", "tz=UTC; mon 09:00-17:00", "2026-03-02 10:00:00.5", "2026-03-02 17:00"},
		{"exactly at the start", "tz=UTC; mon 09:00-17:00", "2026-03-02 09:00", "2026-03-02 17:00"},
		{"exactly at the end", "tz=UTC; mon 09:00-17:00", "2026-03-02 17:00", "2026-03-09 09:00"},
		{"adjacent windows merge", "tz=UTC; mon 09:00-12:00; mon 12:00-17:00", "2026-03-02 10:00", "2026-03-02 17:00"},
		{"window running to midnight joins the next day's", "tz=UTC; mon 20:00-24:00; tue 00:00-02:00", "2026-03-02 21:00", "2026-03-03 02:00"},
		{"always on", "tz=UTC; daily all-day", "2026-03-02 10:00", ""},
		{"always on with a far holiday", "tz=UTC; daily all-day; holiday 2040-01-01", "2026-03-02 10:00", "2040-01-01 00:00"},
		{"always on with yearly feb 29 across 2100", "tz=UTC; daily all-day; holiday 02-29", "2096-03-01 00:00", "2104-02-29 00:00"},
		{"skips a closed holiday week", "tz=UTC; mon-fri 09:00-17:00; holiday 2026-12-24..2027-01-01", "2026-12-23 17:00", "2027-01-04 09:00"},
		{"spring forward into a window", "tz=Europe/London; sun 01:30-02:30", "2026-03-29 00:00", "2026-03-29 01:00"},
		{"spring forward skips a window", "tz=Europe/London; sun 01:15-01:45", "2026-03-28 12:00", "2026-04-05 00:15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.schedule)
			at, err := time.Parse("2006-01-02 15:04:05.999999999", tc.at)
			if err != nil {
				at = utc(t, tc.at)
			}
			got, ok := c.NextChange(at)
			if tc.want == "" {
				if ok {
					t.Errorf("NextChange(%s) = %s, want no change", at, got)
				}
				return
			}
			if want := utc(t, tc.want); !ok || !got.Equal(want) {
				t.Errorf("NextChange(%s) = %s, %v; want %s", at, got, ok, want)
			}
			if got.Location() != c.Location() {
				t.Errorf("NextChange returned a time in %s, want the schedule's zone", got.Location())
			}
		})
	}
}

func TestActiveAtDoesNotAllocate(t *testing.T) {
	c := mustCompile(t, benchSchedule)
	at := wall(t, "Europe/Paris", "2026-06-10 10:30")
	if n := testing.AllocsPerRun(100, func() { c.ActiveAt(at) }); n != 0 {
		t.Errorf("ActiveAt allocates %v times per call, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.NextChange(at) }); n != 0 {
		t.Errorf("NextChange allocates %v times per call, want 0", n)
	}
}

func TestCompiledKeepsItsOwnCopy(t *testing.T) {
	s, err := Parse("tz=UTC; mon 09:00-17:00; holiday 2026-03-09 10:00-11:00")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Compile()
	if err != nil {
		t.Fatal(err)
	}
	s.Windows[0].End = At(10, 0)
	s.Holidays[0].Hours[0].End = At(12, 0)
	got := c.Schedule()
	if got.Windows[0].End != At(17, 0) || got.Holidays[0].Hours[0].End != At(11, 0) {
		t.Errorf("Compiled changed with its source: %v", got)
	}
	if !c.ActiveAt(utc(t, "2026-03-02 16:00")) {
		t.Error("editing the source changed the compiled schedule")
	}
}

func TestWindowsClipsAndOrders(t *testing.T) {
	c := mustCompile(t, "tz=UTC; mon-fri 09:00-17:00")
	got := c.Windows(utc(t, "2026-03-02 12:00"), utc(t, "2026-03-04 10:00"))
	want := []Interval{
		iv(t, "2026-03-02 12:00", "2026-03-02 17:00"),
		iv(t, "2026-03-03 09:00", "2026-03-03 17:00"),
		iv(t, "2026-03-04 09:00", "2026-03-04 10:00"),
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("Windows mismatch (-want +got):\n%s", diff)
	}
	if got := c.Windows(utc(t, "2026-03-04 10:00"), utc(t, "2026-03-04 10:00")); got != nil {
		t.Errorf("empty range: got %v", got)
	}
}
