package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// Identity is the certificate a server or client presents, swappable while
// connections are open. TLS configs built by this package read it through
// GetCertificate / GetClientCertificate on every handshake, so a renewed
// certificate is used from the next handshake on, and connections already
// established keep running on the old one: hot reload without a restart and
// without dropping anyone.
//
// An Identity is safe for concurrent use. The zero value holds no certificate.
type Identity struct {
	cur   atomic.Pointer[tls.Certificate]
	load  func() (*tls.Certificate, error) // nil unless built from files
	files []string                         // the files load reads
	stamp atomic.Pointer[string]           // files' state at the last successful load
}

// NewIdentity returns an Identity holding cert. Replace it later with Set.
func NewIdentity(cert *tls.Certificate) *Identity {
	id := &Identity{}
	id.Set(cert)
	return id
}

// NewFileIdentity loads a PEM certificate chain (leaf first) and its PEM key
// from files. Reload re-reads the same files; WatchFiles does so when they
// change, which is how a server follows `localca issue` renewing them.
func NewFileIdentity(certFile, keyFile string) (*Identity, error) {
	id := &Identity{load: func() (*tls.Certificate, error) {
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("netdemo: loading %s and %s: %w", certFile, keyFile, err)
		}
		return &c, nil
	}, files: []string{certFile, keyFile}}
	if err := id.Reload(); err != nil {
		return nil, err
	}
	return id, nil
}

// Set replaces the current certificate. It parses the leaf if cert.Leaf is
// nil, so handshakes never parse it again. Set(nil) clears the identity.
func (id *Identity) Set(cert *tls.Certificate) {
	if cert != nil && cert.Leaf == nil && len(cert.Certificate) > 0 {
		c := *cert
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil {
			c.Leaf = leaf
		}
		cert = &c
	}
	id.cur.Store(cert)
}

// Certificate returns the current certificate, or nil.
func (id *Identity) Certificate() *tls.Certificate {
	if id == nil {
		return nil
	}
	return id.cur.Load()
}

// Reload re-reads the files of an Identity built by NewFileIdentity. On error
// the current certificate stays in use.
func (id *Identity) Reload() error {
	if id.load == nil {
		return fmt.Errorf("netdemo: identity was not loaded from files: %w", ErrNoIdentity)
	}
	stamp := id.filesStamp()
	c, err := id.load()
	if err != nil {
		return err
	}
	id.Set(c)
	id.stamp.Store(&stamp)
	return nil
}

// filesStamp summarises the files' modification times and sizes.
func (id *Identity) filesStamp() string {
	s := ""
	for _, f := range id.files {
		if fi, err := os.Stat(f); err == nil {
			s += fmt.Sprintf("%s|%d|%d;", f, fi.ModTime().UnixNano(), fi.Size())
		}
	}
	return s
}

// WatchFiles polls the files of an Identity built by NewFileIdentity every
// interval (default 2s), and reloads when their modification time or size
// differs from the last successful load, until ctx is done. A failed reload
// (say, a certificate renewed but its key not yet) is retried at the next
// tick; the old certificate stays in use meanwhile. onReload, if not nil, is
// told of every reload attempt and its error.
func (id *Identity) WatchFiles(ctx context.Context, interval time.Duration, onReload func(error)) {
	if id.load == nil {
		return
	}
	if interval <= 0 {
		interval = 2 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if last := id.stamp.Load(); last != nil && *last == id.filesStamp() {
			continue
		}
		err := id.Reload()
		if onReload != nil {
			onReload(err)
		}
	}
}

// GetCertificate is a tls.Config.GetCertificate that returns the current
// certificate.
func (id *Identity) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := id.Certificate(); c != nil {
		return c, nil
	}
	return nil, ErrNoIdentity
}

// GetClientCertificate is a tls.Config.GetClientCertificate that returns the
// current certificate. With no certificate it returns an empty one, which
// sends no certificate (the server then decides).
func (id *Identity) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	if c := id.Certificate(); c != nil {
		return c, nil
	}
	return &tls.Certificate{}, nil
}
