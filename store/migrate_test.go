package store

import (
	"context"
	"strings"
	"testing"
)

func TestMigrationsRecordedOnce(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for range 2 {
		s, err := Open(ctx, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n, max int
		if err := s.r.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		ms, _ := migrations()
		if n != len(ms) || max != len(ms) {
			t.Errorf("schema_migrations has %d rows up to %d, want %d", n, max, len(ms))
		}
		s.Close()
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name, applied_ns) VALUES (999, 'future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, dir, nil); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer database = %v, want a refusal", err)
	}
}
