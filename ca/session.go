package ca

import (
	"fmt"
	"sync"

	"github.com/localca/localca/store"
)

// Opener opens the store for a short piece of work; the caller closes it.
// bbolt takes an exclusive file lock per open store, so a long-running
// `localca serve` that kept the store open would lock every other localca
// command out. The server opens the store per request instead, through an
// Opener, and closes it when no request needs it.
type Opener func() (*store.Store, error)

// WithStore returns a CA that records into st and shares c's keys, policy
// and options. The keys are decrypted once (Unlock) and then used by every
// copy, so a server prompts for the password once and opens the store only
// while it works. Call Unlock on c first: a copy made before that decrypts
// the keys again on its own first use.
func (c *CA) WithStore(st *store.Store) *CA {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &CA{
		st: st, opts: c.opts,
		root: c.root, inter: c.inter, rootCert: c.rootCert, interCert: c.interCert,
		rootSigner: c.rootSigner, interSigner: c.interSigner,
	}
}

// storeLease shares one open store among the requests that run at the same
// time, and closes it when the last one is done, so the file lock is held
// only while the server works.
type storeLease struct {
	open Opener

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
	if l.users == 0 && l.st != nil {
		l.st.Close()
		l.st = nil
	}
}
