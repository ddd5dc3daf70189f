package web

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// detailView is one certificate: the fields `localca show` prints, the
// subject its CSR asked for, and its PEM. Never a private key: the page
// does not read keys at all.
type detailView struct {
	Serial string
	Class  string
	Fields []field
	PEM    string
}

type field struct{ Label, Value string }

// detail is GET /certs/SERIAL.
func (p *Page) detail(w http.ResponseWriter, r *http.Request) {
	if ok, _ := p.allowed(r); !ok {
		p.render(w, r, http.StatusUnauthorized, &pageView{Title: "A read token is needed", NeedToken: true, Links: p.links(),
			Error: "Certificate details need a read token on this server. The trust page (" + p.trust.TrustURL + ") stays open."})
		return
	}
	raw := strings.TrimPrefix(r.URL.Path, pathCerts)
	serial, err := ca.ParseSerial(raw)
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "Bad serial", err.Error())
		return
	}
	var v *detailView
	err = p.cfg.Read(func(c *ca.CA) error {
		rec, err := c.Certificate(serial)
		if err != nil {
			return err
		}
		var csr *store.CSR
		if len(rec.CSRID) > 0 {
			if csr, err = c.CSR(rec.CSRID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		v, err = p.detailView(rec, csr)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.fail(w, r, http.StatusNotFound, "No such certificate", fmt.Sprintf("This CA issued no certificate with serial %s.", raw))
		return
	case err != nil:
		p.readFailed(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, &pageView{Title: "Certificate " + v.Serial, Detail: v, Links: p.links()})
}

func (p *Page) detailView(rec *store.Cert, csr *store.CSR) (*detailView, error) {
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, fmt.Errorf("web: certificate %s in the store: %w", rec.SerialHex(), err)
	}
	now := p.cfg.Now()
	row := p.rows([]*store.Cert{rec}, now)[0]
	in := ca.Describe(cert, rec, now) // what `localca show` prints
	v := &detailView{Serial: rec.SerialHex(), Class: row.Class, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))}
	add := func(label, value string) {
		if value != "" {
			v.Fields = append(v.Fields, field{label, value})
		}
	}
	add("Serial", rec.SerialHex())
	add("Status", row.Status)
	add("Revoked", row.Revoked)
	add("Subject", in.Subject)
	add("Names", strings.Join(in.Names, ", "))
	add("Issuer", in.Issuer)
	add("Valid", fmt.Sprintf("%s to %s (ends %s)", stamp(in.NotBefore), stamp(in.NotAfter), row.Left))
	add("Profile", in.Profile)
	add("Key", in.Key)
	add("Key SHA-256", in.KeyFingerprint)
	add("Cert SHA-256", in.SHA256)
	add("Key usage", strings.Join(in.KeyUsage, ", "))
	add("Ext key usage", strings.Join(in.ExtKeyUsage, ", "))
	add("Name constraints", strings.Join(in.NameConstraints, ", "))
	add("CRL", strings.Join(cert.CRLDistributionPoints, ", "))
	add("OCSP", strings.Join(cert.OCSPServer, ", "))
	if csr != nil {
		add("CSR subject", csr.Subject)
		add("CSR id", hex.EncodeToString(csr.ID))
	}
	return v, nil
}
