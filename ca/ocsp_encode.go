package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// golang.org/x/crypto/ocsp parses requests and responses well, but its
// CreateResponse puts ExtraExtensions into the singleExtensions of the one
// SingleResponse, while RFC 6960 §4.4.1 (and openssl's nonce check) want the
// nonce among the responseExtensions of the ResponseData. So localca encodes
// its responses itself, with these types (RFC 6960 §4.2.1), and keeps
// x/crypto/ocsp for parsing.

var (
	oidOCSPBasic   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidRSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
)

type ocspResponseASN1 struct {
	Status   asn1.Enumerated
	Response ocspResponseBytes `asn1:"explicit,tag:0,optional"`
}

type ocspResponseBytes struct {
	ResponseType asn1.ObjectIdentifier
	Response     []byte
}

type ocspBasicResponse struct {
	TBSResponseData    asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
	Certificates       []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type ocspResponseData struct {
	Version            int `asn1:"optional,default:0,explicit,tag:0"`
	RawResponderID     asn1.RawValue
	ProducedAt         time.Time `asn1:"generalized"`
	Responses          []ocspSingleResponse
	ResponseExtensions []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type ocspSingleResponse struct {
	CertID     ocspCertID
	Good       asn1.Flag       `asn1:"tag:0,optional"`
	Revoked    ocspRevokedInfo `asn1:"tag:1,optional"`
	Unknown    asn1.Flag       `asn1:"tag:2,optional"`
	ThisUpdate time.Time       `asn1:"generalized"`
	NextUpdate time.Time       `asn1:"generalized,explicit,tag:0,optional"`
}

type ocspRevokedInfo struct {
	RevocationTime time.Time       `asn1:"generalized"`
	Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

type ocspCertID struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	IssuerKeyHash []byte
	SerialNumber  *big.Int
}

// ocspRequestASN1 is the part of an OCSPRequest x/crypto/ocsp does not
// expose: the requestExtensions, where the nonce is.
type ocspRequestASN1 struct {
	TBSRequest struct {
		Version       int           `asn1:"explicit,tag:0,default:0,optional"`
		RequestorName asn1.RawValue `asn1:"explicit,tag:1,optional"`
		RequestList   []asn1.RawValue
		Extensions    []pkix.Extension `asn1:"explicit,tag:2,optional"`
	}
	OptionalSignature asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

// maxNonce is RFC 8954's ceiling: a longer nonce is a malformed request.
const maxNonce = 128

// requestNonce returns the nonce extension of a DER OCSP request, or nil.
func requestNonce(raw []byte) (*pkix.Extension, error) {
	var req ocspRequestASN1
	if _, err := asn1.Unmarshal(raw, &req); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadOCSP, err)
	}
	for _, ext := range req.TBSRequest.Extensions {
		if !ext.Id.Equal(oidOCSPNonce) {
			continue
		}
		var nonce []byte
		if _, err := asn1.Unmarshal(ext.Value, &nonce); err != nil || len(nonce) == 0 || len(nonce) > maxNonce {
			return nil, fmt.Errorf("%w: nonce must be an OCTET STRING of 1 to %d octets", ErrBadOCSP, maxNonce)
		}
		return &pkix.Extension{Id: oidOCSPNonce, Value: ext.Value}, nil
	}
	return nil, nil
}

// ocspAnswer is one signed answer about one certificate.
type ocspAnswer struct {
	HashOID       asn1.ObjectIdentifier // the request's, echoed in the CertID
	NameHash      []byte
	KeyHash       []byte
	Serial        *big.Int
	Status        int // ocsp.Good, ocsp.Revoked, ocsp.Unknown
	RevokedAt     time.Time
	Reason        int // RFC 5280 code; 0 or store.NoReason writes none
	ProducedAt    time.Time
	ThisUpdate    time.Time
	NextUpdate    time.Time
	Nonce         *pkix.Extension
	ResponderCert *x509.Certificate // its subject names the responder (byName)
	IncludeCert   bool              // send ResponderCert along: a delegated responder must
	ResponderKey  crypto.Signer
}

func (a *ocspAnswer) marshal() ([]byte, error) {
	single := ocspSingleResponse{
		CertID: ocspCertID{
			HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: a.HashOID, Parameters: asn1.NullRawValue},
			NameHash:      a.NameHash, IssuerKeyHash: a.KeyHash, SerialNumber: a.Serial,
		},
		ThisUpdate: a.ThisUpdate.UTC(),
		NextUpdate: a.NextUpdate.UTC(),
	}
	switch a.Status {
	case 0: // ocsp.Good
		single.Good = true
	case 1: // ocsp.Revoked
		single.Revoked = ocspRevokedInfo{RevocationTime: a.RevokedAt.UTC()}
		if a.Reason > 0 {
			single.Revoked.Reason = asn1.Enumerated(a.Reason)
		}
	default:
		single.Unknown = true
	}
	data := ocspResponseData{
		RawResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: a.ResponderCert.RawSubject},
		ProducedAt:     a.ProducedAt.UTC(),
		Responses:      []ocspSingleResponse{single},
	}
	if a.Nonce != nil {
		data.ResponseExtensions = []pkix.Extension{*a.Nonce}
	}
	tbs, err := asn1.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("ca: encoding OCSP response: %w", err)
	}
	algo, hash, err := signatureFor(a.ResponderKey.Public())
	if err != nil {
		return nil, err
	}
	digest := tbs
	if hash != 0 {
		h := hash.New()
		h.Write(tbs)
		digest = h.Sum(nil)
	}
	sig, err := a.ResponderKey.Sign(rand.Reader, digest, hash)
	if err != nil {
		return nil, fmt.Errorf("ca: signing OCSP response: %w", err)
	}
	basic := ocspBasicResponse{
		TBSResponseData:    asn1.RawValue{FullBytes: tbs},
		SignatureAlgorithm: algo,
		Signature:          asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	}
	if a.IncludeCert {
		basic.Certificates = []asn1.RawValue{{FullBytes: a.ResponderCert.Raw}}
	}
	basicDER, err := asn1.Marshal(basic)
	if err != nil {
		return nil, fmt.Errorf("ca: encoding OCSP response: %w", err)
	}
	return asn1.Marshal(ocspResponseASN1{
		Status:   0, // successful
		Response: ocspResponseBytes{ResponseType: oidOCSPBasic, Response: basicDER},
	})
}

