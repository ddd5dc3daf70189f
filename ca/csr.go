package ca

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"

	"github.com/localca/localca/store"
)

// CSRRequest is what `localca csr create` asks for.
type CSRRequest struct {
	Subject pkix.Name
	// SANs are classified by form: an IP address, an email (has @ and no
	// scheme), a URI (has a scheme such as spiffe:// or https://), else a DNS
	// name.
	SANs []string
}

// splitSANs classifies names the way --san does.
func splitSANs(sans []string) (dns []string, ips []net.IP, emails []string, uris []*url.URL, err error) {
	for _, s := range sans {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return nil, nil, nil, nil, fmt.Errorf("%w: empty subject alternative name", ErrBadName)
		case net.ParseIP(s) != nil:
			ips = append(ips, net.ParseIP(s))
		case strings.Contains(s, "://"):
			u, perr := url.Parse(s)
			if perr != nil || u.Scheme == "" {
				return nil, nil, nil, nil, fmt.Errorf("%w: URI %q: %v", ErrBadName, s, perr)
			}
			uris = append(uris, u)
		case strings.Contains(s, "@"):
			a, perr := mail.ParseAddress(s)
			if perr != nil || a.Address != s {
				return nil, nil, nil, nil, fmt.Errorf("%w: email %q is not a plain address", ErrBadName, s)
			}
			emails = append(emails, s)
		default:
			dns = append(dns, s)
		}
	}
	return dns, ips, emails, uris, nil
}

// ParseSubject reads the openssl -subj form "/CN=a.test/O=Acme/OU=Dev/C=DE".
// A slash inside a value is written "\/". The attributes keep the order
// they are given in, as `openssl req -subj` keeps it: the Name's ExtraNames
// hold them in that order, which is what x509 encodes, and its fields
// (CommonName, Organization, ...) hold the same values for reading. Change
// the common name with SetCommonName, which keeps the two in step.
func ParseSubject(s string) (pkix.Name, error) {
	var n pkix.Name
	s = strings.TrimSpace(s)
	if s == "" {
		return n, nil
	}
	if !strings.HasPrefix(s, "/") {
		return n, fmt.Errorf("%w: subject %q must start with / (like /CN=a.test/O=Acme)", ErrBadName, s)
	}
	var parts []string
	var cur strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case s[i] == '/':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok || v == "" {
			return n, fmt.Errorf("%w: subject part %q is not KEY=value", ErrBadName, p)
		}
		attr, ok := subjectAttributes[strings.ToUpper(strings.TrimSpace(k))]
		if !ok {
			return n, fmt.Errorf("%w: unknown subject attribute %q (want CN, O, OU, C, ST, L or serialNumber)", ErrBadName, k)
		}
		attr.set(&n, v)
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: attr.oid, Value: v})
	}
	return n, nil
}

// subjectAttribute is one attribute -subj accepts: its OID and the field of
// pkix.Name that holds it.
type subjectAttribute struct {
	oid asn1.ObjectIdentifier
	set func(n *pkix.Name, v string)
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

var subjectAttributes = map[string]subjectAttribute{
	"CN":           {oidCommonName, func(n *pkix.Name, v string) { n.CommonName = v }},
	"SERIALNUMBER": {asn1.ObjectIdentifier{2, 5, 4, 5}, func(n *pkix.Name, v string) { n.SerialNumber = v }},
	"C":            {asn1.ObjectIdentifier{2, 5, 4, 6}, func(n *pkix.Name, v string) { n.Country = append(n.Country, v) }},
	"L":            {asn1.ObjectIdentifier{2, 5, 4, 7}, func(n *pkix.Name, v string) { n.Locality = append(n.Locality, v) }},
	"ST":           {asn1.ObjectIdentifier{2, 5, 4, 8}, func(n *pkix.Name, v string) { n.Province = append(n.Province, v) }},
	"O":            {asn1.ObjectIdentifier{2, 5, 4, 10}, func(n *pkix.Name, v string) { n.Organization = append(n.Organization, v) }},
	"OU":           {asn1.ObjectIdentifier{2, 5, 4, 11}, func(n *pkix.Name, v string) { n.OrganizationalUnit = append(n.OrganizationalUnit, v) }},
}

// SetCommonName sets n's common name where ParseSubject put it (first of
// the attributes when it had none), so that the encoded subject carries it.
func SetCommonName(n *pkix.Name, cn string) {
	n.CommonName = cn
	if len(n.ExtraNames) == 0 {
		return // x509 encodes the fields
	}
	for i, a := range n.ExtraNames {
		if a.Type.Equal(oidCommonName) {
			n.ExtraNames[i].Value = cn
			return
		}
	}
	n.ExtraNames = append([]pkix.AttributeTypeAndValue{{Type: oidCommonName, Value: cn}}, n.ExtraNames...)
}

// CreateCSR makes a PKCS#10 request signed by key. It does not record it;
// RecordCSR does.
func CreateCSR(key crypto.Signer, req CSRRequest) ([]byte, error) {
	dns, ips, emails, uris, err := splitSANs(req.SANs)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{
		Subject: req.Subject, DNSNames: dns, IPAddresses: ips, EmailAddresses: emails, URIs: uris,
	}, key)
	if err != nil {
		return nil, fmt.Errorf("ca: creating CSR: %w", err)
	}
	return der, nil
}

