package ca

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/localca/localca/internal/logsafe"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// Handler routes the CA's endpoints:
//
//	GET  /healthz            "ok"
//	GET  /roots.pem          the root, PEM
//	GET  /intermediates.pem  the intermediate, PEM
//	GET  /intermediate.crt   the intermediate, DER (leaves' AIA caIssuers)
//	GET  /crl                the intermediate's CRL, DER
//	GET  /crl/root           the root's CRL, DER
//	POST /ocsp, GET /ocsp/B64 OCSP (RFC 6960 appendix A)
//	POST /sign[?profile=P]   a CSR (PEM or DER), Bearer token; the PEM chain
//	POST /revoke             {"serial": "…", "reason": "…"}, Bearer token
//
// Errors are JSON {"error": "…"} with a status that says what kind. Every
// handler runs under a deadline and a body limit.
func (s *Server) Handler() http.Handler {
	return s.handler(s.mounts, s.tlsRoutes())
}

// route is an endpoint: the method it takes and its handler.
type route struct {
	method string
	h      func(http.ResponseWriter, *http.Request)
}

func (s *Server) tlsRoutes() map[string]route {
	return map[string]route{
		"/healthz":           {http.MethodGet, s.healthz},
		"/roots.pem":         {http.MethodGet, s.certPEM(true)},
		"/intermediates.pem": {http.MethodGet, s.certPEM(false)},
		"/intermediate.crt":  {http.MethodGet, s.intermediateDER},
		"/crl":               {http.MethodGet, s.crl(false)},
		"/crl/root":          {http.MethodGet, s.crl(true)},
		"/ocsp":              {http.MethodPost, s.ocspPost},
		"/sign":              {http.MethodPost, s.sign},
		"/revoke":            {http.MethodPost, s.revoke},
	}
}

