package store

import (
	"bytes"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Keys and CSRs are written once or twice per certificate, so, like
// certificates (codec.go), they are kept in a compact binary form rather than
// JSON, which base64s their DER (and a key's PEM a second time) and spells
// out every field name: in use per record (bbolt's element header and key
// included) a key record shrinks from ~870 to ~235 bytes, a CSR record from
// ~950 to ~404, and the commit that writes them does less work.
// The bbolt key (fingerprint or id) is not repeated in the value. Records
// written as JSON by earlier versions start with '{' and are still read.
type binaryRecord interface {
	marshalRecord() []byte
	unmarshalRecord(key, v []byte) error
}

// Version bytes of the binary records; never '{', which starts JSON. Key
// records of version 2 may keep an ECDSA key as its scalar (keypem.go);
// version 1, the same fields otherwise, is still read.
const (
	keyCodecVersion = 2
	csrCodecVersion = 1
)

func (k *Key) marshalRecord() []byte {
	b := make([]byte, 0, 64+len(k.Algorithm)+len(k.Label)+len(k.PEM))
	b = append(b, keyCodecVersion)
	b = appendBytes(b, []byte(k.Algorithm))
	b = binary.AppendUvarint(b, uint64(max(k.Size, 0)))
	b = appendBytes(b, []byte(k.Label))
	b = appendBytes(b, []byte(k.Status))
	b = appendPEM(b, k.PEM, k.Fingerprint)
	b = appendTime(b, k.Created)
	return appendTime(b, k.RevokedAt)
}

func (k *Key) unmarshalRecord(key, v []byte) error {
	d, err := versioned(v, keyCodecVersion, "key", 1)
	if err != nil {
		return err
	}
	*k = Key{Fingerprint: clone(key)}
	k.Algorithm = string(d.bytes())
	k.Size = int(d.uvarint())
	k.Label = string(d.bytes())
	k.Status = string(d.bytes())
	k.PEM = d.pem(k.Fingerprint)
	k.Created = d.time()
	k.RevokedAt = d.time()
	return d.end()
}

func (c *CSR) marshalRecord() []byte {
	b := make([]byte, 0, 64+len(c.DER)+len(c.Subject)+len(c.KeyFingerprint))
	b = append(b, csrCodecVersion)
	b = appendBytes(b, c.DER)
	b = appendBytes(b, []byte(c.Subject))
	b = binary.AppendUvarint(b, uint64(len(c.Names)))
	for _, n := range c.Names {
		b = appendBytes(b, []byte(n))
	}
	b = appendBytes(b, c.KeyFingerprint)
	b = appendBytes(b, []byte(c.Status))
	return appendTime(b, c.Created)
}

func (c *CSR) unmarshalRecord(key, v []byte) error {
	d, err := versioned(v, csrCodecVersion, "CSR")
	if err != nil {
		return err
	}
	*c = CSR{ID: clone(key)}
	c.DER = clone(d.bytes())
	c.Subject = string(d.bytes())
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each name takes at least its length byte
		return errTruncated
	}
	for range n {
		c.Names = append(c.Names, string(d.bytes()))
	}
	c.KeyFingerprint = clone(d.bytes())
	c.Status = string(d.bytes())
	c.Created = d.time()
	return d.end()
}

// versioned returns a decoder for the fields of v, a record written as
// version or one of the older versions that share its fields; a record of
// another version is refused, naming what.
func versioned(v []byte, version byte, what string, older ...byte) (*certDecoder, error) {
	if len(v) == 0 || (v[0] != version && !bytes.Contains(older, v[:1])) {
		return nil, fmt.Errorf("unknown %s record version", what)
	}
	return &certDecoder{b: v[1:]}, nil
}

// appendPEM keeps a PEM block as its type and DER when encoding them again
// gives back the very same bytes (the PKCS#8 blocks localca writes), and as
// it is otherwise: 0 = as is, 1 = type and DER, pemECScalar = an ECDSA
// key's curve and scalar (keypem.go), for the key whose fingerprint is fp.
func appendPEM(b, p, fp []byte) []byte {
	if block, rest := pem.Decode(p); block != nil && len(rest) == 0 && len(block.Headers) == 0 &&
		bytes.Equal(pem.EncodeToMemory(block), p) {
		if curve, scalar, ok := ecScalar(block, fp); ok {
			b = append(b, pemECScalar, byte(curve))
			return appendBytes(b, scalar)
		}
		b = append(b, 1)
		b = appendBytes(b, []byte(block.Type))
		return appendBytes(b, block.Bytes)
	}
	b = append(b, 0)
	return appendBytes(b, p)
}

// pem reads appendPEM's forms; fp is the fingerprint of the record's key.
func (d *certDecoder) pem(fp []byte) []byte {
	switch d.byte1() {
	case 0:
		return clone(d.bytes())
	case 1:
		typ, der := d.bytes(), d.bytes()
		if d.err != nil {
			return nil
		}
		return pem.EncodeToMemory(&pem.Block{Type: string(typ), Bytes: der})
	case pemECScalar:
		curve, scalar := d.byte1(), d.bytes()
		if d.err != nil {
			return nil
		}
		p, err := ecPEM(int(curve), scalar, fp)
		if err != nil {
			d.err = err
		}
		return p
	default:
		if d.err == nil {
			d.err = errors.New("unknown PEM form")
		}
		return nil
	}
}

// appendTime writes t as seconds and nanoseconds since 1970 (the zero time
// as a single 0 byte), in UTC, as the store keeps its times.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func (d *certDecoder) time() time.Time {
	switch d.byte1() {
	case 0:
		return time.Time{}
	case 1:
		sec, nsec := d.varint(), d.uvarint()
		if nsec >= 1e9 && d.err == nil {
			d.err = errors.New("bad nanoseconds")
		}
		return time.Unix(sec, int64(nsec)).UTC()
	default:
		if d.err == nil {
			d.err = errors.New("unknown time form")
		}
		return time.Time{}
	}
}

func (d *certDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[k:]
	return v
}

// end is the decoder's verdict: its first error, or bytes left over.
func (d *certDecoder) end() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) > 0 {
		return errors.New("trailing bytes")
	}
	return nil
}
