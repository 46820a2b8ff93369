// Command pbx is telekit's bundled server: a PBX with a JSON API for the
// end-user portal, on an embedded SQLite database, with nothing else to
// install.
//
//	pbx serve [-data DIR] [-sip ADDR] [-http ADDR] [-rtp-ports 10000-20000] [-realm R]
//	pbx ext add NUMBER -name NAME -password SIPSECRET [-portal-password P] [-pin PIN] [-data DIR]
//	pbx ext list [-json] [-data DIR]
//	pbx trunk add NAME -host HOST:PORT -user U -password P [-prefix 9] [-did NUMBER=EXT ...] [-data DIR]
//
// Flags may come before or after the positional arguments. With no
// arguments, pbx serves with the defaults: data in ./telekit-data, SIP on
// :5060 (UDP and TCP), HTTP on 127.0.0.1:8080. On an empty data directory
// it creates demo extensions and prints their credentials once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pbx:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage:
  pbx serve [-data DIR] [-sip ADDR] [-http ADDR] [-rtp-ports LO-HI] [-realm R]
  pbx ext add NUMBER -name NAME -password SIPSECRET [-portal-password P] [-pin PIN] [-data DIR]
  pbx ext list [-json] [-data DIR]
  pbx trunk add NAME -host HOST:PORT -user U -password P [-prefix 9] [-did NUMBER=EXT ...] [-data DIR]
  pbx callsystem show [-json] [-data DIR]
  pbx callsystem set [-blacklist-add N ...] [-blacklist-remove N ...] [-emergency 112,911] [-ring SECONDS]
                     [-schedule NAME=SCHEDULE ...] [-schedule-remove NAME ...] [-time-zone Z] [-outside-prefixes 9] ... [-data DIR]
`

// run dispatches the subcommands; it is main without the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "ext":
		if len(args) > 1 {
			switch args[1] {
			case "add":
				return extAdd(ctx, args[2:], stdout, stderr)
			case "list":
				return extList(ctx, args[2:], stdout, stderr)
			}
		}
	case "trunk":
		if len(args) > 1 && args[1] == "add" {
			return trunkAdd(ctx, args[2:], stdout, stderr)
		}
	case "callsystem":
		if len(args) > 1 {
			switch args[1] {
			case "show":
				return callSystemShow(ctx, args[2:], stdout, stderr)
			case "set":
				return callSystemSet(ctx, args[2:], stdout, stderr)
			}
		}
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		if args[0] != "" && args[0][0] == '-' {
			return serve(ctx, args, stdout, stderr) // flags only: serve
		}
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args)
}
