package store

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// initCA stores a new root and intermediate in s and returns them.
func initCA(t *testing.T, s *Store, force bool) (root, inter *testCA) {
	t.Helper()
	root, inter = newTestCA(t, "Root"), newTestCA(t, "Intermediate")
	inter.auth.Role, inter.auth.ParentID = "intermediate", root.auth.ID
	if err := s.InitCA(root.auth, inter.auth, force); err != nil {
		t.Fatalf("InitCA: %v", err)
	}
	return root, inter
}

func TestInitCA(t *testing.T) {
	s := openTest(t, nil)
	if _, _, err := s.CA(); !errors.Is(err, ErrNoCA) {
		t.Fatalf("CA() on a new store: err = %v, want ErrNoCA", err)
	}
	root, inter := initCA(t, s, false)
	gotRoot, gotInter, err := s.CA()
	if err != nil {
		t.Fatalf("CA: %v", err)
	}
	if gotRoot.ID != root.auth.ID || gotInter.ID != inter.auth.ID || gotInter.ParentID != root.auth.ID ||
		string(gotRoot.CertDER) != string(root.auth.CertDER) {
		t.Errorf("CA() = %s, %s; want %s, %s", gotRoot.ID, gotInter.ID, root.auth.ID, inter.auth.ID)
	}

	before := takeSnapshot(t, s)
	other, otherInter := newTestCA(t, "Other"), newTestCA(t, "Other Int")
	if err := s.InitCA(other.auth, otherInter.auth, false); !errors.Is(err, ErrCAExists) {
		t.Fatalf("InitCA without force: err = %v, want ErrCAExists", err)
	}
	before.assertSame(t, takeSnapshot(t, s))

	root2, inter2 := initCA(t, s, true)
	gotRoot, gotInter, err = s.CA()
	if err != nil || gotRoot.ID != root2.auth.ID || gotInter.ID != inter2.auth.ID {
		t.Errorf("CA() after a forced init = %v, %v, %v; want the new pair", gotRoot, gotInter, err)
	}
	all, err := s.Authorities()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range all {
		ids = append(ids, a.ID)
	}
	for _, id := range []string{root.auth.ID, inter.auth.ID, root2.auth.ID, inter2.auth.ID} {
		if !slices.Contains(ids, id) {
			t.Errorf("Authorities() lost %s after a forced init", id)
		}
	}
	if a, err := s.Authority(inter.auth.ID); err != nil || a.Role != "intermediate" {
		t.Errorf("Authority(replaced intermediate) = %+v, %v", a, err)
	}
	if _, err := s.Authority("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Authority(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestNextCRLNumber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, inter := initCA(t, s, false)
	id := inter.auth.ID
	var last uint64
	next := func(s *Store) {
		t.Helper()
		n, err := s.NextCRL(id, testNow, noEntries)
		if err != nil {
			t.Fatalf("NextCRL: %v", err)
		}
		if n <= last {
			t.Fatalf("NextCRL = %d after %d: not increasing", n, last)
		}
		last = n
	}
	for range 3 {
		next(s)
	}
	s.Close()
	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(s)
	if _, err := s.NextCRL("nope", testNow, noEntries); !errors.Is(err, ErrNotFound) {
		t.Errorf("NextCRL(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestNextCRLNumberConcurrent(t *testing.T) {
	s := openTest(t, &Options{NoSync: true})
	_, inter := initCA(t, s, false)
	const workers, each = 8, 20
	got := make([][]uint64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				n, err := s.NextCRL(inter.auth.ID, testNow, noEntries)
				if err != nil {
					t.Errorf("NextCRL: %v", err)
					return
				}
				got[w] = append(got[w], n)
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for w, ns := range got {
		for i, n := range ns {
			if seen[n] {
				t.Errorf("CRL number %d handed out twice", n)
			}
			seen[n] = true
			if i > 0 && n <= ns[i-1] {
				t.Errorf("worker %d got %d after %d", w, n, ns[i-1])
			}
		}
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct numbers, want %d", len(seen), workers*each)
	}
	a, err := s.Authority(inter.auth.ID)
	if err != nil || a.CRLNumber != workers*each {
		t.Errorf("stored CRL number %d, %v; want %d", a.CRLNumber, err, workers*each)
	}
}

// TestInitCARefusesIssuerPrefixCollision: an authority whose id starts like
// another's would make the records of the first unreadable (they name their
// issuer by that prefix), so InitCA refuses it and changes nothing.
func TestInitCARefusesIssuerPrefixCollision(t *testing.T) {
	s := openTest(t, nil)
	root, inter := newTestCA(t, "Root"), newTestCA(t, "Inter")
	if err := s.InitCA(root.auth, inter.auth, false); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, Record{Cert: inter.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")})
	before := takeSnapshot(t, s)
	twin := *newTestCA(t, "Twin").auth
	twin.ID = inter.auth.ID[:2*issuerPrefixLen] + strings.Repeat("0", len(inter.auth.ID)-2*issuerPrefixLen)
	if err := s.InitCA(root.auth, &twin, true); err == nil || !strings.Contains(err.Error(), "starts like") {
		t.Fatalf("InitCA with a colliding id: %v", err)
	}
	before.assertSame(t, takeSnapshot(t, s))
	if got, err := s.ListCerts(Filter{}); err != nil || len(got) != 1 {
		t.Fatalf("ListCerts after the refusal: %d, %v", len(got), err)
	}
}
