package sip

// ActiveCalls returns the calls in progress, ringing or answered, in no
// particular order: for a status page, with each Call's BridgeStats. A
// Call stays safe to use after it ends (BridgeStats then reports false).
// Safe for concurrent use.
func (b *B2BUA) ActiveCalls() []*Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	calls := make([]*Call, 0, len(b.calls))
	for c := range b.calls {
		calls = append(calls, c)
	}
	return calls
}
