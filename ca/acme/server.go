package acme

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/defaults"
	"github.com/localca/localca/policies"
)

// Defaults of Config.
const (
	DefaultOrderLifetime     = 24 * time.Hour
	DefaultMaxPendingOrders  = 100
	DefaultAccountsPerMinute = 60
	DefaultValidationTimeout = 10 * time.Second
	maxIdentifiers           = 100
	maxValidations           = 16 // validations running at once
	nonceTTL                 = time.Hour
	maxNonces                = 100_000
)

// Validator proves control of an identifier (package va does, for real).
// It returns nil when the challenge's response is right, or an error that
// says why not; errors matching the va sentinels map to problem types.
type Validator interface {
	Validate(ctx context.Context, challenge, identType, identValue, token, keyAuth string) error
}

// Config configures an ACME server.
type Config struct {
	// CA signs (ca.CA.Prepare); its policy decides. Its store is not used:
	// certificates are committed through Storage, in the transaction that
	// marks their order valid.
	CA *ca.CA
	// Storage holds accounts, orders, authorizations and certificates.
	Storage Storage
	// BaseURL is where clients reach the server ("https://127.0.0.1:8443");
	// the directory is BaseURL + "/acme/directory".
	BaseURL string
	// Validator checks challenges.
	Validator Validator
	// RequireEAB refuses new accounts without an external account binding.
	RequireEAB bool
	// OrderLifetime is how long a pending order and its authorizations live
	// (DefaultOrderLifetime when 0).
	OrderLifetime time.Duration
	// MaxPendingOrders bounds the unfinished orders of one account.
	MaxPendingOrders int
	// AccountsPerMinute bounds new accounts per client address.
	AccountsPerMinute int
	// ValidationTimeout bounds one challenge validation.
	ValidationTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives a line per refused request and per change; nil discards.
	Log *log.Logger
}

// Server is an RFC 8555 ACME server. Make one with New; it is safe for
// concurrent use.
type Server struct {
	cfg      Config
	base     string // BaseURL + "/acme"
	nonces   *nonces
	accounts *limiter
	sem      chan struct{}
	wg       sync.WaitGroup
}

