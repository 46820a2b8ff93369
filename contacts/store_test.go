package contacts_test

import (
	"testing"

	"github.com/telekit/telekit/contacts"
	"github.com/telekit/telekit/contacts/contactstest"
)

func TestMemStoreContract(t *testing.T) {
	contactstest.Run(t, func(t *testing.T) contacts.Store { return &contacts.MemStore{} })
}
