package acme

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Size limits of a request (RFC 8555 leaves them to the server): a payload
// of at most MaxPayload bytes, and a body that can hold it base64url
// encoded with its protected header and signature.
const (
	MaxPayload = 64 << 10
	maxBody    = MaxPayload*4/3 + 16<<10
)

// outerAlgs are the algorithms an account key may sign with. A MAC is not
// among them: HS256 appears only inside an external account binding
// (eabAlgs), where the key is the CA's own secret.
var (
	outerAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256, jose.EdDSA}
	eabAlgs   = []jose.SignatureAlgorithm{jose.HS256}
)

func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// flattened is the outline of a flattened JWS JSON serialization (RFC 7515
// 7.2.2), read before go-jose parses it only to refuse what ACME forbids
// (an unprotected header, several signatures) and to name the problem of
// an algorithm go-jose refuses. All cryptography is go-jose's.
type flattened struct {
	Protected  string          `json:"protected"`
	Signature  string          `json:"signature"`
	Header     json.RawMessage `json:"header"`
	Signatures json.RawMessage `json:"signatures"`
}

// parsedJWS is a JWS whose structure is checked and whose signature is not.
type parsedJWS struct {
	jws    *jose.JSONWebSignature
	header jose.Header
}

// parseJWS parses body as a flattened JWS signed with one of algs.
func parseJWS(body []byte, algs []jose.SignatureAlgorithm) (*parsedJWS, error) {
	var f flattened
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, problem(ProbMalformed, "the body is not a JWS in flattened JSON serialization: %v", err)
	}
	if len(f.Signatures) > 0 {
		return nil, problem(ProbMalformed, "a JWS with a signatures array: ACME takes exactly one signature (flattened serialization)")
	}
	if len(f.Header) > 0 {
		return nil, problem(ProbMalformed, "a JWS with an unprotected header: ACME takes only the protected one")
	}
	if alg := headerAlg(f.Protected); alg != "" && !slices.Contains(algNames(algs), alg) {
		p := problem(ProbBadSignatureAlgorithm, "JWS algorithm %q is not accepted; use one of %s", alg, strings.Join(algNames(algs), ", "))
		p.Algorithms = algNames(algs)
		return nil, p
	}
	if f.Protected == "" || f.Signature == "" {
		return nil, problem(ProbMalformed, "a JWS needs a protected header and a signature")
	}
	jws, err := jose.ParseSignedJSON(string(body), algs)
	if err != nil {
		return nil, problem(ProbMalformed, "parsing the JWS: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, problem(ProbMalformed, "a JWS with %d signatures; ACME takes one", len(jws.Signatures))
	}
	return &parsedJWS{jws: jws, header: jws.Signatures[0].Protected}, nil
}

// headerAlg reads the alg of a protected header, for the error message
// alone.
func headerAlg(protected string) string {
	raw, err := base64.RawURLEncoding.DecodeString(protected)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	if h.Alg == "" {
		return "(none given)"
	}
	return h.Alg
}

// url is the protected "url" header, "" when missing or not a string.
func (p *parsedJWS) url() string {
	u, _ := p.header.ExtraHeaders["url"].(string)
	return u
}

// checkAccountKey refuses keys too weak or of kinds ACME clients do not
// use, before any signature is checked with them.
func checkAccountKey(k *jose.JSONWebKey) error {
	if k == nil || !k.Valid() || !k.IsPublic() {
		return problem(ProbBadPublicKey, "the jwk is not a valid public key")
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 || pub.N.BitLen() > 8192 {
			return problem(ProbBadPublicKey, "RSA account keys must have 2048 to 8192 bits, not %d", pub.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() {
			return problem(ProbBadPublicKey, "ECDSA account keys must be on P-256 or P-384")
		}
	case ed25519.PublicKey:
	default:
		return problem(ProbBadPublicKey, "unsupported account key type %T", k.Key)
	}
	return nil
}

// thumbprint is the RFC 7638 SHA-256 thumbprint, base64url.
func thumbprint(k *jose.JSONWebKey) (string, error) {
	t, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", problem(ProbBadPublicKey, "the jwk has no thumbprint: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(t), nil
}

// readBody reads a request body of at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		p := problem(ProbMalformed, "request body over %d bytes (payloads are limited to %d)", maxBody, MaxPayload)
		p.Status = http.StatusRequestEntityTooLarge
		return nil, p
	}
	if err != nil {
		return nil, problem(ProbMalformed, "reading the request: %v", err)
	}
	return body, nil
}
