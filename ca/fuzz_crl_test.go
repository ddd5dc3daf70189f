package ca_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// fuzzReasons are what an entry's reason byte picks from: no reason, every
// code RevokeCert takes, and codes it must refuse (certificateHold,
// an unassigned one, removeFromCRL, out of range).
var fuzzReasons = []int{store.NoReason, 0, 1, 2, 3, 4, 5, 9, 10, 6, 7, 8, 11, -2, 1 << 20}

var oidCRLReason = asn1.ObjectIdentifier{2, 5, 29, 21}

// crlEntry is one certificate of a fuzzed revocation list.
type crlEntry struct {
	serial   []byte
	reason   int
	root     bool      // issued by the root (an intermediate's certificate), not the intermediate
	notAfter time.Time // the certificate's
	revoked  time.Time // when RevokeCert runs
}

// decodeCRLEntries reads the fuzzer's bytes as entries of 7 to 26 bytes:
// serial length (1 to 20), the serial, a reason index, an issuer bit, and
// two signed 16-bit hour offsets from now: the certificate's NotAfter and
// the revocation time.
func decodeCRLEntries(data []byte, now time.Time) []crlEntry {
	var out []crlEntry
	for len(out) < 40 && len(data) > 0 {
		n := int(data[0])%20 + 1
		if len(data) < 1+n+6 {
			break
		}
		e := crlEntry{serial: data[1 : 1+n]}
		rest := data[1+n:]
		e.reason = fuzzReasons[int(rest[0])%len(fuzzReasons)]
		e.root = rest[1]&1 == 1
		e.notAfter = now.Add(time.Duration(int16(uint16(rest[2])<<8|uint16(rest[3]))) * time.Hour)
		e.revoked = now.Add(time.Duration(int16(uint16(rest[4])<<8|uint16(rest[5]))) * time.Hour)
		out = append(out, e)
		data = rest[6:]
	}
	return out
}

