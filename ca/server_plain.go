package ca

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// Revocation data and the issuer's certificate are also served over plain
// HTTP: CRLs, OCSP answers and certificates are signed, so HTTP adds no
// risk, and most fetchers speak only HTTP (nginx's OCSP stapling,
// `openssl verify -crl_download`, gnutls' ocsptool, NSS; RFC 5280
// 4.2.1.13, RFC 6960 A.1). Certificates then carry http:// CRL and AIA URLs
// (ServerConfig.BaseURL). Nothing that changes the store is here: /sign and
// /revoke stay on the TLS listener, behind tokens.

// PlainHandler routes the plain-HTTP endpoints:
//
//	GET  /crl                the intermediate's CRL, DER
//	GET  /crl/root           the root's CRL, DER
//	POST /ocsp, GET /ocsp/B64 OCSP (RFC 6960 appendix A)
//	GET  /intermediate.crt   the intermediate, DER (application/pkix-cert), the caIssuers URL
//	GET  /root.crt           the root, DER
//	GET  /healthz            "ok"
//
// and what MountPlain added.
func (s *Server) PlainHandler() http.Handler {
	return s.handler(s.plainMounts, s.plainRoutes())
}

// PlainPaths are the paths PlainHandler serves itself, for the line a
// server prints at start.
func PlainPaths() []string {
	return []string{"/crl", "/crl/root", "/ocsp", "/intermediate.crt", "/root.crt", "/healthz"}
}

func (s *Server) plainRoutes() map[string]route {
	return map[string]route{
		"/healthz":          {http.MethodGet, s.healthz},
		"/intermediate.crt": {http.MethodGet, s.intermediateDER},
		"/root.crt":         {http.MethodGet, s.rootDER},
		"/crl":              {http.MethodGet, s.crl(false)},
		"/crl/root":         {http.MethodGet, s.crl(true)},
		"/ocsp":             {http.MethodPost, s.ocspPost},
	}
}

// MountPlain serves h on the plain-HTTP listener for every path under
// prefix ("/trust/"): public pages that need no TLS (the web page's trust
// instructions). Call it before ServePlain. h applies its own body limit.
func (s *Server) MountPlain(prefix string, h http.Handler) {
	if s.plainMounts == nil {
		s.plainMounts = map[string]http.Handler{}
	}
	s.plainMounts[prefix] = h
}

// PlainMounts are the prefixes MountPlain added.
func (s *Server) PlainMounts() []string {
	var out []string
	for p := range s.plainMounts {
		out = append(out, strings.TrimSuffix(p, "/")+"/")
	}
	return out
}

// ServePlain serves PlainHandler over plain HTTP on ln until ctx is done,
// then shuts down gracefully, as Serve does.
func (s *Server) ServePlain(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer(ctx, s.PlainHandler())
	return run(ctx, srv, func() error { return srv.Serve(ln) })
}

func (s *Server) rootDER(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Write(s.cfg.CA.rootCert.Raw)
}
