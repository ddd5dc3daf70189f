// Package certpem reads what users hand over as a certificate file: a PEM
// bundle (a chain, perhaps with a key beside it) or one DER certificate.
// It is one reader for ca and netdemo, which may not import each other.
package certpem

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ErrNoCertificate says that the data is PEM but holds no CERTIFICATE block.
var ErrNoCertificate = errors.New("no CERTIFICATE block")

// Parse reads every CERTIFICATE block of a PEM bundle, passing over other
// blocks, or, when the data holds no PEM block at all, one DER certificate.
// A CERTIFICATE block that does not parse fails the whole read: a bundle
// with a damaged member is not what its user meant to hand over.
func Parse(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest, sawPEM := data, false
	for {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		sawPEM = true
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	if !sawPEM {
		cert, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("neither PEM nor a DER certificate: %w", err)
		}
		return []*x509.Certificate{cert}, nil
	}
	if len(out) == 0 {
		return nil, ErrNoCertificate
	}
	return out, nil
}
