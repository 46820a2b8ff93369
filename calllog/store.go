package calllog

import (
	"context"
	"errors"
)

// ErrNotFound is returned when a record does not exist or is not visible
// to the owner asking for it (the two are not told apart).
var ErrNotFound = errors.New("calllog: record not found")

// ErrExists is returned when adding a record whose ID is already stored.
var ErrExists = errors.New("calllog: record already exists")

// Store keeps call records. Implementations validate records
// ([Record.Validate]) and filters ([Filter.Validate]) and apply
// [Filter.Match] semantics exactly. Safe for concurrent use.
type Store interface {
	// AddRecord stores r; ErrExists if its ID is taken.
	AddRecord(ctx context.Context, r Record) error
	// GetRecord returns the record with id if owner is one of its
	// parties, else ErrNotFound.
	GetRecord(ctx context.Context, owner, id string) (Record, error)
	// ListRecords returns the page of owner's records that f selects,
	// newest first.
	ListRecords(ctx context.Context, f Filter) ([]Record, error)
	// CountRecords returns how many records f selects, ignoring paging
	// (for "1-25 of 59").
	CountRecords(ctx context.Context, f Filter) (int, error)
}
