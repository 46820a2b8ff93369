package phonenumber_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pn "github.com/telekit/telekit/phonenumber"
)

const (
	D = pn.Dialled
	R = pn.Received
)

func intl(cc, digits string) pn.Number {
	return pn.Number{Kind: pn.International, CountryCode: cc, Digits: digits}
}

func natl(cc, digits string) pn.Number {
	return pn.Number{Kind: pn.National, CountryCode: cc, Digits: digits}
}

func ext(n pn.Number, e string) pn.Number { n.Ext = e; return n }

func kind(k pn.Kind, digits string) pn.Number { return pn.Number{Kind: k, Digits: digits} }

type parseCase struct {
	in   string
	as   pn.Context
	want pn.Number
}

func runParse(t *testing.T, p pn.Plan, tests []parseCase) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		got, err := pn.Parse(p, tt.in, tt.as)
		if err != nil {
			t.Errorf("Parse(%q, %v): %v", tt.in, tt.as, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q, %v) mismatch (-want +got):\n%s", tt.in, tt.as, diff)
		}
	}
}

// Formats from the seed manuals (CommPortal: "858-635-4357", "entered in
// any format … the full 10 digit number"; FortiVoice: "707-013-7030",
// "707 013 7030"), Outlook and Google contact exports, and caller ID as
// SIP providers send it.
func TestParseNANP(t *testing.T) {
	us := natl("1", "5551234567")
	runParse(t, nanp(), []parseCase{
		{"(555) 123-4567", R, us},
		{"+1 555-123-4567", R, intl("1", "5551234567")},
		{"+1 (555) 123-4567", R, intl("1", "5551234567")},
		{"1-555-123-4567", R, us},
		{"1 (555) 123-4567", R, us},
		{"555.123.4567", R, us},
		{"555/123-4567", R, us},
		{"5551234567", R, us},
		{"15551234567", R, us},
		{"  555 123 4567\t", R, us},
		{"555\u00a0123\u00a04567", R, us}, // no-break spaces from a word processor
		{"555\u2011123\u20134567", R, us}, // non-breaking hyphen and en dash
		{"555.123.4567 ext. 12", R, ext(us, "12")},
		{"555-123-4567 x12", R, ext(us, "12")},
		{"555-123-4567 X 12", R, ext(us, "12")},
		{"(555) 123-4567 Ext: 1234", R, ext(us, "1234")},
		{"555 123 4567 extension 7", R, ext(us, "7")},
		{"858-635-4357", R, natl("1", "8586354357")},
		{"707-013-7030", R, natl("1", "7070137030")},
		{"707 013 7030", D, natl("1", "7070137030")},
		{"+15551234567", R, intl("1", "5551234567")},
		{"sip:+15551234567@trunk.example;user=phone", R, intl("1", "5551234567")},
		{"sips:+15551234567;npdi@trunk.example", R, intl("1", "5551234567")},
		{"SIP:5551234567@10.0.0.1:5060", R, us},
		{"tel:+1-555-123-4567", R, intl("1", "5551234567")},
		{"tel:+1-555-123-4567;ext=12", R, ext(intl("1", "5551234567"), "12")},
		{"sip:101@pbx.example", R, kind(pn.Extension, "101")},
		{"sip:101:secret@pbx.example", R, kind(pn.Extension, "101")},
		// Dialled from a desk phone.
		{"101", D, kind(pn.Extension, "101")},
		{"7101", D, kind(pn.Extension, "7101")},
		{"9411", D, kind(pn.Extension, "9411")}, // four digits: extensions win over the outside line
		{"9 1 555 123 4567", D, us},
		{"9 555 123 4567", D, us},
		{"9-1-555-123-4567", D, us},
		{"917 555 1234", D, natl("1", "9175551234")},   // New York, dialled without the 9
		{"9 917 555 1234", D, natl("1", "9175551234")}, // and with it
		{"9 011 44 20 7946 0000", D, intl("44", "2079460000")},
		{"011 33 6 12 34 56 78", D, intl("33", "612345678")},
		{"9+44 20 7946 0000", D, intl("44", "2079460000")},
		{"+33 6 12 34 56 78", D, intl("33", "612345678")},
		{"9 555 1234", D, kind(pn.KindUnknown, "5551234")}, // seven-digit local dialling
		{"5551234", R, kind(pn.KindUnknown, "5551234")},
		// Emergency numbers win over extensions and outside lines.
		{"911", D, kind(pn.Emergency, "911")},
		{"9 911", D, kind(pn.Emergency, "911")},
		{"9-1-1", D, kind(pn.Emergency, "911")},
		{"911", R, kind(pn.Emergency, "911")},
		// Service and feature codes are not numbers.
		{"*72803#", D, kind(pn.Service, "*72803#")},
		{"*71855307096#", D, kind(pn.Service, "*71855307096#")}, // CooVox: forward all calls through the 9 line
		{"*55*03010730#", D, kind(pn.Service, "*55*03010730#")},
		{"#21#", D, kind(pn.Service, "#21#")},
		{"*720", D, kind(pn.Service, "*720")},
		// Country codes of every length.
		{"+7 495 123-45-67", R, intl("7", "4951234567")},
		{"+852 2123 4567", R, intl("852", "21234567")},
		{"+1 242 357 1234", R, intl("1", "2423571234")}, // the Bahamas are NANP
		{"+49 30 1234567", R, intl("49", "301234567")},
		{"+353 1 234 5678", R, intl("353", "12345678")},
		{"011 886 2 1234 5678", R, intl("886", "212345678")},
	})
}