// New checks cfg and makes a Server.
func New(cfg Config) (*Server, error) {
	if cfg.CA == nil || cfg.Storage == nil || cfg.Validator == nil {
		return nil, fmt.Errorf("%w: the ACME server needs a CA, a storage and a validator", ErrConfig)
	}
	if !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("%w: base URL %q is not https://", ErrConfig, cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	defaults.Positive(&cfg.OrderLifetime, DefaultOrderLifetime)
	defaults.Positive(&cfg.MaxPendingOrders, DefaultMaxPendingOrders)
	defaults.Positive(&cfg.AccountsPerMinute, DefaultAccountsPerMinute)
	defaults.Positive(&cfg.ValidationTimeout, DefaultValidationTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	return &Server{
		cfg:      cfg,
		base:     cfg.BaseURL + "/acme",
		nonces:   newNonces(maxNonces, nonceTTL, cfg.Now),
		accounts: newLimiter(cfg.AccountsPerMinute, time.Minute, cfg.Now),
		sem:      make(chan struct{}, maxValidations),
	}, nil
}

// DirectoryURL is where clients start.
func (s *Server) DirectoryURL() string { return s.base + "/directory" }

// Wait waits for the validations running in the background to finish.
func (s *Server) Wait() { s.wg.Wait() }

// authMode says which key may sign a request: an account's (kid), a new
// key (jwk, newAccount), or either (revokeCert, which the certificate's
// own key may sign).
type authMode int

const (
	authKID authMode = iota
	authJWK
	authEither
)

// request is an authenticated ACME request.
type request struct {
	payload []byte
	jwk     *jose.JSONWebKey // the key that signed
	account *Account         // nil for jwk requests
	url     string
}

func (q *request) postAsGet() bool { return len(q.payload) == 0 }

// Handler routes the ACME resources under /acme/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /acme/directory", s.directory)
	mux.HandleFunc("GET /acme/new-nonce", s.newNonce)
	mux.HandleFunc("HEAD /acme/new-nonce", s.newNonce)
	mux.HandleFunc("GET /acme/renewal-info/{id}", s.renewalInfo)
	post := map[string]struct {
		mode authMode
		h    func(http.ResponseWriter, *http.Request, *request) error
	}{
		"/acme/new-account":         {authJWK, s.newAccount},
		"/acme/acct/{id}":           {authKID, s.account},
		"/acme/acct/{id}/orders":    {authKID, s.accountOrders},
		"/acme/key-change":          {authKID, s.keyChange},
		"/acme/new-order":           {authKID, s.newOrder},
		"/acme/order/{id}":          {authKID, s.order},
		"/acme/order/{id}/finalize": {authKID, s.finalize},
		"/acme/authz/{id}":          {authKID, s.authz},
		"/acme/chall/{id}/{type}":   {authKID, s.challenge},
		"/acme/cert/{serial}":       {authKID, s.certificate},
		"/acme/revoke-cert":         {authEither, s.revokeCert},
	}
	for path, rt := range post {
		mux.HandleFunc("POST "+path, s.signed(rt.mode, rt.h))
	}
	mux.HandleFunc("/acme/", func(w http.ResponseWriter, r *http.Request) {
		s.headers(w)
		s.writeProblem(w, r, problem(ProbMalformed, "no ACME resource %s %q", r.Method, r.URL.Path).withStatus(http.StatusNotFound))
	})
	return mux
}

func (p *Problem) withStatus(st int) *Problem { p.Status = st; return p }

// headers sets what every response carries: a fresh nonce (RFC 8555 6.5),
// the directory link (7.1) and no caching.
func (s *Server) headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Replay-Nonce", s.nonces.next())
	h.Set("Cache-Control", "no-store")
	h.Add("Link", link(s.DirectoryURL(), "index"))
}

func link(url, rel string) string { return fmt.Sprintf("<%s>;rel=%q", url, rel) }

// signed reads, parses and authenticates a JWS request, then runs h; any
// error becomes a problem document.
func (s *Server) signed(mode authMode, h func(http.ResponseWriter, *http.Request, *request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.headers(w)
		q, err := s.authenticate(w, r, mode)
		if err == nil {
			err = h(w, r, q)
		}
		if err != nil {
			s.writeProblem(w, r, err)
		}
	}
}

// authenticate checks everything RFC 8555 6.2-6.4 asks of a request: the
// content type, the JWS (go-jose, one of outerAlgs), jwk or kid as mode
// allows, the signature, the nonce (once), the url header and the
// payload's size.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, mode authMode) (*request, error) {
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) != "application/jose+json" {
		return nil, problem(ProbMalformed, "Content-Type must be application/jose+json, not %q", ct).withStatus(http.StatusUnsupportedMediaType)
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	p, err := parseJWS(body, outerAlgs)
	if err != nil {
		return nil, err
	}
	h := p.header
	q := &request{url: p.url()}
	switch {
	case h.JSONWebKey != nil && h.KeyID != "":
		return nil, problem(ProbMalformed, "a JWS carries either jwk or kid, not both")
	case h.JSONWebKey != nil:
		if mode == authKID {
			return nil, problem(ProbMalformed, "this resource needs a request signed by an account (kid), not a jwk")
		}
		if err := checkAccountKey(h.JSONWebKey); err != nil {
			return nil, err
		}
		q.jwk = h.JSONWebKey
	case h.KeyID != "":
		if mode == authJWK {
			return nil, problem(ProbMalformed, "newAccount must be signed with a jwk, not a kid")
		}
		acct, err := s.accountByURL(h.KeyID)
		if err != nil {
			return nil, err
		}
		q.account = acct
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(acct.Key); err != nil {
			return nil, fmt.Errorf("acme: account %s key: %w", acct.ID, err)
		}
		q.jwk = &k
	default:
		return nil, problem(ProbMalformed, "the JWS protected header has neither jwk nor kid")
	}
	payload, err := p.jws.Verify(q.jwk)
	if err != nil {
		return nil, problem(ProbMalformed, "the JWS signature does not verify: %v", err)
	}
	if !s.nonces.use(h.Nonce) {
		return nil, problem(ProbBadNonce, "nonce %q is unknown, used or expired; retry with the Replay-Nonce of this response", h.Nonce)
	}
	if want := s.cfg.BaseURL + r.URL.Path; q.url != want {
		return nil, problem(ProbUnauthorized, "the JWS url header %q is not the URL it was sent to (%q)", q.url, want)
	}
	if len(payload) > MaxPayload {
		return nil, problem(ProbMalformed, "payload of %d bytes; the limit is %d", len(payload), MaxPayload)
	}
	if q.account != nil && q.account.Status != StatusValid {
		return nil, problem(ProbUnauthorized, "account %s is %s", q.account.ID, q.account.Status)
	}
	q.payload = payload
	return q, nil
}

