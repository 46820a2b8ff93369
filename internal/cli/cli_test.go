package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	type result struct {
		Pos  []string
		Name string
		JSON bool
	}
	tests := []struct {
		args []string
		want result
	}{
		{[]string{"101", "-name", "Alice"}, result{[]string{"101"}, "Alice", false}},
		{[]string{"-name", "Alice", "101"}, result{[]string{"101"}, "Alice", false}},
		{[]string{"add", "101", "-json", "-name=Bob", "x"}, result{[]string{"add", "101", "x"}, "Bob", true}},
		{[]string{"101", "--", "-name", "y"}, result{[]string{"101", "-name", "y"}, "", false}},
		{nil, result{nil, "", false}},
	}
	for _, tc := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		name := fs.String("name", "", "")
		js := fs.Bool("json", false, "")
		pos, err := Parse(fs, tc.args)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if diff := cmp.Diff(tc.want, result{pos, *name, *js}); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.args, diff)
		}
	}
}

func TestParseUnknownFlagAfterPositional(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := Parse(fs, []string{"101", "-bogus"}); err == nil {
		t.Error("unknown flag after a positional argument was accepted")
	}
}
