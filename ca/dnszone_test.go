package ca_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo/dnssrv"
	"github.com/localca/localca/store"
)

// storePath makes an empty store and returns its path.
func storePath(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "localca.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// dnsZoneAt is the DNS zone of the store at path, opened per call as every
// localca process opens it.
func dnsZoneAt(path string) ca.DNSZone {
	open := func(ro bool) ca.Opener {
		return func() (*store.Store, error) { return ca.OpenStore(path, ca.OpenOptions{ReadOnly: ro}) }
	}
	return ca.DNSZone{Read: open(true), Write: open(false)}
}

// serveZone serves z on a loopback UDP port until the test ends and
// returns the address.
func serveZone(t *testing.T, z *dnssrv.Zone) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); (&dnssrv.Server{Zone: z}).Serve(ctx, pc, nil) }()
	t.Cleanup(func() { cancel(); <-done })
	return pc.LocalAddr().String()
}

// answered waits up to limit for a query of name A at addr to get (want)
// or lose (!want) an answer, and reports how long that took.
func answered(t *testing.T, addr, name string, want bool, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		r, err := dns.Exchange(m, addr)
		if err == nil && (len(r.Answer) > 0) == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: answered %v not reached within %s (last: %v %v)", name, want, limit, r, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDNSZoneFollowsOtherProcesses: a record that another process adds to
// the store while the server runs (`localca dns add`) is answered within a
// second, and stops being answered within a second of its removal.
func TestDNSZoneFollowsOtherProcesses(t *testing.T) {
	path := storePath(t)
	served, err := dnssrv.NewBackedZone("localca.test.", dnsZoneAt(path))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveZone(t, served.Zone)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go served.Follow(ctx, 200*time.Millisecond, t.Logf)

	other := dnsZoneAt(path)
	const rec = "late.localca.test.\t60\tIN\tA\t127.0.0.9"
	if changed, err := other.Apply([]string{rec}, nil); err != nil || !changed {
		t.Fatalf("adding through another handle: changed %v, %v", changed, err)
	}
	t.Logf("added, answered after %s", answered(t, addr, "late.localca.test.", true, time.Second))
	if changed, err := other.Apply(nil, []string{rec}); err != nil || !changed {
		t.Fatalf("removing through another handle: changed %v, %v", changed, err)
	}
	t.Logf("removed, gone after %s", answered(t, addr, "late.localca.test.", false, time.Second))
}

// TestDNSZoneUpdatesDuringSync: changes made to the served zone (as DNS
// UPDATEs make them) while Sync runs over and over, and changes other
// processes make to the store meanwhile, all end up both served and
// stored: Sync never takes an acknowledged update back out, and never
// writes back what it brought in.
func TestDNSZoneUpdatesDuringSync(t *testing.T) {
	path := storePath(t)
	served, err := dnssrv.NewBackedZone("localca.test.", dnsZoneAt(path))
	if err != nil {
		t.Fatal(err)
	}
	other := dnsZoneAt(path)
	const n = 40
	stop := make(chan struct{})
	var syncs sync.WaitGroup
	syncs.Add(1)
	go func() {
		defer syncs.Done()
		for {
			select {
			case <-stop:
				return
			default:
				if err := served.Sync(); err != nil {
					t.Errorf("Sync: %v", err)
					return
				}
			}
		}
	}()
	var writers sync.WaitGroup
	writers.Add(2)
	var acked atomic.Int64 // u0 .. u(acked-1) have been acknowledged
	go func() {            // UPDATEs to the served zone
		defer writers.Done()
		for i := range n {
			rr, err := dnssrv.ParseRR(fmt.Sprintf("u%d.localca.test. 60 IN A 127.0.1.%d", i, i), "localca.test.")
			if err != nil {
				t.Error(err)
				return
			}
			if err := served.Add(rr); err != nil {
				t.Errorf("update %d: %v", i, err)
			}
			acked.Store(int64(i + 1))
		}
	}()
	syncs.Add(1)
	go func() { // an acknowledged update is never taken back out, even for a moment
		defer syncs.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			k := int(acked.Load())
			have := map[string]bool{}
			for _, rr := range served.Records() {
				have[rr.Header().Name] = true
			}
			for i := range k {
				if name := fmt.Sprintf("u%d.localca.test.", i); !have[name] {
					t.Errorf("acknowledged update %s missing from the served zone", name)
					return
				}
			}
		}
	}()
	go func() { // `localca dns add` in another process
		defer writers.Done()
		for i := range n {
			if _, err := other.Apply([]string{fmt.Sprintf("o%d.localca.test.\t60\tIN\tA\t127.0.2.%d", i, i)}, nil); err != nil {
				t.Errorf("other %d: %v", i, err)
			}
		}
	}()
	writers.Wait()
	close(stop)
	syncs.Wait()
	if err := served.Sync(); err != nil {
		t.Fatal(err)
	}
	var zone []string
	for _, rr := range served.Records() {
		zone = append(zone, rr.String())
	}
	stored, err := other.Records()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(zone)
	slices.Sort(stored)
	if len(zone) != 2*n || !slices.Equal(zone, stored) {
		t.Fatalf("after the race: %d records served, %d stored, want %d of each and the same:\nserved %q\nstored %q", len(zone), len(stored), 2*n, zone, stored)
	}
}

// TestDNSZoneKey: the zone's update key is made once and then the same for
// every process of the store, whatever the spelling of its name; the zone
// of a command (NewDNSZone) reads the same store.
func TestDNSZoneKey(t *testing.T) {
	path := storePath(t)
	z := dnsZoneAt(path)
	first, err := z.ZoneKey("localca-update.")
	if err != nil {
		t.Fatal(err)
	}
	if first.Name != "localca-update." || len(first.Secret) != 44 {
		t.Fatalf("key %q with a secret of %d characters, want localca-update. and 44 (32 bytes base64)", first.Name, len(first.Secret))
	}
	opened := 0
	cmdZone := ca.NewDNSZone(func(readOnly bool) (ca.Opener, error) {
		opened++
		return func() (*store.Store, error) { return ca.OpenStore(path, ca.OpenOptions{ReadOnly: readOnly}) }, nil
	})
	again, err := cmdZone.ZoneKey("Localca-Update")
	if err != nil {
		t.Fatal(err)
	}
	if again.Name != first.Name || again.Secret != first.Secret {
		t.Errorf("second ZoneKey = %+v, want the first %+v", again, first)
	}
	if opened != 1 {
		t.Errorf("NewDNSZone looked its store up %d times for one call, want 1", opened)
	}
	other, err := z.ZoneKey("other-update.")
	if err != nil || other.Secret == first.Secret {
		t.Errorf("another key's secret equals the first (%v)", err)
	}
}
