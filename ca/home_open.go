package ca

import (
	"crypto/x509"
	"fmt"
)

// Access says how Home.Open opens the CA.
type Access struct {
	// ReadOnly takes a shared lock: the CA only reads (list, show, crl).
	ReadOnly bool
	// Hold keeps the store open until Close, for work that reads and
	// writes throughout (revocation, tokens, servers). Without it the CA
	// is read in one short session and opens the store again only to
	// commit (Connect), so that a password prompt or a signature holds no
	// other process up.
	Hold bool
	// InitIfNone makes an unencrypted CA when the store holds none yet, as
	// mkcert does on first use; Open then reports created. Of several
	// processes that start on an empty store at once, one makes the CA and
	// the others load it. It needs a writable open (ReadOnly false).
	InitIfNone bool
}

// Open opens the CA of this home as a says. opts.Policy nil means the
// home's policy (Home.Policy). Without InitIfNone, a store with no CA yet
// fails with ErrNoCA and a message that says how to make one. A CA opened
// with Hold must be closed.
func (h Home) Open(a Access, opts Options) (_ *CA, created bool, _ error) {
	if opts.Policy == nil {
		pol, from, err := h.Policy()
		if err != nil {
			return nil, false, err
		}
		opts.Policy = pol
		if from != builtinPolicy {
			opts.PolicyFile = from // the store's policy must be this one
		}
	}
	open, err := h.Opener(a.ReadOnly)
	if err != nil {
		return nil, false, err
	}
	if !a.Hold {
		if a.InitIfNone {
			c, created, err := ConnectOrInit(open, opts)
			if err != nil {
				return nil, false, fmt.Errorf("opening or creating the CA: %w", err)
			}
			return c, created, nil
		}
		c, err := Connect(open, opts)
		if IsNoCA(err) {
			return nil, false, fmt.Errorf("%w: run `localca init` first (or `localca issue NAME`, which makes one)", err)
		}
		return c, false, err
	}
	st, err := open()
	if err != nil {
		return nil, false, err
	}
	c, err := Load(st, opts)
	if IsNoCA(err) && a.InitIfNone {
		// One open: a one-shot command is mostly process start-up, and a
		// second open would cost it another lock and mmap.
		if c, err = Init(st, InitOptions{}, opts); err != nil {
			st.Close()
			return nil, false, fmt.Errorf("creating a CA on first use: %w", err)
		}
		created = true
	}
	if err != nil {
		st.Close()
		if IsNoCA(err) {
			return nil, false, fmt.Errorf("%w in %s: run `localca init` first (or `localca issue NAME`, which makes one)", err, st.Path())
		}
		return nil, false, err
	}
	c.owns = true
	return c, created, nil
}

// Init makes a new CA in this home's store (InitOptions.Force replaces
// one) and returns it holding the store, to be closed, with the root it
// replaced (nil when there was none): that root stays trusted wherever it
// was installed.
func (h Home) Init(in InitOptions, opts Options) (_ *CA, replaced *x509.Certificate, _ error) {
	st, err := h.OpenStore(false)
	if err != nil {
		return nil, nil, err
	}
	if old, _, err := st.CA(); err == nil {
		replaced, _ = x509.ParseCertificate(old.CertDER)
	}
	c, err := Init(st, in, opts)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	c.owns = true
	return c, replaced, nil
}

// Close closes the store that Home.Open or Home.Init opened for c; for
// any other CA, or a second time, it does nothing.
func (c *CA) Close() error {
	if !c.owns || c.st == nil {
		return nil
	}
	c.owns = false // a second Close does nothing
	return c.st.Close()
}

// Where is the store's path or etcd URL, for messages; "" for a CA that
// holds no store.
func (c *CA) Where() string {
	if c.st == nil {
		return ""
	}
	return c.st.Path()
}
