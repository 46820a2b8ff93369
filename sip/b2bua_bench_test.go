package sip

import (
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// BenchmarkB2BUACall measures one whole call through the B2BUA on
// loopback: INVITE, 180, 200 (SDP rewritten, two RTP sockets bound, a
// bridge started), ACK, BYE on both legs. No RTP flows. The sipgo caller
// and callee run in the same process, so cpu-µs/call counts all three
// user agents; the B2BUA's share is below it.
func BenchmarkB2BUACall(b *testing.B) {
	callee := newPhone(b, 200, 0)
	caller := newPhone(b, 0, 0)
	benchCalls(b, caller, pbxForB(b, callee).addr)
}

// BenchmarkDirectCall is the same call from caller to callee without the
// B2BUA, in the same process: BenchmarkB2BUACall's baseline, so that the
// ratio of the two shows the B2BUA's own cost on this machine.
func BenchmarkDirectCall(b *testing.B) {
	callee := newPhone(b, 200, 0)
	caller := newPhone(b, 0, 0)
	benchCalls(b, caller, callee.addr)
}

// benchCalls places b.N calls from caller to extension 201 at dst (answer,
// then BYE) and reports the process's CPU per call.
func benchCalls(b *testing.B, caller *phone, dst netip.AddrPort) {
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		call := caller.invite(dst, "201", nil)
		if res := call.wait(); res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
		if res := call.bye(); res.StatusCode != 200 {
			b.Fatalf("BYE %d", res.StatusCode)
		}
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()) + time.Duration(ru1.Stime.Nano()-ru0.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/call")
}
