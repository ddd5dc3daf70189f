package store

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
)

// watchQueueMax is how many undelivered changes a watcher may fall behind
// by before they are dropped for one Reset event: a reader that does not
// keep up never makes writers wait or the process grow without bound.
const watchQueueMax = 4096

// watchHub fans a BoltBackend's committed changes out to its watchers.
type watchHub struct {
	mu     sync.Mutex
	ws     map[*watcher]struct{}
	n      atomic.Int32 // len(ws), read by writers without the lock
	closed bool
}

// watcher is one Watch call: notify queues its changes, and its own
// goroutine hands them to the channel, so a slow reader never blocks a
// commit.
type watcher struct {
	prefix []byte
	out    chan WatchEvent
	done   <-chan struct{}
	signal chan struct{}

	mu    sync.Mutex
	queue []WatchEvent
	lost  bool  // changes were dropped: send Reset next
	rev   int64 // revision of the last change queued
}

// active reports whether anyone watches, so that commits record their
// changes only then.
func (h *watchHub) active() bool { return h.n.Load() > 0 }

// Watch implements Backend. bbolt keeps no history: a from older than the
// current revision starts with a Reset event (read the prefix, then follow
// the changes).
func (b *BoltBackend) Watch(ctx context.Context, prefix []byte, from int64) (<-chan WatchEvent, error) {
	// Hold the writer lock while registering, so no commit falls between
	// the revision read and the registration.
	b.wmu.Lock()
	defer b.wmu.Unlock()
	rev, err := b.Revision(ctx)
	if err != nil {
		return nil, err
	}
	w := &watcher{prefix: clone(prefix), out: make(chan WatchEvent, 64), done: ctx.Done(),
		signal: make(chan struct{}, 1), rev: rev}
	if from > 0 && from < rev {
		w.lost = true
		w.signal <- struct{}{}
	}
	h := &b.watch
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(w.out)
		return w.out, nil
	}
	if h.ws == nil {
		h.ws = make(map[*watcher]struct{})
	}
	h.ws[w] = struct{}{}
	h.n.Store(int32(len(h.ws)))
	h.mu.Unlock()
	go w.run(h)
	return w.out, nil
}

// notify queues a commit's changes (rev is its revision) for every watcher
// whose prefix they fall under.
func (h *watchHub) notify(changes []WatchEvent, rev int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.ws {
		w.mu.Lock()
		for _, c := range changes {
			if !bytes.HasPrefix(c.Key, w.prefix) {
				continue
			}
			c.Revision = rev
			if len(w.queue) >= watchQueueMax {
				w.queue, w.lost = nil, true
			}
			if !w.lost {
				w.queue = append(w.queue, c)
			}
		}
		w.rev = rev
		w.mu.Unlock()
		select {
		case w.signal <- struct{}{}:
		default:
		}
	}
}

func (w *watcher) run(h *watchHub) {
	defer func() {
		h.mu.Lock()
		delete(h.ws, w)
		h.n.Store(int32(len(h.ws)))
		h.mu.Unlock()
		close(w.out)
	}()
	for {
		select {
		case <-w.done:
			return
		case _, ok := <-w.signal:
			if !ok {
				return
			}
		}
		w.mu.Lock()
		batch, lost, rev := w.queue, w.lost, w.rev
		w.queue, w.lost = nil, false
		w.mu.Unlock()
		if lost {
			batch = []WatchEvent{{Reset: true, Revision: rev}}
		}
		for _, e := range batch {
			select {
			case w.out <- e:
			case <-w.done:
				return
			}
		}
	}
}

// closeAll ends every watch (the backend is closing).
func (h *watchHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for w := range h.ws {
		close(w.signal)
		delete(h.ws, w)
	}
	h.n.Store(0)
}
