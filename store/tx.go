package store

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// getRecord decodes the value at key into v: JSON, or the compact binary
// form of a binaryRecord (recordcodec.go); it reports false when the key is
// absent.
func getRecord(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	var err error
	if r, ok := v.(binaryRecord); ok && len(raw) > 0 && raw[0] != '{' {
		err = r.unmarshalRecord(key, raw)
	} else {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		return true, fmt.Errorf("%w: %s/%x: %v", ErrCorrupt, b.Tx().DB().Path(), key, err)
	}
	return true, nil
}

// putRecord stores v at key: in its binary form when it has one, else as
// JSON.
func putRecord(b *bolt.Bucket, key []byte, v any) error {
	if r, ok := v.(binaryRecord); ok {
		return b.Put(key, r.marshalRecord())
	}
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
	return b.Put(u64(seq), encodeEvent(s.now().UnixNano(), kind, ref, detail))
}

// Events are written once per certificate, so they are kept compact: a
// version byte, the time in Unix nanoseconds, then kind, reference (as
// bytes when it is hex, like a serial or a fingerprint) and detail, each
// length-prefixed. The sequence is the key.
const eventCodecVersion = 1

func encodeEvent(t int64, kind, ref, detail string) []byte {
	b := make([]byte, 0, 16+len(kind)+len(ref)/2+len(detail))
	b = append(b, eventCodecVersion)
	b = binary.AppendVarint(b, t)
	b = appendBytes(b, []byte(kind))
	b = appendBytes(b, packHex(ref))
	return appendBytes(b, []byte(detail))
}

func decodeEvent(seq uint64, v []byte) (Event, error) {
	if len(v) == 0 || v[0] != eventCodecVersion {
		return Event{}, fmt.Errorf("%w: event %d: unknown version", ErrCorrupt, seq)
	}
	d := &certDecoder{b: v[1:]}
	t := d.varint()
	e := Event{Seq: seq, Time: time.Unix(0, t).UTC(), Kind: string(d.bytes()), Ref: unpackHex(d.bytes()), Detail: string(d.bytes())}
	if d.err != nil {
		return Event{}, fmt.Errorf("%w: event %d", d.err, seq)
	}
	return e, nil
}

// Events returns the last n events, oldest first (all of them when n <= 0).
func (s *Store) Events(n int) ([]Event, error) {
	var out []Event
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Last(); k != nil && (n <= 0 || len(out) < n); k, v = c.Prev() {
			e, err := decodeEvent(binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
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
