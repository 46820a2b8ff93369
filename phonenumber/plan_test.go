package phonenumber_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	pn "github.com/telekit/telekit/phonenumber"
)

// Plans the tests use, as an administrator would configure them.
func nanp() pn.Plan {
	return pn.Plan{
		CountryCode:           "1",
		TrunkPrefix:           "1",
		InternationalPrefixes: []string{"011"},
		OutsidePrefixes:       []string{"9"},
		NationalLengths:       pn.Lengths{Min: 10, Max: 10},
		ExtensionLengths:      pn.Lengths{Min: 3, Max: 4},
		Emergency:             []string{"911"},
		Grouping:              []int{1, 3, 3},
	}
}

// france dials out with 9, as the brief's example does.
func france() pn.Plan {
	return pn.Plan{
		CountryCode:           "33",
		TrunkPrefix:           "0",
		InternationalPrefixes: []string{"00"},
		OutsidePrefixes:       []string{"9"},
		NationalLengths:       pn.Lengths{Min: 9, Max: 9},
		ExtensionLengths:      pn.Lengths{Min: 3, Max: 4},
		Emergency:             []string{"112", "15", "17", "18"},
		Grouping:              []int{2, 2, 2, 2},
	}
}

// franceZero dials out with 0, as many French PBXs do: the outside-line
// prefix is also the trunk prefix and the start of the international one.
func franceZero() pn.Plan {
	p := france()
	p.OutsidePrefixes = []string{"0"}
	return p
}

// uk has explicit extension blocks instead of lengths.
func uk() pn.Plan {
	return pn.Plan{
		CountryCode:           "44",
		TrunkPrefix:           "0",
		InternationalPrefixes: []string{"00"},
		OutsidePrefixes:       []string{"9"},
		NationalLengths:       pn.Lengths{Min: 9, Max: 10},
		ExtensionRanges:       []pn.Range{{First: "200", Last: "299"}, {First: "5000", Last: "5099"}},
		Emergency:             []string{"999", "112"},
		Grouping:              []int{5},
	}
}

func TestPlanValidate(t *testing.T) {
	for name, p := range map[string]pn.Plan{"nanp": nanp(), "france": france(), "franceZero": franceZero(), "uk": uk(), "zero": {}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
	tests := []struct {
		name  string
		edit  func(*pn.Plan)
		field string
	}{
		{"country code with +", func(p *pn.Plan) { p.CountryCode = "+1" }, "CountryCode"},
		{"country code too long", func(p *pn.Plan) { p.CountryCode = "3312" }, "CountryCode"},
		{"country code not a code", func(p *pn.Plan) { p.CountryCode = "4" }, "CountryCode"},
		{"country code starts with 0", func(p *pn.Plan) { p.CountryCode = "0" }, "CountryCode"},
		{"trunk prefix letters", func(p *pn.Plan) { p.TrunkPrefix = "O" }, "TrunkPrefix"},
		{"empty international prefix", func(p *pn.Plan) { p.InternationalPrefixes = []string{""} }, "InternationalPrefixes"},
		{"long outside prefix", func(p *pn.Plan) { p.OutsidePrefixes = []string{"12345"} }, "OutsidePrefixes"},
		{"national lengths reversed", func(p *pn.Plan) { p.NationalLengths = pn.Lengths{Min: 10, Max: 9} }, "NationalLengths"},
		{"national lengths too long", func(p *pn.Plan) { p.NationalLengths = pn.Lengths{Min: 10, Max: 15} }, "NationalLengths"},
		{"trunk prefix without lengths", func(p *pn.Plan) { p.NationalLengths = pn.Lengths{} }, "NationalLengths"},
		{"extension lengths reversed", func(p *pn.Plan) { p.ExtensionLengths = pn.Lengths{Min: 4, Max: 3} }, "ExtensionLengths"},
		{"extensions as long as national numbers", func(p *pn.Plan) { p.ExtensionLengths = pn.Lengths{Min: 3, Max: 10} }, "ExtensionLengths"},
		{"range of two lengths", func(p *pn.Plan) { p.ExtensionRanges = []pn.Range{{First: "100", Last: "1999"}} }, "ExtensionRanges"},
		{"range reversed", func(p *pn.Plan) { p.ExtensionRanges = []pn.Range{{First: "199", Last: "100"}} }, "ExtensionRanges"},
		{"emergency with letters", func(p *pn.Plan) { p.Emergency = []string{"91l"} }, "Emergency"},
		{"emergency as long as a national number", func(p *pn.Plan) { p.NationalLengths = pn.Lengths{Min: 3, Max: 10}; p.ExtensionLengths = pn.Lengths{} }, "Emergency"},
		{"zero group", func(p *pn.Plan) { p.Grouping = []int{3, 0} }, "Grouping"},
	}
	for _, tt := range tests {
		p := nanp()
		tt.edit(&p)
		err := p.Validate()
		var ve *pn.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: Validate() = %v, want a *ValidationError", tt.name, err)
			continue
		}
		if ve.Field != tt.field {
			t.Errorf("%s: Field = %q, want %q (%v)", tt.name, ve.Field, tt.field, err)
		}
	}
}

