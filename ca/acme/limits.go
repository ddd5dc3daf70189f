package acme

import (
	"sync"
	"time"
)

// limiter allows n events per window per key (a client address): a
// sliding window of event times. Keys idle for a window are dropped, so its
// memory is bounded by the addresses active in the last window.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	seen   map[string][]time.Time
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, seen: map[string][]time.Time{}}
}

// allow records an event for key and reports whether it is within the
// limit; a refused event is not recorded.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.seen) > 10_000 {
		for k, ts := range l.seen {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) > l.window {
				delete(l.seen, k)
			}
		}
	}
	ts := l.seen[key]
	for len(ts) > 0 && now.Sub(ts[0]) > l.window {
		ts = ts[1:]
	}
	if len(ts) >= l.n {
		l.seen[key] = ts
		return false
	}
	l.seen[key] = append(ts, now)
	return true
}
