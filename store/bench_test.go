package store_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/telekit/telekit/account"
)

// BenchmarkHA1 measures the registrar's per-request credential lookup: one
// HA1 read through SQLite, among 1000 users.
func BenchmarkHA1(b *testing.B) {
	s := open(b, b.TempDir())
	ctx := context.Background()
	for i := range 1000 {
		ext := 1000 + i
		u := user(strconv.Itoa(ext))
		if err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		ha1s, err := account.SIPHA1s(u.Extension, "secret "+u.Extension, "pbx.example")
		if err != nil {
			b.Fatal(err)
		}
		if err := s.SetSIPSecret(ctx, u.Extension, ha1s, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.HA1(ctx, "pbx.example", "1500", account.MD5); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHA1MemStore is the same lookup in memory, the comparison.
func BenchmarkHA1MemStore(b *testing.B) {
	s := account.NewMemStore()
	ctx := context.Background()
	u := user("1500")
	_ = s.CreateUser(ctx, u)
	ha1s, _ := account.SIPHA1s("1500", "secret 1500", "pbx.example")
	_ = s.SetSIPSecret(ctx, "1500", ha1s, t0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.HA1(ctx, "pbx.example", "1500", account.MD5); err != nil {
			b.Fatal(err)
		}
	}
}
