package netdemo

import (
	"context"
	"crypto/tls"
	mrand "math/rand/v2"
	"time"
)

// KeepRenewed replaces id's certificate with a fresh one from issue at two
// thirds of its life, with up to 10% jitter so that many services started
// together do not renew together, until ctx ends. A failed renewal is
// logged and retried a minute later while the old certificate lasts.
func (id *Identity) KeepRenewed(ctx context.Context, issue func() (*tls.Certificate, error), logf func(string, ...any)) {
	for {
		leaf := id.Certificate().Leaf
		life := leaf.NotAfter.Sub(leaf.NotBefore)
		at := leaf.NotBefore.Add(life * 2 / 3).Add(-time.Duration(mrand.Int64N(int64(life/10) + 1)))
		if !sleep(ctx, time.Until(at)) {
			return
		}
		cert, err := issue()
		if err != nil {
			logf("renewal failed, retrying in a minute: %v", err)
			if !sleep(ctx, time.Minute) {
				return
			}
			continue
		}
		id.Set(cert)
	}
}

// sleep waits d (nothing when d <= 0) and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
