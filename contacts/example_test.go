package contacts_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/telekit/telekit/contacts"
)

func Example() {
	ctx := context.Background()
	store := &contacts.MemStore{}
	csv := "Main Number,Display Name,Mobile Number,Home Number,Email,Description\r\n" +
		"5551234567,Jane Doe,,,jane@example.com,\r\n" +
		",Nobody,,5550001111,,\r\n" +
		"555-123-4567,Jane again,,,,\r\n"
	file, err := contacts.ReadCSV(strings.NewReader(csv), contacts.ReadOptions{Owner: "alice"})
	if err != nil {
		fmt.Println(err)
		return
	}
	existing, _ := store.List(ctx, "alice")
	plan, err := contacts.Preview(existing, file.Rows, contacts.Options{MatchBy: contacts.MatchNumber, Rule: contacts.Update})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(file.Dialect, plan.Counts)
	for _, d := range plan.Details {
		fmt.Printf("row %d %s: %s\n", d.Row, d.Action, d.Reason)
	}
	// The user presses Confirm (Cancel would drop the plan).
	if err := contacts.Commit(ctx, store, plan); err != nil {
		fmt.Println(err)
		return
	}
	all, _ := store.List(ctx, "alice")
	fmt.Println(len(all), all[0].Name(), all[0].MainNumber())
	// Output:
	// FortiVoice {1 0 0 2}
	// row 1 add: new contact
	// row 2 ignore: no main number
	// row 3 ignore: duplicate of row 1
	// 1 Jane Doe 5551234567
}
