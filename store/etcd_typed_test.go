package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/internal/etcdtest"
)

// etcdUnderTest, set by TestTypedStoreOnEtcd only, makes openTest open its
// store on that cluster, under a fresh prefix (etcdPrefixes counts them).
// The tests it runs are not parallel.
var (
	etcdUnderTest *etcdtest.Cluster
	etcdPrefixes  int
)

// TestTypedStoreOnEtcd runs the typed store's tests, written for bbolt,
// unchanged against a real etcd: the API is written once on Backend, and
// these are the cases where the engines could part (checks inside the
// commit, group commit, counters, events, DNS records, tokens).
func TestTypedStoreOnEtcd(t *testing.T) {
	c := etcdtest.Start(t, 1)
	etcdUnderTest = c
	t.Cleanup(func() { etcdUnderTest = nil })
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"InitCA", TestInitCA},
		{"CommitKeyCSRCert", TestCommitKeyCSRCert},
		{"CommitCSRAlone", TestCommitCSRAlone},
		{"CommitSerialReuse", TestCommitSerialReuse},
		{"CertIDFromSerial", TestCertIDFromSerial},
		{"Keyspace4Certs", TestKeyspace4Certs},
		{"CodedRecords", TestCodedRecords},
		{"CommitRefusesCompromisedKey", TestCommitRefusesCompromisedKey},
		{"CommitRefusesRejectedCSR", TestCommitRefusesRejectedCSR},
		{"CommitKeyKeepsFirstRecord", TestCommitKeyKeepsFirstRecord},
		{"CommitRevokedCertIsListed", TestCommitRevokedCertIsListed},
		{"RevokeAuthority", TestRevokeAuthority},
		{"CommitConcurrent", TestCommitConcurrent},
		{"CommitAll", TestCommitAll},
		{"NextCRLNumberConcurrent", TestNextCRLNumberConcurrent},
		{"NextCRL", TestNextCRL},
		{"RevokeCert", TestRevokeCert},
		{"RevokeKey", TestRevokeKey},
		{"RejectCSR", TestRejectCSR},
		{"ListCertsFilters", TestListCertsFilters},
		{"RevokedCerts", TestRevokedCerts},
		{"PageCerts", TestPageCerts},
		{"ApplyDNS", TestApplyDNS},
		{"Settings", TestSettings},
		{"SettingOrInitConcurrent", TestSettingOrInitConcurrent},
		{"UseToken", TestUseToken},
		{"UseTokenConcurrent", TestUseTokenConcurrent},
		{"BeforeCommitFails", TestBeforeCommitFails},
		{"Moved", testMoved},
		{"LargestCommit", testLargestCommit},
		{"TwoNodes", testTwoNodes},
	} {
		t.Run(tc.name, tc.fn)
	}
}

// testMoved: after a copy marks the store as moved, every write is refused
// naming the new store, and reads go on.
func testMoved(t *testing.T) {
	s := openTest(t, nil)
	_, inter := initCA(t, s, false)
	if err := s.Commit(Record{Cert: newTestCert(t, inter, "before.test")}); err != nil {
		t.Fatal(err)
	}
	if err := s.b.Update(context.Background(), func(tx WriteTx) error {
		return tx.Put(keyMovedTo, []byte("etcd://127.0.0.1:1/elsewhere"))
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Commit(Record{Cert: newTestCert(t, inter, "after.test")})
	if !errors.Is(err, ErrMoved) || !strings.Contains(err.Error(), "etcd://127.0.0.1:1/elsewhere") {
		t.Fatalf("commit on a moved store: %v, want ErrMoved naming the new store", err)
	}
	if _, err := s.NextCRL(inter.auth.ID, testNow, noEntries); !errors.Is(err, ErrMoved) {
		t.Fatalf("CRL number on a moved store: %v", err)
	}
	certs, err := s.ListCerts(Filter{})
	if err != nil || len(certs) != 1 {
		t.Fatalf("reading a moved store: %d certificates, %v", len(certs), err)
	}
}

// testTwoNodes: two Stores (two nodes) on one prefix commit concurrently;
// a serial used on one is refused on the other, and every accepted
// certificate is there, once.
func testTwoNodes(t *testing.T) {
	etcdPrefixes++
	url := etcdUnderTest.URL(fmt.Sprintf("typed%d", etcdPrefixes))
	var nodes [2]*Store
	for i := range nodes {
		s, err := OpenURL(url, &Options{Now: func() time.Time { return testNow }}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		nodes[i] = s
	}
	_, inter := initCA(t, nodes[0], false)
	const each = 40
	var wg sync.WaitGroup
	errs := make([][]error, 2)
	dup := newTestCert(t, inter, "dup.test")
	for i, s := range nodes {
		errs[i] = make([]error, each+1)
		for j := 0; j <= each; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := dup
				if j < each {
					c = newTestCert(t, inter, fmt.Sprintf("n%d-%d.test", i, j))
				} else {
					cc := *dup
					c = &cc
				}
				errs[i][j] = s.Commit(Record{Cert: c})
			}()
		}
	}
	wg.Wait()
	dupOK := 0
	for i := range nodes {
		for j, err := range errs[i] {
			switch {
			case j == each && err == nil:
				dupOK++
			case j == each && !errors.Is(err, ErrSerialExists):
				t.Errorf("node %d, the shared serial: %v", i, err)
			case j < each && err != nil:
				t.Errorf("node %d, certificate %d: %v", i, j, err)
			}
		}
	}
	if dupOK != 1 {
		t.Errorf("the serial both nodes committed was stored %d times", dupOK)
	}
	for i, s := range nodes {
		certs, err := s.ListCerts(Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(certs) != 2*each+1 {
			t.Errorf("node %d lists %d certificates, want %d", i, len(certs), 2*each+1)
		}
	}
}

// testLargestCommit: the largest record issuance makes (a new key, its CSR,
// a certificate with policies.MaxNames names and a CN besides) is one Txn
// within etcd's 128 operations and 128 compares, alone and in a group.
func testLargestCommit(t *testing.T) {
	s := openTest(t, nil)
	_, inter := initCA(t, s, false)
	var wg sync.WaitGroup
	for i := range 3 {
		names := []string{fmt.Sprintf("cn%d.test", i)}
		for j := range 100 { // policies.MaxNames
			names = append(names, fmt.Sprintf("san%d-%d.test", i, j))
		}
		k := newTestKey(t)
		c := inter.issue(t, k, testNow.AddDate(0, 1, 0), names...)
		csr := newTestCSR(t, k, names...)
		wg.Go(func() {
			if err := s.Commit(Record{Key: k.key(), CSR: csr, Cert: c}); err != nil {
				t.Errorf("Commit of %d names: %v", len(names), err)
			}
		})
	}
	wg.Wait()
	if n, err := s.CountCerts(); err != nil || n != 3 {
		t.Fatalf("%d certificates stored, %v", n, err)
	}
}
