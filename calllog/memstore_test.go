package calllog_test

import (
	"testing"

	"github.com/telekit/telekit/calllog"
	"github.com/telekit/telekit/calllog/calllogtest"
)

func TestMemStore(t *testing.T) {
	calllogtest.Run(t, func(*testing.T) calllog.Store { return calllog.NewMemStore() })
}
