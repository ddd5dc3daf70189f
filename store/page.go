package store

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Page limits: a page of the inventory costs at most DefaultMaxScan record
// reads, whatever the store holds.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
	DefaultMaxScan   = 10_000
)

// PageQuery asks for one page of certificates (PageCerts). It pages by key,
// not by offset: a cursor is the index key of the last (or first) row shown,
// so the 20,000th page costs what the first does. Each filter reads its own
// index, in that index's order:
//
//	Name set        names starting with Name (case-insensitive), by name, then oldest first
//	Status revoked  the revoked index, newest first
//	Status valid    by NotAfter, the soonest to expire first
//	Status expired  by NotAfter, the most recently expired first
//	ExpiringWithin  by NotAfter, valid ones ending within it
//	nothing         every certificate, newest first
//
// A Status given with a Name is checked on each row of the name's index.
type PageQuery struct {
	Name           string
	Status         string
	ExpiringWithin time.Duration
	Now            time.Time // zero: the store's clock
	Limit          int       // rows per page: 0 means DefaultPageLimit, at most MaxPageLimit
	// After asks for the page that follows the row whose cursor it is (a
	// CertPage's Next); Before for the page that precedes it (Prev); Last
	// for the final page. None of them: the first page.
	After, Before string
	Last          bool
	// MaxScan bounds the index entries read for one page (0 means
	// DefaultMaxScan). A filter that matches few of them returns a partial
	// page whose Next (or Prev) goes on where the reading stopped.
	MaxScan int
}

// CertPage is one page of certificates in the query's order.
type CertPage struct {
	Certs      []*Cert
	Prev, Next string // cursors for PageQuery.Before and After; "" when there is no such page
	Scanned    int    // index entries read
	Partial    bool   // reading stopped at MaxScan before the page was full
}

// pageSource is an index read for a page: its prefix, the key range
// [lo, hi) within it (nil: open), and the direction of its natural order.
// Every index key ends with the certificate's id.
type pageSource struct {
	prefix  []byte
	lo, hi  []byte
	reverse bool
}

// PageCerts returns one page of certificates: see PageQuery. An unknown
// Status or a malformed cursor is an error.
func (s *Store) PageCerts(q PageQuery) (*CertPage, error) {
	switch q.Status {
	case "", CertValid, CertRevoked, CertExpired:
	default:
		return nil, fmt.Errorf("store: unknown certificate status %q (want %s, %s or %s)", q.Status, CertValid, CertRevoked, CertExpired)
	}
	if q.Now.IsZero() {
		q.Now = s.now()
	}
	if q.Limit <= 0 {
		q.Limit = DefaultPageLimit
	}
	q.Limit = min(q.Limit, MaxPageLimit)
	if q.MaxScan <= 0 {
		q.MaxScan = DefaultMaxScan
	}
	var cursor []byte
	for _, c := range []string{q.After, q.Before} {
		if c == "" {
			continue
		}
		k, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(k) < 8 {
			return nil, fmt.Errorf("store: page cursor %q is not one this store gave", c)
		}
		cursor = k
	}
	src := q.source()
	// Going back (Before, Last) reads against the index's order, then turns
	// the rows round.
	back := q.Before != "" || q.Last
	if q.Last {
		cursor = nil
	}
	page := &CertPage{}
	var keys [][]byte
	var lastRead []byte // the last index key read: a partial page goes on after it
	err := s.view(func(tx ReadTx) error {
		iss := s.issuersIn(tx)
		return src.walk(tx, cursor, src.reverse != back, func(k []byte) (bool, error) {
			if page.Scanned == q.MaxScan {
				page.Partial = true
				return false, nil
			}
			page.Scanned++
			lastRead = append(lastRead[:0], k...)
			c, err := certByID(tx, iss, idAt(k))
			if err != nil {
				return false, err
			}
			if !q.matches(c) {
				return true, nil
			}
			page.Certs = append(page.Certs, c)
			keys = append(keys, bytes.Clone(k))
			return len(page.Certs) <= q.Limit, nil
		})
	})
	if err != nil {
		return nil, err
	}
	more := len(page.Certs) > q.Limit || page.Partial
	if len(page.Certs) > q.Limit {
		page.Certs, keys = page.Certs[:q.Limit], keys[:q.Limit]
	}
	// far is the cursor that goes on reading in the direction just read.
	far := ""
	switch {
	case page.Partial:
		far = encodeCursor(lastRead)
	case more:
		far = encodeCursor(keys[len(keys)-1])
	}
	if back {
		slices.Reverse(page.Certs)
		slices.Reverse(keys)
		page.Prev = far
		if q.Before != "" && len(keys) > 0 {
			page.Next = encodeCursor(keys[len(keys)-1])
		} else if q.Before != "" {
			page.Next = q.Before
		}
		return page, nil
	}
	page.Next = far
	if cursor != nil && len(keys) > 0 {
		page.Prev = encodeCursor(keys[0])
	} else if cursor != nil {
		page.Prev = q.After
	}
	return page, nil
}

func encodeCursor(k []byte) string { return base64.RawURLEncoding.EncodeToString(k) }

// source picks the index a query reads.
func (q PageQuery) source() pageSource {
	now := q.Now.Unix()
	switch {
	case q.Name != "":
		lo := cat(pName, []byte(strings.ToLower(q.Name)))
		return pageSource{prefix: pName, lo: lo, hi: PrefixEnd(lo)}
	case q.ExpiringWithin > 0:
		return pageSource{prefix: pExpiry, lo: expiryKey(now, 0), hi: expiryKey(q.Now.Add(q.ExpiringWithin).Unix()+1, 0)}
	case q.Status == CertRevoked:
		return pageSource{prefix: pRevoked, reverse: true}
	case q.Status == CertValid:
		return pageSource{prefix: pExpiry, lo: expiryKey(now, 0)}
	case q.Status == CertExpired:
		return pageSource{prefix: pExpiry, hi: expiryKey(now+1, 0), reverse: true}
	}
	return pageSource{prefix: pCert, reverse: true}
}

// matches checks what the index read did not.
func (q PageQuery) matches(c *Cert) bool {
	st := c.StatusAt(q.Now)
	if q.Status != "" && st != q.Status {
		return false
	}
	return q.ExpiringWithin <= 0 || st == CertValid && !c.NotAfter.After(q.Now.Add(q.ExpiringWithin))
}

// walk visits the keys of [lo, hi) from just past cursor (from the start of
// the range when cursor is nil), ascending or descending, until fn says stop.
func (src pageSource) walk(tx ReadTx, cursor []byte, reverse bool, fn func(k []byte) (bool, error)) error {
	start := cursor
	switch {
	case start == nil && !reverse:
		start = src.lo
	case start == nil:
		start = src.hi // Range's start is inclusive: hi itself is skipped below
	}
	return tx.Range(src.prefix, start, reverse, func(k, _ []byte) error {
		if cursor != nil && bytes.Equal(k, cursor) {
			return nil
		}
		if src.hi != nil && bytes.Compare(k, src.hi) >= 0 {
			if reverse {
				return nil // above the range: keep going down
			}
			return ErrStopRange
		}
		if src.lo != nil && bytes.Compare(k, src.lo) < 0 {
			if reverse {
				return ErrStopRange
			}
			return nil
		}
		if len(k) < len(src.prefix)+8 {
			return nil
		}
		more, err := fn(k)
		if err == nil && !more {
			err = ErrStopRange
		}
		return err
	})
}
