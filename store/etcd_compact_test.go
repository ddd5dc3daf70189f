package store

import (
	"context"
	"testing"
	"time"

	"github.com/localca/localca/internal/etcdtest"
)

// TestEtcdWatchBehindCompaction: a watcher that asks for changes etcd has
// compacted away gets a Reset first (re-read), then the changes that follow;
// store.Changes turns both into signals.
func TestEtcdWatchBehindCompaction(t *testing.T) {
	cl := etcdtest.Start(t, 1)
	b, err := OpenEtcd(EtcdOptions{Endpoints: cl.Hosts(), Prefix: "compact", RequestTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	put := func(k string) {
		t.Helper()
		if err := b.Update(ctx, func(tx WriteTx) error { return tx.Put([]byte(k), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
	}
	put("dns/a")
	from, err := b.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put("dns/b")
	put("dns/c")
	now, err := b.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.cli.Compact(ctx, now); err != nil {
		t.Fatal(err)
	}
	ch, err := b.Watch(ctx, []byte("dns/"), from)
	if err != nil {
		t.Fatal(err)
	}
	next := func() WatchEvent {
		t.Helper()
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the watch closed")
			}
			return ev
		case <-ctx.Done():
			t.Fatal("no watch event")
		}
		return WatchEvent{}
	}
	if ev := next(); !ev.Reset {
		t.Fatalf("first event of a watch from a compacted revision: %+v, want Reset", ev)
	}
	put("dns/d")
	if ev := next(); ev.Reset || string(ev.Key) != "dns/d" {
		t.Fatalf("after the Reset: %+v, want the put of dns/d", ev)
	}

	b2, err := OpenEtcd(EtcdOptions{Endpoints: cl.Hosts(), Prefix: "changes", RequestTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := New(b2, nil) // st.Close closes b2
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sig, err := st.Changes(ctx, "dns/")
	if err != nil || sig == nil {
		t.Fatalf("Changes on etcd: %v, %v", sig, err)
	}
	if err := b2.Update(ctx, func(tx WriteTx) error { return tx.Put([]byte("dns/e"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sig:
	case <-ctx.Done():
		t.Fatal("Changes did not signal a put")
	}
}
