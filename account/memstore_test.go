package account_test

import (
	"testing"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/account/accounttest"
)

func TestMemStore(t *testing.T) {
	accounttest.Run(t, func(*testing.T) account.Store { return account.NewMemStore() })
}
