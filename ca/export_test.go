package ca

import (
	"crypto/x509"
	"net"
	"net/url"

	"github.com/localca/localca/store"
)

// What the package's own tests (package ca_test) reach that a library user
// does not need: exported here, for tests only.

func (c *CA) IntermediateID() string                       { return c.intermediateID() }
func (c *CA) RootID() string                               { return c.rootID() }
func (c *CA) CRLDigest(root bool) ([32]byte, error)        { return c.crlDigest(root) }
func (c *CA) WithStore(st *store.Store) *CA                { return c.withStore(st) }
func NewResponder(c *CA, opts ResponderOptions) *Responder { return newResponder(c, opts) }
func (r *Responder) Respond(st *store.Store, raw []byte) ([]byte, error) {
	return r.respond(st, raw)
}
func (c *CA) SpendToken(secret, purpose string, names []string) (*store.Token, error) {
	return c.spendToken(secret, purpose, names)
}
func CheckCSR(csr *x509.CertificateRequest) error { return checkCSR(csr) }
func SplitSANs(sans []string) ([]string, []net.IP, []string, []*url.URL, error) {
	return splitSANs(sans)
}
