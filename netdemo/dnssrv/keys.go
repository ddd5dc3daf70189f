package dnssrv

import (
	"context"
	"time"
)

// KeySource returns the TSIG keys a server accepts now, its zone's own key
// among them; keys another process adds or revokes (the CA's store, shared
// by every localca command) appear in its answer. It is called from one
// goroutine at a time.
type KeySource func() ([]TSIGKey, error)

// FollowKeys gives the server the keys of src now and then every interval
// until ctx ends, so that a key created while it runs is accepted and a
// revoked one refused from the next tick. A failed read is told to logf
// and the keys in force stay until the next one succeeds.
func (s *Server) FollowKeys(ctx context.Context, src KeySource, interval time.Duration, logf func(string, ...any)) {
	s.FollowKeysOn(ctx, src, nil, interval, logf)
}

// FollowKeysOn is FollowKeys that reads src again on each signal of
// changes (a Notifier: the CA's store in etcd, watched), polling only
// every 30 intervals besides; nil changes, or one that cannot signal,
// polls every interval.
func (s *Server) FollowKeysOn(ctx context.Context, src KeySource, changes Notifier, interval time.Duration, logf func(string, ...any)) {
	load := func() {
		keys, err := src()
		if err != nil {
			logf("dns: reading keys from the store: %v", err)
			return
		}
		if err := s.SetKeys(keys); err != nil {
			logf("dns: %v", err)
		}
	}
	load()
	var n any
	if changes != nil {
		n = changes
	}
	follow(ctx, n, interval, logf, load)
}
