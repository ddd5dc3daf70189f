package dnssrv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Backing is a zone's durable copy, which other processes may change too
// (the CA's store, shared by every localca command). Records are zone-file
// text, as ParseRR reads it. Implementations are safe for concurrent use.
type Backing interface {
	// Records returns every stored record, of any zone.
	Records() ([]string, error)
	// Apply adds and removes records in one transaction and reports
	// whether anything changed.
	Apply(add, remove []string) (changed bool, err error)
}

// Notifier is a Backing that says when it may have changed (a store in
// etcd, by its watch), so that Follow syncs at once instead of at its
// next tick.
type Notifier interface {
	// Changes receives after the Backing changed (several changes may come
	// as one) and is closed when ctx ends. A nil channel means the Backing
	// cannot tell: poll.
	Changes(ctx context.Context) (<-chan struct{}, error)
}

// BackedZone is a Zone kept in step with a Backing both ways: its changes
// (Add, Remove, DNS UPDATEs) are written to the Backing before they are
// acknowledged, and Sync (or Follow) brings in what other processes wrote.
type BackedZone struct {
	*Zone
	b Backing

	mu sync.Mutex
	// pending is the change Sync is making now (changeKey form), which
	// Persist must not write back: it came from the Backing. It names the
	// change, not just "a sync is running", so that a DNS UPDATE applied
	// while a sync runs is still written to the Backing before it is
	// acknowledged.
	pending string
}

// NewBackedZone builds the zone origin from the records b holds for it.
func NewBackedZone(origin string, b Backing) (*BackedZone, error) {
	recs, err := zoneRecords(b, origin)
	if err != nil {
		return nil, err
	}
	bz := &BackedZone{b: b}
	bz.Zone, err = NewZone(ZoneConfig{Origin: origin, Records: recs, Persist: bz.persist})
	return bz, err
}

// zoneRecords reads the stored records that belong to the zone.
func zoneRecords(b Backing, origin string) ([]dns.RR, error) {
	texts, err := b.Records()
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for _, t := range texts {
		rr, err := ParseRR(t, origin)
		if errors.Is(err, ErrOutOfZone) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("stored record %q: %w", t, err)
		}
		out = append(out, rr)
	}
	return out, nil
}

func (bz *BackedZone) persist(added, removed []dns.RR) error {
	bz.mu.Lock()
	fromBacking := bz.pending != "" && bz.pending == changeKey(added, removed)
	bz.mu.Unlock()
	if fromBacking {
		return nil
	}
	_, err := bz.b.Apply(rrTexts(added), rrTexts(removed))
	return err
}

// apply makes one change that came from the Backing, without writing it
// back.
func (bz *BackedZone) apply(add, remove dns.RR) error {
	var key string
	if add != nil {
		key = changeKey([]dns.RR{add}, nil)
	} else {
		key = changeKey(nil, []dns.RR{remove})
	}
	bz.mu.Lock()
	bz.pending = key
	bz.mu.Unlock()
	defer func() {
		bz.mu.Lock()
		bz.pending = ""
		bz.mu.Unlock()
	}()
	if add != nil {
		return bz.Add(add)
	}
	return bz.Remove(remove)
}

// Sync makes the zone hold what the Backing holds. The zone is read before
// the Backing: a DNS UPDATE that lands between the two reads is then in
// the Backing's copy as well, so Sync never takes an acknowledged update
// back out. Changes are made one record at a time so that one record an
// UPDATE changed meanwhile does not hold back the others.
func (bz *BackedZone) Sync() error {
	have := map[string]dns.RR{}
	for _, r := range bz.Records() {
		have[r.String()] = r
	}
	want, err := zoneRecords(bz.b, bz.Origin())
	if err != nil {
		return err
	}
	var add []dns.RR
	for _, r := range want {
		if _, ok := have[r.String()]; ok {
			delete(have, r.String())
		} else {
			add = append(add, r)
		}
	}
	var errs []error
	for _, r := range have {
		if err := bz.apply(nil, r); err != nil && !errors.Is(err, ErrNoSuchRecord) {
			errs = append(errs, err)
		}
	}
	for _, r := range add {
		if err := bz.apply(r, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Follow keeps the zone in step with the Backing until ctx ends, so that
// records other processes add or remove are served. A Backing that is a
// Notifier is synced on each of its signals (and every followSafety
// intervals besides); any other, or one whose signals stop, every
// interval. A failed Sync is told to logf and tried again at the next
// signal or tick.
func (bz *BackedZone) Follow(ctx context.Context, interval time.Duration, logf func(string, ...any)) {
	follow(ctx, bz.b, interval, logf, func() {
		if err := bz.Sync(); err != nil {
			logf("dns: reading records from the store: %v", err)
		}
	})
}

// follow runs sync on each signal of src when it is a Notifier that
// signals (once at once too: what changed before the watch began), and
// every followSafety intervals besides; else, or once the signals stop,
// every interval; until ctx ends.
func follow(ctx context.Context, src any, interval time.Duration, logf func(string, ...any), sync func()) {
	var changes <-chan struct{}
	if n, ok := src.(Notifier); ok {
		ch, err := n.Changes(ctx)
		if err != nil {
			logf("dns: watching the store (polling every %s instead): %v", interval, err)
		}
		changes = ch
	}
	every := interval
	if changes != nil {
		every = interval * followSafety
		sync()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil
				t.Reset(interval)
				if ctx.Err() == nil {
					logf("dns: the store's watch ended: polling every %s", interval)
				}
				continue
			}
		case <-t.C:
		}
		sync()
	}
}

// followSafety is how many intervals pass between the syncs Follow makes
// without a signal, when the Backing signals its changes.
const followSafety = 30

// changeKey names a change by its records.
func changeKey(added, removed []dns.RR) string {
	a, r := rrTexts(added), rrTexts(removed)
	sort.Strings(a)
	sort.Strings(r)
	return "+" + strings.Join(a, "\n+") + "\n-" + strings.Join(r, "\n-")
}

func rrTexts(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, r := range rrs {
		out[i] = r.String()
	}
	return out
}