func TestParseFrance(t *testing.T) {
	mobile := natl("33", "612345678")
	runParse(t, france(), []parseCase{
		{"+33 6 12 34 56 78", R, intl("33", "612345678")},
		{"+33 (0)6 12 34 56 78", R, intl("33", "612345678")},
		{"0033612345678", R, intl("33", "612345678")},
		{"00 33 6 12 34 56 78", D, intl("33", "612345678")},
		{"33612345678", R, intl("33", "612345678")}, // caller ID without '+'
		{"06 12 34 56 78", R, mobile},
		{"06.12.34.56.78", R, mobile},
		{"06-12-34-56-78", R, mobile},
		{"0612345678", R, mobile},
		{"612345678", R, mobile},
		{"06 12 34 56 78 poste 204", R, ext(mobile, "204")},
		{"9 06 12 34 56 78", D, mobile},
		{"906 12 34 56 78", D, mobile},
		{"0800 123 456", R, natl("33", "800123456")},
		{"01 23 45 67 89", D, natl("33", "123456789")},
		{"112", D, kind(pn.Emergency, "112")},
		{"9112", D, kind(pn.Emergency, "112")},
		{"15", D, kind(pn.Emergency, "15")},
		{"3232", D, kind(pn.Extension, "3232")},
		{"204", R, kind(pn.Extension, "204")},
		{"9 3631", D, kind(pn.KindUnknown, "3631")}, // a short service number dialled out
		{"+44 (0)20 7946 0000", R, intl("44", "2079460000")},
	})
}

func TestParseFranceZeroOutside(t *testing.T) {
	mobile := natl("33", "612345678")
	runParse(t, franceZero(), []parseCase{
		{"0 06 12 34 56 78", D, mobile},
		{"06 12 34 56 78", D, mobile}, // the outside 0 forgotten: same number
		{"06 12 34 56 78", R, mobile},
		{"0 00 44 20 7946 0000", D, intl("44", "2079460000")},
		{"00 44 20 7946 0000", D, intl("44", "2079460000")}, // outside 0 forgotten
		{"0112", D, kind(pn.Emergency, "112")},
		{"0 17", D, kind(pn.Emergency, "17")},
		{"0 3631", D, kind(pn.KindUnknown, "3631")},
	})
}

func TestParseUK(t *testing.T) {
	runParse(t, uk(), []parseCase{
		{"07911 123456", R, natl("44", "7911123456")},
		{"+44 7911 123456", R, intl("44", "7911123456")},
		{"+44 (0)20 7946 0000", R, intl("44", "2079460000")},
		{"020 7946 0000", R, natl("44", "2079460000")},
		{"(020) 7946 0000", R, natl("44", "2079460000")},
		{"9 020 7946 0000", D, natl("44", "2079460000")},
		{"0044 20 7946 0000", R, intl("44", "2079460000")},
		{"00 1 555 123 4567", R, intl("1", "5551234567")},
		{"999", D, kind(pn.Emergency, "999")},
		{"9 999", D, kind(pn.Emergency, "999")},
		{"112", D, kind(pn.Emergency, "112")},
		{"250", D, kind(pn.Extension, "250")},
		{"5042", R, kind(pn.Extension, "5042")},
		{"350", D, kind(pn.KindUnknown, "350")},   // outside the extension blocks
		{"9 101", D, kind(pn.KindUnknown, "101")}, // police non-emergency line
		{"118 118", D, kind(pn.KindUnknown, "118118")},
	})
}

