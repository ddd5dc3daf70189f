package mesh

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/netdemo"
)

// memBacking is a Backing in memory, as another process's store.
type memBacking struct {
	mu   sync.Mutex
	recs []string
}

func (b *memBacking) Records() ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.recs), nil
}

func (b *memBacking) Apply(add, remove []string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.recs)
	b.recs = slices.DeleteFunc(b.recs, func(r string) bool { return slices.Contains(remove, r) })
	changed := len(b.recs) != n
	for _, a := range add {
		if !slices.Contains(b.recs, a) {
			b.recs, changed = append(b.recs, a), true
		}
	}
	return changed, nil
}

// answers waits up to a second for name A at addr to have (want) or lack
// an answer.
func answers(t *testing.T, addr, name string, want bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		r, err := dns.Exchange(m, addr)
		if err == nil && (len(r.Answer) > 0) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answered %v not reached within a second (%v %v)", name, want, r, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUpWithBacking: Up builds its zone from a Backing, writes the
// services' registrations to it, serves a record another process adds
// there within a second (and stops serving it within a second of its
// removal), and takes its registrations back out when it stops.
func TestUpWithBacking(t *testing.T) {
	pki := testkit.NewPKI(t, "Mesh")
	f, err := Parse([]byte(strings.Replace(Sample, "127.0.0.1:8053", "127.0.0.1:0", 1)), "sample")
	if err != nil {
		t.Fatal(err)
	}
	b := &memBacking{}
	out := testkit.NewBuffer()
	u := &Up{
		File: f,
		Issue: func(host, spiffeID string, _ time.Duration) (*tls.Certificate, error) {
			return pki.Issue(t, testkit.LeafSpec{CN: host, DNS: []string{host}, URIs: []string{spiffeID},
				EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}).Cert, nil
		},
		Roots: pki.Pool, Intermediates: netdemo.CertPool(pki.Inter),
		Backing: b, FollowEvery: 50 * time.Millisecond,
		Out: out, Log: io.Discard, Logf: t.Logf,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	defer func() { cancel(); <-done }()
	out.WaitFor(t, "ready;", 30*time.Second)
	addr := regexp.MustCompile(`dns (\S+) zone`).FindStringSubmatch(out.String())[1]

	recs, _ := b.Records()
	if n := len(recs); n != 6 {
		t.Fatalf("backing holds %d records after up, want 6 (SRV, A, TXT of two services): %q", n, recs)
	}
	const other = "other.localca.test.\t60\tIN\tA\t127.0.0.9"
	b.Apply([]string{other}, nil)
	answers(t, addr, "other.localca.test.", true)
	b.Apply(nil, []string{other})
	answers(t, addr, "other.localca.test.", false)

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	done <- nil
	if recs, _ := b.Records(); len(recs) != 0 {
		t.Errorf("backing still holds %q after up stopped", recs)
	}
}
