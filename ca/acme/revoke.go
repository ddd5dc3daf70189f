package acme

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// revocationReasons are the RFC 5280 codes a subscriber may give (as Let's
// Encrypt takes them): unspecified, keyCompromise, affiliationChanged,
// superseded, cessationOfOperation.
var revocationReasons = map[int]bool{0: true, 1: true, 3: true, 4: true, 5: true}

// revokeCert is RFC 8555 7.6: signed by the account that ordered the
// certificate, or by the certificate's own key (jwk).
func (s *Server) revokeCert(w http.ResponseWriter, r *http.Request, q *request) error {
	var p struct {
		Certificate string `json:"certificate"`
		Reason      *int   `json:"reason"`
	}
	if err := decode(q.payload, &p); err != nil {
		return err
	}
	der, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p.Certificate, "="))
	if err != nil {
		return problem(ProbMalformed, "certificate is not base64url DER")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return problem(ProbMalformed, "parsing the certificate: %v", err)
	}
	reason := store.NoReason
	if p.Reason != nil {
		if !revocationReasons[*p.Reason] {
			return problem(ProbBadRevocationReason, "reason %d is not one a subscriber may give (0, 1, 3, 4, 5)", *p.Reason)
		}
		reason = *p.Reason
	}
	if q.account == nil { // signed by a key: it must be the certificate's
		fpCert, err1 := ca.Fingerprint(cert.PublicKey)
		fpJWK, err2 := ca.Fingerprint(q.jwk.Key)
		if err1 != nil || err2 != nil || !bytes.Equal(fpCert, fpJWK) {
			return problem(ProbUnauthorized, "the request is signed by neither an account nor the certificate's key")
		}
	}
	serial := cert.SerialNumber.Bytes()
	serialHex := hex.EncodeToString(serial)
	err = s.cfg.Storage.Update(func(tx Tx) error {
		stored, err := tx.Cert(serial)
		if err != nil || !bytes.Equal(stored.DER, der) {
			return problem(ProbMalformed, "certificate %s was not issued by this CA", serialHex).withStatus(http.StatusNotFound)
		}
		if q.account != nil {
			var ref certRef
			if err := getJSON(tx, keyCert(serialHex), &ref); err != nil || ref.Account != q.account.ID {
				return problem(ProbUnauthorized, "certificate %s was not ordered by this account; sign with its key instead", serialHex)
			}
		}
		if _, err := tx.RevokeCert(serial, s.cfg.Now(), reason); err != nil {
			if errors.Is(err, store.ErrAlreadyRevoked) {
				return problem(ProbAlreadyRevoked, "certificate %s is already revoked", serialHex)
			}
			return err
		}
		by := "its key"
		if q.account != nil {
			by = "account " + q.account.ID
		}
		return tx.Event("acme.revoked", serialHex, fmt.Sprintf("by %s, reason %d", by, reason))
	})
	if err != nil {
		return err
	}
	s.cfg.Log.Printf("acme: revoked %s", serialHex)
	w.WriteHeader(http.StatusOK)
	return nil
}
