package store

import "time"

// walk is the state of one read through many certificates by an index:
// ForEachCert's (ListCerts, a list by name or any other filter) and a
// CRL's (RevokedCerts, NextCRL). Store.walks keeps walks for the next
// read: a list by name decodes one certificate, and making this state
// anew (the issuer resolver, the functions handed to Range, the keys) was
// much of what such a read allocated.
//
// A walk serves one read at a time; begin readies it for a transaction
// (again, when an engine runs the transaction's function again).
type walk struct {
	tx  ReadTx
	iss issuers
	// key is the buffer of the certificate keys the walk reads, one after
	// another (ReadTx.Get keeps no reference to its key); prefix is that of
	// an index prefix the walk builds (a name's).
	key, prefix []byte
	fn          func(*Cert) error // the caller's
	f           Filter            // ForEachCert's; f.Now is also the CRL's time
	n           int               // certificates given to fn
	issuerID    string            // the CRL's issuer
	out         []*Cert           // what collect was given (ListCerts)

	// Bound once, when the walk is made: a method value made per read is
	// an allocation. list is ForEachCert's read, visit and visitRecord
	// its steps through an index and through cert/; visitRevoked the
	// CRL's; collect is ListCerts's fn.
	list                             func(ReadTx) error
	visit, visitRecord, visitRevoked func(k, v []byte) error
	collect                          func(*Cert) error
}

// walk takes a walk from s.walks for a read that gives certificates to fn.
func (s *Store) walk(fn func(*Cert) error) *walk {
	w, _ := s.walks.Get().(*walk)
	if w == nil {
		w = &walk{}
		w.list, w.visit, w.visitRecord, w.visitRevoked = w.listIn, w.visitIndex, w.visitCertRecord, w.visitRevokedIndex
		w.collect = func(c *Cert) error { w.out = append(w.out, c); return nil }
	}
	w.fn = fn
	w.iss.shared, w.iss.dicts = &s.issuerIDs, &s.issuerDicts
	return w
}

// done gives w back to s.walks, holding nothing of the read.
func (s *Store) done(w *walk) {
	w.tx, w.fn, w.f, w.issuerID, w.out = nil, nil, Filter{}, "", nil
	w.iss.tx, w.iss.lastID, w.iss.lastDict, w.iss.dictID = nil, "", nil, ""
	s.walks.Put(w)
}

// begin readies w for reads in tx: its issuer resolver's memory is of one
// transaction (a write's may hold what is not committed).
func (w *walk) begin(tx ReadTx) {
	cache := w.iss.cache
	clear(cache)
	w.tx, w.n, w.out = tx, 0, w.out[:0]
	w.iss = issuers{tx: tx, cache: cache, shared: w.iss.shared, dicts: w.iss.dicts}
}

// cert reads the certificate of id, through w's key buffer.
func (w *walk) cert(id uint64) (*Cert, error) {
	w.key = withID(append(w.key[:0], pCert...), id)
	return certAt(w.tx, &w.iss, w.key, id)
}

// yield gives c to the caller's function, a panic in it told apart from
// the store's (callback).
func (w *walk) yield(c *Cert) error { return call(w.fn, c) }

// listIn is ForEachCert's read in tx, through the index the filter names.
func (w *walk) listIn(tx ReadTx) error {
	w.begin(tx)
	f := &w.f
	switch {
	case f.Name != "":
		w.prefix = appendNamePrefix(w.prefix[:0], f.Name)
		return tx.Range(w.prefix, nil, false, w.visit)
	case len(f.KeyFingerprint) > 0:
		p := keyKey(f.KeyFingerprint)
		return tx.Range(p, nil, false, func(k, v []byte) error {
			if len(k) != len(p)+8 {
				return nil // the key's own record
			}
			return w.visitIndex(k, v)
		})
	case f.ExpiringWithin > 0:
		start := expiryKey(f.Now.Unix(), 0)
		end := expiryKey(f.Now.Add(f.ExpiringWithin).Unix()+1, 0)
		return tx.Range(pExpiry, start, false, func(k, v []byte) error {
			if string(k) >= string(end) {
				return ErrStopRange
			}
			return w.visitIndex(k, v)
		})
	case f.Status == CertRevoked:
		return tx.Range(pRevoked, nil, false, w.visit)
	default:
		return tx.Range(pCert, nil, false, w.visitRecord)
	}
}

// visitIndex reads the certificate an index key names and offers it.
func (w *walk) visitIndex(k, _ []byte) error {
	c, err := w.cert(idAt(k))
	if err != nil {
		return err
	}
	return w.offer(c)
}

// visitCertRecord offers the certificate of a cert/ key, its record read
// by the same step of the range.
func (w *walk) visitCertRecord(k, v []byte) error {
	c, err := decodeCert(v, &w.iss)
	if err != nil {
		return err
	}
	c.id = idAt(k)
	return w.offer(c)
}

// offer gives c to the caller's function when the filter selects it, and
// stops the range at the filter's limit.
func (w *walk) offer(c *Cert) error {
	f := &w.f
	if f.Status != "" && c.StatusAt(f.Now) != f.Status {
		return nil
	}
	// A name is always read through its index (listIn); the other fields
	// are checked here, whichever index was read.
	if len(f.KeyFingerprint) > 0 && string(c.KeyFingerprint) != string(f.KeyFingerprint) {
		return nil
	}
	if f.ExpiringWithin > 0 && (c.StatusAt(f.Now) != CertValid || c.NotAfter.After(f.Now.Add(f.ExpiringWithin))) {
		return nil
	}
	if err := w.yield(c); err != nil {
		return err
	}
	if w.n++; f.Limit > 0 && w.n >= f.Limit {
		return ErrStopRange
	}
	return nil
}

// revoked gives fn every certificate of issuerID that is revoked and not
// expired at now, reading only the revoked index: first the intermediates
// issuerID signed (RevokeAuthority), then what it issued.
func (w *walk) revoked(tx ReadTx, issuerID string, now time.Time) error {
	w.begin(tx)
	w.issuerID, w.f.Now = issuerID, now
	if err := forEachRevokedAuthority(tx, issuerID, now, w.yield); err != nil {
		return err
	}
	return tx.Range(pRevoked, nil, false, w.visitRevoked)
}

// visitRevokedIndex is revoked's step: the certificate a revoked/ key
// names, when it is of the walk's issuer and not expired.
func (w *walk) visitRevokedIndex(k, _ []byte) error {
	c, err := w.cert(idAt(k))
	if err != nil {
		return err
	}
	if c.IssuerID != w.issuerID || w.f.Now.After(c.NotAfter) {
		return nil
	}
	return w.yield(c)
}