// ParseCSR reads a CSR in PEM ("CERTIFICATE REQUEST" or the old "NEW
// CERTIFICATE REQUEST") or DER form, checks its signature, and applies
// checkCSR: a CSR whose signature does not verify, is made with SHA-1, or
// asks for CA powers is refused, whoever made it. Errors say what is wrong
// with the input: no PEM block, a block of another type, a truncated block,
// a DER structure that does not parse.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
			return nil, fmt.Errorf("%w: PEM block is %q, want CERTIFICATE REQUEST", ErrBadPEM, block.Type)
		}
		der = block.Bytes
	} else if strings.Contains(string(data), "-----BEGIN") {
		return nil, fmt.Errorf("%w: truncated or damaged PEM (a BEGIN line without its END line, or bad base64)", ErrBadPEM)
	} else if len(data) == 0 || data[0] != 0x30 {
		// DER starts with a SEQUENCE tag; anything else is not a CSR in
		// either form, and x509's "malformed certificate request" would
		// not tell the user why.
		return nil, fmt.Errorf("%w: no PEM block (want -----BEGIN CERTIFICATE REQUEST-----) and not DER", ErrBadCSR)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSR, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSRSignature, err)
	}
	if err := checkCSR(csr); err != nil {
		return nil, err
	}
	return csr, nil
}

// csrNames lists every name a CSR asks for, in certificate order.
func csrNames(csr *x509.CertificateRequest) []string {
	return names(csr.DNSNames, csr.IPAddresses, csr.EmailAddresses, csr.URIs)
}

func names(dns []string, ips []net.IP, emails []string, uris []*url.URL) []string {
	out := append([]string(nil), dns...)
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	out = append(out, emails...)
	for _, u := range uris {
		out = append(out, u.String())
	}
	return out
}

// csrRecord is how a CSR is kept in the store.
func csrRecord(csr *x509.CertificateRequest) (*store.CSR, *store.Key, error) {
	fp, err := Fingerprint(csr.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	id := sha256.Sum256(csr.Raw)
	alg, size := DescribeKey(csr.PublicKey)
	return &store.CSR{ID: id[:], DER: csr.Raw, Subject: csr.Subject.String(), Names: csrNames(csr), KeyFingerprint: fp},
		&store.Key{Fingerprint: fp, Algorithm: alg, Size: size}, nil
}

// RecordCSR stores a CSR (and its public key) as pending, after the
// policy's key rules. A CSR for a compromised key is refused with
// store.ErrKeyRevoked. It returns the CSR's id. Home.CreateCSR
// records one before there is a CA.
func (c *CA) RecordCSR(csr *x509.CertificateRequest) (id []byte, err error) {
	if err := c.opts.Policy.CheckKey(csr.PublicKey); err != nil {
		return nil, fmt.Errorf("ca: CSR %q: %w", csr.Subject.CommonName, err)
	}
	err = c.session(func(st *store.Store) error {
		id, err = recordCSR(st, csr)
		return err
	})
	return id, err
}

// CreateCSR makes a CSR signed by key (CreateCSR), reads it back as any
// CSR is read (ParseCSR), and records it as pending in the home's store,
// which may hold no CA yet: `localca csr create` works before `init`. The
// home is checked (and made) only once the CSR is made, so a bad request
// leaves no home behind. It returns the CSR and its id; the store is
// closed on return.
func (h Home) CreateCSR(key crypto.Signer, req CSRRequest) (csr *x509.CertificateRequest, id []byte, err error) {
	der, err := CreateCSR(key, req)
	if err != nil {
		return nil, nil, err
	}
	if csr, err = ParseCSR(der); err != nil {
		return nil, nil, err
	}
	err = h.session(false, func(st *store.Store) error {
		id, err = recordCSR(st, csr)
		return err
	})
	return csr, id, err
}

// recordCSR commits a CSR and its public key to st, as pending.
func recordCSR(st *store.Store, csr *x509.CertificateRequest) ([]byte, error) {
	rec, key, err := csrRecord(csr)
	if err != nil {
		return nil, err
	}
	if err := st.Commit(store.Record{Key: key, CSR: rec}); err != nil {
		return nil, fmt.Errorf("ca: recording CSR: %w", err)
	}
	return rec.ID, nil
}
