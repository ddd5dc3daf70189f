package ca

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"hash"
	"math/big"
	"time"

	"github.com/localca/localca/store"
)

// DefaultCRLValidity is how long a CRL is good for when CRLOptions leave it
// open: nextUpdate is a week after thisUpdate.
const DefaultCRLValidity = 7 * 24 * time.Hour

// CRLOptions choose how a CRL is made. The zero value is a week-long CRL.
type CRLOptions struct {
	// NextUpdate is the time from thisUpdate to nextUpdate; 0 means
	// DefaultCRLValidity.
	NextUpdate time.Duration
}

// CRL is a signed certificate revocation list. Its JSON form is a summary,
// what `localca crl --json` prints: the fields in the order of their keys,
// as a map of them printed.
type CRL struct {
	DER        []byte    `json:"-"`
	Entries    int       `json:"entries"`
	NextUpdate time.Time `json:"next_update"`
	Number     uint64    `json:"number"`
	ThisUpdate time.Time `json:"this_update"`
	// Digest identifies what the CRL lists (serials, times, reasons): two
	// CRLs of one issuer with the same digest say the same thing.
	Digest [32]byte `json:"-"`
}

// PEM is the CRL as an "X509 CRL" PEM block, the form openssl -CRLfile reads.
func (l *CRL) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: l.DER})
}

// CRL makes the intermediate's CRL: every certificate it issued that is
// revoked and not yet expired, with the revocation time and, when one was
// given, the reason. A revoked certificate stays listed until it expires
// (RFC 5280 §3.3). The CRL number comes from the store, which commits the
// increment before the CRL is made, so numbers strictly increase across
// restarts and concurrent callers, and one is never reused.
func (c *CA) CRL(opts CRLOptions) (*CRL, error) {
	_, inter, err := c.signers()
	if err != nil {
		return nil, err
	}
	return c.makeCRL(c.inter.ID, c.interCert, inter, opts)
}

// RootCRL is the root's CRL. It covers what the root signs: the
// intermediates. It is usually empty, and still a signed CRL with its own
// number, so that a relying party checking the whole chain finds one.
func (c *CA) RootCRL(opts CRLOptions) (*CRL, error) {
	root, _, err := c.signers()
	if err != nil {
		return nil, err
	}
	return c.makeCRL(c.root.ID, c.rootCert, root, opts)
}

// CRLs makes the CRLs asked for, the intermediate's first: one file can
// then hold both, as openssl's -crl_check_all wants.
func (c *CA) CRLs(inter, root bool, opts CRLOptions) ([]*CRL, error) {
	var lists []*CRL
	for _, mk := range []struct {
		want bool
		make func(CRLOptions) (*CRL, error)
	}{{inter, c.CRL}, {root, c.RootCRL}} {
		if !mk.want {
			continue
		}
		l, err := mk.make(opts)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	return lists, nil
}

// JoinCRLs puts CRLs one after the other, as DER or as PEM blocks.
func JoinCRLs(lists []*CRL, der bool) []byte {
	var out []byte
	for _, l := range lists {
		if der {
			out = append(out, l.DER...)
		} else {
			out = append(out, l.PEM()...)
		}
	}
	return out
}

// crlDigest is the Digest a CRL of the intermediate (root false) or the root
// would have now, computed from the store without signing or spending a CRL
// number. A server compares it with its cached CRL to know when to re-sign.
func (c *CA) crlDigest(root bool) ([32]byte, error) {
	id := c.inter.ID
	if root {
		id = c.root.ID
	}
	_, digest, err := c.revokedEntries(id, c.opts.Now())
	return digest, err
}

func (c *CA) makeCRL(issuerID string, issuer *x509.Certificate, signer crypto.Signer, opts CRLOptions) (*CRL, error) {
	validity := opts.NextUpdate
	if validity <= 0 {
		validity = DefaultCRLValidity
	}
	now := c.opts.Now().UTC().Truncate(time.Second)
	next := now.Add(validity)
	if next.After(issuer.NotAfter) {
		// RFC 5280 does not forbid it, but a CRL that outlives its signer
		// cannot be checked after the signer expires.
		next = issuer.NotAfter
	}
	// The number and the entries come from one transaction (store.NextCRL):
	// read apart, two concurrent CRLs could cross, the higher number with
	// the shorter list.
	var l crlList
	l.init()
	var num uint64
	err := c.session(func(st *store.Store) (err error) {
		num, err = st.NextCRL(issuerID, now, l.add)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ca: CRL of %s: %w", issuer.Subject.CommonName, err)
	}
	der, err := x509.CreateRevocationList(c.opts.Rand, &x509.RevocationList{
		Number:                    new(big.Int).SetUint64(num),
		ThisUpdate:                now,
		NextUpdate:                next,
		RevokedCertificateEntries: l.entries,
	}, issuer, signer)
	if err != nil {
		return nil, fmt.Errorf("ca: signing CRL of %s: %w", issuer.Subject.CommonName, err)
	}
	return &CRL{DER: der, Number: num, ThisUpdate: now, NextUpdate: next, Entries: len(l.entries), Digest: l.digest()}, nil
}

// revokedEntries reads what an issuer's CRL must list at now, and a digest
// of it, without spending a CRL number.
func (c *CA) revokedEntries(issuerID string, now time.Time) ([]x509.RevocationListEntry, [32]byte, error) {
	var l crlList
	l.init()
	err := c.session(func(st *store.Store) error { return st.RevokedCerts(issuerID, now, l.add) })
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("ca: reading revoked certificates: %w", err)
	}
	return l.entries, l.digest(), nil
}

// crlList collects a CRL's entries, and the digest of what they say, from
// the store's revoked certificates. Reason codes are written only when one
// was given and it is not unspecified (0): RFC 5280 §5.3.1 asks for the
// extension to be absent rather than say "unspecified", and Go's encoder
// omits a zero code.
type crlList struct {
	entries []x509.RevocationListEntry
	h       hash.Hash
}

func (l *crlList) init() { l.h = sha256.New() }

func (l *crlList) add(rc *store.Cert) error {
	reason := rc.Reason
	if reason == store.NoReason {
		reason = 0
	}
	l.entries = append(l.entries, x509.RevocationListEntry{
		SerialNumber:   new(big.Int).SetBytes(rc.Serial),
		RevocationTime: rc.RevokedAt.UTC(),
		ReasonCode:     reason,
	})
	var buf [8]byte
	l.h.Write([]byte{byte(len(rc.Serial))})
	l.h.Write(rc.Serial)
	binary.BigEndian.PutUint64(buf[:], uint64(rc.RevokedAt.Unix()))
	l.h.Write(buf[:])
	binary.BigEndian.PutUint64(buf[:], uint64(reason))
	l.h.Write(buf[:])
	return nil
}

func (l *crlList) digest() [32]byte {
	var d [32]byte
	l.h.Sum(d[:0])
	return d
}
