package prompt

// The default set is generated, not edited: see internal/gen and `make prompts`.
//go:generate go run ./internal/gen -out sounds/en