// handler routes to mounts (by path prefix), OCSP GETs and routes, under
// the deadline.
func (s *Server) handler(mounts map[string]http.Handler, routes map[string]route) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.route(w, r, mounts, routes) })
	return http.TimeoutHandler(h, handlerTimeout, `{"error":"request took too long"}`)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, mounts map[string]http.Handler, routes map[string]route) {
	path := r.URL.Path
	for prefix, h := range mounts {
		if prefix != "/" && strings.HasPrefix(path, prefix) {
			h.ServeHTTP(w, r)
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	// OCSP GET requests carry base64 in the path, which may hold "/" and
	// "+": they are routed before any path cleaning could touch them.
	if strings.HasPrefix(path, "/ocsp/") {
		if !allow(w, r, http.MethodGet) {
			return
		}
		s.ocspGet(w, r)
		return
	}
	rt, ok := routes[path]
	if fallback := mounts["/"]; !ok && fallback != nil {
		fallback.ServeHTTP(w, r)
		return
	}
	if !ok {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no endpoint %q", path))
		return
	}
	if allow(w, r, rt.method) {
		rt.h(w, r)
	}
}

// allow answers 405 for a method the endpoint does not take. GET also
// allows HEAD, as net/http does.
func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": fmt.Sprintf("%s needs %s", r.URL.Path, method)})
	return false
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func (s *Server) certPEM(root bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		cert := s.cfg.CA.interCert
		if root {
			cert = s.cfg.CA.rootCert
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	}
}

func (s *Server) intermediateDER(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Write(s.cfg.CA.interCert.Raw)
}

// withCA runs fn with a CA bound to the store, opened for this request.
// A store another process holds for too long is 503, to be retried.
func (s *Server) withCA(w http.ResponseWriter, r *http.Request, fn func(*CA)) {
	st, err := s.lease.acquire()
	if err != nil {
		w.Header().Set("Retry-After", "2")
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	defer s.lease.release()
	fn(s.cfg.CA.withStore(st))
}

// crl serves the cached CRL while it still says what the store says and is
// younger than half its validity; otherwise it signs a new one (with a new
// number). So `localca revoke` in another process shows on the next fetch,
// and fetching alone does not burn CRL numbers.
func (s *Server) crl(root bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.withCA(w, r, func(c *CA) {
			l, err := s.currentCRL(c, root)
			if err != nil {
				s.fail(w, r, http.StatusInternalServerError, err)
				return
			}
			w.Header().Set("Content-Type", "application/pkix-crl")
			w.Header().Set("Last-Modified", l.ThisUpdate.Format(http.TimeFormat))
			w.Header().Set("Expires", l.NextUpdate.Format(http.TimeFormat))
			w.Write(l.DER)
		})
	}
}

func (s *Server) currentCRL(c *CA, root bool) (*CRL, error) {
	s.crlMu.Lock()
	defer s.crlMu.Unlock()
	digest, err := c.crlDigest(root)
	if err != nil {
		return nil, err
	}
	now := c.opts.Now()
	if l := s.crls[root]; l != nil && l.Digest == digest && now.Before(l.ThisUpdate.Add(l.NextUpdate.Sub(l.ThisUpdate)/2)) {
		return l, nil
	}
	var l *CRL
	if root {
		l, err = c.RootCRL(s.cfg.CRL)
	} else {
		l, err = c.CRL(s.cfg.CRL)
	}
	if err != nil {
		return nil, err
	}
	s.crls[root] = l
	return l, nil
}

func (s *Server) ocspPost(w http.ResponseWriter, r *http.Request) {
	raw, ok := s.readBody(w, r)
	if ok {
		s.ocsp(w, r, raw)
	}
}

// ocspGet decodes /ocsp/{url-encoded base64 of the DER request}.
func (s *Server) ocspGet(w http.ResponseWriter, r *http.Request) {
	enc, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/ocsp/"))
	if err == nil && int64(len(enc)) > s.cfg.MaxBody {
		err = errors.New("request too long")
	}
	var raw []byte
	if err == nil {
		raw, err = base64.StdEncoding.DecodeString(enc)
		if err != nil {
			raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
		}
	}
	if err != nil {
		s.cfg.Log.Printf("ocsp GET: %v", err)
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocspMalformed)
		return
	}
	s.ocsp(w, r, raw)
}

var ocspMalformed = []byte{0x30, 0x03, 0x0A, 0x01, 0x01}

// ocsp answers with status 200 and an OCSP response whatever the outcome:
// RFC 6960 reports errors inside the response.
func (s *Server) ocsp(w http.ResponseWriter, r *http.Request, raw []byte) {
	s.withCA(w, r, func(c *CA) {
		resp, err := s.responder.respond(c.st, raw)
		if err != nil {
			s.cfg.Log.Printf("ocsp %s from %s: %v", r.Method, r.RemoteAddr, err)
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(resp)
	})
}

// readBody reads a request body under the size limit: 413 above it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	raw, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", tooBig.Limit))
		return nil, false
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("reading the request: %w", err))
		return nil, false
	}
	return raw, true
}

// bearer returns the token of an "Authorization: Bearer T" header.
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// fail writes a JSON error and logs it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	s.cfg.Log.Printf("%q %q from %s: %d %s", r.Method, r.URL.Path, r.RemoteAddr, status, logsafe.String(err.Error()))
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="localca"`)
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// statusOf maps an error of the CA to the HTTP status that says what kind
// of failure it is.
func statusOf(err error) int {
	switch {
	case errors.Is(err, store.ErrTokenInvalid):
		return http.StatusUnauthorized
	case errors.Is(err, policies.ErrRefused), errors.Is(err, ErrTokenScope), errors.Is(err, ErrProtectedCert), errors.Is(err, store.ErrKeyRevoked), errors.Is(err, store.ErrCSRRejected),
		errors.Is(err, ErrCSRRequestsCA), errors.Is(err, ErrWeakSignature):
		return http.StatusForbidden
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrAlreadyRevoked), errors.Is(err, ErrIntermediateRevoked):
		return http.StatusConflict
	case errors.Is(err, ErrBadReason), errors.Is(err, policies.ErrUnknownProfile), errors.Is(err, ErrBadName):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrBadCSR), errors.Is(err, ErrBadPEM), errors.Is(err, ErrBadCSRSignature), errors.Is(err, ErrBadSerial):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrInUse):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// revokeRequest is the body of POST /revoke.
type revokeRequest struct {
	Serial string `json:"serial"`
	Reason string `json:"reason,omitempty"`
}

// RevokeResponse is what POST /revoke answers.
type RevokeResponse struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason,omitempty"`
}
