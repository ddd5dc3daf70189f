package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/localca/localca/ca"
)

//go:embed page.html page.css
var assets embed.FS

// Config is what the page needs from the server it runs in. CA and Read are
// required; the rest has useful zero values.
type Config struct {
	// CA gives the certificates and the policy shown; its store is not read
	// (see Read).
	CA *ca.CA
	// Read runs fn with the CA bound to an open store, as the server does
	// for a request (ca.Server.UseStore): the store is held only while a page is
	// built. fn only reads.
	Read func(fn func(*ca.CA) error) error
	// BaseURL is the https:// address of `localca serve`, for the links to
	// its endpoints; "" links by path alone.
	BaseURL string
	// HTTPBaseURL is the plain-HTTP listener's address (`serve
	// --http-addr`), where a device that does not trust the root yet can
	// open the trust page without a warning: the QR code points there, and
	// the CRL and OCSP links too. "" means there is none, and the QR code
	// points to the https trust page.
	HTTPBaseURL string
	// ACMEDirectory is the ACME directory URL to link to; "" leaves it out.
	ACMEDirectory string
	// Authorize decides whether a read token may see the inventory, the
	// certificate details and the log. nil leaves them open: right when
	// serve listens on loopback only. The token comes from an
	// "Authorization: Bearer" header or from the cookie that the page's
	// token form sets.
	Authorize func(token string) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives refused tokens and failed reads; nil discards them.
	Log *log.Logger
}

// Page serves the CA's web page. Make one with New; it is safe for
// concurrent use.
type Page struct {
	cfg   Config
	tmpl  *template.Template
	css   []byte
	trust trustView // the same for every request
}

// New checks cfg and prepares what every request shares: the templates, the
// root's downloads and the trust page's QR code.
func New(cfg Config) (*Page, error) {
	if cfg.CA == nil || cfg.Read == nil {
		return nil, errors.New("web: a page needs a CA and a way to read its store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	cfg.HTTPBaseURL = strings.TrimSuffix(cfg.HTTPBaseURL, "/")
	tmpl, err := template.ParseFS(assets, "page.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	css, err := assets.ReadFile("page.css")
	if err != nil {
		return nil, fmt.Errorf("web: stylesheet: %w", err)
	}
	p := &Page{cfg: cfg, tmpl: tmpl, css: css}
	if p.trust, err = newTrustView(cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// The page's paths.
const (
	pathTrust        = "/trust"
	pathRootCRT      = "/ca/root.crt"
	pathRootPEM      = "/ca/root.pem"
	pathMobileconfig = "/ca/localca.mobileconfig"
	pathCSS          = "/page.css"
	pathCerts        = "/certs/"
	pathToken        = "/token"
	tokenCookie      = "localca_read"
)

// Handler serves the whole page on serve's TLS listener:
//
//	GET  /                         the CA, trust, inventory, revocations, log, links
//	GET  /trust                    how to trust the root (also on plain HTTP)
//	GET  /ca/root.crt, /ca/root.pem, /ca/localca.mobileconfig
//	GET  /certs/SERIAL             one certificate: its fields and PEM
//	POST /token                    keep a read token in a cookie (only when Authorize is set)
//
// Nothing it serves changes the CA.
func (p *Page) Handler() http.Handler {
	return p.secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			p.get(w, r, p.home)
		case strings.HasPrefix(r.URL.Path, pathCerts):
			p.get(w, r, p.detail)
		case r.URL.Path == pathToken:
			p.token(w, r)
		default:
			p.public(w, r)
		}
	}))
}

// TrustHandler serves only what is public, for the plain-HTTP listener: the
// trust page (also at /), the root's downloads and the stylesheet.
func (p *Page) TrustHandler() http.Handler {
	return p.secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			p.get(w, r, p.trustPage)
			return
		}
		p.public(w, r)
	}))
}

func (p *Page) public(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pathTrust:
		p.get(w, r, p.trustPage)
	case pathRootCRT:
		p.get(w, r, p.download("application/x-x509-ca-cert", "localca-root.crt", p.cfg.CA.Root().Raw))
	case pathRootPEM:
		p.get(w, r, p.download("application/x-pem-file", "localca-root.pem", p.trust.rootPEM))
	case pathMobileconfig:
		p.get(w, r, p.download("application/x-apple-aspen-config", "localca.mobileconfig", p.trust.mobileconfig))
	case pathCSS:
		p.get(w, r, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("Cache-Control", "max-age=3600")
			w.Write(p.css)
		})
	default:
		p.fail(w, r, http.StatusNotFound, "Not found", fmt.Sprintf("There is no page %s here.", r.URL.Path))
	}
}

// secure sets the headers every answer carries: a Content-Security-Policy
// that allows only this server's stylesheet (no script at all, no inline
// style, no frames, forms only to itself), nosniff, and no referrer.
func (p *Page) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// get answers GET and HEAD with h, anything else 405: the page only reads.
func (p *Page) get(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		p.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", "This page only reads; it takes GET.")
		return
	}
	h(w, r)
}

func (p *Page) download(contentType, name string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Write(body)
	}
}

// render executes the named template into a buffer first, so that a
// failure becomes a clean 500 instead of half a page.
func (p *Page) render(w http.ResponseWriter, r *http.Request, status int, v *pageView) {
	var b bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&b, "page", v); err != nil {
		p.cfg.Log.Printf("web: %s %q: rendering: %v", r.Method, r.URL.Path, err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail renders an error page. msg is shown as text.
func (p *Page) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	if status >= 500 {
		p.cfg.Log.Printf("web: %s %q: %d %s", r.Method, r.URL.Path, status, msg)
	}
	p.render(w, r, status, &pageView{Title: title, Error: msg, Links: p.links()})
}
