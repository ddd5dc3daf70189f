package ca

import (
	"crypto/x509"
	"fmt"
)

// ReadRoot reads the root certificate from the store open opens, and
// nothing else: no policy, no key, no password. It is what a caller that
// only needs to trust the CA (installing its root in a trust store) reads.
// With no CA in the store, its error wraps store.ErrNoCA and names the
// store's path.
func ReadRoot(open Opener) (*x509.Certificate, error) {
	st, err := open()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	a, _, err := st.CA()
	if err != nil {
		return nil, fmt.Errorf("%w in %s", err, st.Path())
	}
	root, err := x509.ParseCertificate(a.CertDER)
	if err != nil {
		return nil, fmt.Errorf("ca: the root in %s: %w", st.Path(), err)
	}
	return root, nil
}
