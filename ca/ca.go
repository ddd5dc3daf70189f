package ca

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// Options configure a CA. The zero value works: real time, crypto/rand, the
// built-in policy, and no password (an encrypted CA key then fails with
// ErrPasswordRequired when it is first needed).
type Options struct {
	// Policy decides what may be issued; nil means policies.Default(). A
	// store that holds a policy (SetPolicy) enforces that one instead.
	Policy *policies.Policy
	// PolicyFile is the file Policy was read from, "" when it is the
	// built-in default or a program's own: Load refuses a store whose
	// policy differs from it (ErrPolicyDiffers), naming what differs.
	PolicyFile string
	// Password returns the CA key password. It is called at most once, only
	// when a signing key is first needed, so commands that only read never
	// prompt.
	Password func() ([]byte, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of serials and key randomness; nil means crypto/rand.
	Rand io.Reader
	// URLs are put into issued certificates when set (CRL distribution point,
	// OCSP and caIssuers AIA): the base URL of `localca serve`.
	BaseURL string
}

// CA is an initialised authority backed by a store. It is safe for
// concurrent use.
type CA struct {
	st *store.Store
	// open, for a CA from Connect (st nil), opens the store for a commit.
	open Opener
	// owns says that Close closes st: Home.Open opened it for this CA.
	owns bool
	opts Options

	root, inter         *store.Authority
	rootCert, interCert *x509.Certificate

	mu                      sync.Mutex
	rootSigner, interSigner crypto.Signer

	// secrets seals the leaf keys the store keeps (a store in etcd).
	secrets *Secrets

	// serialMu guards lastSerial, the time of the last serial drawn
	// (newSerial), in its 8-octet form.
	serialMu   sync.Mutex
	lastSerial uint64
}

// Load opens the CA held in st. It fails with store.ErrNoCA when there is
// none yet.
func Load(st *store.Store, opts Options) (*CA, error) {
	opts = opts.withDefaults()
	root, inter, err := st.CA()
	if err != nil {
		return nil, err
	}
	var pw func() ([]byte, error)
	if opts.Password != nil {
		// The keys and the secrets share the password: ask once.
		opts.Password = sync.OnceValues(opts.Password)
		pw = opts.Password
	}
	if opts.Policy, _, err = EffectivePolicy(st, opts.Policy, opts.PolicyFile); err != nil {
		return nil, err
	}
	c := &CA{st: st, opts: opts, root: root, inter: inter, secrets: NewSecrets(pw)}
	if c.rootCert, err = x509.ParseCertificate(root.CertDER); err != nil {
		return nil, fmt.Errorf("ca: root certificate in store: %w", err)
	}
	if c.interCert, err = x509.ParseCertificate(inter.CertDER); err != nil {
		return nil, fmt.Errorf("ca: intermediate certificate in store: %w", err)
	}
	return c, nil
}

func (o Options) withDefaults() Options {
	if o.Policy == nil {
		o.Policy = policies.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	return o
}

// Store is the store the CA records into.
func (c *CA) Store() *store.Store { return c.st }

// Secrets is the seal of the secrets c's store keeps, opened with the CA
// password (ca.Options.Password) when first needed.
func (c *CA) Secrets() *Secrets { return c.secrets }

// Policy is the policy in force.
func (c *CA) Policy() *policies.Policy { return c.opts.Policy }

// Root is the root certificate.
func (c *CA) Root() *x509.Certificate { return c.rootCert }

// Intermediate is the issuing certificate.
func (c *CA) Intermediate() *x509.Certificate { return c.interCert }

// intermediateID is the store id of the issuing authority.
func (c *CA) intermediateID() string { return c.inter.ID }

// rootID is the store id of the root authority.
func (c *CA) rootID() string { return c.root.ID }

// Encrypted reports whether the CA keys are password-protected.
func (c *CA) Encrypted() bool { return c.inter.Encrypted }

// signers decrypts the CA keys on first use and keeps them for the life of
// the CA, so that a server prompts once.
func (c *CA) signers() (root, inter crypto.Signer, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.interSigner != nil {
		return c.rootSigner, c.interSigner, nil
	}
	var pw []byte
	if c.inter.Encrypted || c.root.Encrypted {
		if c.opts.Password == nil {
			return nil, nil, fmt.Errorf("%w: the CA key is encrypted (give --password-file or LOCALCA_PASSWORD_FILE)", ErrPasswordRequired)
		}
		if pw, err = c.opts.Password(); err != nil {
			return nil, nil, fmt.Errorf("ca: reading the CA password: %w", err)
		}
	}
	if c.rootSigner, err = ParseKey(c.root.KeyPEM, pw); err != nil {
		return nil, nil, fmt.Errorf("ca: root key: %w", err)
	}
	if c.interSigner, err = ParseKey(c.inter.KeyPEM, pw); err != nil {
		c.rootSigner = nil
		return nil, nil, fmt.Errorf("ca: intermediate key: %w", err)
	}
	return c.rootSigner, c.interSigner, nil
}

// Unlock decrypts the CA keys now, so that a wrong password fails at start
// rather than at the first request.
func (c *CA) Unlock() error {
	_, _, err := c.signers()
	return err
}

// newSerial returns a positive serial of 16 octets: the issue time (6
// octets of Unix milliseconds, then 2 of the millisecond in 65,536ths),
// then 64 random bits, as many as CA/Browser Forum rules ask, within RFC
// 5280's 20 octets. The time is raised past the last serial this CA drew,
// so that serials ascend even when the clock stands still or two are
// drawn at once. The store keeps a certificate under the id its serial's
// time gives (store's serialID): ascending serials append at the end of
// the store's certificates, fill its pages and need no serial index (see
// docs/BENCHMARKS.md). The issue time is in the certificate anyway, so the
// prefix tells nobody anything new. Uniqueness is checked by the store in
// the transaction that stores the certificate; a collision is retried.
func (c *CA) newSerial() ([]byte, error) {
	ns := max(c.opts.Now().UnixNano(), 0)
	at := uint64(ns/1e6)<<16 | uint64(ns%1e6)<<16/1e6
	c.serialMu.Lock()
	at = max(at, c.lastSerial+1)
	c.lastSerial = at
	c.serialMu.Unlock()
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, at)
	if _, err := io.ReadFull(c.opts.Rand, b[8:]); err != nil {
		return nil, fmt.Errorf("ca: reading random serial: %w", err)
	}
	// 6 octets of milliseconds reach 2^47 (year 6429) before the top bit,
	// which would make the serial negative; keep it clear, and the first
	// octet non-zero so that DER keeps all 16.
	b[0] &= 0x7f
	if b[0] == 0 {
		b[0] = 0x01
	}
	return b, nil
}

// authorityID names an authority in the store: the SHA-256 of its DER.
func authorityID(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// IsNoCA reports whether err says the store has no CA yet.
func IsNoCA(err error) bool { return errors.Is(err, store.ErrNoCA) }
