package store

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestKeyAndCSRRecords round-trips key and CSR records through the store's
// buckets in their binary form, and reads records that earlier versions
// wrote as JSON.
func TestKeyAndCSRRecords(t *testing.T) {
	s := openTest(t, nil)
	k := newTestKey(t)
	csr := newTestCSR(t, k, "a.test", "b.test")
	at := testNow.Add(1234567 * time.Nanosecond)
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE" + " KEY", Bytes: []byte{0x30, 3, 1, 2, 3}})
	withHeaders := pem.EncodeToMemory(&pem.Block{Type: "X", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})
	keys := []Key{
		{Fingerprint: k.fp(), Algorithm: "ecdsa", Size: 256, Status: KeyActive, PEM: pkcs8, Created: testNow},
		{Fingerprint: k.fp(), Algorithm: "rsa", Size: 2048, Label: "web", Status: KeyCompromised, Created: testNow, RevokedAt: at},
		{Fingerprint: k.fp(), Algorithm: "ed25519", Status: KeyActive, PEM: withHeaders, Created: at},
		{Fingerprint: k.fp(), PEM: []byte("not PEM at all")},
		{Fingerprint: k.fp(), PEM: append(append([]byte{}, pkcs8...), "trailing"...)},
	}
	csrs := []CSR{
		*csr,
		{ID: csr.ID, DER: csr.DER, Status: CSRRejected, Created: at},
		{ID: csr.ID, DER: csr.DER, Names: []string{"with\x00nul", ""}, Status: CSRSigned, Created: testNow},
	}
	csrs[0].Status, csrs[0].Created = CSRPending, testNow
	roundTrip := func(t *testing.T, prefix []byte, id []byte, in, out any, asJSON bool) {
		t.Helper()
		key := cat(prefix, id)
		err := s.b.Update(context.Background(), func(b WriteTx) error {
			if asJSON {
				raw, err := json.Marshal(in)
				if err != nil {
					return err
				}
				if err := b.Put(key, raw); err != nil {
					return err
				}
			} else if err := putRecord(b, key, in); err != nil {
				return err
			}
			if v, _ := b.Get(key); !asJSON && v[0] == '{' {
				t.Errorf("record stored as JSON: %.40q", v)
			}
			found, err := getRecord(b, key, out)
			if !found {
				t.Errorf("record not found")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(reflect.ValueOf(in).Elem().Interface(), reflect.ValueOf(out).Elem().Interface()) {
			t.Errorf("round trip:\n got %+v\nwant %+v", reflect.ValueOf(out).Elem().Interface(), reflect.ValueOf(in).Elem().Interface())
		}
	}
	for _, asJSON := range []bool{false, true} {
		for i := range keys {
			var got Key
			roundTrip(t, pKey, k.fp(), &keys[i], &got, asJSON)
		}
		for i := range csrs {
			var got CSR
			roundTrip(t, pCSR, csr.ID, &csrs[i], &got, asJSON)
		}
	}
	// The binary form is what it is for.
	jsonKey, _ := json.Marshal(&keys[0])
	jsonCSR, _ := json.Marshal(&csrs[0])
	if bk, bc := len(keys[0].marshalRecord()), len(csrs[0].marshalRecord()); 2*bk > len(jsonKey) || 3*bc > 2*len(jsonCSR) {
		t.Errorf("binary records of %d and %d bytes against JSON's %d and %d", bk, bc, len(jsonKey), len(jsonCSR))
	}
}

// TestKeyAndCSRRecordsCorrupt cuts and damages binary records: each gives
// ErrCorrupt, never a panic or a half-read record passed off as whole.
func TestKeyAndCSRRecordsCorrupt(t *testing.T) {
	k := newTestKey(t)
	csr := newTestCSR(t, k, "a.test")
	key := Key{Fingerprint: k.fp(), Algorithm: "ecdsa", Size: 256, Status: KeyActive, PEM: []byte("x"), Created: testNow}
	records := map[string][]byte{"key": key.marshalRecord(), "csr": csr.marshalRecord()}
	s := openTest(t, nil)
	for name, v := range records {
		id := keyKey(k.fp())
		var out any = &Key{}
		if name == "csr" {
			id, out = csrKey(csr.ID), &CSR{}
		}
		for cut := 0; cut < len(v); cut++ {
			for _, bad := range [][]byte{v[:cut], append(append([]byte{}, v...), 0), append([]byte{9}, v[1:]...)} {
				if len(bad) == 0 {
					continue
				}
				err := s.update(func(tx WriteTx) error {
					if err := tx.Put(id, bad); err != nil {
						return err
					}
					_, err := getRecord(tx, id, out)
					return err
				})
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "localca.db") {
					t.Fatalf("%s record %x: %v, want ErrCorrupt naming the file", name, bad, err)
				}
			}
		}
	}
}

// FuzzDecodeKeyCSR feeds arbitrary bytes to the key and CSR record decoders:
// a damaged value gives an error, never a panic, and whatever decodes
// survives a second round trip unchanged.
func FuzzDecodeKeyCSR(f *testing.F) {
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE" + " KEY", Bytes: []byte{0x30, 0}})
	f.Add((&Key{Algorithm: "ecdsa", Size: 256, Status: KeyActive, PEM: pkcs8, Created: testNow}).marshalRecord())
	f.Add((&Key{Status: KeyCompromised, RevokedAt: testNow}).marshalRecord())
	f.Add((&CSR{DER: []byte{0x30, 0}, Subject: "CN=a", Names: []string{"a.test"}, KeyFingerprint: []byte{1}, Status: CSRPending, Created: testNow}).marshalRecord())
	f.Fuzz(func(t *testing.T, v []byte) {
		id := []byte{1, 2, 3}
		var k, k2 Key
		if k.unmarshalRecord(id, v) == nil {
			if err := k2.unmarshalRecord(id, k.marshalRecord()); err != nil || !reflect.DeepEqual(k, k2) {
				t.Fatalf("key record round trip: %v\n%+v\n%+v", err, k, k2)
			}
		}
		var c, c2 CSR
		if c.unmarshalRecord(id, v) == nil {
			if err := c2.unmarshalRecord(id, c.marshalRecord()); err != nil || !reflect.DeepEqual(c, c2) {
				t.Fatalf("CSR record round trip: %v\n%+v\n%+v", err, c, c2)
			}
		}
	})
}
