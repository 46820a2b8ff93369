package voicemail_test

import (
	"errors"
	"testing"

	"github.com/telekit/telekit/media/prompt"
	"github.com/telekit/telekit/voicemail"
)

// TestPromptNamesInDefaultSet checks that the default prompt set says
// every prompt the menus play (PromptNames, which the menu tests check
// against what they hear): a name missing there would be a menu that
// fails at the point it speaks. The set's files are decoded, not just
// listed, so a broken file fails here too.
func TestPromptNamesInDefaultSet(t *testing.T) {
	cat, err := prompt.NewCatalog(prompt.CatalogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	names := voicemail.PromptNames()
	if len(names) < 40 {
		t.Fatalf("PromptNames lists %d prompts; the menus use about 50", len(names))
	}
	for _, name := range names {
		s, err := cat.Load("en", "", name)
		switch {
		case errors.Is(err, prompt.ErrNotFound):
			t.Errorf("%s: played by the voicemail menus, missing from the default prompt set", name)
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case s.Duration() == 0:
			t.Errorf("%s: empty in the default prompt set", name)
		}
	}
}
