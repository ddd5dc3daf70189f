package store

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Watch follows etcd's changes under prefix. When etcd has compacted away
// the revisions the watcher needs, or the watch breaks (a member died, no
// leader for a while), the watcher gets a Reset event and the watch starts
// again from the current revision, so a follower re-reads instead of
// silently missing a change.
func (b *EtcdBackend) Watch(ctx context.Context, prefix []byte, from int64) (<-chan WatchEvent, error) {
	if from == 0 {
		rev, err := b.Revision(ctx)
		if err != nil {
			return nil, err
		}
		from = rev
	}
	out := make(chan WatchEvent, 64)
	go func() {
		defer close(out)
		next := from + 1
		for ctx.Err() == nil {
			wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
			ch := b.cli.Watch(wctx, b.key(prefix), clientv3.WithPrefix(), clientv3.WithRev(next))
			reset := false
			for resp := range ch {
				if resp.CompactRevision != 0 || resp.Canceled || resp.Err() != nil {
					reset = true
					break
				}
				for _, ev := range resp.Events {
					we := WatchEvent{
						Key:      append([]byte(nil), ev.Kv.Key[len(b.prefix):]...),
						Revision: ev.Kv.ModRevision,
						Deleted:  ev.Type == clientv3.EventTypeDelete,
					}
					if !we.Deleted {
						we.Value = append([]byte{}, ev.Kv.Value...)
					}
					select {
					case out <- we:
					case <-ctx.Done():
						cancel()
						return
					}
					next = ev.Kv.ModRevision + 1
				}
			}
			cancel()
			if ctx.Err() != nil {
				return
			}
			if !reset {
				// The channel closed without a word: the connection broke.
				// Wait a little, then tell the watcher to re-read.
				time.Sleep(100 * time.Millisecond)
			}
			rev, err := b.Revision(ctx)
			if err != nil {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			select {
			case out <- WatchEvent{Reset: true, Revision: rev}:
			case <-ctx.Done():
				return
			}
			next = rev + 1
		}
	}()
	return out, nil
}
