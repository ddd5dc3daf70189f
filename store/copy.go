package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
)

// keyMovedTo marks a store whose records were copied to another engine:
// it holds the URL of the new store. A store so marked is read-only, and
// every command on it names the new one, so that two live copies of one CA
// never issue (two roots of trust splitting, serials no longer checked
// against each other).
var keyMovedTo = []byte("meta/moved-to")

// copyBatch is how many records one commit of a copy carries: well under
// etcd's 128 operations per Txn.
const copyBatch = 100

// CopyReport is what Copy did, for the user and for the check that both
// sides hold the same records.
type CopyReport struct {
	Records int    `json:"records"`
	Bytes   int64  `json:"bytes"`
	Digest  string `json:"digest"` // SHA-256 over every key and value, in key order
}

// CopyBackend copies every record of from into to, which must be empty,
// then reads to back and checks that it holds the same records (count and
// digest) before it marks from as moved to toURL. progress, when set, is
// called after each batch with the records copied so far. A copy that
// fails midway leaves from unmarked and in use; to may hold part of the
// records and should be emptied before another try.
func CopyBackend(ctx context.Context, from, to Backend, toURL string, progress func(done int)) (CopyReport, error) {
	if moved, err := MovedTo(ctx, from); err != nil {
		return CopyReport{}, err
	} else if moved != "" {
		return CopyReport{}, fmt.Errorf("%w: it was moved to %s", ErrMoved, moved)
	}
	var empty bool
	if err := to.View(ctx, func(tx ReadTx) error {
		empty = true
		return tx.Range(nil, nil, false, func(k, v []byte) error {
			empty = false
			return ErrStopRange
		})
	}); err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: reading the target: %w", err)
	}
	if !empty {
		return CopyReport{}, fmt.Errorf("%w: the target store is not empty", ErrCopyTarget)
	}
	var src CopyReport
	h := sha256.New()
	var pending [][2][]byte
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		batch := pending
		pending = nil
		if err := to.Update(ctx, func(tx WriteTx) error {
			for _, kv := range batch {
				if err := tx.Put(kv[0], kv[1]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("store: copy: writing records %d-%d: %w", src.Records-len(batch)+1, src.Records, err)
		}
		if progress != nil {
			progress(src.Records)
		}
		return nil
	}
	// One snapshot of the source: a copy taken while another process
	// writes would otherwise mix two states.
	err := from.View(ctx, func(tx ReadTx) error {
		return digestRange(tx, h, &src, func(k, v []byte) error {
			pending = append(pending, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
			if len(pending) == copyBatch {
				return flush()
			}
			return nil
		})
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return src, err
	}
	src.Digest = hex.EncodeToString(h.Sum(nil))
	dst, err := Digest(ctx, to)
	if err != nil {
		return src, fmt.Errorf("store: copy: verifying the target: %w", err)
	}
	if dst.Records != src.Records || dst.Digest != src.Digest {
		return src, fmt.Errorf("%w: copied %d records (digest %s), the target holds %d (digest %s)",
			ErrCopyMismatch, src.Records, src.Digest, dst.Records, dst.Digest)
	}
	if err := from.Update(ctx, func(tx WriteTx) error { return tx.Put(keyMovedTo, []byte(toURL)) }); err != nil {
		return src, fmt.Errorf("store: copy: the records are copied and verified, but marking the source as moved failed (do not use it to issue): %w", err)
	}
	return src, nil
}

// Digest counts the records of a backend and hashes them in key order,
// leaving out the moved-to mark.
func Digest(ctx context.Context, b Backend) (CopyReport, error) {
	var r CopyReport
	h := sha256.New()
	err := b.View(ctx, func(tx ReadTx) error {
		return digestRange(tx, h, &r, func(k, v []byte) error { return nil })
	})
	r.Digest = hex.EncodeToString(h.Sum(nil))
	return r, err
}

// digestRange passes every record of tx but the moved-to mark to fn, in
// key order, after adding it to h and to r's counts: Copy and Digest must
// count and hash the same records alike for their digests to agree.
func digestRange(tx ReadTx, h hash.Hash, r *CopyReport, fn func(k, v []byte) error) error {
	return tx.Range(nil, nil, false, func(k, v []byte) error {
		if bytes.Equal(k, keyMovedTo) {
			return nil
		}
		addRecord(h, k, v)
		r.Records++
		r.Bytes += int64(len(k) + len(v))
		return fn(k, v)
	})
}

// addRecord hashes a key and value with their lengths, so that no two
// different record sets can hash alike by shifting bytes between records.
func addRecord(h interface{ Write([]byte) (int, error) }, k, v []byte) {
	var n [8]byte
	for _, b := range [][]byte{k, v} {
		l := uint64(len(b))
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write(b)
	}
}

// MovedTo returns the URL a store was moved to by a copy, or "".
func MovedTo(ctx context.Context, b Backend) (string, error) {
	var url string
	err := b.View(ctx, func(tx ReadTx) error {
		v, err := tx.Get(keyMovedTo)
		url = string(v)
		return err
	})
	return url, err
}
