package acme

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/localca/localca/store"
)

// parseCertID reads an ARI certificate identifier (RFC 9773 4.1):
// base64url(authorityKeyIdentifier) "." base64url(serial's DER content).
// It returns the serial as the store keys it (no leading zero octets).
func parseCertID(id string) ([]byte, error) {
	aki, ser, ok := strings.Cut(id, ".")
	a, err1 := base64.RawURLEncoding.DecodeString(aki)
	s, err2 := base64.RawURLEncoding.DecodeString(ser)
	if !ok || err1 != nil || err2 != nil || len(a) == 0 || len(s) == 0 || len(s) > 21 {
		return nil, problem(ProbMalformed, "%q is not an ARI certificate id (base64url AKI . base64url serial)", id)
	}
	return new(big.Int).SetBytes(s).Bytes(), nil
}

// renewalInfo is RFC 9773: when to renew a certificate. The window is the
// last third of its life but the final ninth; a revoked certificate's
// window is now, so clients replace it at once.
func (s *Server) renewalInfo(w http.ResponseWriter, r *http.Request) {
	s.headers(w)
	id := r.PathValue("id")
	serial, err := parseCertID(id)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	aki, _, _ := strings.Cut(id, ".")
	akiRaw, _ := base64.RawURLEncoding.DecodeString(aki)
	var c *store.Cert
	err = s.cfg.Storage.View(func(tx Tx) error {
		var err error
		c, err = tx.Cert(serial)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		s.writeProblem(w, r, problem(ProbMalformed, "no certificate with that serial").withStatus(http.StatusNotFound))
		return
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil || !bytes.Equal(cert.AuthorityKeyId, akiRaw) {
		s.writeProblem(w, r, problem(ProbMalformed, "no certificate with that authority key id and serial").withStatus(http.StatusNotFound))
		return
	}
	life := cert.NotAfter.Sub(cert.NotBefore)
	start := cert.NotBefore.Add(life * 2 / 3)
	end := cert.NotAfter.Add(-life / 9)
	if c.Status == store.CertRevoked {
		now := s.cfg.Now()
		start, end = now.Add(-time.Hour), now
	}
	w.Header().Set("Retry-After", "21600")
	writeJSON(w, http.StatusOK, map[string]any{"suggestedWindow": map[string]string{
		"start": start.UTC().Format(time.RFC3339), "end": end.UTC().Format(time.RFC3339)}})
}
