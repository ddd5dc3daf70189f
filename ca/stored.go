package ca

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/localca/localca/store"
)

// Stored reads back from st the certificate with the given serial as an
// Issued: its certificate, its issuer and record, and its private key when
// the store holds one (Issue keeps the keys it makes; a certificate signed
// from a CSR has none, and KeyPEM is then nil). With it the files of any
// certificate that Issue made can be written again (Files.Write). A key
// the store keeps sealed (a store in etcd) is left out, KeySealed set:
// CA.Stored opens it with the CA password.
func Stored(st *store.Store, serial []byte) (*Issued, error) {
	return stored(st, serial, nil)
}

// stored is Stored that opens a sealed key with sec (nil: leaves it out).
func stored(st *store.Store, serial []byte, sec *Secrets) (*Issued, error) {
	rec, err := st.Cert(serial)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate %s in the store: %v", ErrBadCertificate, FormatSerial(serial), err)
	}
	iss := &Issued{Cert: cert, Record: rec}
	if rec.IssuerID != "" {
		a, err := st.Authority(rec.IssuerID)
		if err != nil {
			return nil, fmt.Errorf("ca: the issuer of %s: %w", FormatSerial(serial), err)
		}
		if iss.Issuer, err = x509.ParseCertificate(a.CertDER); err != nil {
			return nil, fmt.Errorf("%w: the issuer of %s in the store: %v", ErrBadCertificate, FormatSerial(serial), err)
		}
	}
	if len(rec.KeyFingerprint) > 0 {
		k, err := st.Key(rec.KeyFingerprint)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil && Sealed(k.PEM) && sec == nil {
			iss.KeySealed = true
			return iss, nil
		}
		if err == nil && len(k.PEM) > 0 {
			if k.PEM, err = sec.Open(st, keySealName(rec.KeyFingerprint), k.PEM); err != nil {
				return nil, fmt.Errorf("ca: the stored key of %s: %w", FormatSerial(serial), err)
			}
			if iss.Key, err = ParseKey(k.PEM, nil); err != nil {
				return nil, fmt.Errorf("ca: the stored key of %s: %w", FormatSerial(serial), err)
			}
			iss.KeyPEM = k.PEM
		}
	}
	return iss, nil
}

// StoredKeyPEM is the private key of the certificate with the given serial,
// as Issue stored it (unencrypted PKCS#8 PEM); ErrNoStoredKey when the store
// holds none.
func StoredKeyPEM(st *store.Store, serial []byte) ([]byte, error) {
	iss, err := stored(st, serial, nil)
	if err == nil && iss.KeySealed {
		return nil, fmt.Errorf("%w: the key of %s is sealed with the CA password", ErrPasswordRequired, FormatSerial(serial))
	}
	if err != nil {
		return nil, err
	}
	if len(iss.KeyPEM) == 0 {
		return nil, fmt.Errorf("%w: %s was signed from a CSR, whose key never reached the CA", ErrNoStoredKey, FormatSerial(serial))
	}
	return iss.KeyPEM, nil
}

// StoredKeyPEM is the package's StoredKeyPEM in the home's store. A key
// kept sealed (a store in etcd) is opened with the CA password: only then
// is the CA opened, read-only, with opts.
func (h Home) StoredKeyPEM(serial []byte, opts Options) (keyPEM []byte, err error) {
	err = h.session(true, func(st *store.Store) (err error) {
		keyPEM, err = StoredKeyPEM(st, serial)
		return err
	})
	if !errors.Is(err, ErrPasswordRequired) {
		return keyPEM, err
	}
	c, _, err := h.Open(Access{ReadOnly: true}, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	iss, err := c.Stored(serial)
	if err != nil {
		return nil, err
	}
	return iss.KeyPEM, nil
}

// ExportForm is what Home.Export writes of a stored certificate: by
// default its PEM.
type ExportForm struct {
	DER   bool // the leaf as DER
	Chain bool // the leaf, then its issuer, PEM
	Key   bool // the key issue made and the store kept (StoredKeyPEM)
}

// Export is the stored certificate with that serial in form (one of its
// fields at most), and whether it is a secret (the key), to be written
// with mode 0600; opts open the CA when the key is sealed (StoredKeyPEM).
func (h Home) Export(serial []byte, form ExportForm, opts Options) (data []byte, secret bool, err error) {
	if form.Key {
		data, err = h.StoredKeyPEM(serial, opts)
		return data, true, err
	}
	iss, err := h.Stored(serial)
	switch {
	case err != nil:
		return nil, false, err
	case form.DER:
		return iss.Cert.Raw, false, nil
	case form.Chain:
		return iss.ChainPEM(), false, nil
	}
	return iss.PEM(), false, nil
}

// Stored is the package's Stored in one of c's sessions.
func (c *CA) Stored(serial []byte) (*Issued, error) {
	var iss *Issued
	err := c.session(func(st *store.Store) (err error) {
		iss, err = stored(st, serial, c.secrets)
		return err
	})
	return iss, err
}

// keySealName names a kept private key in its seal.
func keySealName(fp []byte) string { return fmt.Sprintf("key/%x", fp) }

// session runs fn with c's store, or, for a CA from Connect, with the store
// opened for fn alone.
func (c *CA) session(fn func(st *store.Store) error) error {
	if c.st != nil {
		return fn(c.st)
	}
	if c.open == nil {
		return ErrNoStore
	}
	st, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}
