package web

import (
	"net/http"
	"strings"
	"time"
)

// maxTokenForm caps the token form's body: a token is well under 100 bytes.
const maxTokenForm = 4 << 10

// tokenCookieAge is how long the browser keeps a read token. The server
// checks the token on every request, so an expired or deleted token stops
// working at once whatever the cookie says.
const tokenCookieAge = 12 * time.Hour

// allowed reports whether r may read the inventory: always when Authorize
// is nil, otherwise when it accepts the request's read token.
func (p *Page) allowed(r *http.Request) (bool, error) {
	if p.cfg.Authorize == nil {
		return true, nil
	}
	tok := requestToken(r)
	if tok == "" {
		return false, nil
	}
	if err := p.cfg.Authorize(tok); err != nil {
		p.cfg.Log.Printf("web: %s %q from %s: read token refused: %v", r.Method, r.URL.Path, r.RemoteAddr, err)
		return false, err
	}
	return true, nil
}

// requestToken is the read token of an "Authorization: Bearer" header, or
// else of the page's cookie.
func requestToken(r *http.Request) string {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	if c, err := r.Cookie(tokenCookie); err == nil {
		return c.Value
	}
	return ""
}

// token is POST /token from the page's form: a read token it accepts is kept
// in an HttpOnly, Secure, SameSite=Strict cookie, and the browser goes back
// to the page. It changes nothing in the CA.
func (p *Page) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		p.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Send the read token with the form on the main page.")
		return
	}
	if p.cfg.Authorize == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	tok := strings.TrimSpace(r.PostFormValue("token"))
	if tok == "" {
		p.fail(w, r, http.StatusBadRequest, "No token", "Paste a read token (localca token create --for read) into the form.")
		return
	}
	if err := p.cfg.Authorize(tok); err != nil {
		p.cfg.Log.Printf("web: POST /token from %s: read token refused: %v", r.RemoteAddr, err)
		p.fail(w, r, http.StatusUnauthorized, "Token refused", "That token is unknown, expired, or not a read token.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: tokenCookie, Value: tok, Path: "/", MaxAge: int(tokenCookieAge / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/#inventory", http.StatusSeeOther)
}
