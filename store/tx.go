package store

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// getJSON decodes the JSON value at key into v; it reports false when the key
// is absent.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("%w: %s/%x: %v", ErrCorrupt, b.Tx().DB().Path(), key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding record: %w", err)
	}
	return b.Put(key, raw)
}

// addEvent appends to the event log inside the caller's transaction, so the
// log never disagrees with the records it describes.
func (s *Store) addEvent(tx *bolt.Tx, kind, ref, detail string) error {
	b := tx.Bucket(bucketEvents)
	// The log only appends: full pages, not bbolt's default half-full ones,
	// halve the space it takes.
	b.FillPercent = 1.0
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return putJSON(b, u64(seq), Event{Seq: seq, Time: s.now().UTC(), Kind: kind, Ref: ref, Detail: detail})
}

// Events returns the last n events, oldest first (all of them when n <= 0).
func (s *Store) Events(n int) ([]Event, error) {
	var out []Event
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Last(); k != nil && (n <= 0 || len(out) < n); k, v = c.Prev() {
			var e Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("%w: event %x: %v", ErrCorrupt, k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

func hexs(b []byte) string { return hex.EncodeToString(b) }
