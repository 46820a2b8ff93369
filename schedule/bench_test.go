package schedule

import (
	"testing"
	"time"
)

// benchSchedule has 10 windows and 20 holidays, a large business-hours
// schedule.
const benchSchedule = "tz=Europe/Paris; mon-fri 08:00-10:00,10:15-12:00,13:00-15:00,15:15-18:00; " +
	"sat 09:00-12:00,14:00-16:00; sun 10:00-11:00; fri 22:00-02:00+1; mon 06:00-07:00; wed 19:00-20:00; " +
	"holiday 01-01; holiday 05-01; holiday 05-08; holiday 07-14; holiday 08-15; holiday 11-01; holiday 11-11; " +
	"holiday 12-25; holiday 12-26 09:00-12:00; holiday 12-31..01-01; " +
	"holiday 2026-04-06; holiday 2026-05-14; holiday 2026-05-25; holiday 2026-08-10..2026-08-21; " +
	"holiday 2026-12-24..2026-12-31 10:00-12:00; holiday 2027-03-29; holiday 2027-05-06; holiday 2027-05-17; " +
	"holiday 2027-08-09..2027-08-20; holiday 2027-12-24 09:00-11:00"

func BenchmarkActiveAt(b *testing.B) {
	c := mustCompile(b, benchSchedule)
	// A spread of instants over a year, so holiday lookups and zone
	// transitions are all exercised.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ats [1024]time.Time
	for i := range ats {
		ats[i] = start.Add(time.Duration(i)*8*time.Hour + 37*time.Minute)
	}
	b.ReportAllocs()
	n := 0
	i := 0
	for b.Loop() {
		if c.ActiveAt(ats[i%len(ats)]) {
			n++
		}
		i++
	}
	_ = n
}

func BenchmarkNextChange(b *testing.B) {
	c := mustCompile(b, benchSchedule)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ats [1024]time.Time
	for i := range ats {
		ats[i] = start.Add(time.Duration(i)*8*time.Hour + 37*time.Minute)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.NextChange(ats[i%len(ats)])
		i++
	}
}

func BenchmarkCompile(b *testing.B) {
	s, err := Parse(benchSchedule)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Compile(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextChangeNever is the worst case: a schedule that never
// changes, so NextChange scans its whole horizon before saying so.
func BenchmarkNextChangeNever(b *testing.B) {
	c := mustCompile(b, "tz=Europe/London; daily all-day; holiday 12-25 00:00-24:00")
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.NextChange(at); ok {
			b.Fatal("change found")
		}
	}
}
