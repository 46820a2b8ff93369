// Package cli holds what telekit's command-line programs share: flag
// parsing that accepts flags before, between and after positional
// arguments (`pbx ext add 101 -name Alice`), which Go's flag package alone
// does not, since it stops at the first positional argument.
package cli

import "flag"

// Parse parses the flags in args anywhere among the positional arguments
// and returns the positional ones in order. Everything after "--" is
// positional.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
