package ca

import "crypto/tls"

// TLSCertificate is the issued certificate as crypto/tls serves it: the
// leaf, its issuer and the key that Issue made, with Leaf set, for a
// program that serves or dials with it at once instead of writing files.
// A certificate signed from a CSR has no key here: its PrivateKey is nil.
func (i *Issued) TLSCertificate() *tls.Certificate {
	cert := &tls.Certificate{Certificate: [][]byte{i.Cert.Raw}, Leaf: i.Cert}
	if i.Key != nil {
		cert.PrivateKey = i.Key
	}
	if i.Issuer != nil {
		cert.Certificate = append(cert.Certificate, i.Issuer.Raw)
	}
	return cert
}
