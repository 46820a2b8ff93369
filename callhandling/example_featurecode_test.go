package callhandling_test

import (
	"errors"
	"fmt"

	"github.com/telekit/telekit/callhandling"
)

// A PBX loads its dialect once, then parses what each phone dials.
func ExampleCodeTable_Parse() {
	codes, err := callhandling.NewCodeTable(callhandling.DefaultCodes())
	if err != nil {
		panic(err)
	}
	for _, dialled := range []string{"*71803#", "*721", "*725#", "0612345678"} {
		in, err := codes.Parse(dialled)
		var ce *callhandling.CodeError
		switch {
		case errors.Is(err, callhandling.ErrNotFeatureCode):
			fmt.Printf("%s: an ordinary call\n", dialled)
		case errors.As(err, &ce):
			fmt.Printf("%s: %s %s\n", dialled, ce.Code, ce.Reason)
		default:
			fmt.Printf("%s: %s %q\n", dialled, in.Action, in.Arg)
		}
	}
	// Output:
	// *71803#: ForwardAllSet "803"
	// *721: QuickModeOutOfOffice ""
	// *725#: *72 needs a destination of at least 2 digits ending with #
	// 0612345678: an ordinary call
}

// Loading a table in which one string could mean two things fails, naming
// both codes and a string that reads both ways.
func ExampleNewCodeTable_ambiguous() {
	_, err := callhandling.NewCodeTable([]callhandling.CodeDef{
		{Code: "*72", Action: callhandling.ForwardBusySet, Arg: callhandling.ArgDestination, Min: 1},
		{Code: "*720", Action: callhandling.QuickModeCancel},
	})
	fmt.Println(err)
	// Output:
	// callhandling: feature codes *72 (ForwardBusySet, destination of 1-32 digits ending with #) and *720 (QuickModeCancel, no argument) are ambiguous: "*720#" matches both
}

// With overlap dialling the PBX collects keys while MayContinue is true.
func ExampleCodeTable_MayContinue() {
	codes, _ := callhandling.NewCodeTable(callhandling.DefaultCodes())
	for _, dialled := range []string{"*72", "*720", "*74", "*71803", "*71803#"} {
		fmt.Println(dialled, codes.MayContinue(dialled))
	}
	// Output:
	// *72 true
	// *720 true
	// *74 false
	// *71803 true
	// *71803# false
}
