package schedule_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/telekit/telekit/schedule"
)

// Office hours with a lunch break, a Friday night shift, Christmas every
// year and a closed week, asked about as calls arrive.
func Example() {
	s, err := schedule.Parse("tz=Europe/Paris; mon-fri 09:00-12:00,13:00-17:00; fri 22:00-02:00+1; " +
		`holiday 12-25 closed "Christmas"; holiday 2026-12-28..2026-12-31`)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := s.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	paris := c.Location()
	for _, at := range []time.Time{
		time.Date(2026, 3, 2, 10, 0, 0, 0, paris),  // Monday morning
		time.Date(2026, 3, 2, 12, 30, 0, 0, paris), // lunch
		time.Date(2026, 3, 7, 1, 0, 0, 0, paris),   // Saturday, in the Friday shift
		time.Date(2026, 12, 29, 10, 0, 0, 0, paris),
	} {
		next, _ := c.NextChange(at)
		fmt.Printf("%s active=%v until %s\n", at.Format("Mon 2006-01-02 15:04"), c.ActiveAt(at), next.Format("Mon 2006-01-02 15:04"))
	}
	// Output:
	// Mon 2026-03-02 10:00 active=true until Mon 2026-03-02 12:00
	// Mon 2026-03-02 12:30 active=false until Mon 2026-03-02 13:00
	// Sat 2026-03-07 01:00 active=true until Sat 2026-03-07 02:00
	// Tue 2026-12-29 10:00 active=false until Fri 2027-01-01 09:00
}

// The portal's "this week" view lists the active intervals.
func ExampleCompiled_Windows() {
	s, _ := schedule.Parse("tz=America/New_York; mon-fri 09:00-17:00; sat 10:00-12:00; holiday 2026-07-03 closed")
	c, err := s.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	from := time.Date(2026, 6, 29, 0, 0, 0, 0, c.Location())
	for _, iv := range c.Windows(from, from.AddDate(0, 0, 7)) {
		fmt.Println(iv.Start.Format("Mon 15:04"), "-", iv.End.Format("15:04 MST"))
	}
	// Output:
	// Mon 09:00 - 17:00 EDT
	// Tue 09:00 - 17:00 EDT
	// Wed 09:00 - 17:00 EDT
	// Thu 09:00 - 17:00 EDT
	// Sat 10:00 - 12:00 EDT
}

// Validate names every problem and where it is.
func ExampleSchedule_Validate() {
	s := schedule.Schedule{
		Zone: "Europe/Lodnon",
		Windows: []schedule.Window{
			{Days: schedule.Weekdays, Start: schedule.At(9, 0), End: schedule.At(17, 0)},
			{Days: schedule.Days(time.Friday), Start: schedule.At(16, 0), End: schedule.At(18, 0)},
			{Days: schedule.Days(time.Friday), Start: schedule.At(22, 0), End: schedule.At(2, 0)},
		},
	}
	err := s.Validate()
	fmt.Println(err)
	var ve *schedule.ValidationError
	if errors.As(err, &ve) {
		fmt.Println("first field:", ve.Field)
	}
	// Output:
	// schedule: invalid zone: unknown time zone "Europe/Lodnon"
	// schedule: invalid windows[2]: end 02:00 is not after start 22:00; to cross midnight write the end as 02:00+1
	// schedule: invalid windows[1]: "fri 16:00-18:00" overlaps windows[0] "mon-fri 09:00-17:00" on Friday
	// first field: zone
}

func ExampleSchedule_String() {
	s := schedule.Schedule{
		Name:    "Night line",
		Zone:    "UTC",
		Windows: []schedule.Window{{Days: schedule.Days(time.Friday, time.Saturday), Start: schedule.At(22, 0), End: schedule.At(6, 0), Overnight: true}},
		Holidays: []schedule.Holiday{
			{From: schedule.Date{Month: time.December, Day: 31}, Hours: []schedule.Span{{Start: schedule.At(20, 0), End: schedule.EndOfDay}}},
		},
	}
	fmt.Println(s)
	// Output:
	// name=Night line; tz=UTC; fri,sat 22:00-06:00+1; holiday 12-31 20:00-24:00
}
