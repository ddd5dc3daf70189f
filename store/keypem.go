package store

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// An unencrypted ECDSA key, as PKCS#8 (what `localca issue` makes and
// keeps, once per certificate), spells out its public point beside the
// private scalar: 138 bytes for P-256, of which the scalar is 32. A key
// record keeps such a key as its curve and scalar alone (pemECScalar) and
// builds the PEM again when it is read: the point is the scalar times the
// curve's base point, and the record's key, the fingerprint, says which
// point that must be. This takes ~118 bytes off every issue's key record
// (234 → 116, bbolt's element header included; BenchmarkStoreGrowth in
// package ca: 1,339-1,356 → 1,167 B per issue) at the cost of a scalar
// multiplication and an encoding (~45 µs for P-256) on each read
// of a key record that holds a private key (export --key, renew
// --reuse-key, revoke --key), none on an issue.
//
// The record keeps the scalar only when the PEM is exactly what pkcs8EC
// builds from the PEM's own scalar and point, and the point is the one the
// fingerprint names: reading it then gives back the very same bytes. Any
// other PEM (encrypted, RSA, Ed25519, another DER layout) is kept as it is.
// A PEM whose scalar is not its point's (no key localca makes or parses:
// crypto/x509 computes the point from the scalar) reads back as ErrCorrupt.

// pemECScalar is appendPEM's form of an ECDSA PKCS#8 key kept as its
// curve (ecCurves' index) and scalar, beside 0 (as is) and 1 (type and
// DER).
const pemECScalar = 2

// ecCurves are the curves whose keys pemECScalar keeps, by the index the
// record stores.
var ecCurves = []struct {
	curve elliptic.Curve
	oid   encasn1.ObjectIdentifier
}{
	{elliptic.P256(), encasn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}},
	{elliptic.P384(), encasn1.ObjectIdentifier{1, 3, 132, 0, 34}},
	{elliptic.P521(), encasn1.ObjectIdentifier{1, 3, 132, 0, 35}},
}

var oidECPublicKey = encasn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

// pkcs8Type is the PEM type of an unencrypted PKCS#8 key.
const pkcs8Type = "PRIVATE KEY"

// ecScalar returns the curve index and scalar of block when pemECScalar can
// keep it for the key with fingerprint fp; ok is false for any other. It
// does no curve arithmetic (a commit calls it): the point it checks is the
// one the DER spells out, which ecPEM checks again, computed.
func ecScalar(block *pem.Block, fp []byte) (curve int, scalar []byte, ok bool) {
	if block.Type != pkcs8Type || len(block.Headers) > 0 || len(fp) != sha256.Size {
		return 0, nil, false
	}
	in := cryptobyte.String(block.Bytes)
	var p8, alg, inner, ec, wrapped cryptobyte.String
	var v8, vec int
	var algOID, curveOID encasn1.ObjectIdentifier
	var point encasn1.BitString
	if !in.ReadASN1(&p8, asn1.SEQUENCE) || !p8.ReadASN1Integer(&v8) ||
		!p8.ReadASN1(&alg, asn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&algOID) ||
		!alg.ReadASN1ObjectIdentifier(&curveOID) || !p8.ReadASN1(&inner, asn1.OCTET_STRING) ||
		!inner.ReadASN1(&ec, asn1.SEQUENCE) || !ec.ReadASN1Integer(&vec) ||
		!ec.ReadASN1((*cryptobyte.String)(&scalar), asn1.OCTET_STRING) ||
		!ec.ReadASN1(&wrapped, asn1.Tag(1).Constructed().ContextSpecific()) ||
		!wrapped.ReadASN1BitString(&point) || !algOID.Equal(oidECPublicKey) {
		return 0, nil, false
	}
	curve = -1
	for i, c := range ecCurves {
		if curveOID.Equal(c.oid) {
			curve = i
		}
	}
	if curve < 0 || len(scalar) != (ecCurves[curve].curve.Params().N.BitLen()+7)/8 {
		return 0, nil, false
	}
	// The same bytes again from the parts, and the point the fingerprint's.
	der, spki := pkcs8EC(curve, scalar, point.Bytes)
	if sum := sha256.Sum256(spki); !bytes.Equal(der, block.Bytes) || !bytes.Equal(sum[:], fp) {
		return 0, nil, false
	}
	return curve, scalar, true
}

// ecPEM builds the PEM of the key pemECScalar kept: the point from the
// scalar, checked against the fingerprint fp.
func ecPEM(curve int, scalar, fp []byte) ([]byte, error) {
	if curve < 0 || curve >= len(ecCurves) {
		return nil, errors.New("unknown curve")
	}
	priv, err := ecdsa.ParseRawPrivateKey(ecCurves[curve].curve, scalar)
	if err != nil {
		return nil, err
	}
	point, err := priv.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	der, spki := pkcs8EC(curve, scalar, point)
	if sum := sha256.Sum256(spki); !bytes.Equal(sum[:], fp) {
		return nil, errors.New("private key does not match the key's fingerprint")
	}
	return pem.EncodeToMemory(&pem.Block{Type: pkcs8Type, Bytes: der}), nil
}

// pkcs8EC is the PKCS#8 DER of an ECDSA key as crypto/x509's
// MarshalPKCS8PrivateKey writes it (RFC 5915 inside RFC 5208, the curve
// named in the algorithm only), and the SubjectPublicKeyInfo of its point.
func pkcs8EC(curve int, scalar, point []byte) (der, spki []byte) {
	alg := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidECPublicKey)
			b.AddASN1ObjectIdentifier(ecCurves[curve].oid)
		})
	}
	var p8 cryptobyte.Builder
	p8.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		alg(b)
		b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1OctetString(scalar)
				b.AddASN1(asn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1BitString(point)
				})
			})
		})
	})
	var pub cryptobyte.Builder
	pub.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		alg(b)
		b.AddASN1BitString(point)
	})
	return p8.BytesOrPanic(), pub.BytesOrPanic()
}
