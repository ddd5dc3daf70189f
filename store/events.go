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

// readRecord reads the record at key in a transaction of its own; an absent
// one is ErrNotFound, naming it as what and id.
func readRecord[T any](s *Store, key []byte, what string, id []byte) (*T, error) {
	var r T
	err := s.view(func(tx ReadTx) error {
		found, err := getRecord(tx, key, &r)
		if err == nil && !found {
			err = fmt.Errorf("%w: %s %x", ErrNotFound, what, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
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
//
// A certificate's issuance is not written twice: its record under cert/
// is its "cert.issued" event (time, serial, profile and first name), and
// Events merges the cert/ and event/ ranges, whose ids are both times
// (idGen, serialID), newest first. A watcher of the log watches both
// prefixes.
func (s *Store) Events(n int) ([]Event, error) {
	var out []Event
	err := s.view(func(tx ReadTx) error {
		out = out[:0]
		iss := s.issuersIn(tx)
		certs := newCursor(tx, pCert)
		events := newCursor(tx, pEvent)
		for n <= 0 || len(out) < n {
			ck, _ := certs.peek()
			ek, ev := events.peek()
			var e Event
			switch {
			case ck == 0 && ek == 0:
				return nil
			case ck > ek:
				c, err := certByID(tx, iss, ck)
				if err != nil {
					return err
				}
				e = issuedEvent(c)
				certs.next()
			default:
				var err error
				if e, err = decodeEvent(ek, ev); err != nil {
					return err
				}
				events.next()
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

// issuedEvent is the event a certificate's record stands for.
func issuedEvent(c *Cert) Event {
	detail := c.Profile
	if len(c.Names) > 0 {
		detail += " " + c.Names[0]
	}
	return Event{Seq: c.id, Time: time.Unix(0, int64(c.id)).UTC(), Kind: "cert.issued", Ref: c.SerialHex(), Detail: detail}
}

// revCursor walks a prefix of ID8 keys newest first, a page of keys at a
// time, so that two of them can be merged without holding two cursors
// open in one engine transaction.
type revCursor struct {
	tx     ReadTx
	prefix []byte
	buf    []revEntry
	from   []byte // the next range starts here (nil: from the end)
	done   bool
}

type revEntry struct {
	id uint64
	v  []byte
}

func newCursor(tx ReadTx, prefix []byte) *revCursor { return &revCursor{tx: tx, prefix: prefix} }

// peek returns the newest entry not yet taken (id 0 when none is left).
func (c *revCursor) peek() (uint64, []byte) {
	if len(c.buf) == 0 && !c.done {
		c.fill()
	}
	if len(c.buf) == 0 {
		return 0, nil
	}
	return c.buf[0].id, c.buf[0].v
}

func (c *revCursor) next() { c.buf = c.buf[1:] }

func (c *revCursor) fill() {
	const page = 256
	var last []byte
	c.tx.Range(c.prefix, c.from, true, func(k, v []byte) error {
		if len(c.buf) == page {
			return ErrStopRange
		}
		if len(k) == len(c.prefix)+8 {
			c.buf = append(c.buf, revEntry{idAt(k), clone(v)})
		}
		last = k
		return nil
	})
	if len(c.buf) < page || last == nil {
		c.done = true
		return
	}
	// Resume just below the last key taken.
	from := clone(last)
	for i := len(from) - 1; i >= 0; i-- {
		if from[i] > 0 {
			from[i]--
			break
		}
		from[i] = 0xff
	}
	c.from = from
}

func hexs(b []byte) string { return hex.EncodeToString(b) }
