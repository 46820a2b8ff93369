package voicemail_test

import (
	"testing"

	"github.com/telekit/telekit/voicemail"
	"github.com/telekit/telekit/voicemail/voicemailtest"
)

func TestMemStoreContract(t *testing.T) {
	voicemailtest.Run(t, func(*testing.T) voicemail.Store { return voicemail.NewMemStore() })
}
