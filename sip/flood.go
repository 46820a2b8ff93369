package sip

import (
	"net/netip"
	"sync"
	"time"
)

// floodLimiter bounds the datagrams taken from each source IP address
// with a token bucket, so that one address flooding the server (an
// INVITE flood, a REGISTER scanner) is cut down to a fixed rate while other
// callers go on being served. Memory is bounded: past maxSources tracked
// addresses, idle ones are forgotten, and new addresses share one overflow
// bucket until room is made.
//
// Safe for concurrent use.
type floodLimiter struct {
	rate  float64 // tokens per second
	burst float64

	mu       sync.Mutex
	sources  map[netip.Addr]*tokenBucket
	overflow tokenBucket
	max      int
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

func newFloodLimiter(perSecond, burst, maxSources int) *floodLimiter {
	return &floodLimiter{
		rate: float64(perSecond), burst: float64(burst), max: maxSources,
		sources: make(map[netip.Addr]*tokenBucket),
	}
}

// take reports whether a datagram from src at now is within its source's
// budget, and spends a token if so.
func (l *floodLimiter) take(src netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.sources[src]
	if b == nil {
		if len(l.sources) >= l.max {
			l.sweep(now)
		}
		if len(l.sources) >= l.max {
			return l.spend(&l.overflow, now)
		}
		b = &tokenBucket{tokens: l.burst, last: now}
		l.sources[src] = b
	}
	return l.spend(b, now)
}

func (l *floodLimiter) spend(b *tokenBucket, now time.Time) bool {
	if b.last.IsZero() {
		b.tokens, b.last = l.burst, now
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep forgets sources whose bucket has refilled: they sent nothing
// lately, so forgetting them changes nothing.
func (l *floodLimiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for a, b := range l.sources {
		if now.Sub(b.last) >= full {
			delete(l.sources, a)
		}
	}
}
