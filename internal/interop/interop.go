// Package interop lets tests that need a real outside peer (sox, lame,
// sipp, baresip, SpanDSP, Chromium, PostgreSQL, kamailio) find it, and decide
// what to do when it is missing: skip with a message naming the Debian
// package in a plain `go test`, fail when TELEKIT_INTEROP=required (as
// `make test` sets it), so that CI never passes by skipping.
package interop

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether the environment demands that interop tests run
// (TELEKIT_INTEROP=required).
func Required() bool { return os.Getenv("TELEKIT_INTEROP") == "required" }

// LookPath returns the path of the program name, which the Debian package
// pkg provides. When the program is missing it skips the test, or fails it
// when Required.
func LookPath(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	Missing(t, name+" (Debian package "+pkg+")")
	return ""
}

// Missing skips the test because what is missing, or fails it when
// Required.
func Missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("interop peer missing: %s; TELEKIT_INTEROP=required (run `make test`, which installs it)", what)
	}
	t.Skipf("interop peer missing: %s; install it or run `make test`", what)
}
