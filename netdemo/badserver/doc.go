// Package badserver is the listener of `localca demo bad-server`: one TLS
// port that answers, by SNI, a set of sites that are each broken in one way
// on purpose (a local badssl.com), so that developers can test how their
// clients fail against a CA they trust.
//
// The package takes what it serves as input: a Site is a name, a chain of
// certificates and a key (made elsewhere, by package ca), and a Case. Most
// cases are defects of their certificate; the server adds the defects that
// are its own, chosen by the case's name: incomplete-chain sends the leaf
// alone, client-cert-required asks for a client certificate, tls1.0 and
// tls1.1 speak only that protocol version. A name it does not serve (or no name)
// ends the handshake (crypto/tls sends an internal_error alert).
//
// Each site answers HTTP/1.1 with a short page saying what is wrong with it;
// the index site (good) lists them all.
package badserver
