package ca

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/localca/localca/internal/lockholder"
	"github.com/localca/localca/store"
)

// Opener opens the store for a short piece of work; the caller closes it.
// bbolt takes an exclusive file lock per open store, so a long-running
// `localca serve` that kept the store open would lock every other localca
// command out. The server opens the store per request instead, through an
// Opener, and closes it when no request needs it.
type Opener func() (*store.Store, error)

// withStore returns a CA that records into st and shares c's keys, policy
// and options. The keys are decrypted once (Unlock) and then used by every
// copy, so a server prompts for the password once and opens the store only
// while it works. Call Unlock on c first: a copy made before that decrypts
// the keys again on its own first use.
func (c *CA) withStore(st *store.Store) *CA {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &CA{
		st: st, open: c.open, opts: c.opts,
		root: c.root, inter: c.inter, rootCert: c.rootCert, interCert: c.interCert,
		rootSigner: c.rootSigner, interSigner: c.interSigner, secrets: c.secrets,
	}
}

// storeLease shares one open store among the requests that run at the same
// time, and closes it when the last one is done, so the file lock is held
// only while the server works.
type storeLease struct {
	open Opener
	keep bool // never close (ServerConfig.KeepOpen)

	mu    sync.Mutex
	st    *store.Store
	users int
}

// acquire returns the open store, opening it if no one holds it. Each
// successful acquire must be paired with a release.
func (l *storeLease) acquire() (*store.Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.st == nil {
		st, err := l.open()
		if err != nil {
			return nil, fmt.Errorf("ca: opening the store: %w", err)
		}
		l.st = st
	}
	l.users++
	return l.st, nil
}

func (l *storeLease) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.users--
	if l.users == 0 && l.st != nil && !l.keep {
		l.st.Close()
		l.st = nil
	}
}

// DefaultLockWait is how long OpenStore waits for another localca process
// to release the store. Commands hold the store only to read and to commit
// (milliseconds each), so a long wait costs nothing when all is well, and
// lets a script's 64 parallel `localca issue` runs queue instead of fail.
const DefaultLockWait = 2 * time.Minute

// lockNotice is how long OpenStore waits before it says that it waits.
const lockNotice = time.Second

// OpenOptions say how OpenStore opens the store.
type OpenOptions struct {
	// ReadOnly takes a shared lock, for work that only reads.
	ReadOnly bool
	// Wait bounds the wait for another process's lock; 0 means
	// DefaultLockWait.
	Wait time.Duration
	// OnWait, when set, is told once, after a second of waiting, that the
	// store is in use and by whom ("pid 4242 \"localca list --json\"").
	OnWait func(path, holder string)
	// Store are the store's own options (migration, notices, and the
	// BeforeCommit seam of tests); OpenStore sets their ReadOnly and
	// Timeout.
	Store store.Options
}

// OpenStore opens the store at path, waiting up to o.Wait for another
// process that holds its lock, and telling o.OnWait after a second for whom
// it waits. It gives up with store.ErrInUse.
func OpenStore(path string, o OpenOptions) (*store.Store, error) {
	wait := o.Wait
	if wait <= 0 {
		wait = DefaultLockWait
	}
	so := o.Store
	so.ReadOnly, so.Timeout = o.ReadOnly, min(lockNotice, wait)
	st, err := store.Open(path, &so)
	if err == nil || !errors.Is(err, store.ErrInUse) || wait <= lockNotice {
		return st, err
	}
	if o.OnWait != nil {
		o.OnWait(path, lockholder.Describe(path))
	}
	so.Timeout = wait - lockNotice
	st, err = store.Open(path, &so)
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("%w: %s (waited %s; held by %s)", store.ErrInUse, path, wait, lockholder.Describe(path))
	}
	return st, err
}

// Connect reads the CA through open in one short session and returns a CA
// that holds no store (but for a store in etcd, which has no lock to
// release: that one it keeps, one connection, until Close). Issue, Sign and Renew open the store again only to
// commit, and hold it neither while a password is asked, nor while a key
// is decrypted or a certificate signed: parallel commands then wait a few
// milliseconds for each other instead of failing. What may have changed
// between the two sessions (the intermediate revoked, the key compromised,
// the CSR rejected, the serial taken) is checked in the commit's session.
// Methods that need a store throughout (revocation, CRLs, tokens) want one
// given with withStore.
func Connect(open Opener, opts Options) (*CA, error) {
	st, err := open()
	if err != nil {
		return nil, err
	}
	c, err := Load(st, opts)
	if err != nil {
		st.Close()
		return nil, err
	}
	c.connected(st, open)
	return c, nil
}

// connected ends Connect's session: a bbolt store is closed, so its lock
// is held only to commit; a store in etcd, which has no lock, stays open
// (Close closes it), so that a one-shot command connects to etcd once.
func (c *CA) connected(st *store.Store, open Opener) {
	c.open = open
	if store.IsEtcdURL(st.Path()) {
		c.owns = true
		return
	}
	st.Close()
	c.st = nil
}

// ConnectOrInit is Connect that makes a CA, unencrypted, when the store
// holds none yet (mkcert's first use), and reports whether it did. Of
// several processes that start on an empty store at once, one makes the CA
// and the others load it: the check and the making are one session.
func ConnectOrInit(open Opener, opts Options) (_ *CA, created bool, _ error) {
	st, err := open()
	if err != nil {
		return nil, false, err
	}
	c, err := Load(st, opts)
	if errors.Is(err, store.ErrNoCA) {
		c, err = Init(st, InitOptions{}, opts)
		created = err == nil
	}
	if err != nil {
		st.Close()
		return nil, false, err
	}
	c.connected(st, open)
	return c, created, nil
}

// commit stores rec: in c's store when it has one, else in a session of its
// own, opened for this commit alone. That session first re-reads the
// intermediate, which another process may have revoked since Connect read
// it; the store checks the rest (key, CSR, serial) in the commit's
// transaction. bbolt's exclusive lock holds from the re-read to the commit,
// so no other process can revoke in between.
func (c *CA) commit(rec store.Record) error {
	if c.st != nil {
		return c.sealedCommit(c.st, rec)
	}
	return c.session(func(st *store.Store) error {
		if err := c.usableIn(st); err != nil {
			return err
		}
		return c.sealedCommit(st, rec)
	})
}

// sealedCommit commits rec to st with the private key it keeps sealed
// when st seals its secrets (a store in etcd).
func (c *CA) sealedCommit(st *store.Store, rec store.Record) error {
	if rec.Key != nil && len(rec.Key.PEM) > 0 && !Sealed(rec.Key.PEM) {
		k := *rec.Key
		var err error
		if k.PEM, err = c.secrets.Seal(st, keySealName(k.Fingerprint), k.PEM); err != nil {
			return err
		}
		rec.Key = &k
	}
	return st.Commit(rec)
}

// StoreOpener is an Opener for the store at path that opens it with
// OpenStore and o: each open waits for other processes as o says.
func StoreOpener(path string, o OpenOptions) Opener {
	return func() (*store.Store, error) { return OpenStore(path, o) }
}
