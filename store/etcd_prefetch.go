package store

import (
	"context"
	"sort"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// A batch's functions read their keys one at a time (the serial, the key's
// record, the CSR's, the issuer's revocation, a free id, the moved mark),
// and on etcd each read is a round trip: with 64 callers, hundreds of
// sequential reads before a batch's one Txn. prefetch learns the keys
// first, by running each function once on a transaction that reads
// no single key from etcd (every key absent; functions may run more than
// once by the Backend contract), then reads them all in Txns of
// Gets at one revision. The functions then run for real at that revision,
// their reads answered from the prefetched values; a key they read that
// the trial run did not (another path taken) is fetched on its own, as
// before.

// prefetchAhead is how many functions of a batch one prefetch covers: a
// chunk (one commit) holds about 18 certificates, so a few chunks' worth.
const prefetchAhead = 64

// cachedKV is a prefetched key: its value and mod revision, or absent.
type cachedKV struct {
	value  []byte
	modRev int64
	found  bool
}

// discoverTx is a trial transaction: it records the keys read and answers
// every read as absent.
func (b *EtcdBackend) discoverTx(ctx context.Context) *etcdTx {
	t := b.newTx(ctx, 0, nil)
	t.discover = map[string]bool{}
	return t
}

// prefetch runs fns on trial transactions and reads every key they read
// in as few Txns as etcd's limit allows, at one revision. It returns that
// revision and the values by store key; rev 0 when nothing was read (or
// the read failed: the batch then reads as it would without).
func (b *EtcdBackend) prefetch(ctx context.Context, fns []func(WriteTx) error) (int64, map[string]cachedKV) {
	keys := map[string]bool{}
	for _, fn := range fns {
		t := b.discoverTx(ctx)
		_ = fn(t) // the trial's outcome does not count
		for k := range t.discover {
			keys[k] = true
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	cache := make(map[string]cachedKV, len(sorted))
	var rev int64
	for len(sorted) > 0 {
		n := min(len(sorted), maxTxnOps)
		ops := make([]clientv3.Op, n)
		for i, k := range sorted[:n] {
			var opts []clientv3.OpOption
			if rev != 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			ops[i] = clientv3.OpGet(b.key([]byte(k)), opts...)
		}
		c, cancel := b.ctx(ctx)
		r, err := b.cli.Txn(c).Then(ops...).Commit()
		cancel()
		if err != nil {
			return 0, nil
		}
		if rev == 0 {
			rev = r.Header.Revision
		}
		for i, resp := range r.Responses {
			g := resp.GetResponseRange()
			if g == nil {
				return 0, nil
			}
			ck := cachedKV{}
			if len(g.Kvs) > 0 {
				ck = cachedKV{value: nonNil(g.Kvs[0].Value), modRev: g.Kvs[0].ModRevision, found: true}
			}
			cache[sorted[i]] = ck
		}
		sorted = sorted[n:]
	}
	return rev, cache
}
