package dnssrv

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// memBacking is a Backing in memory that counts the writes it gets.
type memBacking struct {
	mu     sync.Mutex
	recs   []string
	writes int
}

func (m *memBacking) Records() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.recs), nil
}

func (m *memBacking) Apply(add, remove []string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	n := len(m.recs)
	m.recs = slices.DeleteFunc(m.recs, func(r string) bool { return slices.Contains(remove, r) })
	changed := len(m.recs) != n
	for _, r := range add {
		if !slices.Contains(m.recs, r) {
			m.recs, changed = append(m.recs, r), true
		}
	}
	return changed, nil
}

// TestBackedZoneWritesThroughButNotBack: a change made to the zone is
// written to the Backing before it is acknowledged; what Sync brings in
// from the Backing (additions and removals by others) is not written back.
func TestBackedZoneWritesThroughButNotBack(t *testing.T) {
	b := &memBacking{recs: []string{"a.localca.test.\t60\tIN\tA\t127.0.0.1", "other.zone.\t60\tIN\tA\t127.0.0.2"}}
	z, err := NewBackedZone("localca.test.", b)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(z.Records()); got != 1 {
		t.Fatalf("zone starts with %d records, want the 1 of its own zone", got)
	}
	if err := z.Add(mustRR(t, "b.localca.test. 60 IN A 127.0.0.3")); err != nil {
		t.Fatal(err)
	}
	if recs, _ := b.Records(); !slices.Contains(recs, "b.localca.test.\t60\tIN\tA\t127.0.0.3") || b.writes != 1 {
		t.Fatalf("Add: backing holds %q after %d writes, want b written once", recs, b.writes)
	}
	b.mu.Lock()
	b.recs = []string{"b.localca.test.\t60\tIN\tA\t127.0.0.3", "c.localca.test.\t60\tIN\tA\t127.0.0.4"} // a removed, c added by another process
	b.mu.Unlock()
	if err := z.Sync(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rr := range z.Records() {
		names = append(names, rr.Header().Name)
	}
	if !slices.Equal(names, []string{"b.localca.test.", "c.localca.test."}) {
		t.Errorf("after Sync the zone holds %q, want b and c", names)
	}
	if b.writes != 1 {
		t.Errorf("Sync wrote to the backing %d times, want none", b.writes-1)
	}
}

// notifyingBacking is a memBacking that signals its changes, as a store
// in etcd does by watch.
type notifyingBacking struct {
	memBacking
	ch chan struct{}
}

func (n *notifyingBacking) Changes(ctx context.Context) (<-chan struct{}, error) { return n.ch, nil }

// TestFollowOnSignal: a Backing that is a Notifier is synced on its
// signal, long before the poll interval; when its signals stop (the
// channel closes), Follow polls every interval.
func TestFollowOnSignal(t *testing.T) {
	b := &notifyingBacking{ch: make(chan struct{}, 1)}
	z, err := NewBackedZone("localca.test.", b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interval := time.Hour
	done := make(chan struct{})
	go func() {
		defer close(done)
		z.Follow(ctx, interval, t.Logf)
	}()
	has := func(name string) bool {
		for _, r := range z.Records() {
			if r.Header().Name == name {
				return true
			}
		}
		return false
	}
	wait := func(name string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !has(name) {
			if time.Now().After(deadline) {
				t.Fatalf("%s not in the zone %s after the change", name, within)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.Apply([]string{"signalled.localca.test.\t60\tIN\tA\t127.0.0.5"}, nil)
	b.ch <- struct{}{}
	wait("signalled.localca.test.", 5*time.Second) // the poll would take an hour
	cancel()
	<-done

	// Signals stop: Follow falls back to polling every interval.
	b2 := &notifyingBacking{ch: make(chan struct{})}
	z2, err := NewBackedZone("localca.test.", b2)
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go z2.Follow(ctx2, 20*time.Millisecond, t.Logf)
	close(b2.ch)
	b2.Apply([]string{"polled.localca.test.\t60\tIN\tA\t127.0.0.6"}, nil)
	z = z2
	wait("polled.localca.test.", 5*time.Second)
}
