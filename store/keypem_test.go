package store

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// TestKeyRecordECScalar: an unencrypted ECDSA PKCS#8 key is kept as its
// curve and scalar and read back byte for byte; every other PEM, and an
// ECDSA PEM whose point is not the fingerprint's, is kept whole.
func TestKeyRecordECScalar(t *testing.T) {
	pemOf := func(t *testing.T, priv any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE" + " KEY", Bytes: der})
	}
	fpOf := func(t *testing.T, pub any) []byte {
		spki, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(spki)
		return sum[:]
	}
	ec := func(c elliptic.Curve) func(t *testing.T) ([]byte, []byte) {
		return func(t *testing.T) ([]byte, []byte) {
			priv, err := ecdsa.GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return pemOf(t, priv), fpOf(t, &priv.PublicKey)
		}
	}
	tests := []struct {
		name    string
		key     func(t *testing.T) (pemKey, fp []byte)
		compact bool
	}{
		{"P-256", ec(elliptic.P256()), true},
		{"P-384", ec(elliptic.P384()), true},
		{"P-521", ec(elliptic.P521()), true},
		{"P-256, another key's fingerprint", func(t *testing.T) ([]byte, []byte) {
			p, _ := ec(elliptic.P256())(t)
			_, fp := ec(elliptic.P256())(t)
			return p, fp
		}, false},
		{"P-256, a PEM header", func(t *testing.T) ([]byte, []byte) {
			p, fp := ec(elliptic.P256())(t)
			block, _ := pem.Decode(p)
			block.Headers = map[string]string{"Comment": "x"}
			return pem.EncodeToMemory(block), fp
		}, false},
		{"P-256, the curve named inside too", func(t *testing.T) ([]byte, []byte) {
			priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sec1, err := x509.MarshalECPrivateKey(priv) // names the curve: not what PKCS#8 carries
			if err != nil {
				t.Fatal(err)
			}
			var b cryptobyte.Builder
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(0)
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidECPublicKey)
					b.AddASN1ObjectIdentifier(ecCurves[0].oid)
				})
				b.AddASN1OctetString(sec1)
			})
			p8 := b.BytesOrPanic()
			if _, err := x509.ParsePKCS8PrivateKey(p8); err != nil {
				t.Fatal(err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE" + " KEY", Bytes: p8}), fpOf(t, &priv.PublicKey)
		}, false},
		{"Ed25519", func(t *testing.T) ([]byte, []byte) {
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return pemOf(t, priv), fpOf(t, pub)
		}, false},
		{"RSA", func(t *testing.T) ([]byte, []byte) {
			priv, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				t.Fatal(err)
			}
			return pemOf(t, priv), fpOf(t, &priv.PublicKey)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, fp := tt.key(t)
			k := Key{Fingerprint: fp, Algorithm: "ecdsa", Size: 256, Status: KeyActive, PEM: p, Created: testNow}
			v := k.marshalRecord()
			block, _ := pem.Decode(p)
			if compact := len(v) < len(block.Bytes); compact != tt.compact {
				t.Errorf("record of %d bytes for a %d-byte DER: compact %v, want %v", len(v), len(block.Bytes), compact, tt.compact)
			}
			var got Key
			if err := got.unmarshalRecord(fp, v); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.PEM, p) {
				t.Errorf("PEM read back:\n%s\nwant\n%s", got.PEM, p)
			}
			// Under another key's fingerprint, a kept scalar is refused.
			other := bytes.Repeat([]byte{1}, len(fp))
			if err := got.unmarshalRecord(other, v); (err == nil) == tt.compact {
				t.Errorf("read under another fingerprint: %v", err)
			}
		})
	}
}

// TestKeyspaceMark: a keyspace of 3 (what the localca before compact key
// records wrote), 4 or 5 is read as it is and marked anew by a writable open only; the
// mark is one that localca, which read meta/schema as a whole number,
// refuses, quoting it.
func TestKeyspaceMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	schemaIs := func(want string) {
		t.Helper()
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.View(func(tx *bolt.Tx) error {
			if got := string(tx.Bucket(boltBucket).Get(kSchema)); got != want {
				t.Errorf("meta/schema %q, want %q", got, want)
			}
			return nil
		})
	}
	schemaIs(keyspaceMark)
	if _, err := strconv.Atoi(keyspaceMark); err == nil {
		t.Errorf("keyspace 3's check (a whole number) reads the mark %q", keyspaceMark)
	}
	for _, older := range []string{"3", keyspace4Mark, keyspace5Mark, keyspace6Mark} {
		setSchema(t, path, older)
		for _, ro := range []bool{true, false} {
			s, err := Open(path, &Options{ReadOnly: ro})
			if err != nil {
				t.Fatalf("Open of keyspace %.1s (read-only %v): %v", older, ro, err)
			}
			s.Close()
			if ro {
				schemaIs(older)
			} else {
				schemaIs(keyspaceMark)
			}
		}
	}
}

// keyspace4Mark is the mark of keyspace 4, which localca wrote from
// 2026-12-02 until keyspace 5.
const keyspace4Mark = "4 (compact key records; read by localca from 2026-12-02 on)"

// keyspace5Mark is the mark of keyspace 5, which localca wrote on
// 2026-12-02 until keyspace 6. A localca of keyspace 5 refuses keyspace 6's
// mark: its head is a greater number.
const keyspace5Mark = "5 (certificates kept under their serial's time; read by localca from 2026-12-02 15:00 UTC on)"

// keyspace6Mark is the mark of keyspace 6, which localca wrote on
// 2026-12-02 until keyspace 7. A localca of keyspace 6 refuses keyspace 7's
// mark: its head is a greater number.
const keyspace6Mark = "6 (certificates coded against their issuer's; read by localca from 2026-12-02 18:00 UTC on)"
