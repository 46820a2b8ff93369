package sip

import (
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// GuardConfig configures a Guard. Every zero value means the default
// written beside it.
type GuardConfig struct {
	// PairLimit is how many failed authentications from one source for
	// one extension, within Window, ban that pair. Default 5.
	PairLimit int
	// SourceLimit is how many failed authentications from one source,
	// over all extensions, within Window, ban the whole source. It is
	// meant to catch a source guessing across many extensions. Default 20.
	SourceLimit int
	// Window is the period over which failures are counted; the count
	// starts again after it. Default 10 minutes.
	Window time.Duration
	// BanTime is the first ban's length; each further ban of the same
	// pair or source doubles it. Default 1 minute.
	BanTime time.Duration
	// MaxBanTime caps a ban's length. A pair or source that stays out of
	// trouble for MaxBanTime after its ban ends starts again at BanTime.
	// Default 1 hour.
	MaxBanTime time.Duration
	// MaxEntries bounds how many pairs, and separately how many sources,
	// are tracked, so that a flood from spoofed addresses cannot exhaust
	// memory. Default 65536.
	MaxEntries int
	// Logger receives the security events "sip ban" and "sip unban"
	// with the source, extension and user agent. Nil discards them.
	Logger *slog.Logger
}

// Guard is the defence against password guessing. It counts failed
// authentications per (source address, extension) and per source address,
// and bans the pair — or, when the source fails across many extensions,
// the whole source — for a time that doubles with each ban (1 min, 2, 4 …
// capped at 1 h by default).
//
// There is deliberately no ban on an extension alone: that would let an
// attacker lock a victim's phones out by failing on purpose. Phones of
// the same extension at another address are never affected by a ban.
//
// IPv6 sources are counted per /64, since one host usually holds a whole
// /64 and could otherwise rotate addresses. IPv4 sources are counted per
// address.
//
// Banned requests are answered 403 Forbidden by DigestAuth, not dropped:
// the answer costs one datagram no larger than the request (no
// amplification), a phone with a wrong password stops retrying on 403
// where it would retransmit into silence, and an administrator sees why in
// the phone's log. Banned requests are not counted as further failures,
// and their credentials are not checked.
//
// Memory is bounded by MaxEntries per table: when a table is full, records
// without an active ban and past their window are swept; if that frees too
// little, unbanned records are dropped in arbitrary order, then banned
// ones. A spoofed-source flood can therefore shorten bans under extreme
// load, but never grow memory.
//
// Time is an argument of every method, so the rules are testable without
// sleeping. Safe for concurrent use.
type Guard struct {
	cfg GuardConfig
	log *slog.Logger

	mu      sync.Mutex
	pairs   map[pairKey]*guardRecord
	sources map[netip.Addr]*guardRecord
}

type pairKey struct {
	src netip.Addr
	ext string
}

// guardRecord counts failures of one pair or source.
type guardRecord struct {
	fails       int
	windowStart time.Time
	strikes     int       // bans so far; the next lasts BanTime << strikes
	until       time.Time // end of the current or last ban
	unbanLogged bool      // the end of the last ban was logged
}

// maxExtLen bounds the extension part of a key; longer names (garbage
// from a scanner) are cut, which only merges their counters.
const maxExtLen = 64

// NewGuard returns a Guard for cfg, or an error for a negative setting.
func NewGuard(cfg GuardConfig) (*Guard, error) {
	if cfg.PairLimit < 0 || cfg.SourceLimit < 0 || cfg.Window < 0 || cfg.BanTime < 0 || cfg.MaxBanTime < 0 || cfg.MaxEntries < 0 {
		return nil, errors.New("sip: guard: limits and times must not be negative")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.PairLimit, 5)
	def(&cfg.SourceLimit, 20)
	def(&cfg.MaxEntries, 1<<16)
	defd(&cfg.Window, 10*time.Minute)
	defd(&cfg.BanTime, time.Minute)
	defd(&cfg.MaxBanTime, time.Hour)
	if cfg.MaxBanTime < cfg.BanTime {
		return nil, errors.New("sip: guard: MaxBanTime is shorter than BanTime")
	}
	g := &Guard{
		cfg:     cfg,
		log:     cfg.Logger,
		pairs:   make(map[pairKey]*guardRecord),
		sources: make(map[netip.Addr]*guardRecord),
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	return g, nil
}

// Banned reports whether requests from src for extension ext are refused
// at now, and until when. ext may be empty when unknown; then only a ban
// of the whole source applies.
func (g *Guard) Banned(src netip.Addr, ext string, now time.Time) (until time.Time, banned bool) {
	src = sourceKey(src)
	g.mu.Lock()
	defer g.mu.Unlock()
	if r := g.sources[src]; r != nil && g.active(r, now, src, "") {
		until, banned = r.until, true
	}
	if r := g.pairs[pairKey{src, cut(ext)}]; r != nil && g.active(r, now, src, ext) && r.until.After(until) {
		until, banned = r.until, true
	}
	return until, banned
}

// active reports whether r is banned at now, logging the unban the first
// time it is seen lapsed. Called with g.mu held.
func (g *Guard) active(r *guardRecord, now time.Time, src netip.Addr, ext string) bool {
	if r.until.IsZero() {
		return false
	}
	if now.Before(r.until) {
		return true
	}
	if !r.unbanLogged {
		g.log.Info("sip unban", "source", src.String(), "extension", ext, "scope", scope(ext))
		r.unbanLogged = true
	}
	return false
}

// Failure records a failed authentication from src for ext at now, by a
// device calling itself userAgent, and bans the pair or the source when
// it crosses its limit.
func (g *Guard) Failure(src netip.Addr, ext, userAgent string, now time.Time) {
	src = sourceKey(src)
	g.mu.Lock()
	defer g.mu.Unlock()
	pr := g.pairs[pairKey{src, cut(ext)}]
	if pr == nil {
		g.makeRoomPairs(now)
		pr = &guardRecord{}
		g.pairs[pairKey{src, cut(ext)}] = pr
	}
	g.count(pr, g.cfg.PairLimit, now, src, ext, userAgent)
	sr := g.sources[src]
	if sr == nil {
		g.makeRoomSources(now)
		sr = &guardRecord{}
		g.sources[src] = sr
	}
	g.count(sr, g.cfg.SourceLimit, now, src, "", userAgent)
}

// count adds one failure to r and bans it at limit. Called with g.mu held.
func (g *Guard) count(r *guardRecord, limit int, now time.Time, src netip.Addr, ext, ua string) {
	if now.Sub(r.windowStart) >= g.cfg.Window {
		r.fails, r.windowStart = 0, now
	}
	if r.strikes > 0 && now.Sub(r.until) >= g.cfg.MaxBanTime {
		r.strikes = 0 // forgiven after a quiet period
	}
	r.fails++
	if r.fails < limit {
		return
	}
	d := g.cfg.BanTime
	for i := 0; i < r.strikes && d < g.cfg.MaxBanTime; i++ {
		d *= 2
	}
	d = min(d, g.cfg.MaxBanTime)
	r.strikes++
	r.until, r.unbanLogged = now.Add(d), false
	r.fails, r.windowStart = 0, now
	g.log.Warn("sip ban", "source", src.String(), "extension", ext, "scope", scope(ext),
		"user_agent", ua, "duration", d, "until", r.until, "bans", r.strikes)
}

// Success records a successful authentication from src for ext at now:
// the pair's record is cleared, and the source's failure count halved
// (several phones behind one NAT share a source; the good ones speak for
// it, without letting one valid account wash out a guessing campaign).
func (g *Guard) Success(src netip.Addr, ext string, now time.Time) {
	src = sourceKey(src)
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pairs, pairKey{src, cut(ext)})
	if r := g.sources[src]; r != nil && r.fails > 0 {
		r.fails /= 2
	}
}

// makeRoomPairs keeps the pair table under MaxEntries before an insert.
func (g *Guard) makeRoomPairs(now time.Time) {
	if len(g.pairs) < g.cfg.MaxEntries {
		return
	}
	shrink(g, g.pairs, now)
}

func (g *Guard) makeRoomSources(now time.Time) {
	if len(g.sources) < g.cfg.MaxEntries {
		return
	}
	shrink(g, g.sources, now)
}

// shrink sweeps idle records from m, then drops unbanned and finally any
// records until m is at three quarters of MaxEntries.
func shrink[K comparable](g *Guard, m map[K]*guardRecord, now time.Time) {
	target := g.cfg.MaxEntries * 3 / 4
	for k, r := range m {
		banned := now.Before(r.until)
		forgiven := now.Sub(r.until) >= g.cfg.MaxBanTime
		idle := now.Sub(r.windowStart) >= g.cfg.Window
		if !banned && idle && (r.strikes == 0 || forgiven) {
			delete(m, k)
		}
	}
	for k, r := range m {
		if len(m) <= target {
			return
		}
		if !now.Before(r.until) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) <= target {
			return
		}
		delete(m, k)
	}
}

// Len returns how many pairs and sources are tracked, for monitoring.
func (g *Guard) Len() (pairs, sources int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pairs), len(g.sources)
}

// sourceKey is the address a source is counted under: IPv4 as is, IPv6
// by its /64.
func sourceKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, err := a.Prefix(64)
		if err == nil {
			return p.Addr()
		}
	}
	return a
}

func cut(ext string) string {
	if len(ext) > maxExtLen {
		return ext[:maxExtLen]
	}
	return ext
}

func scope(ext string) string {
	if ext == "" {
		return "source"
	}
	return "pair"
}
