// Package schedule says when something is active: weekly time windows,
// holidays and a time zone, as the business-hours and schedule pages of a
// phone portal define them. Call handling, scheduled greetings, scheduled
// twinning and reminders all ask the same question of it: "is this
// schedule active at t, and until when?"
//
// A [Schedule] is the plain value users edit: a name, an IANA zone name,
// [Window] values (a [DaySet], a start and end [TimeOfDay] at minute
// resolution, optionally crossing midnight, or all day) and [Holiday]
// values (a [Date] or an inclusive range, optionally every year, closed or
// with their own hours). It has a compact text form for the command line
// and configuration files ([Schedule.String], [Parse]):
//
//	tz=Europe/Paris; mon-fri 09:00-12:00,13:00-17:00; fri 22:00-02:00+1; holiday 12-25 closed "Christmas"; holiday 2026-12-24..2026-12-31 10:00-12:00
//
// and a JSON form for the API with stable snake_case fields. [Schedule.Validate]
// reports every problem as a *[ValidationError] naming the field (overlapping
// windows name both and the day). [Schedule.Compile] validates and returns a
// [Compiled], which answers [Compiled.ActiveAt] without allocating (per-day
// window lists and holiday tables are built once), [Compiled.NextChange]
// (the next instant the answer flips, exact across daylight-saving changes)
// and [Compiled.Windows] (the active intervals between two instants). See
// [Schedule] for the precise meaning of holidays, overnight windows and
// clock changes.
//
// The package is pure: no goroutines, no globals, no clock of its own; time
// comes in as arguments. It reads nothing itself except the zone, which
// [time.LoadLocation] loads from the system's time zone database (import
// time/tzdata in the program to embed one). It does not do one-off events
// or calendar recurrences beyond "every week" and "every year" (conference
// scheduling with iCalendar lives in package conference), nor "nth weekday
// of the month" holidays such as Easter or Thanksgiving: list those as dated
// holidays.
package schedule
