package ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/localca/localca/store"
)

// reasonSuperseded is RFC 5280's CRLReason for a certificate replaced by a
// new one.
const reasonSuperseded = 4

// RenewRequest asks for the successor of an issued certificate.
type RenewRequest struct {
	// Serial names the certificate to renew; it must be in the store.
	Serial []byte
	// ReuseKey certifies the old certificate's key again instead of a new
	// key: Key when given, else the key the store holds (Issue keeps the
	// keys it makes).
	ReuseKey bool
	// Key is the old certificate's private key when the caller has it (the
	// key file beside the certificate file). It must match the old
	// certificate.
	Key crypto.Signer
	// RevokeOld revokes the old certificate, reason superseded, once the
	// new one is stored.
	RevokeOld bool
}

// Renewed is a renewal's outcome.
type Renewed struct {
	// Issued is the new certificate, committed, with its key (the new one,
	// or the old one again).
	*Issued
	// Old is the certificate renewed, as it was read.
	Old *Issued
	// Revoked says whether the old certificate was revoked by this renewal
	// (RevokeOld, and it was not revoked before).
	Revoked bool
}

// Renew issues the successor of a certificate: the same names in the same
// order (the common name first, as Issue had it), the same profile, the same
// validity length (cut, as always, at the intermediate's end), and a new key
// of the same type unless ReuseKey. It goes through Issue, so the policy in
// force today decides, and the new certificate is committed before Renew
// returns. With RevokeOld the old certificate is then revoked as
// superseded; a failure of that step names both serials.
func (c *CA) Renew(req RenewRequest) (*Renewed, error) {
	old, err := c.Stored(req.Serial)
	if err != nil {
		return nil, fmt.Errorf("ca: renewing %s: %w", FormatSerial(req.Serial), err)
	}
	if old.Record.IssuerID == "" {
		return nil, fmt.Errorf("ca: renewing %s: %w", FormatSerial(req.Serial), ErrRenewSelfSigned)
	}
	ir := IssueRequest{Names: renewNames(old.Cert), Profile: old.Record.Profile, Validity: renewValidity(old.Cert)}
	if ir.KeyType, err = keyTypeOf(old.Cert.PublicKey); err != nil {
		return nil, fmt.Errorf("ca: renewing %s: %w", FormatSerial(req.Serial), err)
	}
	if req.ReuseKey {
		if ir.Key, err = oldKey(req, old); err != nil {
			return nil, fmt.Errorf("ca: renewing %s with its key: %w", FormatSerial(req.Serial), err)
		}
	}
	iss, err := c.Issue(ir)
	if err != nil {
		return nil, fmt.Errorf("ca: renewing %s: %w", FormatSerial(req.Serial), err)
	}
	r := &Renewed{Issued: iss, Old: old}
	if !req.RevokeOld {
		return r, nil
	}
	err = c.session(func(st *store.Store) error {
		_, err := st.RevokeCert(req.Serial, c.opts.Now(), reasonSuperseded)
		return err
	})
	switch {
	case err == nil:
		r.Revoked = true
	case !errors.Is(err, store.ErrAlreadyRevoked):
		return r, fmt.Errorf("ca: the new certificate %s is issued and stored, but revoking the old %s failed: %w",
			FormatSerial(iss.Record.Serial), FormatSerial(req.Serial), err)
	}
	return r, nil
}

// RenewInto is Renew, then the successor written into files (Files.Write).
// The files are written whenever the successor is stored, even when
// revoking the old certificate failed; the error then tells both.
func (c *CA) RenewInto(req RenewRequest, files Files) (*Renewed, error) {
	r, err := c.Renew(req)
	if r == nil {
		return nil, err
	}
	if werr := files.Write(r.Issued); werr != nil {
		if err != nil {
			return r, fmt.Errorf("%w; and %w", err, werr)
		}
		return r, werr
	}
	return r, err
}

// RenewFiles names where the successor of old goes. Renewing a file in
// place (certFile not ""), it is written over certFile and its key file:
// keyFile, or keyFileFor(certFile) when that is "", and with p12 a bundle
// beside it (FILE.p12). Renewing by serial, the files are those FilesFor
// names in dir for old's first name, as Issue made them.
func RenewFiles(old *Issued, certFile, keyFile, dir string, p12 bool) Files {
	if certFile == "" {
		first := old.Cert.Subject.CommonName
		if first == "" && len(old.Record.Names) > 0 {
			first = old.Record.Names[0]
		}
		return FilesFor(dir, first, p12)
	}
	f := Files{Cert: certFile, Key: keyFile}
	if f.Key == "" {
		f.Key = keyFileFor(certFile)
	}
	if p12 {
		f.P12 = strings.TrimSuffix(certFile, ".pem") + ".p12"
	}
	return f
}

// renewNames are a certificate's names, its common name first when it is
// one of them (Issue made the first name the common name).
func renewNames(cert *x509.Certificate) []string {
	all := names(cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs)
	if i := slices.Index(all, cert.Subject.CommonName); i > 0 {
		all = append([]string{all[i]}, slices.Delete(all, i, i+1)...)
	}
	return all
}

// renewValidity is how long a certificate was issued for: leafTemplate dates
// NotBefore a minute back.
func renewValidity(cert *x509.Certificate) time.Duration {
	d := cert.NotAfter.Sub(cert.NotBefore) - time.Minute
	if d <= 0 {
		return 0 // the profile's default
	}
	return d
}

// keyTypeOf is the KeyTypes name of a public key.
func keyTypeOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return "ecdsa-p256", nil
		case 384:
			return "ecdsa-p384", nil
		}
	case ed25519.PublicKey:
		return "ed25519", nil
	case *rsa.PublicKey:
		switch n := k.N.BitLen(); n {
		case 2048, 3072, 4096:
			return fmt.Sprintf("rsa-%d", n), nil
		}
	}
	return "", fmt.Errorf("%w: the certificate's %s key has no key type of ours (want one of %v)", ErrUnknownKeyType, keyName(pub), KeyTypes)
}

// oldKey is the key to certify again: the caller's, which must match the
// old certificate, else the stored one.
func oldKey(req RenewRequest, old *Issued) (crypto.Signer, error) {
	if req.Key == nil {
		if old.Key == nil {
			return nil, fmt.Errorf("%w (give the key file, or renew with a new key)", ErrNoStoredKey)
		}
		return old.Key, nil
	}
	want, err := x509.MarshalPKIXPublicKey(old.Cert.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	got, err := x509.MarshalPKIXPublicKey(req.Key.Public())
	if err != nil || !bytes.Equal(got, want) {
		return nil, fmt.Errorf("%w: the key given is not the certificate's", ErrKeyMismatch)
	}
	return req.Key, nil
}
