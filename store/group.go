package store

import (
	"context"
	"sync"
)

// maxGroup bounds the records of one group transaction, so that one commit's
// latency stays bounded under any load.
const maxGroup = 1024

// Group commit
//
// An fsync costs milliseconds (13 ms on a slow virtual disk), a certificate's
// writes microseconds. One transaction per certificate would cap issuance at
// one certificate per fsync; instead concurrent Commit calls share one.
//
// The design has no goroutine and no timer. A caller queues its record; if no
// commit is running it becomes the leader: it takes everything queued, runs
// one transaction for all of it, and wakes each caller with its own result
// once that transaction is on disk. Callers that arrive meanwhile queue up,
// and the first of them leads the next group as soon as the current one is
// done. A lone caller therefore never waits for company (bbolt's Batch waits
// up to MaxBatchDelay, 10 ms by default, which starves a few callers), and
// under load the group grows to whatever arrived during one fsync.
//
// Each record is checked and written by its own function of one
// Backend.Batch: a refused record — a used serial, a compromised key, a
// rejected CSR, a revoked issuer — gets its error and leaves nothing behind
// (the engine undoes its writes), and the others go on. A later record sees the earlier ones' writes, so of two
// records with one serial exactly one is stored. Should the transaction fail
// for another reason (a write error, a full disk), every record of the group
// is retried in a transaction of its own, so that each caller gets the error
// that belongs to it. Nobody is woken before the transaction that holds their
// record has committed: "stored before returned" holds for every caller.
type committer struct {
	mu      sync.Mutex
	queue   []*pending
	leading bool // a leader is committing a group
}

// pending is one queued Commit. wake receives true when its caller must lead
// the next group, false when its record is done and err is its result.
type pending struct {
	r    Record
	err  error
	wake chan bool
}

func (g *committer) commit(s *Store, r Record) error {
	p := &pending{r: r, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead && !park(p.wake) {
		return p.err
	}
	// Leading: take the queue (p is in it), commit it, pass the lead on.
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	rs := make([]Record, len(group))
	errs := make([]error, len(group))
	for i, q := range group {
		rs[i] = q.r
	}
	s.commitGroup(rs, errs)

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].wake <- true
	} else {
		g.leading = false
		g.queue = nil
	}
	g.mu.Unlock()
	for i, q := range group {
		q.err = errs[i]
		if q != p {
			q.wake <- false
		}
	}
	return p.err
}

// parkFrame is the stack frame a follower waits in (park): 16 KiB, so that
// the caller waits using more than a quarter of a 32 KiB stack.
const parkFrame = 16 << 10

// park waits for a follower's wake-up in a frame of parkFrame bytes.
//
// The garbage collector halves the stack of a goroutine that waits while
// using less than a quarter of it, and a caller of Commit waits high on its
// stack, right after the deep calls of issuance (encoding/asn1 recurses
// through the CSR, crypto/x509 through the certificate) that it will make
// again for its next request. Each halving was paid back with a copy of the
// stack at the next deep call: with 256 callers issuing ECDSA certificates,
// shrinking and growing again took a tenth of the CPU, and durable issuance
// ran at 0.81 of the pipeline without a store; waiting in this frame keeps
// the stack whole and brought it to 0.87 (docs/BENCHMARKS.md). The frame
// costs its zeroing, about 2 µs a wait, and makes each waiting caller's
// stack 32 KiB (issuance alone needs 8-16 KiB): 8 MiB for 256 callers.
// Should the runtime stop shrinking parked stacks, the frame costs only
// that.
//
//go:noinline
func park(wake <-chan bool) bool {
	var frame [parkFrame]byte
	holdFrame(&frame)
	return <-wake
}

// holdFrame keeps park's frame from being optimised away.
//
//go:noinline
func holdFrame(*[parkFrame]byte) {}

// commitGroup stores rs in one transaction (Backend.Batch), setting errs[i]
// for each record refused by its checks; when the transaction itself fails,
// the engine retries each record alone, so each gets its own error.
func (s *Store) commitGroup(rs []Record, errs []error) {
	fns := make([]func(WriteTx) error, len(rs))
	for i := range rs {
		fns[i] = s.hooked(func(tx WriteTx) error { return s.commit(tx, rs[i]) })
	}
	copy(errs, s.b.Batch(context.Background(), fns))
}