// FuzzCRL builds CRLs from fuzzed revocations through the CA's own path
// (certificates stored as the CA stores them, RevokeCert at a moving clock,
// CRL and RootCRL) and reads them back with x509.ParseRevocationList. Each
// CRL must verify against its issuer, carry its AKI, a CRL number that
// increases, thisUpdate now and nextUpdate a week on (or the issuer's
// NotAfter); list exactly the certificates of its issuer that were revoked
// and have not expired, each once (a second certificate with one serial is
// refused by the store), at its revocation time to the second, with its
// reason code, and with no reason extension when none (or unspecified) was
// given. Reason codes RevokeCert does not take are refused, and the
// certificate stays valid and off the list.
func FuzzCRL(f *testing.F) {
	base := newStore(f)
	now := fixedNow()
	first, err := ca.Init(base, ca.InitOptions{}, ca.Options{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	root, inter, err := base.CA()
	if err != nil {
		f.Fatal(err)
	}
	rootSKI, interSKI := first.Root().SubjectKeyId, first.Intermediate().SubjectKeyId

	f.Add([]byte{})
	// serial 0x01 keyCompromise, serial 0x0102 no reason, both live.
	f.Add([]byte{0, 0x01, 2, 0, 0x01, 0, 0xff, 0xf0, 1, 0x01, 0x02, 0, 0, 0x10, 0, 0xff, 0xff})
	// The same serial twice (with a leading zero the second time), an
	// expired certificate, one of the root's, a refused reason code.
	f.Add([]byte{
		0, 0x07, 4, 0, 0x00, 0x30, 0x00, 0x00,
		1, 0x00, 0x07, 5, 0, 0x00, 0x30, 0x00, 0x00,
		0, 0x08, 3, 0, 0xff, 0x00, 0xfe, 0x00,
		2, 0x7f, 0xff, 0xff, 8, 1, 0x10, 0x00, 0x00, 0x10,
		0, 0x09, 9, 0, 0x00, 0x30, 0x00, 0x00,
	})
	// Twenty-octet serials with the top bit set.
	f.Add(append(append([]byte{19}, bytes.Repeat([]byte{0xff}, 20)...), 1, 0, 0x01, 0, 0, 0))

	f.Fuzz(func(t *testing.T, data []byte) {
		entries := decodeCRLEntries(data, now)
		st, err := store.Open(filepath.Join(t.TempDir(), "localca.db"), &store.Options{NoSync: true, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.InitCA(root, inter, false); err != nil {
			t.Fatal(err)
		}
		clock := now
		c, err := ca.Load(st, ca.Options{Now: func() time.Time { return clock }})
		if err != nil {
			t.Fatal(err)
		}

		// want holds, per issuer, the entries its CRL must list, by serial.
		want := map[bool]map[string]crlEntry{false: {}, true: {}}
		stored := map[string]bool{}
		for _, e := range entries {
			serial := new(big.Int).SetBytes(e.serial).Bytes() // as the CA keys a serial
			if len(serial) == 0 {
				continue // serial 0: the CA never issues it
			}
			issuer := c.IntermediateID()
			if e.root {
				issuer = c.RootID()
			}
			err := st.Commit(store.Record{Cert: &store.Cert{Serial: serial, DER: []byte{0x30, 0x00}, IssuerID: issuer,
				NotAfter: e.notAfter}})
			if stored[string(serial)] {
				if !errors.Is(err, store.ErrSerialExists) {
					t.Fatalf("a second certificate with serial %x: %v, want ErrSerialExists", serial, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			stored[string(serial)] = true
			clock = e.revoked
			_, err = c.RevokeCert(serial, e.reason)
			switch {
			case e.reason == store.NoReason || (e.reason >= 0 && e.reason <= 10 && e.reason != 6 && e.reason != 7 && e.reason != 8):
				if err != nil {
					t.Fatalf("RevokeCert(%x, %d): %v", serial, e.reason, err)
				}
				if !now.After(e.notAfter) {
					want[e.root][string(serial)] = e
				}
			case !errors.Is(err, ca.ErrBadReason):
				t.Fatalf("RevokeCert with reason code %d: %v, want ErrBadReason", e.reason, err)
			}
		}
		clock = now

		var last uint64
		for round := range 2 {
			for _, isRoot := range []bool{false, true} {
				l, rl, issuer, ski := crlOf(t, c, isRoot, rootSKI, interSKI)
				if l.Number <= last && !isRoot {
					t.Fatalf("round %d: CRL number %d after %d", round, l.Number, last)
				}
				if !isRoot {
					last = l.Number
				}
				checkCRL(t, l, rl, issuer, ski, now, want[isRoot])
				digest, err := c.CRLDigest(isRoot)
				if err != nil || digest != l.Digest {
					t.Fatalf("CRLDigest(%v) = %x, %v; the CRL's is %x", isRoot, digest, err, l.Digest)
				}
			}
		}
	})
}

// crlOf makes the intermediate's CRL, or the root's, and parses it.
func crlOf(t *testing.T, c *ca.CA, root bool, rootSKI, interSKI []byte) (*ca.CRL, *x509.RevocationList, *x509.Certificate, []byte) {
	t.Helper()
	mk, issuer, ski := c.CRL, c.Intermediate(), interSKI
	if root {
		mk, issuer, ski = c.RootCRL, c.Root(), rootSKI
	}
	l, err := mk(ca.CRLOptions{})
	if err != nil {
		t.Fatalf("making the CRL (root %v): %v", root, err)
	}
	rl, err := x509.ParseRevocationList(l.DER)
	if err != nil {
		t.Fatalf("our CRL does not parse: %v", err)
	}
	return l, rl, issuer, ski
}

// checkCRL compares a parsed CRL with what it must say.
func checkCRL(t *testing.T, l *ca.CRL, rl *x509.RevocationList, issuer *x509.Certificate, ski []byte, now time.Time, want map[string]crlEntry) {
	t.Helper()
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if !bytes.Equal(rl.AuthorityKeyId, ski) || len(ski) == 0 {
		t.Fatalf("AKI %x, want the issuer's SKI %x", rl.AuthorityKeyId, ski)
	}
	if rl.Number == nil || !rl.Number.IsUint64() || rl.Number.Uint64() != l.Number {
		t.Fatalf("CRL number %v, reported %d", rl.Number, l.Number)
	}
	next := now.Add(ca.DefaultCRLValidity)
	if next.After(issuer.NotAfter) {
		next = issuer.NotAfter
	}
	if !rl.ThisUpdate.Equal(now) || !rl.NextUpdate.Equal(next) {
		t.Fatalf("thisUpdate %v nextUpdate %v, want %v and %v", rl.ThisUpdate, rl.NextUpdate, now, next)
	}
	if len(rl.RevokedCertificateEntries) != len(want) || l.Entries != len(want) {
		t.Fatalf("%d entries (reported %d), want %d", len(rl.RevokedCertificateEntries), l.Entries, len(want))
	}
	seen := map[string]bool{}
	for _, got := range rl.RevokedCertificateEntries {
		key := string(got.SerialNumber.Bytes())
		e, ok := want[key]
		if !ok || seen[key] || got.SerialNumber.Sign() <= 0 {
			t.Fatalf("entry %x is not one to list, or listed twice", got.SerialNumber)
		}
		seen[key] = true
		if !got.RevocationTime.Equal(e.revoked.Truncate(time.Second)) {
			t.Fatalf("entry %x revoked at %v, want %v", got.SerialNumber, got.RevocationTime, e.revoked)
		}
		hasReason := false
		for _, ext := range got.Extensions {
			hasReason = hasReason || ext.Id.Equal(oidCRLReason)
		}
		wantReason := e.reason
		if wantReason == store.NoReason {
			wantReason = 0
		}
		if got.ReasonCode != wantReason || hasReason != (wantReason != 0) {
			t.Fatalf("entry %x: reason %d (extension %v), revoked with %d", got.SerialNumber, got.ReasonCode, hasReason, e.reason)
		}
	}
}
