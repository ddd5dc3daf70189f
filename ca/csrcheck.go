package ca

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
)

// The extensions a CSR may request that only a CA certificate carries.
var (
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
)

// keyUsage bits (RFC 5280 §4.2.1.3) that belong to CAs.
const (
	bitKeyCertSign = 5
	bitCRLSign     = 6
)

// checkCSR is what the CA refuses in any CSR before its policy looks at
// the names and the key: a signature made with SHA-1 (or MD5, which
// CheckSignature already refuses), and a request for CA powers (CA:TRUE,
// keyCertSign, cRLSign). ParseCSR and SignRequest call it; it does not
// verify the signature itself (ParseCSR does).
//
// The certificate is built from the policy alone either way, so a CSR that
// asks for CA:TRUE would never get it; refusing it says so to the
// requester instead of handing back something other than what was asked.
// Other requested extensions (an odd extended key usage, say) are ignored.
func checkCSR(csr *x509.CertificateRequest) error {
	switch csr.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
		return fmt.Errorf("%w: CSR for %q is signed with %s; SHA-1 (and MD5) signatures are refused, sign it with SHA-256 or better",
			ErrWeakSignature, firstName(csr), csr.SignatureAlgorithm)
	}
	var asked []string
	for _, ext := range csr.Extensions {
		switch {
		case ext.Id.Equal(oidExtBasicConstraints):
			var bc struct {
				IsCA       bool `asn1:"optional"`
				MaxPathLen int  `asn1:"optional,default:-1"`
			}
			if rest, err := asn1.Unmarshal(ext.Value, &bc); err != nil || len(rest) > 0 {
				return fmt.Errorf("%w: the requested basicConstraints extension does not parse", ErrBadCSR)
			}
			if bc.IsCA {
				asked = append(asked, "CA:TRUE (basicConstraints)")
			}
		case ext.Id.Equal(oidExtKeyUsage):
			var ku asn1.BitString
			if rest, err := asn1.Unmarshal(ext.Value, &ku); err != nil || len(rest) > 0 {
				return fmt.Errorf("%w: the requested keyUsage extension does not parse", ErrBadCSR)
			}
			if ku.At(bitKeyCertSign) == 1 {
				asked = append(asked, "keyCertSign (keyUsage)")
			}
			if ku.At(bitCRLSign) == 1 {
				asked = append(asked, "cRLSign (keyUsage)")
			}
		}
	}
	if len(asked) > 0 {
		return &CARequestError{Asked: asked}
	}
	return nil
}
