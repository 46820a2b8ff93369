package callhandling

import "testing"

func TestDefaultCodesUnambiguous(t *testing.T) {
	if _, err := NewCodeTable(DefaultCodes()); err != nil {
		t.Fatal(err)
	}
}