// accountByURL finds the account a kid names.
func (s *Server) accountByURL(kid string) (*Account, error) {
	id, ok := strings.CutPrefix(kid, s.base+"/acct/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil, problem(ProbAccountDoesNotExist, "kid %q is not an account URL of this server", kid)
	}
	var a Account
	err := s.cfg.Storage.View(func(tx Tx) error { return getJSON(tx, keyAccount(id), &a) })
	if err != nil {
		if isNotFound(err) {
			return nil, problem(ProbAccountDoesNotExist, "no account %q", id)
		}
		return nil, err
	}
	return &a, nil
}

// decode unmarshals a JSON payload strictly: unknown fields are allowed
// (RFC 8555 extends objects), wrong types are malformed.
func decode(payload []byte, v any) error {
	if err := json.Unmarshal(payload, v); err != nil {
		return problem(ProbMalformed, "the payload is not the JSON this resource takes: %v", err)
	}
	return nil
}

// writeJSON writes a resource.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeProblem writes err as a problem document and logs it, escaped.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := asProblem(err)
	if p.Type == ProblemNS+ProbServerInternal {
		s.cfg.Log.Printf("acme %s %q from %s: %v", r.Method, r.URL.Path, r.RemoteAddr, err)
	} else {
		s.cfg.Log.Printf("acme %s %q from %s: %s %q", r.Method, r.URL.Path, r.RemoteAddr, p.Type, p.Detail)
	}
	if p.Type == ProblemNS+ProbRateLimited {
		w.Header().Set("Retry-After", "60")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// clientIP is the address a request came from, without its port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// directory is RFC 8555 7.1.1, with ARI's renewalInfo and the profiles
// the policy offers.
func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	profiles := map[string]string{}
	pol := s.cfg.CA.Policy()
	for _, name := range policies.LeafProfiles() {
		if _, err := pol.Profile(name); err == nil {
			profiles[name] = profileDescriptions[name]
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"newNonce":    s.base + "/new-nonce",
		"newAccount":  s.base + "/new-account",
		"newOrder":    s.base + "/new-order",
		"revokeCert":  s.base + "/revoke-cert",
		"keyChange":   s.base + "/key-change",
		"renewalInfo": s.base + "/renewal-info",
		"meta": map[string]any{
			"externalAccountRequired": s.cfg.RequireEAB,
			"profiles":                profiles,
		},
	})
}

var profileDescriptions = map[string]string{
	policies.ProfileServer: "TLS server certificate (serverAuth); the default",
	policies.ProfileClient: "TLS client certificate (clientAuth)",
	policies.ProfilePeer:   "both server and client (serverAuth, clientAuth), short-lived, for service meshes",
}

// newNonce is RFC 8555 7.2: HEAD 200, GET 204, the nonce in the header.
func (s *Server) newNonce(w http.ResponseWriter, r *http.Request) {
	s.headers(w)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
