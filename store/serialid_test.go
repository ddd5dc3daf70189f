package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/big"
	"testing"
	"time"
)

// timeSerial is a serial of the CA's form (ca.newSerial): 6 octets of the
// Unix milliseconds of at, then tail (10 octets).
func timeSerial(at time.Time, tail []byte) *big.Int {
	b := binary.BigEndian.AppendUint64(nil, uint64(at.UnixMilli())<<16)[:6]
	return new(big.Int).SetBytes(append(b, tail...))
}

func TestSerialID(t *testing.T) {
	ms := testNow.UnixMilli()
	tests := []struct {
		name   string
		serial []byte
		want   uint64
		ok     bool
	}{
		{"the CA's form", timeSerial(testNow, []byte{0x80, 0x00, 9, 9, 9, 9, 9, 9, 9, 9}).Bytes(), uint64(ms)*1_000_000 + 500_000, true},
		{"the most a time takes", append(binary.BigEndian.AppendUint64(nil, maxSerialMillis<<16|0xffff), make([]byte, 8)...), maxSerialMillis*1_000_000 + 999_984, true},
		{"past the year 2262", append(binary.BigEndian.AppendUint64(nil, (maxSerialMillis+1)<<16), make([]byte, 8)...), 0, false},
		{"15 octets", make([]byte, 15), 0, false},
		{"20 octets", make([]byte, 20), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := serialID(tt.serial)
			if got != tt.want || ok != tt.ok {
				t.Errorf("serialID(%x) = %d, %v; want %d, %v", tt.serial, got, ok, tt.want, tt.ok)
			}
		})
	}
	if id, _ := serialID(timeSerial(testNow, make([]byte, 10)).Bytes()); !time.Unix(0, int64(id)).Equal(testNow) {
		t.Errorf("the id of a serial of testNow is the time %s", time.Unix(0, int64(id)).UTC())
	}
}

// TestCertIDFromSerial: a certificate whose serial begins with its issue
// time is kept under the id that serial gives, with no serial/ entry;
// one whose id is taken, whose time is far from the clock or whose serial
// gives none is kept under another id with its serial/ entry. Every one
// is found by its serial, and its serial cannot be used again.
func TestCertIDFromSerial(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	tail := []byte{0xab, 0xcd, 1, 2, 3, 4, 5, 6, 7, 8}
	otherTail := []byte{0xab, 0xcd, 8, 7, 6, 5, 4, 3, 2, 1}
	tests := []struct {
		name       string
		serial     *big.Int
		fromSerial bool // kept under serialID, without a serial/ entry
	}{
		// First, so that idGen has given an id before a serial gives one.
		{"eight octets", big.NewInt(0x0102030405060708), false},
		{"the CA's form", timeSerial(testNow, tail), true},
		{"its id taken", timeSerial(testNow, otherTail), false},
		{"two hours old", timeSerial(testNow.Add(-2*time.Hour), tail), false},
	}
	notAfter := testNow.AddDate(0, 1, 0)
	for _, tt := range tests {
		c := ca.issueSerial(t, nil, tt.serial, notAfter, "serial.test")
		mustCommit(t, s, Record{Cert: c})
		id, fromSerial := serialID(c.Serial)
		fromSerial = fromSerial && c.id == id
		if fromSerial != tt.fromSerial {
			t.Errorf("%s: kept under the serial's id %v, want %v", tt.name, fromSerial, tt.fromSerial)
		}
		var entry []byte
		if err := s.view(func(tx ReadTx) error {
			var err error
			entry, err = tx.Get(serialKey(c.Serial))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if (entry == nil) != tt.fromSerial {
			t.Errorf("%s: serial/ entry %x, want one: %v", tt.name, entry, !tt.fromSerial)
		}
	}
	for _, tt := range tests {
		got, err := s.Cert(tt.serial.Bytes())
		if err != nil || !bytes.Equal(got.Serial, tt.serial.Bytes()) {
			t.Errorf("%s: Cert = %v, %v", tt.name, got, err)
			continue
		}
		dup := ca.issueSerial(t, nil, tt.serial, notAfter, "dup.test")
		if err := s.Commit(Record{Cert: dup}); !errors.Is(err, ErrSerialExists) {
			t.Errorf("%s: a second certificate of the serial: err = %v, want ErrSerialExists", tt.name, err)
		}
	}
	unknown := timeSerial(testNow, otherTail[:9]) // the taken id, another serial
	unknown.Lsh(unknown, 8)
	if _, err := s.Cert(unknown.Bytes()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cert of an unknown serial at a taken id: err = %v, want ErrNotFound", err)
	}

	// The CA signs and stores in one millisecond: its revocation, an event
	// of a clock that may stand still, still sorts after the issue.
	caForm := tests[1].serial.Bytes()
	if _, err := s.RevokeCert(caForm, testNow, 1); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(0)
	if err != nil {
		t.Fatal(err)
	}
	ref := (&Cert{Serial: caForm}).SerialHex()
	issued, revoked := -1, -1
	for i, e := range evs {
		if e.Ref == ref && e.Kind == "cert.issued" {
			issued = i
		}
		if e.Ref == ref && e.Kind == "cert.revoked" {
			revoked = i
		}
	}
	if issued < 0 || revoked < issued {
		t.Errorf("events: issued at %d, revoked at %d; want the issue first", issued, revoked)
	}
}

// TestKeyspace4Certs: a keyspace of 4 keeps every certificate under an id
// of idGen with a serial/ entry. Read as it is, and marked 5 by a
// writable open, its certificates are found by serial, refuse their
// serial again, and the first new one is kept the new way.
func TestKeyspace4Certs(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	old := ca.issueSerial(t, nil, timeSerial(testNow, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), testNow.AddDate(0, 1, 0), "old.test")
	mustCommit(t, s, Record{Cert: old})
	// Rewrite it as keyspace 4 did: another id, and a serial/ entry.
	if err := s.b.Update(context.Background(), func(tx WriteTx) error {
		for _, k := range [][]byte{certKey(old.id), nameKey("old.test", old.id), expiryKey(old.NotAfter.Unix(), old.id)} {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		old.id--
		if err := writeCert(tx, s.issuersIn(tx), old); err != nil {
			return err
		}
		return tx.Put(kSchema, []byte(keyspace4Mark))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Cert(old.Serial)
	if err != nil || got.id != old.id {
		t.Fatalf("Cert of a keyspace-4 certificate: %v, %v (id %d, want %d)", got, err, got.id, old.id)
	}
	dup := ca.issueSerial(t, nil, new(big.Int).SetBytes(old.Serial), testNow.AddDate(0, 1, 0), "dup.test")
	if err := s.Commit(Record{Cert: dup}); !errors.Is(err, ErrSerialExists) {
		t.Errorf("a second certificate of a keyspace-4 serial: err = %v, want ErrSerialExists", err)
	}
	// Its id is free now: a new certificate takes it.
	again := ca.issueSerial(t, nil, timeSerial(testNow, []byte{1, 2, 9, 9, 9, 9, 9, 9, 9, 9}), testNow.AddDate(0, 1, 0), "new.test")
	mustCommit(t, s, Record{Cert: again})
	if id, _ := serialID(again.Serial); again.id != id {
		t.Errorf("the new certificate's id %d, want its serial's %d", again.id, id)
	}
}
