package store

import (
	"context"
	"sync"
)

// Changes tells a long-running reader (a DNS server, a CA server's cached
// CRL) when the records under some prefixes may have changed, so that it
// re-reads then instead of polling. Every process that shares the store
// must be seen, so only an engine whose watch sees other processes'
// commits qualifies: etcd. On a bbolt file, which other processes write
// through their own handles, Changes returns a nil channel and the reader
// keeps polling.
//
// The channel receives after one or more commits changed a key under one
// of prefixes (several changes may come as one signal), and after the
// watch could not say what it missed (etcd compacted the revisions it
// needed, or the connection broke): either way the reader re-reads. It is
// closed when ctx ends. A reader should re-read once right after Changes
// returns: a change between its first read and the watch's start is not
// signalled.
func (s *Store) Changes(ctx context.Context, prefixes ...string) (<-chan struct{}, error) {
	if _, ok := s.b.(*EtcdBackend); !ok {
		return nil, nil
	}
	rev, err := s.b.Revision(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for _, p := range prefixes {
		ch, err := s.b.Watch(ctx, []byte(p), rev)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			for range ch {
				select {
				case out <- struct{}{}:
				default: // one signal pending already says "re-read"
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out, nil
}