func TestParseZeroPlan(t *testing.T) {
	runParse(t, pn.Plan{}, []parseCase{
		{"+33 6 12 34 56 78", R, intl("33", "612345678")},
		{"06 12 34 56 78", R, kind(pn.KindUnknown, "0612345678")},
		{"101", D, kind(pn.KindUnknown, "101")},
		{"*74", D, kind(pn.Service, "*74")},
	})
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		plan   pn.Plan
		in     string
		as     pn.Context
		reason string
	}{
		{nanp(), "", R, "empty"},
		{nanp(), "   ", R, "empty"},
		{nanp(), "1-800-FLOWERS", D, "contains letters"},
		{nanp(), "anonymous", R, "contains letters"},
		{nanp(), "sip:alice@pbx.example", R, "contains letters"},
		{nanp(), "sip:pbx.example", R, "SIP URI without a user part"},
		{nanp(), "+", R, "no digits after '+'"},
		{nanp(), "+1", R, "no number after the country code"},
		{nanp(), "+0 123 4567", R, "country code cannot start with 0"},
		{nanp(), "555-1234#", D, `'#' may only start a service code`},
		{nanp(), "555*1234", D, `'*' may only start a service code`},
		{nanp(), "12+34", R, "'+' in the middle"},
		{nanp(), "+1 555 +123", R, "'+' in the middle"},
		{nanp(), "*72 803#", D, "service code may contain only"},
		{nanp(), "1234567890123456", R, "more than 15 digits"},
		{nanp(), "+1234567890123456", R, "more than 15 digits"},
		{nanp(), "011 1234567890123456", D, "more than 15 digits"},
		{nanp(), strings.Repeat("1", 40), R, "more than 15 digits"},
		{nanp(), strings.Repeat(" ", 30) + "555" + strings.Repeat("-", 70), R, "longer than 64"},
		{nanp(), "9", D, "nothing after the outside-line prefix"},
		{nanp(), "()- .", R, "no digits"},
		{nanp(), "555-123-4567 ext", R, "no digits after the extension"},
		{nanp(), "555-123-4567 ext 12a", R, "the extension must be digits"},
		{nanp(), "555-123-4567 ext 123456789", R, "extension longer than 8"},
		{nanp(), "tel:+15551234567;ext=", R, "empty ext parameter"},
		{nanp(), "tel:+15551234567 x1;ext=2", R, "two extensions"},
		{nanp(), "555,123,4567", R, "unexpected character ','"},
		{nanp(), "555\u00b7123", R, "unexpected character"},
		{nanp(), "5551234567", pn.ContextUnknown, "unknown context"},
	}
	for _, tt := range tests {
		n, err := pn.Parse(tt.plan, tt.in, tt.as)
		var pe *pn.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %+v, %v; want a *ParseError", tt.in, n, err)
			continue
		}
		if pe.Input != tt.in || !strings.Contains(pe.Reason, tt.reason) {
			t.Errorf("Parse(%q) error = %+v, want Input %q and a Reason containing %q", tt.in, pe, tt.in, tt.reason)
		}
		if n != (pn.Number{}) {
			t.Errorf("Parse(%q) returned %+v with its error, want the zero Number", tt.in, n)
		}
	}
}

func TestKindAndContextString(t *testing.T) {
	got := []string{pn.KindUnknown.String(), pn.Extension.String(), pn.National.String(), pn.International.String(),
		pn.Emergency.String(), pn.Service.String(), pn.Kind(99).String(),
		pn.ContextUnknown.String(), pn.Dialled.String(), pn.Received.String(), pn.Context(7).String()}
	want := []string{"unknown", "extension", "national", "international", "emergency", "service", "Kind(99)",
		"unknown", "dialled", "received", "Context(7)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names mismatch (-want +got):\n%s", diff)
	}
}
