package store

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Certificates are the records a store holds by the million, so they use a
// compact binary form instead of JSON (which would inflate the DER by a third
// with base64): a version byte, then length-prefixed fields.
const certCodecVersion = 1

func encodeCert(c *Cert) []byte {
	n := 64 + len(c.Serial) + len(c.DER) + len(c.IssuerID) + len(c.KeyFingerprint) + len(c.CSRID) + len(c.Profile)
	for _, s := range c.Names {
		n += len(s) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, certCodecVersion)
	b = appendBytes(b, c.Serial)
	b = appendBytes(b, c.DER)
	b = appendBytes(b, packHex(c.IssuerID))
	b = appendBytes(b, c.KeyFingerprint)
	b = appendBytes(b, c.CSRID)
	b = appendBytes(b, []byte(c.Profile))
	b = appendBytes(b, []byte(strings.Join(c.Names, "\x00")))
	b = binary.AppendVarint(b, c.NotAfter.Unix())
	if c.Status == CertRevoked {
		b = append(b, 1)
		b = binary.AppendVarint(b, c.RevokedAt.UnixNano())
		b = binary.AppendVarint(b, int64(c.Reason))
	} else {
		b = append(b, 0)
	}
	return b
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

type certDecoder struct {
	b   []byte
	err error
}

func (d *certDecoder) bytes() []byte {
	if d.err != nil {
		return nil
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || uint64(len(d.b)-k) < n {
		d.err = fmt.Errorf("%w: truncated certificate record", ErrCorrupt)
		return nil
	}
	v := d.b[k : k+int(n)]
	d.b = d.b[k+int(n):]
	if len(v) == 0 {
		return nil
	}
	return v
}

func (d *certDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.err = fmt.Errorf("%w: truncated certificate record", ErrCorrupt)
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *certDecoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = fmt.Errorf("%w: truncated certificate record", ErrCorrupt)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// decodeCert copies what it keeps: bbolt's values are only valid inside the
// transaction that read them.
func decodeCert(v []byte) (*Cert, error) {
	if len(v) == 0 || v[0] != certCodecVersion {
		return nil, fmt.Errorf("%w: unknown certificate record version", ErrCorrupt)
	}
	d := &certDecoder{b: v[1:]}
	c := &Cert{}
	c.Serial = clone(d.bytes())
	c.DER = clone(d.bytes())
	c.IssuerID = unpackHex(d.bytes())
	c.KeyFingerprint = clone(d.bytes())
	c.CSRID = clone(d.bytes())
	c.Profile = string(d.bytes())
	if names := d.bytes(); len(names) > 0 {
		c.Names = strings.Split(string(names), "\x00")
	}
	c.NotAfter = time.Unix(d.varint(), 0).UTC()
	c.Status = CertValid
	c.Reason = NoReason
	if d.byte1() == 1 {
		c.Status = CertRevoked
		c.RevokedAt = time.Unix(0, d.varint()).UTC()
		c.Reason = int(d.varint())
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// packHex stores a lower-case hex id (an authority id, a serial, a
// fingerprint) as its bytes, behind a marker byte; any other string is kept
// as it is, behind another. Certificates and their events are many, so the
// halving is worth it.
func packHex(id string) []byte {
	if id == "" {
		return nil
	}
	if raw, err := hex.DecodeString(id); err == nil && hex.EncodeToString(raw) == id {
		return append([]byte{1}, raw...)
	}
	return append([]byte{0}, id...)
}

func unpackHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if b[0] == 1 {
		return hex.EncodeToString(b[1:])
	}
	return string(b[1:])
}
