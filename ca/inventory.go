package ca

import "github.com/localca/localca/store"

// The CA's records for people to read (the web page, listings). These only
// read: nothing here changes the store.

// Certificates returns one page of the certificates the CA issued: see
// store.PageQuery. A page costs what it shows, not what the store holds.
func (c *CA) Certificates(q store.PageQuery) (*store.CertPage, error) {
	return c.st.PageCerts(q)
}

// Certificate returns the record of the certificate with that serial
// (store.ErrNotFound when the CA never issued it).
func (c *CA) Certificate(serial []byte) (*store.Cert, error) {
	return c.st.Cert(serial)
}

// CSR returns a stored certificate request by its id (the SHA-256 of its
// DER), as a certificate's CSRID names it.
func (c *CA) CSR(id []byte) (*store.CSR, error) {
	return c.st.CSR(id)
}

// Events returns the last n entries of the CA's log, oldest first.
func (c *CA) Events(n int) ([]store.Event, error) {
	return c.st.Events(n)
}
