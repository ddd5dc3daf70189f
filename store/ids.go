package store

import (
	"sync"
	"time"
)

// idGen hands out the time-ordered ids of events, and of certificates
// whose serial gives none (certID): the write's Unix nanoseconds, raised
// past the last id this process gave, so that ids ascend (and appends
// stay appends) even when the clock stands still or steps back. Another
// process sharing the keyspace (etcd) may pick the same nanosecond:
// allocate checks the key inside the transaction, which is also the
// commit's condition, and moves on.
type idGen struct {
	mu   sync.Mutex
	last uint64
	init bool
}

// observe raises the last id given to id, a certificate's that its serial
// gave (certID), so that the events this process writes next sort after
// that certificate.
func (g *idGen) observe(id uint64) {
	g.mu.Lock()
	g.last = max(g.last, id)
	g.mu.Unlock()
}

// allocate returns an id whose key under prefix is free in tx.
func (g *idGen) allocate(tx ReadTx, prefix []byte, now time.Time) (uint64, error) {
	g.mu.Lock()
	if !g.init {
		g.init = true
		for _, p := range [][]byte{pCert, pEvent} {
			tx.Range(p, nil, true, func(k, _ []byte) error {
				g.last = max(g.last, idAt(k))
				return ErrStopRange
			})
		}
	}
	id := max(uint64(now.UnixNano()), g.last+1)
	g.last = id
	g.mu.Unlock()
	for {
		v, err := tx.Get(idKey(prefix, id))
		if err != nil {
			return 0, err
		}
		if v == nil {
			return id, nil
		}
		g.mu.Lock()
		id = max(id, g.last) + 1
		g.last = id
		g.mu.Unlock()
	}
}
