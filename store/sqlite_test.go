package store_test

import (
	"context"
	"testing"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/account/accounttest"
	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/calllog/calllogtest"
	"github.com/telekit/telekit/store"
)

func open(t testing.TB, dir string) *store.SQLite {
	t.Helper()
	s, err := store.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestAccountContract(t *testing.T) {
	accounttest.Run(t, func(t *testing.T) account.Store { return open(t, t.TempDir()) })
}

func TestCalllogContract(t *testing.T) {
	calllogtest.Run(t, func(t *testing.T) calllog.Store { return open(t, t.TempDir()) })
}
