package ca_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/store"
)

// parseCRL parses a CRL and checks its signature against issuer.
func parseCRL(t testing.TB, l *ca.CRL, issuer *x509.Certificate) *x509.RevocationList {
	t.Helper()
	rl, err := x509.ParseRevocationList(l.DER)
	if err != nil {
		t.Fatalf("CRL does not parse: %v", err)
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if rl.Number.Uint64() != l.Number {
		t.Errorf("CRL number %s, reported %d", rl.Number, l.Number)
	}
	return rl
}

func TestCRLEntries(t *testing.T) {
	r := newRevCA(t)
	short := r.sign(t, newKey(t, "ecdsa-p256"), 48*time.Hour, "short.test")
	withReason := r.sign(t, newKey(t, "ecdsa-p256"), 0, "reason.test")
	noReason := r.sign(t, newKey(t, "ecdsa-p256"), 0, "none.test")
	valid := r.sign(t, newKey(t, "ecdsa-p256"), 0, "valid.test")
	for _, rv := range []struct {
		iss    *ca.Issued
		reason int
	}{{short, 5}, {withReason, 4}, {noReason, store.NoReason}} {
		if _, err := r.RevokeCert(rv.iss.Record.Serial, rv.reason); err != nil {
			t.Fatal(err)
		}
	}

	l, err := r.CRL(ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rl := parseCRL(t, l, r.Intermediate())
	if !bytes.Equal(rl.AuthorityKeyId, r.Intermediate().SubjectKeyId) {
		t.Errorf("AKI %x, want the intermediate's SKI %x", rl.AuthorityKeyId, r.Intermediate().SubjectKeyId)
	}
	if !rl.ThisUpdate.Equal(r.clock.Now()) || !rl.NextUpdate.Equal(r.clock.Now().Add(ca.DefaultCRLValidity)) {
		t.Errorf("thisUpdate %s nextUpdate %s, want now and a week later", rl.ThisUpdate, rl.NextUpdate)
	}
	got := map[string]x509.RevocationListEntry{}
	for _, e := range rl.RevokedCertificateEntries {
		got[fmt.Sprintf("%x", e.SerialNumber)] = e
	}
	if len(got) != 3 || l.Entries != 3 {
		t.Fatalf("CRL lists %d (reported %d), want 3", len(got), l.Entries)
	}
	if _, ok := got[fmt.Sprintf("%x", valid.Cert.SerialNumber)]; ok {
		t.Error("a valid certificate is on the CRL")
	}
	if e := got[fmt.Sprintf("%x", withReason.Cert.SerialNumber)]; e.ReasonCode != 4 {
		t.Errorf("superseded entry has reason %d", e.ReasonCode)
	}
	e := got[fmt.Sprintf("%x", noReason.Cert.SerialNumber)]
	for _, ext := range e.Extensions {
		if ext.Id.String() == "2.5.29.21" {
			t.Errorf("an entry revoked without a reason carries a reason code extension")
		}
	}
	if !e.RevocationTime.Equal(r.clock.Now()) {
		t.Errorf("revocation time %s, want %s", e.RevocationTime, r.clock.Now())
	}

	// Revoked certificates stay until they expire, then drop off.
	r.clock.Advance(72 * time.Hour)
	l2, err := r.CRL(ca.CRLOptions{NextUpdate: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	rl2 := parseCRL(t, l2, r.Intermediate())
	if len(rl2.RevokedCertificateEntries) != 2 {
		t.Errorf("after the short certificate expired the CRL lists %d, want 2", len(rl2.RevokedCertificateEntries))
	}
	for _, e := range rl2.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(short.Cert.SerialNumber) == 0 {
			t.Error("an expired certificate is still on the CRL")
		}
	}
	if l2.Number <= l.Number {
		t.Errorf("CRL number went from %d to %d", l.Number, l2.Number)
	}
	if !rl2.NextUpdate.Equal(rl2.ThisUpdate.Add(24 * time.Hour)) {
		t.Errorf("nextUpdate %s, want a day after %s", rl2.NextUpdate, rl2.ThisUpdate)
	}
	if l2.Digest == l.Digest {
		t.Error("CRLs that list different certificates have the same digest")
	}
	if d, err := r.CRLDigest(false); err != nil || d != l2.Digest {
		t.Errorf("CRLDigest = %x, %v; want the last CRL's %x", d, err, l2.Digest)
	}
}

func TestRootCRL(t *testing.T) {
	r := newRevCA(t)
	r.sign(t, newKey(t, "ecdsa-p256"), 0, "a.test")
	inter, root := bothCRLs(t, r.CA)
	rl := parseCRL(t, root, r.Root())
	if len(rl.RevokedCertificateEntries) != 0 {
		t.Errorf("root CRL lists %d certificates", len(rl.RevokedCertificateEntries))
	}
	if !bytes.Equal(rl.AuthorityKeyId, r.Root().SubjectKeyId) {
		t.Errorf("root CRL AKI %x, want %x", rl.AuthorityKeyId, r.Root().SubjectKeyId)
	}
	if root.Number != 1 || inter.Number != 1 {
		t.Errorf("first CRL numbers: root %d, intermediate %d; each authority counts on its own from 1", root.Number, inter.Number)
	}
}

// TestCRLNumberNeverRepeats makes CRLs from many goroutines, then reopens
// the store (a restart) and makes more: every number is new.
func TestCRLNumberNeverRepeats(t *testing.T) {
	r := newRevCA(t)
	const workers, each = 6, 4
	var (
		mu   sync.Mutex
		seen = map[uint64]bool{}
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				l, err := r.CRL(ca.CRLOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[l.Number] {
					t.Errorf("CRL number %d issued twice", l.Number)
				}
				seen[l.Number] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Fatalf("%d distinct numbers, want %d", len(seen), workers*each)
	}
	var highest uint64
	for n := range seen {
		highest = max(highest, n)
	}

	if err := r.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(r.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	again, err := ca.Load(st, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := again.CRL(ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Number <= highest {
		t.Errorf("after a restart the CRL number is %d, not above %d", l.Number, highest)
	}
}

// TestCRLZlint lints both CRLs, with entries of each kind, under the
// private-CA registry: no error and no warning.
func TestCRLZlint(t *testing.T) {
	reg, err := privateCARegistry()
	if err != nil {
		t.Fatal(err)
	}
	r := newRevCA(t)
	for i, reason := range []int{store.NoReason, 1, 3, 4, 5} {
		iss := r.sign(t, newKey(t, "ecdsa-p256"), 0, fmt.Sprintf("r%d.test", i))
		if _, err := r.RevokeCert(iss.Record.Serial, reason); err != nil {
			t.Fatal(err)
		}
	}
	inter, root := bothCRLs(t, r.CA)
	for name, l := range map[string]*ca.CRL{"intermediate CRL": inter, "root CRL": root} {
		zl, err := zx509.ParseRevocationList(l.DER)
		if err != nil {
			t.Fatalf("%s: zcrypto cannot parse it: %v", name, err)
		}
		expectClean(t, name, zlint.LintRevocationListEx(zl, reg))
	}
}

// TestOpenSSLCRLCheck has openssl verify -crl_check refuse a revoked
// certificate ("certificate revoked") and accept a valid one.
func TestOpenSSLCRLCheck(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	r := newRevCA(t)
	good := r.sign(t, newKey(t, "ecdsa-p256"), 0, "good.test")
	bad := r.sign(t, newKey(t, "ecdsa-p256"), 0, "bad.test")
	if _, err := r.RevokeCert(bad.Record.Serial, 1); err != nil {
		t.Fatal(err)
	}
	inter, root := bothCRLs(t, r.CA)
	dir := t.TempDir()
	rootPEM := writeFile(t, dir, "root.pem", certPEM(r.Root()))
	interPEM := writeFile(t, dir, "inter.pem", certPEM(r.Intermediate()))
	crls := writeFile(t, dir, "crls.pem", append(inter.PEM(), root.PEM()...))
	for _, check := range []string{"-crl_check", "-crl_check_all"} {
		args := []string{"verify", check, "-CAfile", rootPEM, "-untrusted", interPEM, "-CRLfile", crls}
		if out := testkit.MustRun(t, "openssl", append(args, writeFile(t, dir, "good.pem", certPEM(good.Cert)))...); !strings.Contains(string(out), ": OK") {
			t.Errorf("openssl verify %s of a valid certificate: %s", check, out)
		}
		out, err := execOut("openssl", append(args, writeFile(t, dir, "bad.pem", certPEM(bad.Cert)))...)
		if err == nil || !strings.Contains(out, "certificate revoked") {
			t.Errorf("openssl verify %s of a revoked certificate: %v\n%s", check, err, out)
		}
	}
}

// bothCRLs signs the intermediate's CRL and the root's.
func bothCRLs(t *testing.T, c *ca.CA) (inter, root *ca.CRL) {
	t.Helper()
	lists, err := c.CRLs(true, true, ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return lists[0], lists[1]
}

// TestCRLJSON: a CRL's JSON is the summary `localca crl --json` prints,
// without the CRL itself.
func TestCRLJSON(t *testing.T) {
	lists, err := newCA(t, "ecdsa-p256").CRLs(true, true, ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(lists[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(jsonKeys(t, raw), " "); got != "entries next_update number this_update" {
		t.Errorf("JSON keys %q in %s", got, raw)
	}
}
