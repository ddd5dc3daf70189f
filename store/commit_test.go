package store

import (
	"encoding/pem"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestCommitKeyCSRCert(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	k := newTestKey(t)
	key := k.key()
	key.PEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("(test, not a key)")})
	csr := newTestCSR(t, k, "a.test", "www.a.test")
	c := ca.issue(t, k, testNow.AddDate(0, 3, 0), "a.test", "www.a.test")
	c.CSRID = csr.ID
	mustCommit(t, s, Record{Key: key, CSR: csr, Cert: c})

	gotKey, err := s.Key(k.fp())
	if err != nil {
		t.Fatalf("Key: %v", err)
	}
	if gotKey.Status != KeyActive || string(gotKey.PEM) != string(key.PEM) || !gotKey.Created.Equal(testNow) {
		t.Errorf("Key = %+v, want active, with its PEM, created at the store's clock", gotKey)
	}
	gotCSR, err := s.CSR(csr.ID)
	if err != nil {
		t.Fatalf("CSR: %v", err)
	}
	if gotCSR.Status != CSRSigned || string(gotCSR.DER) != string(csr.DER) {
		t.Errorf("CSR status %q, want %q and the same DER", gotCSR.Status, CSRSigned)
	}
	got, err := s.Cert(c.Serial)
	if err != nil {
		t.Fatalf("Cert: %v", err)
	}
	want := *c
	want.Status, want.Reason = CertValid, NoReason
	if d := diffCert(got, &want); d != "" {
		t.Errorf("Cert: %s", d)
	}
	if n, _ := s.CountCerts(); n != 1 {
		t.Errorf("CountCerts = %d, want 1", n)
	}
	// One event per issuance: the key and the CSR came with the certificate.
	wantEvents := []string{"cert.issued"}
	if got := eventKinds(t, s); !slices.Equal(got, wantEvents) {
		t.Errorf("events %q, want %q", got, wantEvents)
	}
	evs, _ := s.Events(1)
	if len(evs) != 1 || evs[0].Ref != c.SerialHex() || !evs[0].Time.Equal(testNow) {
		t.Errorf("last event %+v, want cert.issued for %s at %s", evs, c.SerialHex(), testNow)
	}
	if _, err := s.Cert([]byte{1, 2, 3}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cert(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := s.Key([]byte("nope")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Key(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := s.CSR([]byte("nope")); !errors.Is(err, ErrNotFound) {
		t.Errorf("CSR(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestCommitCSRAlone(t *testing.T) {
	s := openTest(t, nil)
	k := newTestKey(t)
	csr := newTestCSR(t, k, "a.test")
	csr.Status = CSRSigned // what the caller says about a new CSR is not trusted
	mustCommit(t, s, Record{Key: k.key(), CSR: csr})
	got, err := s.CSR(csr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != CSRPending {
		t.Errorf("a CSR stored without a certificate has status %q, want %q", got.Status, CSRPending)
	}

	// Signing it later through the certificate's CSRID marks it signed.
	c := newTestCA(t, "Root").issue(t, k, testNow.AddDate(0, 1, 0), "a.test")
	c.CSRID = csr.ID
	mustCommit(t, s, Record{Cert: c})
	if got, _ := s.CSR(csr.ID); got.Status != CSRSigned {
		t.Errorf("after signing by CSRID, CSR status %q, want %q", got.Status, CSRSigned)
	}
}

func TestCommitSerialReuse(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
	mustCommit(t, s, Record{Cert: c})
	before := takeSnapshot(t, s)

	k := newTestKey(t)
	csr := newTestCSR(t, k, "b.test")
	dup := ca.issue(t, k, testNow.AddDate(0, 1, 0), "b.test")
	dup.Serial = c.Serial
	dup.CSRID = csr.ID
	err := s.Commit(Record{Key: k.key(), CSR: csr, Cert: dup})
	if !errors.Is(err, ErrSerialExists) {
		t.Fatalf("Commit with a used serial: err = %v, want ErrSerialExists", err)
	}
	before.assertSame(t, takeSnapshot(t, s))
	if _, err := s.Key(k.fp()); !errors.Is(err, ErrNotFound) {
		t.Errorf("the key of a refused record was stored (err %v)", err)
	}
	if _, err := s.CSR(csr.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the CSR of a refused record was stored (err %v)", err)
	}
	if got, err := s.ListCerts(Filter{Name: "b.test"}); err != nil || len(got) != 0 {
		t.Errorf("the name index holds the refused certificate: %d, %v", len(got), err)
	}
	got, _ := s.Cert(c.Serial)
	if d := diffCert(got, c); d != "" {
		t.Errorf("the first certificate changed: %s", d)
	}
}

func TestCommitRefusesCompromisedKey(t *testing.T) {
	ca := newTestCA(t, "Root")
	tests := []struct {
		name   string
		record func(k *testKey) Record
	}{
		{"key", func(k *testKey) Record { return Record{Key: k.key()} }},
		{"csr", func(k *testKey) Record { return Record{CSR: newTestCSR(t, k, "a.test")} }},
		{"cert", func(k *testKey) Record {
			return Record{Cert: ca.issue(t, k, testNow.AddDate(0, 1, 0), "a.test")}
		}},
		{"all three", func(k *testKey) Record {
			return Record{Key: k.key(), CSR: newTestCSR(t, k, "a.test"),
				Cert: ca.issue(t, k, testNow.AddDate(0, 1, 0), "a.test")}
		}},
	}
	for _, known := range []bool{true, false} {
		for _, tt := range tests {
			name := tt.name + "/unknown key"
			if known {
				name = tt.name + "/known key"
			}
			t.Run(name, func(t *testing.T) {
				s := openTest(t, nil)
				k := newTestKey(t)
				if known {
					mustCommit(t, s, Record{Key: k.key()})
				}
				if _, err := s.RevokeKey(k.key(), testNow); err != nil {
					t.Fatalf("RevokeKey: %v", err)
				}
				before := takeSnapshot(t, s)
				if err := s.Commit(tt.record(k)); !errors.Is(err, ErrKeyRevoked) {
					t.Fatalf("Commit: err = %v, want ErrKeyRevoked", err)
				}
				before.assertSame(t, takeSnapshot(t, s))
			})
		}
	}
}

func TestCommitRefusesRejectedCSR(t *testing.T) {
	ca := newTestCA(t, "Root")
	tests := []struct {
		name   string
		record func(k *testKey, csr *CSR) Record
	}{
		{"csr again", func(_ *testKey, csr *CSR) Record { return Record{CSR: csr} }},
		{"csr and cert", func(k *testKey, csr *CSR) Record {
			c := ca.issue(t, k, testNow.AddDate(0, 1, 0), "a.test")
			c.CSRID = csr.ID
			return Record{CSR: csr, Cert: c}
		}},
		{"cert naming the csr", func(k *testKey, csr *CSR) Record {
			c := ca.issue(t, k, testNow.AddDate(0, 1, 0), "a.test")
			c.CSRID = csr.ID
			return Record{Cert: c}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, nil)
			k := newTestKey(t)
			csr := newTestCSR(t, k, "a.test")
			mustCommit(t, s, Record{Key: k.key(), CSR: csr})
			if err := s.RejectCSR(&CSR{ID: csr.ID}); err != nil {
				t.Fatalf("RejectCSR: %v", err)
			}
			before := takeSnapshot(t, s)
			fresh := *csr
			if err := s.Commit(tt.record(k, &fresh)); !errors.Is(err, ErrCSRRejected) {
				t.Fatalf("Commit: err = %v, want ErrCSRRejected", err)
			}
			before.assertSame(t, takeSnapshot(t, s))
		})
	}
}

func TestCommitKeyKeepsFirstRecord(t *testing.T) {
	s := openTest(t, &Options{Now: func() time.Time { return testNow }})
	k := newTestKey(t)
	first := k.key()
	first.Label = "first"
	mustCommit(t, s, Record{Key: first}) // seen through a CSR: no PEM

	steps := []struct {
		name    string
		label   string
		pem     string
		wantPEM string
	}{
		{"adds a missing PEM", "second", "PEM-1", "PEM-1"},
		{"keeps the first PEM", "third", "PEM-2", "PEM-1"},
		{"no PEM changes nothing", "fourth", "", "PEM-1"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			again := k.key()
			again.Label, again.PEM, again.Created = st.label, []byte(st.pem), testNow.Add(time.Hour)
			mustCommit(t, s, Record{Key: again})
			got, err := s.Key(k.fp())
			if err != nil {
				t.Fatal(err)
			}
			if string(got.PEM) != st.wantPEM || got.Label != "first" || !got.Created.Equal(testNow) {
				t.Errorf("key = label %q, PEM %q, created %s; want label %q, PEM %q, created %s",
					got.Label, got.PEM, got.Created, "first", st.wantPEM, testNow)
			}
		})
	}
	if got := eventKinds(t, s); !slices.Equal(got, []string{"key.recorded"}) {
		t.Errorf("events %q: a key seen again must not be logged as new", got)
	}
}

func TestCommitInvalidCert(t *testing.T) {
	ca := newTestCA(t, "Root")
	tests := []struct {
		name   string
		mutate func(c *Cert)
	}{
		{"no serial", func(c *Cert) { c.Serial = nil }},
		{"no DER", func(c *Cert) { c.DER = nil }},
		{"derived status", func(c *Cert) { c.Status = CertExpired }},
		{"unknown status", func(c *Cert) { c.Status = "maybe" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, nil)
			before := takeSnapshot(t, s)
			c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
			tt.mutate(c)
			if err := s.Commit(Record{Cert: c}); err == nil {
				t.Fatal("Commit accepted an invalid certificate")
			}
			before.assertSame(t, takeSnapshot(t, s))
		})
	}
}

func TestCommitRevokedCertIsListed(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
	c.Status, c.Reason = CertRevoked, 4
	mustCommit(t, s, Record{Cert: c})
	var listed []*Cert
	if err := s.RevokedCerts(ca.auth.ID, testNow, func(c *Cert) error {
		listed = append(listed, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].Reason != 4 || !listed[0].RevokedAt.Equal(testNow) {
		t.Errorf("RevokedCerts = %+v, want the certificate committed as revoked, at the store's clock", listed)
	}
}
