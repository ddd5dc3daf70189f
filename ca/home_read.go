package ca

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/localca/localca/store"
)

// The home's records, read or written in one short session each: the
// store is closed before these return, so that a caller that prints
// afterwards (a reader paused on `localca list | less`) holds no lock that
// other processes wait for. None of them needs a CA in the store.

// session runs fn with the home's store open.
func (h Home) session(readOnly bool, fn func(st *store.Store) error) error {
	st, err := h.OpenStore(readOnly)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// Certificates returns the certificates that f selects, oldest first, that
// keep (nil keeps all) keeps.
func (h Home) Certificates(f CertFilter, keep func(*CertRecord) bool) ([]*CertRecord, error) {
	var recs []*CertRecord
	err := h.session(true, func(st *store.Store) error {
		return st.ForEachCert(f, func(rec *store.Cert) error {
			if keep == nil || keep(rec) {
				recs = append(recs, rec)
			}
			return nil
		})
	})
	return recs, err
}

// DescribeRecords describes each record as Describe does, as of now.
func DescribeRecords(recs []*CertRecord, now time.Time) ([]CertInfo, error) {
	out := make([]CertInfo, 0, len(recs))
	for _, rec := range recs {
		cert, err := x509.ParseCertificate(rec.DER)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %s in the store: %v", ErrBadCertificate, rec.SerialHex(), err)
		}
		out = append(out, Describe(cert, rec, now))
	}
	return out, nil
}

// Events returns the last n entries of the store's log (0: all), oldest
// first.
func (h Home) Events(n int) (ev []Event, err error) {
	err = h.session(true, func(st *store.Store) error {
		ev, err = st.Events(n)
		return err
	})
	return ev, err
}

// Stored is the package's Stored in the home's store.
func (h Home) Stored(serial []byte) (iss *Issued, err error) {
	err = h.session(true, func(st *store.Store) error {
		iss, err = Stored(st, serial)
		return err
	})
	return iss, err
}

// Backup writes a consistent copy of the store, even while it is in use,
// to a new file at path (0600; an existing file is refused), and removes
// what it wrote when it fails. It returns the bytes written.
func (h Home) Backup(path string) (n int64, err error) {
	err = h.session(true, func(st *store.Store) error {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		n, err = st.Backup(f)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
		return err
	})
	return n, err
}

// DescribeRef describes the certificate that ref names, as of now: a file
// holding it (PEM, the first of a bundle, or DER), or else its serial in
// hex, looked up in the home's store (ErrBadRef when ref is neither). The
// store's record adds the profile and the status; a file is described even
// when there is no store.
func (h Home) DescribeRef(ref string, now time.Time) (CertInfo, error) {
	st, stErr := h.OpenStore(true)
	if stErr == nil {
		defer st.Close()
	}
	var rec *store.Cert
	var cert *x509.Certificate
	if data, err := ReadInput(ref, MaxInputFile); errors.Is(err, ErrInputTooLarge) {
		return CertInfo{}, err
	} else if err == nil {
		certs, err := ParseCertificates(data)
		if err != nil {
			return CertInfo{}, fmt.Errorf("%s: %w", ref, err)
		}
		cert = certs[0]
		if st != nil {
			rec, _ = st.Cert(cert.SerialNumber.Bytes())
		}
	} else {
		if stErr != nil {
			return CertInfo{}, stErr
		}
		serial, err := ParseSerial(ref)
		if err != nil {
			return CertInfo{}, &hintError{fmt.Sprintf("%q is neither a file nor a hex serial", ref), ErrBadRef}
		}
		if rec, err = st.Cert(serial); err != nil {
			return CertInfo{}, err
		}
		if cert, err = x509.ParseCertificate(rec.DER); err != nil {
			return CertInfo{}, err
		}
	}
	return Describe(cert, rec, now), nil
}

// KeyRecord is what Home.RecordKey reports of a key it recorded: its SPKI
// fingerprint, algorithm and size.
type KeyRecord struct {
	Fingerprint []byte
	Algorithm   string
	Size        int
}

// RecordKey records pub (and pemKey, the private key, when localca made
// it) in the home's store, before the key is handed out: a key localca
// gives a user is always on record, so that revoking it later (revoke
// --key) finds it. The store may hold no CA yet. A store that seals its
// secrets (one in etcd) records the key without pemKey.
func (h Home) RecordKey(pub crypto.PublicKey, pemKey []byte, label string) (KeyRecord, error) {
	fp, err := Fingerprint(pub)
	if err != nil {
		return KeyRecord{}, err
	}
	alg, size := DescribeKey(pub)
	err = h.session(false, func(st *store.Store) error {
		if len(pemKey) > 0 {
			// A store that seals its secrets (etcd) does not keep the key:
			// there is no password here to seal it with.
			if err := (*Secrets)(nil).Prepare(st); errors.Is(err, ErrPasswordRequired) {
				pemKey = nil
			} else if err != nil {
				return err
			}
		}
		return st.Commit(store.Record{Key: &store.Key{Fingerprint: fp, Algorithm: alg, Size: size, Label: label, PEM: pemKey}})
	})
	if err != nil {
		return KeyRecord{}, fmt.Errorf("ca: recording the key: %w", err)
	}
	return KeyRecord{Fingerprint: fp, Algorithm: alg, Size: size}, nil
}
