package contacts

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkImport10000 reads a 10,000-row Outlook export, previews it
// against 1,000 existing contacts and commits it to a MemStore.
func BenchmarkImport10000(b *testing.B) {
	var rows []Contact
	for i := range 10_000 {
		rows = append(rows, Contact{FirstName: fmt.Sprintf("First%d", i), LastName: "Last",
			Phones: Phones{Mobile: fmt.Sprintf("+1 555 %03d %04d", i/10000, i%10000), Work: fmt.Sprintf("(556) 100-%04d", i)},
			Main:   PhoneMobile, Emails: [2]string{fmt.Sprintf("u%d@example.com", i)}})
	}
	var buf bytes.Buffer
	if err := Export(&buf, rows); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	ctx := context.Background()
	seed := &MemStore{}
	if err := seed.Apply(ctx, ChangeSet{Add: rows[:1000]}); err != nil {
		b.Fatal(err)
	}
	existing, _ := seed.List(ctx, "")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := ReadCSV(bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		p, err := Preview(existing, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
		if err != nil {
			b.Fatal(err)
		}
		if p.Counts.New != 9000 {
			b.Fatalf("counts %+v", p.Counts)
		}
		if err := Commit(ctx, &MemStore{}, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport100000 is the goal: read a 100,000-row CSV,
// preview it against no existing contacts and commit it to a MemStore.
func BenchmarkImport100000(b *testing.B) {
	var rows []Contact
	for i := range 100_000 {
		rows = append(rows, Contact{FirstName: fmt.Sprintf("First%d", i), LastName: "Last",
			Phones: Phones{Mobile: fmt.Sprintf("+1 555 %07d", i), Work: fmt.Sprintf("(556) %03d-%04d", i/10000, i%10000)},
			Main:   PhoneMobile, Emails: [2]string{fmt.Sprintf("u%d@example.com", i)}})
	}
	var buf bytes.Buffer
	if err := Export(&buf, rows); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		f, err := ReadCSV(bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		p, err := Preview(nil, f.Rows, Options{MatchBy: MatchNumber, Rule: Update, Plan: nanp})
		if err != nil {
			b.Fatal(err)
		}
		if p.Counts.New != 100_000 {
			b.Fatalf("counts %+v", p.Counts)
		}
		if err := Commit(context.Background(), &MemStore{}, p); err != nil {
			b.Fatal(err)
		}
	}
}
