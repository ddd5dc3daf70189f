package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// getRecord decodes the value at key into v; it reports false when the key
// is absent.
func getRecord(tx ReadTx, key []byte, v any) (bool, error) {
	raw, err := tx.Get(key)
	if err != nil || raw == nil {
		return false, err
	}
	return true, decodeRecord(key[bytes.IndexByte(key, '/')+1:], raw, v)
}

// putRecord stores v at key: in its binary form when it has one, else as
// JSON.
func putRecord(tx WriteTx, key []byte, v any) error {
	if r, ok := v.(binaryRecord); ok {
		return tx.Put(key, r.marshalRecord())
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding record: %w", err)
	}
	return tx.Put(key, raw)
}

// addEvent appends to the event log inside the caller's transaction, so the
// log never disagrees with the records it describes.
func (s *Store) addEvent(tx WriteTx, kind, ref, detail string) error {
	now := s.now()
	id, err := s.ids.allocate(tx, pEvent, now)
	if err != nil {
		return err
	}
	return tx.Put(eventKey(id), encodeEvent(now.UnixNano(), kind, ref, detail))
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
// An event's Seq is its time-ordered id.
func (s *Store) Events(n int) ([]Event, error) {
	var out []Event
	err := s.view(func(tx ReadTx) error {
		out = out[:0]
		return tx.Range(pEvent, nil, true, func(k, v []byte) error {
			if n > 0 && len(out) >= n {
				return ErrStopRange
			}
			e, err := decodeEvent(idAt(k), v)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

func hexs(b []byte) string { return hex.EncodeToString(b) }
