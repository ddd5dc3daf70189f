package ca_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/etcdtest"
)

// TestEtcdDNSChangesAcrossNodes: two nodes follow one zone in a
// three-member etcd cluster by watch (DNSZone.Changes); a record one
// node's client adds is signalled to, and read by, the other within a
// second of its commit. A loaded machine gets three tries, each timed on
// its own.
func TestEtcdDNSChangesAcrossNodes(t *testing.T) {
	cl := etcdtest.Start(t, 3)
	url := cl.URL("zone")
	writer := ca.DNSZone{Write: etcdOpener(url)}
	if _, err := writer.Apply([]string{"first.localca.test. 60 IN A 127.0.0.1"}, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	follower := ca.DNSZone{Read: etcdOpener(url)}
	ch, err := follower.Changes(ctx)
	if err != nil || ch == nil {
		t.Fatalf("Changes on etcd: %v, %v; want a channel", ch, err)
	}
	const tries = 3
	for try := range tries {
		rr := fmt.Sprintf("watched%d.localca.test.\t60\tIN\tA\t127.0.0.%d", try, 10+try)
		for len(ch) > 0 { // signals of earlier changes
			<-ch
		}
		if _, err := writer.Apply([]string{rr}, nil); err != nil {
			t.Fatal(err)
		}
		committed := time.Now()
		seen := false
		for !seen && time.Since(committed) < 5*time.Second {
			select {
			case <-ch:
			case <-time.After(5 * time.Second):
				t.Fatalf("no change signalled 5 s after the commit of %s", rr)
			}
			recs, err := follower.Records()
			if err != nil {
				t.Fatal(err)
			}
			seen = slices.Contains(recs, rr)
		}
		took := time.Since(committed)
		t.Logf("try %d: the other node read %s %s after its commit", try, rr, took.Round(time.Millisecond))
		if !seen {
			t.Fatalf("signalled, but %s is not read 5 s after its commit", rr)
		}
		if took <= time.Second {
			return
		}
	}
	t.Errorf("in %d tries, no change was read by the other node within a second of its commit", tries)
}
