package store

import (
	"context"
	"sort"
	"strings"

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

// idPrefixes hold keys named by a time-ordered id (ids.go): the id a
// record's real run allocates is past the one its trial did, so the
// trial's key says nothing of it. For them prefetch reads the whole range
// from the trial's smallest id up, and a key in that range it did not see
// is absent at the batch's revision.
var idPrefixes = [][]byte{pCert, pEvent}

// idRangeMax is how many keys such a range may hold for prefetch to trust
// it: more (ids allocated by other nodes meanwhile) and its keys are read
// one at a time, as before.
const idRangeMax = 64

// prefetched is what a batch read ahead: keys, and the ranges of id keys
// read whole (from lo to the prefix's end).
type prefetched struct {
	rev    int64
	kvs    map[string]cachedKV
	ranges []string // lo of each range read whole; its end is its prefix's
	// pages are Range pages read by the batch's functions, at rev.
	pages map[string]*clientv3.GetResponse
}

// absent reports whether key lies in a range read whole, where a key not
// in kvs is absent.
func (p *prefetched) absent(key string) bool {
	for _, lo := range p.ranges {
		prefix := lo[:strings.IndexByte(lo, '/')+1]
		if strings.HasPrefix(key, prefix) && key >= lo {
			return true
		}
	}
	return false
}

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
// in as few Txns as etcd's limit allows, at one revision (nil when nothing
// was read, or the read failed: the batch then reads as it would without).
func (b *EtcdBackend) prefetch(ctx context.Context, fns []func(WriteTx) error) *prefetched {
	keys := map[string]bool{}
	lows := map[string]string{} // id prefix -> smallest key the trials read
	// The trials' Ranges (an issuer looked up by its key id) read etcd once
	// for all of them: what they find only guides the trials.
	trials := &prefetched{pages: map[string]*clientv3.GetResponse{}}
	for _, fn := range fns {
		t := b.discoverTx(ctx)
		t.cache = trials
		_ = fn(t) // the trial's outcome does not count
		for k := range t.discover {
			keys[k] = true
			for _, p := range idPrefixes {
				if strings.HasPrefix(k, string(p)) && (lows[string(p)] == "" || k < lows[string(p)]) {
					lows[string(p)] = k
				}
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var ranges []string
	for _, lo := range lows {
		ranges = append(ranges, lo)
	}
	sort.Strings(ranges)
	pf := &prefetched{kvs: make(map[string]cachedKV, len(sorted)), pages: map[string]*clientv3.GetResponse{}}
	first := true
	for first || len(sorted) > 0 {
		var ops []clientv3.Op
		var rangeLows []string
		at := func() []clientv3.OpOption {
			if pf.rev != 0 {
				return []clientv3.OpOption{clientv3.WithRev(pf.rev)}
			}
			return nil
		}
		if first { // the id ranges ride with the first Txn
			for _, lo := range ranges {
				prefix := lo[:strings.IndexByte(lo, '/')+1]
				opts := append(at(), clientv3.WithRange(clientv3.GetPrefixRangeEnd(b.key([]byte(prefix)))), clientv3.WithLimit(idRangeMax))
				ops = append(ops, clientv3.OpGet(b.key([]byte(lo)), opts...))
				rangeLows = append(rangeLows, lo)
			}
		}
		n := min(len(sorted), maxTxnOps-len(ops))
		for _, k := range sorted[:n] {
			ops = append(ops, clientv3.OpGet(b.key([]byte(k)), at()...))
		}
		c, cancel := b.ctx(ctx)
		r, err := b.cli.Txn(c).Then(ops...).Commit()
		cancel()
		if err != nil {
			return nil
		}
		if pf.rev == 0 {
			pf.rev = r.Header.Revision
		}
		for i, resp := range r.Responses {
			g := resp.GetResponseRange()
			if g == nil {
				return nil
			}
			if i < len(rangeLows) {
				if g.More {
					continue // too busy a range to answer for
				}
				for _, kv := range g.Kvs {
					pf.kvs[string(kv.Key[len(b.prefix):])] = cachedKV{value: nonNil(kv.Value), modRev: kv.ModRevision, found: true}
				}
				pf.ranges = append(pf.ranges, rangeLows[i])
				continue
			}
			ck := cachedKV{}
			if len(g.Kvs) > 0 {
				ck = cachedKV{value: nonNil(g.Kvs[0].Value), modRev: g.Kvs[0].ModRevision, found: true}
			}
			pf.kvs[sorted[i-len(rangeLows)]] = ck
		}
		sorted = sorted[n:]
		first = false
	}
	return pf
}
