package acme

import (
	"sync"
	"time"
)

// nonces hands out Replay-Nonce values and accepts each one once
// (RFC 8555 6.5). They live in memory: a restarted server answers the old
// ones badNonce, and clients retry with a fresh one, as they must. The set
// is bounded: past max outstanding nonces the oldest are forgotten (their
// holders get badNonce and retry), so a client fetching nonces in a loop
// cannot grow the server's memory.
type nonces struct {
	mu    sync.Mutex
	live  map[string]time.Time // nonce -> when issued
	order []string             // issue order, for dropping the oldest
	max   int
	ttl   time.Duration
	now   func() time.Time
}

func newNonces(max int, ttl time.Duration, now func() time.Time) *nonces {
	return &nonces{live: map[string]time.Time{}, max: max, ttl: ttl, now: now}
}

// next issues a new nonce.
func (n *nonces) next() string {
	v := newID()
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.live) >= n.max && len(n.order) > 0 {
		delete(n.live, n.order[0])
		n.order = n.order[1:]
	}
	if len(n.order) > 2*n.max { // compact what use() left behind
		keep := n.order[:0]
		for _, o := range n.order {
			if _, ok := n.live[o]; ok {
				keep = append(keep, o)
			}
		}
		n.order = keep
	}
	n.live[v] = n.now()
	n.order = append(n.order, v)
	return v
}

// use consumes v: true the first time for a nonce this server issued and
// that is younger than the ttl, false ever after.
func (n *nonces) use(v string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	at, ok := n.live[v]
	if !ok {
		return false
	}
	delete(n.live, v)
	return n.now().Sub(at) <= n.ttl
}