func TestIsEmergency(t *testing.T) {
	tests := []struct {
		plan pn.Plan
		in   string
		want bool
	}{
		{nanp(), "911", true},
		{nanp(), "9 911", true},
		{nanp(), "9-1-1", true},
		{nanp(), "9911", true}, // a four-digit "extension" 9911 would be ambiguous: emergency wins
		{nanp(), "912", false},
		{nanp(), "+1 911", false},
		{france(), "112", true},
		{france(), "15", true},
		{france(), "9 18", true},
		{franceZero(), "0112", true},
		{uk(), "999", true},
		{uk(), "9999", true},
		{uk(), "101", false},
		{uk(), "", false},
	}
	for _, tt := range tests {
		if got := tt.plan.IsEmergency(tt.in); got != tt.want {
			t.Errorf("IsEmergency(%q) under %s = %v, want %v", tt.in, tt.plan.CountryCode, got, tt.want)
		}
	}
}

func TestFormatAndNational(t *testing.T) {
	tests := []struct {
		plan           pn.Plan
		in             string
		as             pn.Context
		format, nation string
		e164, str      string
	}{
		{france(), "+33 6 12 34 56 78", pn.Received, "06 12 34 56 78", "0612345678", "+33612345678", "+33 612 345 678"},
		{france(), "9 06 12 34 56 78", pn.Dialled, "06 12 34 56 78", "0612345678", "+33612345678", "+33 612 345 678"},
		{france(), "+1 555 123 4567", pn.Received, "+1 555 123 4567", "0015551234567", "+15551234567", "+1 555 123 4567"},
		{nanp(), "(555) 123-4567", pn.Received, "1 555 123 4567", "15551234567", "+15551234567", "+1 555 123 4567"},
		{nanp(), "555.123.4567 ext. 12", pn.Received, "1 555 123 4567 ext. 12", "15551234567", "+15551234567", "+1 555 123 4567 ext. 12"},
		{nanp(), "+44 20 7946 0000", pn.Received, "+44 207 946 0000", "011442079460000", "+442079460000", "+44 207 946 0000"},
		{uk(), "07911 123456", pn.Received, "07911 123456", "07911123456", "+447911123456", "+44 791 112 3456"},
		{uk(), "250", pn.Dialled, "250", "250", "", "250"},
		{uk(), "9 999", pn.Dialled, "999", "999", "", "999"},
		{uk(), "*72803#", pn.Dialled, "*72803#", "*72803#", "", "*72803#"},
		{uk(), "9 101", pn.Dialled, "101", "101", "", "101"},
		{pn.Plan{}, "0612345678", pn.Received, "0612345678", "0612345678", "", "0612345678"},
		{pn.Plan{TrunkPrefix: "0", NationalLengths: pn.Lengths{Min: 9, Max: 9}}, "0612345678", pn.Received, "0 612 345 678", "0612345678", "", "612345678"},
	}
	for _, tt := range tests {
		n, err := pn.Parse(tt.plan, tt.in, tt.as)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got := []string{tt.plan.Format(n), tt.plan.National(n), n.E164(), n.String()}
		want := []string{tt.format, tt.nation, tt.e164, tt.str}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: [Format National E164 String] mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}
