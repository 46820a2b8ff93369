package callhandling

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func defaultTable(t testing.TB) *CodeTable {
	t.Helper()
	tab, err := NewCodeTable(DefaultCodes())
	if err != nil {
		t.Fatalf("NewCodeTable(DefaultCodes()): %v", err)
	}
	return tab
}

func TestParseDefaultCodes(t *testing.T) {
	tab := defaultTable(t)
	in := func(a Action, code string, k ArgKind, arg string) Intent {
		return Intent{Action: a, Code: code, Kind: k, Arg: arg}
	}
	tests := []struct {
		dialled string
		want    Intent
	}{
		// CooVox forwarding, its own examples.
		{"*71803#", in(ForwardAllSet, "*71", ArgDestination, "803")},
		{"*71855307096#", in(ForwardAllSet, "*71", ArgDestination, "855307096")},
		{"*071#", in(ForwardAllClear, "*071", ArgNone, "")},
		{"*071", in(ForwardAllClear, "*071", ArgNone, "")},
		{"*7210#", in(ForwardBusySet, "*72", ArgDestination, "10")},
		{"*072#", in(ForwardBusyClear, "*072", ArgNone, "")},
		{"*73200#", in(ForwardNoAnswerSet, "*73", ArgDestination, "200")},
		{"*073", in(ForwardNoAnswerClear, "*073", ArgNone, "")},
		{"*770612345678#", in(ForwardUnavailableSet, "*77", ArgDestination, "0612345678")},
		{"*077#", in(ForwardUnavailableClear, "*077", ArgNone, "")},
		{"*74", in(DNDOn, "*74", ArgNone, "")},
		{"*074#", in(DNDOff, "*074", ArgNone, "")},
		{"*75#", in(BlacklistAdd, "*75", ArgDestination, "")},
		{"*75", in(BlacklistAdd, "*75", ArgDestination, "")},
		{"*7590123456#", in(BlacklistAdd, "*75", ArgDestination, "90123456")},
		{"*76#", in(BlacklistLastCaller, "*76", ArgNone, "")},
		{"*075#", in(BlacklistRemove, "*075", ArgDestination, "")},
		{"*07590123456#", in(BlacklistRemove, "*075", ArgDestination, "90123456")},
		// FortiVoice quick modes beside *72.
		{"*720", in(QuickModeCancel, "*720", ArgNone, "")},
		{"*720#", in(QuickModeCancel, "*720", ArgNone, "")},
		{"*721", in(QuickModeOutOfOffice, "*721", ArgNone, "")},
		{"*722", in(QuickModeAway, "*722", ArgNone, "")},
		{"*723#", in(QuickModeOther, "*723", ArgNone, "")},
		{"*7201#", in(ForwardBusySet, "*72", ArgDestination, "01")},
		{"*72100#", in(ForwardBusySet, "*72", ArgDestination, "100")},
		// VoipNow phone lock.
		{"*11", in(PhoneLockToggle, "*11", ArgPassword, "")},
		{"*111234", in(PhoneLockToggle, "*11", ArgPassword, "1234")},
		{"*11123#", in(PhoneLockToggle, "*11", ArgPassword, "123")},
		{"*11123456789012", in(PhoneLockToggle, "*11", ArgPassword, "123456789012")},
		{"*60#", in(VoicemailAny, "*60", ArgNone, "")},
		{"*61#", in(VoicemailOwn, "*61", ArgNone, "")},
		{"*8#", in(CallPickup, "*8", ArgNone, "")},
		{"**410#", in(DirectedPickup, "**", ArgDestination, "410")},
		{"*4", in(CallPark, "*4", ArgNone, "")},
		{"*2", in(Transfer, "*2", ArgDestination, "")},
		{"*2803#", in(Transfer, "*2", ArgDestination, "803")},
		{"*50410#", in(Intercom, "*50", ArgDestination, "410")},
		{"*51410#", in(Page, "*51", ArgDestination, "410")},
		{"*90410#", in(Spy, "*90", ArgDestination, "410")},
		{"*91410#", in(Whisper, "*91", ArgDestination, "410")},
		{"*92410#", in(Barge, "*92", ArgDestination, "410")},
		{"*30", in(RecordStart, "*30", ArgNone, "")},
		{"*31", in(RecordPause, "*31", ArgNone, "")},
		{"*0", in(ConferenceCreate, "*0", ArgNone, "")},
		{"*38", in(ConferenceJoin, "*38", ArgNone, "")},
		{"*95", in(QueuePause, "*95", ArgNone, "")},
		{"*095#", in(QueueResume, "*095", ArgNone, "")},
		{"*55#", in(WakeupMenu, "*55", ArgNone, "")},
		{"*55*03010730#", in(WakeupSet, "*55*", ArgDigits, "03010730")},
		{"*55*03010730", in(WakeupSet, "*55*", ArgDigits, "03010730")},
		{"*055#", in(WakeupCancelAll, "*055", ArgNone, "")},
	}
	seen := map[Action]bool{}
	for _, tt := range tests {
		got, err := tab.Parse(tt.dialled)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.dialled, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.dialled, diff)
		}
		seen[got.Action] = true
	}
	for _, d := range DefaultCodes() {
		if !seen[d.Action] {
			t.Errorf("default code %s (%s) has no valid-argument case", d.Code, d.Action)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tab := defaultTable(t)
	tests := []struct {
		dialled string
		want    *CodeError // nil: ErrNotFeatureCode
	}{
		{"803", nil},
		{"112", nil},
		{"+33123456789", nil},
		{"", nil},
		{"*", nil},
		{"*99", nil},
		{"*3", nil},
		{"#71803#", nil},
		{"*71", &CodeError{Code: "*71", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*71803", &CodeError{Code: "*71", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*718#", &CodeError{Code: "*71", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*71#", &CodeError{Code: "*71", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*7180*3#", &CodeError{Code: "*71", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*71" + strings.Repeat("1", 33) + "#", &CodeError{Code: "*71", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*72", &CodeError{Code: "*72", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*72#", &CodeError{Code: "*72", Reason: "needs a destination of at least 2 digits ending with #"}},
		{"*7205", &CodeError{Code: "*720", Reason: "takes no argument"}},
		{"*720##", &CodeError{Code: "*720", Reason: "takes no argument"}},
		{"*0715#", &CodeError{Code: "*071", Reason: "takes no argument"}},
		{"*74 ", &CodeError{Code: "*74", Reason: "takes no argument"}},
		{"*7512", &CodeError{Code: "*75", Reason: "takes nothing (to be asked for it) or a destination of at least 2 digits ending with #"}},
		{"*1112", &CodeError{Code: "*11", Reason: "takes nothing (to be asked for it) or a password of 3 to 12 digits"}},
		{"*111234567890123", &CodeError{Code: "*11", Reason: "takes nothing (to be asked for it) or a password of 3 to 12 digits"}},
		{"*55*0301", &CodeError{Code: "*55*", Reason: "needs 8 digits"}},
		{"*55*030107301#", &CodeError{Code: "*55*", Reason: "needs 8 digits"}},
		{"**#", &CodeError{Code: "**", Reason: "needs a destination of at least 2 digits ending with #"}},
	}
	for _, tt := range tests {
		got, err := tab.Parse(tt.dialled)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", tt.dialled, got)
			continue
		}
		if tt.want == nil {
			if !errors.Is(err, ErrNotFeatureCode) {
				t.Errorf("Parse(%q) error = %v, want ErrNotFeatureCode", tt.dialled, err)
			}
			continue
		}
		var ce *CodeError
		if !errors.As(err, &ce) {
			t.Errorf("Parse(%q) error = %v, want *CodeError", tt.dialled, err)
			continue
		}
		tt.want.Dialled = tt.dialled
		if diff := cmp.Diff(tt.want, ce); diff != "" {
			t.Errorf("Parse(%q) error mismatch (-want +got):\n%s", tt.dialled, diff)
		}
	}
}

func TestCodeErrorMessage(t *testing.T) {
	_, err := defaultTable(t).Parse("*725#")
	want := `callhandling: *72 needs a destination of at least 2 digits ending with # (dialled "*725#")`
	if err == nil || err.Error() != want {
		t.Errorf("Parse(*725#) error = %v, want %s", err, want)
	}
}

func TestNewCodeTableAmbiguity(t *testing.T) {
	tests := []struct {
		name string
		defs []CodeDef
		want *AmbiguityError // nil: accepted
	}{
		{
			name: "destination needs # so *72 and *720 coexist",
			defs: []CodeDef{{Code: "*72", Action: ForwardBusySet, Arg: ArgDestination}, {Code: "*720", Action: QuickModeCancel}},
		},
		{
			name: "unterminated digits swallow a longer code",
			defs: []CodeDef{{Code: "*7", Action: DNDToggle, Arg: ArgDigits}, {Code: "*72", Action: QuickModeCancel}},
			want: &AmbiguityError{
				A:       CodeDef{Code: "*7", Action: DNDToggle, Arg: ArgDigits},
				B:       CodeDef{Code: "*72", Action: QuickModeCancel},
				Dialled: "*72",
			},
		},
		{
			name: "a one-digit destination reads *720# twice",
			defs: []CodeDef{{Code: "*72", Action: ForwardBusySet, Arg: ArgDestination, Min: 1}, {Code: "*720", Action: QuickModeCancel}},
			want: &AmbiguityError{
				A:       CodeDef{Code: "*72", Action: ForwardBusySet, Arg: ArgDestination, Min: 1},
				B:       CodeDef{Code: "*720", Action: QuickModeCancel},
				Dialled: "*720#",
			},
		},
		{
			name: "two destinations, one code a prefix of the other",
			defs: []CodeDef{{Code: "*7", Action: ForwardAllSet, Arg: ArgDestination}, {Code: "*72", Action: ForwardBusySet, Arg: ArgDestination}},
			want: &AmbiguityError{
				A:       CodeDef{Code: "*7", Action: ForwardAllSet, Arg: ArgDestination},
				B:       CodeDef{Code: "*72", Action: ForwardBusySet, Arg: ArgDestination},
				Dialled: "*7200#",
			},
		},
		{
			name: "fixed-length digits end before the longer code's argument",
			defs: []CodeDef{{Code: "*5", Action: WakeupSet, Arg: ArgDigits, Min: 2, Max: 2}, {Code: "*50", Action: Intercom, Arg: ArgDestination}},
		},
		{
			name: "fixed-length digits end before a longer code with no argument",
			defs: []CodeDef{{Code: "*5", Action: WakeupSet, Arg: ArgDigits, Min: 2, Max: 2}, {Code: "*5012", Action: Intercom}},
		},
		{
			name: "fixed-length digits spell a longer code with no argument",
			defs: []CodeDef{{Code: "*5", Action: WakeupSet, Arg: ArgDigits, Min: 2, Max: 2}, {Code: "*501", Action: Intercom}},
			want: &AmbiguityError{
				A:       CodeDef{Code: "*5", Action: WakeupSet, Arg: ArgDigits, Min: 2, Max: 2},
				B:       CodeDef{Code: "*501", Action: Intercom},
				Dialled: "*501",
			},
		},
		{
			name: "fixed-length digits equal to a longer code",
			defs: []CodeDef{{Code: "*5", Action: WakeupSet, Arg: ArgDigits, Min: 2, Max: 2}, {Code: "*50", Action: Intercom, Arg: ArgDigits, Min: 1, Optional: true}},
			want: &AmbiguityError{
				A:       CodeDef{Code: "*5", Action: WakeupSet, Arg: ArgDigits, Min: 2, Max: 2},
				B:       CodeDef{Code: "*50", Action: Intercom, Arg: ArgDigits, Min: 1, Optional: true},
				Dialled: "*500",
			},
		},
		{
			name: "a password after *0 reads like *075 and a destination",
			defs: []CodeDef{{Code: "*0", Action: ConferenceCreate, Arg: ArgPassword}, {Code: "*075", Action: BlacklistRemove, Arg: ArgDestination, Optional: true}},
			want: &AmbiguityError{
				A:       CodeDef{Code: "*0", Action: ConferenceCreate, Arg: ArgPassword},
				B:       CodeDef{Code: "*075", Action: BlacklistRemove, Arg: ArgDestination, Optional: true},
				Dialled: "*07500#", // password 7500, or destination 00
			},
		},
		{
			name: "codes that part ways",
			defs: []CodeDef{{Code: "*8", Action: CallPickup, Arg: ArgDigits}, {Code: "**", Action: DirectedPickup, Arg: ArgDestination}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCodeTable(tt.defs)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("NewCodeTable: %v, want success", err)
				}
				return
			}
			var ae *AmbiguityError
			if !errors.As(err, &ae) {
				t.Fatalf("NewCodeTable error = %v, want *AmbiguityError", err)
			}
			if diff := cmp.Diff(tt.want, ae); diff != "" {
				t.Errorf("AmbiguityError mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tt.want.A.Code) || !strings.Contains(err.Error(), tt.want.B.Code) {
				t.Errorf("error %q does not name both codes", err)
			}
		})
	}
}

func TestAmbiguityErrorMessage(t *testing.T) {
	_, err := NewCodeTable([]CodeDef{{Code: "*7", Action: DNDToggle, Arg: ArgDigits}, {Code: "*72", Action: QuickModeCancel}})
	want := `callhandling: feature codes *7 (DNDToggle, digits of 1-32 digits with optional #) and *72 (QuickModeCancel, no argument) are ambiguous: "*72" matches both`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

// TestDefaultCodesExhaustive reads every string of up to 7 keys that
// begins with '*' and checks that at most one default code accepts it,
// and that Parse succeeds exactly then: a brute-force check of what
// NewCodeTable proves by analysis.
func TestDefaultCodesExhaustive(t *testing.T) {
	tab := defaultTable(t)
	buf := []byte{'*'}
	var walk func()
	walk = func() {
		s := string(buf)
		n := 0
		for _, d := range tab.defs {
			if strings.HasPrefix(s, d.Code) {
				if _, ok := d.match(s[len(d.Code):]); ok {
					n++
				}
			}
		}
		if n > 1 {
			t.Fatalf("%q is accepted by %d default codes", s, n)
		}
		if _, err := tab.Parse(s); (err == nil) != (n == 1) {
			t.Fatalf("Parse(%q) error %v, but %d codes accept it", s, err, n)
		}
		if len(buf) == 7 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			buf = append(buf, alphabet[i])
			walk()
			buf = buf[:len(buf)-1]
		}
	}
	walk()
}

func TestNewCodeTableInvalidDefs(t *testing.T) {
	ok := CodeDef{Code: "*74", Action: DNDOn}
	tests := []struct {
		def    CodeDef
		reason string
	}{
		{CodeDef{Action: DNDOn}, "empty code"},
		{CodeDef{Code: "74", Action: DNDOn}, "code must start with *"},
		{CodeDef{Code: "*", Action: DNDOn}, "code must have at least one digit or * after the first *"},
		{CodeDef{Code: "*7#", Action: DNDOn}, `code may hold only digits and *, not '#'`},
		{CodeDef{Code: "*7a", Action: DNDOn}, `code may hold only digits and *, not 'a'`},
		{CodeDef{Code: "*75"}, "unknown action Unknown"},
		{CodeDef{Code: "*75", Action: actionEnd}, "unknown action Action(40)"},
		{CodeDef{Code: "*75", Action: DNDOn, Arg: argKindEnd}, "unknown argument kind ArgKind(4)"},
		{CodeDef{Code: "*75", Action: DNDOn, Max: 3}, "a code with no argument takes no Min, Max or Optional"},
		{CodeDef{Code: "*75", Action: DNDOn, Optional: true}, "a code with no argument takes no Min, Max or Optional"},
		{CodeDef{Code: "*75", Action: BlacklistAdd, Arg: ArgDestination, Min: 5, Max: 4}, "argument bounds 5-4: need 1 <= Min <= Max <= 32"},
		{CodeDef{Code: "*75", Action: BlacklistAdd, Arg: ArgDigits, Max: 33}, "argument bounds 1-33: need 1 <= Min <= Max <= 32"},
		{CodeDef{Code: "*75", Action: BlacklistAdd, Arg: ArgDigits, Min: -1}, "argument bounds -1-32: need 1 <= Min <= Max <= 32"},
		{CodeDef{Code: "*74", Action: DNDOff}, "code already defined by feature code 0 (DNDOn)"},
	}
	for _, tt := range tests {
		_, err := NewCodeTable([]CodeDef{ok, tt.def})
		var de *DefError
		if !errors.As(err, &de) {
			t.Errorf("NewCodeTable(%+v) error = %v, want *DefError", tt.def, err)
			continue
		}
		want := &DefError{Index: 1, Code: tt.def.Code, Reason: tt.reason}
		if diff := cmp.Diff(want, de); diff != "" {
			t.Errorf("NewCodeTable(%+v) mismatch (-want +got):\n%s", tt.def, diff)
		}
	}
}

func TestNewCodeTableCopiesDefs(t *testing.T) {
	defs := DefaultCodes()
	tab := defaultTable(t)
	defs[0].Code = "*99"
	if _, err := tab.Parse("*71803#"); err != nil {
		t.Errorf("table changed with the caller's slice: %v", err)
	}
	if diff := cmp.Diff(DefaultCodes(), tab.Defs()); diff != "" {
		t.Errorf("Defs mismatch (-want +got):\n%s", diff)
	}
}

func TestMayContinue(t *testing.T) {
	tab := defaultTable(t)
	tests := []struct {
		dialled string
		want    bool
	}{
		{"", false},
		{"8", false},
		{"803", false},
		{"*", true},
		{"*7", true},
		{"*71", true},
		{"*7180", true},
		{"*71803", true},
		{"*71803#", false},
		{"*72", true},    // *720..*723, or a destination
		{"*720", true},   // complete, but *7201# is a destination
		{"*720#", false}, // the # ends it
		{"*74", false},   // complete; "#" alone adds nothing
		{"*74#", false},
		{"*741", false}, // dead
		{"*75", true},   // complete (to be asked), or a number
		{"*11", true},
		{"*11123", true},
		{"*11123456789012", false}, // password at its 12-digit maximum
		{"*55*0301073", true},
		{"*55*03010730", false},
		{"*99", false},
		{"**", true},
		{"*0", true}, // *071, *074, ...
		{"*07", true},
		{"*071", false},
		{"*71" + strings.Repeat("1", 32), true},  // only the # is missing
		{"*71" + strings.Repeat("1", 33), false}, // too long already
	}
	for _, tt := range tests {
		if got := tab.MayContinue(tt.dialled); got != tt.want {
			t.Errorf("MayContinue(%q) = %v, want %v", tt.dialled, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tab := defaultTable(t)
	tests := []struct {
		in   Intent
		want string
	}{
		{Intent{Action: ForwardAllSet, Code: "*71", Kind: ArgDestination, Arg: "803"}, "*71803#"},
		{Intent{Action: DNDOn, Code: "*74"}, "*74"},
		{Intent{Action: BlacklistAdd, Code: "*75", Kind: ArgDestination}, "*75"},
		{Intent{Action: WakeupSet, Code: "*55*", Kind: ArgDigits, Arg: "03010730"}, "*55*03010730#"},
	}
	for _, tt := range tests {
		got, err := tab.Format(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Format(%+v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []Intent{
		{Action: ForwardAllSet, Code: "*99", Kind: ArgDestination, Arg: "803"},
		{Action: ForwardBusySet, Code: "*71", Kind: ArgDestination, Arg: "803"},
		{Action: ForwardAllSet, Code: "*71", Kind: ArgDestination},
		{Action: ForwardAllSet, Code: "*71", Kind: ArgDestination, Arg: "8"},
		{Action: ForwardAllSet, Code: "*71", Kind: ArgDestination, Arg: "80#"},
		{Action: DNDOn, Code: "*74", Arg: "1"},
	}
	for _, in := range bad {
		if got, err := tab.Format(in); err == nil {
			t.Errorf("Format(%+v) = %q, want an error", in, got)
		}
	}
}

func TestLookup(t *testing.T) {
	tab := defaultTable(t)
	got, ok := tab.Lookup(ForwardBusySet)
	if diff := cmp.Diff(CodeDef{Code: "*72", Action: ForwardBusySet, Arg: ArgDestination}, got); !ok || diff != "" {
		t.Errorf("Lookup(ForwardBusySet) mismatch (-want +got):\n%s", diff)
	}
	if _, ok := tab.Lookup(DNDToggle); ok {
		t.Error("Lookup(DNDToggle) found a code; the default table has none")
	}
}

func TestIntentNeedsArg(t *testing.T) {
	tab := defaultTable(t)
	for dialled, want := range map[string]bool{"*75#": true, "*11": true, "*75123#": false, "*74": false} {
		in, err := tab.Parse(dialled)
		if err != nil {
			t.Fatal(err)
		}
		if in.NeedsArg() != want {
			t.Errorf("Parse(%q).NeedsArg() = %v, want %v", dialled, !want, want)
		}
	}
}

func TestCodeDefJSON(t *testing.T) {
	defs := DefaultCodes()
	b, err := json.Marshal(defs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `{"code":"*72","action":"ForwardBusySet","arg":"destination"}`) {
		t.Errorf("JSON does not spell *72 by name: %s", b)
	}
	var back []CodeDef
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(defs, back); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`[{"code":"*1","action":"Nope"}]`), &back); err == nil {
		t.Error("unknown action name accepted")
	}
	if err := json.Unmarshal([]byte(`[{"code":"*1","action":"DNDOn","arg":"nope"}]`), &back); err == nil {
		t.Error("unknown argument kind accepted")
	}
}

func TestActionString(t *testing.T) {
	for a := ActionUnknown; a < actionEnd; a++ {
		var back Action
		if err := back.UnmarshalText([]byte(a.String())); err != nil || back != a {
			t.Errorf("Action %d: String %q reads back as %v, %v", a, a.String(), back, err)
		}
	}
	if got := Action(200).String(); got != "Action(200)" {
		t.Errorf("Action(200).String() = %q", got)
	}
	if _, err := Action(200).MarshalText(); err == nil {
		t.Error("MarshalText of an undefined action succeeded")
	}
}

func TestParseAllocs(t *testing.T) {
	tab := defaultTable(t)
	for _, d := range []string{"*71803#", "*720", "803", "*99"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = tab.Parse(d) }); n != 0 {
			t.Errorf("Parse(%q) allocates %v times, want 0", d, n)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	tab := defaultTable(b)
	for _, d := range []string{"*71855307096#", "*720", "0612345678"} {
		b.Run(d, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tab.Parse(d); err != nil && !errors.Is(err, ErrNotFeatureCode) {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNewCodeTableDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewCodeTable(DefaultCodes()); err != nil {
			b.Fatal(err)
		}
	}
}
