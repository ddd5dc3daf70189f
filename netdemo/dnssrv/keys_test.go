package dnssrv

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestFollowKeys: a key added to the source while the server runs is
// accepted within a second, one removed is refused within a second, and a
// failed read keeps the keys in force.
func TestFollowKeys(t *testing.T) {
	zoneKey, err := NewTSIGKey("localca-update")
	if err != nil {
		t.Fatal(err)
	}
	limited, err := NewTSIGKey("acme")
	if err != nil {
		t.Fatal(err)
	}
	limited.Allow = []string{"*.localca.test"}
	var mu sync.Mutex
	keys, failRead := []TSIGKey{zoneKey}, false
	src := func() ([]TSIGKey, error) {
		mu.Lock()
		defer mu.Unlock()
		if failRead {
			return nil, errors.New("store closed")
		}
		return append([]TSIGKey(nil), keys...), nil
	}
	var logged []string
	logf := func(f string, args ...any) { mu.Lock(); logged = append(logged, f); mu.Unlock() }
	srv := &Server{Zone: mustZone(t), Keys: []TSIGKey{zoneKey}}
	ts := startServer(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.FollowKeys(ctx, src, 50*time.Millisecond, logf) }()
	t.Cleanup(func() { cancel(); <-done })

	add := func(name string) func(*dns.Msg) {
		return func(m *dns.Msg) { m.Insert([]dns.RR{mustRR(t, name+" 60 IN A 127.0.0.9")}) }
	}
	// eventually waits up to a second for an update signed with key to get
	// rcode.
	eventually := func(key TSIGKey, name string, rcode int) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for {
			got := sendUpdate(t, ts.addr, key, add(name)).Rcode
			if got == rcode {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("update %s signed by %s: rcode %s, want %s within a second", name, key.Name, dns.RcodeToString[got], dns.RcodeToString[rcode])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually(limited, "a.localca.test.", dns.RcodeNotAuth)
	mu.Lock()
	keys = append(keys, limited)
	mu.Unlock()
	eventually(limited, "b.localca.test.", dns.RcodeSuccess)

	mu.Lock()
	failRead = true
	mu.Unlock()
	time.Sleep(150 * time.Millisecond) // a few failed reads
	eventually(limited, "c.localca.test.", dns.RcodeSuccess)
	mu.Lock()
	failRead, keys = false, keys[:1]
	n := len(logged)
	mu.Unlock()
	if n == 0 {
		t.Error("failed reads of the keys were not logged")
	}
	eventually(limited, "d.localca.test.", dns.RcodeNotAuth)
	eventually(zoneKey, "e.localca.test.", dns.RcodeSuccess)
}