// signatureFor picks the signature algorithm for a responder key, as
// crypto/x509 would for a certificate: ECDSA with the curve's hash,
// RSA PKCS#1 v1.5 with SHA-256, pure Ed25519.
func signatureFor(pub crypto.PublicKey) (pkix.AlgorithmIdentifier, crypto.Hash, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA256}, crypto.SHA256, nil
		case elliptic.P384():
			return pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA384}, crypto.SHA384, nil
		case elliptic.P521():
			return pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA512}, crypto.SHA512, nil
		}
	case *rsa.PublicKey:
		return pkix.AlgorithmIdentifier{Algorithm: oidRSASHA256, Parameters: asn1.NullRawValue}, crypto.SHA256, nil
	case ed25519.PublicKey:
		return pkix.AlgorithmIdentifier{Algorithm: oidEd25519}, 0, nil
	}
	return pkix.AlgorithmIdentifier{}, 0, fmt.Errorf("%w: cannot sign OCSP responses with %T", ErrBadKey, pub)
}

// hashOID is the OID of an issuer hash algorithm x/crypto/ocsp reports.
func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA1:
		return oidSHA1, true
	case crypto.SHA256:
		return oidSHA256, true
	case crypto.SHA384:
		return oidSHA384, true
	case crypto.SHA512:
		return oidSHA512, true
	}
	return nil, false
}
