package phonenumber_test

import (
	"errors"
	"fmt"

	"github.com/telekit/telekit/phonenumber"
)

// A French PBX: users dial 9 for an outside line, extensions have three or
// four digits. The same mobile number written four ways is one number.
func Example() {
	plan := phonenumber.Plan{
		CountryCode:           "33",
		TrunkPrefix:           "0",
		InternationalPrefixes: []string{"00"},
		OutsidePrefixes:       []string{"9"},
		NationalLengths:       phonenumber.Lengths{Min: 9, Max: 9},
		ExtensionLengths:      phonenumber.Lengths{Min: 3, Max: 4},
		Emergency:             []string{"112", "15", "17", "18"},
		Grouping:              []int{2, 2, 2, 2},
	}
	if err := plan.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	contact, _ := phonenumber.Parse(plan, "06 12 34 56 78", phonenumber.Received)
	for _, in := range []struct {
		s  string
		as phonenumber.Context
	}{
		{"+33 6 12 34 56 78", phonenumber.Received},
		{"0033612345678", phonenumber.Received},
		{"9 06 12 34 56 78", phonenumber.Dialled},
		{"204", phonenumber.Dialled},
		{"9 112", phonenumber.Dialled},
	} {
		n, err := phonenumber.Parse(plan, in.s, in.as)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-18s %-13s key %-12s matches contact: %v\n", in.s, n.Kind, n.Key(), phonenumber.Match(n, contact))
	}
	fmt.Println(plan.Format(contact))
	// Output:
	// +33 6 12 34 56 78  international key +33612345678 matches contact: true
	// 0033612345678      international key +33612345678 matches contact: true
	// 9 06 12 34 56 78   national      key +33612345678 matches contact: true
	// 204                extension     key 204          matches contact: false
	// 9 112              emergency     key 112          matches contact: false
	// 06 12 34 56 78
}

// Caller-ID lookup: contacts are indexed by Key once; each incoming call's
// number is parsed as received and looked up without allocating.
func ExampleNumber_AppendKey() {
	plan := phonenumber.Plan{
		CountryCode: "1", TrunkPrefix: "1", InternationalPrefixes: []string{"011"},
		NationalLengths: phonenumber.Lengths{Min: 10, Max: 10},
	}
	names := map[string]string{}
	for number, name := range map[string]string{
		"(555) 123-4567":       "Alice",
		"1-555-987-6543":       "Bob",
		"555.222.3333 ext. 12": "Carol",
	} {
		n, err := phonenumber.Parse(plan, number, phonenumber.Received)
		if err != nil {
			fmt.Println(err)
			return
		}
		names[n.Key()] = name
	}
	var buf []byte
	for _, callerID := range []string{"sip:+15559876543@trunk.example;user=phone", "+1 555 222 3333", "+15550000000"} {
		n, err := phonenumber.Parse(plan, callerID, phonenumber.Received)
		if err != nil {
			fmt.Println(err)
			continue
		}
		buf = n.AppendKey(buf[:0])
		name, ok := names[string(buf)]
		fmt.Println(n.E164(), name, ok)
	}
	// Output:
	// +15559876543 Bob true
	// +15552223333 Carol true
	// +15550000000  false
}

// Outlook and Google exports write numbers in many ways; an extension
// after the number is kept apart, letters are refused with a reason.
func ExampleParse() {
	plan := phonenumber.Plan{
		CountryCode: "1", TrunkPrefix: "1", InternationalPrefixes: []string{"011"},
		OutsidePrefixes: []string{"9"}, NationalLengths: phonenumber.Lengths{Min: 10, Max: 10},
		ExtensionLengths: phonenumber.Lengths{Min: 3, Max: 4}, Emergency: []string{"911"},
	}
	for _, s := range []string{"(555) 123-4567", "+1 555-123-4567", "555.123.4567 ext. 12", "9 011 44 20 7946 0000", "*72803#", "1-800-FLOWERS"} {
		n, err := phonenumber.Parse(plan, s, phonenumber.Dialled)
		var pe *phonenumber.ParseError
		if errors.As(err, &pe) {
			fmt.Printf("%-22s refused: %s\n", s, pe.Reason)
			continue
		}
		fmt.Printf("%-22s %-13s %s\n", s, n.Kind, n)
	}
	// Output:
	// (555) 123-4567         national      +1 555 123 4567
	// +1 555-123-4567        international +1 555 123 4567
	// 555.123.4567 ext. 12   national      +1 555 123 4567 ext. 12
	// 9 011 44 20 7946 0000  international +44 207 946 0000
	// *72803#                service       *72803#
	// 1-800-FLOWERS          refused: contains letters
}

// A caller ID that arrives without its country code still finds the
// contact when enough trailing digits agree.
func ExampleMatchSuffix() {
	var noCountry phonenumber.Plan // the trunk says nothing about the country
	callerID, _ := phonenumber.Parse(noCountry, "612345678", phonenumber.Received)
	contact := phonenumber.Number{Kind: phonenumber.International, CountryCode: "33", Digits: "612345678"}
	fmt.Println(phonenumber.Match(callerID, contact), phonenumber.MatchSuffix(callerID, contact))
	// Output: false true
}

func ExamplePlan_IsEmergency() {
	plan := phonenumber.Plan{OutsidePrefixes: []string{"9"}, Emergency: []string{"999", "112"}}
	fmt.Println(plan.IsEmergency("999"), plan.IsEmergency("9 112"), plan.IsEmergency("101"))
	// Output: true true false
}
