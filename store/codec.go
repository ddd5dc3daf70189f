package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Certificates are the records a store holds by the million, so they use a
// compact binary form instead of JSON (which would inflate the DER by a third
// with base64): a version byte, then length-prefixed fields.
//
// Version 2 leaves out what the record can find elsewhere, so that seven
// records of a typical leaf fit a 4 KiB page instead of six: the serial when
// it is the one in the DER (an empty field), and the issuer's id when the
// authorities bucket holds it (its first 8 bytes, found again with a seek).
// Version 1 records, which spelt both out, decode with the same code.
// Version 3 is version 2 with the DER coded against its issuer's
// certificate (dercode.go); it is written when the issuer is an authority
// of the store, whose certificate the record can so find again.
const (
	certCodecVersion = 2
	certCodedVersion = 3
)

// issuerPrefixLen is how much of an authority id a record keeps: enough to
// tell apart the handful of authorities a store holds. InitCA refuses an
// authority that starts like another (checkIssuerPrefix), and packIssuer
// keeps the whole id when the prefix does not find that very authority.
const issuerPrefixLen = 8

// issuerResolver finds the one authority whose id starts with an
// issuerPrefixLen-byte prefix (ok false when none or two do).
type issuerResolver interface {
	resolve(prefix []byte) (id string, ok bool)
	// dict is the dictionary of authority id's certificate (dercode.go):
	// nil when the resolver has none to give (no such authority, or one
	// whose id is not its certificate's hash); an error is a failed read.
	dict(id string) (*derDict, error)
}

// encodeCert writes c; authorities, when not nil, lets the issuer's id
// shrink to a prefix.
func encodeCert(c *Cert, authorities issuerResolver) []byte {
	n := 64 + len(c.DER) + len(c.IssuerID) + len(c.KeyFingerprint) + len(c.CSRID) + len(c.Profile)
	for _, s := range c.Names {
		n += len(s) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, certCodecVersion)
	if fromDER, ok := derSerial(c.DER); ok && bytes.Equal(fromDER, c.Serial) {
		b = appendBytes(b, nil)
	} else {
		b = appendBytes(b, c.Serial)
	}
	issuer := packIssuer(c.IssuerID, authorities)
	var dict *derDict
	if len(issuer) > 0 && issuer[0] == issuerPrefixMark && len(c.DER) < maxCodedDER {
		// A failed read leaves the DER uncoded, which is always right;
		// the transaction that failed to read will hardly commit.
		dict, _ = authorities.dict(c.IssuerID)
	}
	if b2, ok := dict.appendCode(b, c.DER); ok {
		b = b2
		b[0] = certCodedVersion
	} else {
		b = appendBytes(b, c.DER)
	}
	b = appendBytes(b, issuer)
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
// transaction that read them. authorities resolves a shortened issuer id; a
// record that has one cannot be read without it.
//
// A list decodes certificates by the thousand, so the copies are made in
// few allocations: the byte fields share one backing array (each capped
// at its end, so an append to one cannot overwrite the next), the profile
// and the names one string, and a certificate of one name carries its
// Names slice in the same allocation as itself.
func decodeCert(v []byte, authorities issuerResolver) (*Cert, error) {
	h, err := certHead(v)
	if err != nil {
		return nil, err
	}
	d, serial, der, issuer := h.d, h.serial, h.der, h.issuer
	fp, csr := d.bytes(), d.bytes()
	profile, names := d.bytes(), d.bytes()
	notAfter := d.varint()
	var revoked bool
	var revokedAt, reason int64
	if d.byte1() == 1 {
		revoked = true
		revokedAt, reason = d.varint(), d.varint()
	}
	if d.err != nil {
		return nil, d.err
	}
	var c *Cert
	if len(names) > 0 && bytes.IndexByte(names, 0) < 0 {
		one := &struct {
			c     Cert
			names [1]string
		}{}
		c = &one.c
		c.Names = one.names[:]
	} else {
		c = &Cert{}
		if len(names) > 0 {
			c.Names = make([]string, 0, bytes.Count(names, []byte{0})+1)
		}
	}
	if len(issuer) > 0 && issuer[0] == issuerPrefixMark {
		var ok bool
		if authorities != nil && len(issuer) == 1+issuerPrefixLen {
			c.IssuerID, ok = authorities.resolve(issuer[1:])
		}
		if !ok {
			return nil, fmt.Errorf("%w: certificate record names an unknown issuer %x", ErrCorrupt, issuer[1:])
		}
	} else {
		c.IssuerID = unpackHex(issuer)
	}
	derLen := len(der)
	if h.coded {
		derLen = codedLen(der)
	}
	own := make([]byte, 0, len(serial)+derLen+len(fp)+len(csr))
	if h.coded {
		// The serial, left out of the record, is read from the DER once
		// decoded.
		if c.DER, err = h.decodeDER(authorities, own); err != nil {
			return nil, err
		}
		own = c.DER[len(c.DER):cap(c.DER)]
		c.DER = c.DER[:len(c.DER):len(c.DER)]
		if serial == nil {
			var ok bool
			if serial, ok = derSerial(c.DER); !ok || len(serial) == 0 {
				return nil, fmt.Errorf("%w: certificate record without a serial", ErrCorrupt)
			}
			c.Serial = serial[:len(serial):len(serial)] // of c.DER, which c owns
		} else {
			c.Serial, own = carve(own, serial)
		}
	} else {
		c.Serial, own = carve(own, serial)
		c.DER, own = carve(own, der)
	}
	c.KeyFingerprint, own = carve(own, fp)
	c.CSRID, _ = carve(own, csr)
	text := string(profile) + string(names)
	c.Profile = text[:len(profile)]
	if text = text[len(profile):]; len(c.Names) == 1 {
		c.Names[0] = text
	} else if len(text) > 0 {
		for name := range strings.SplitSeq(text, "\x00") {
			c.Names = append(c.Names, name)
		}
	}
	c.NotAfter = time.Unix(notAfter, 0).UTC()
	c.Status, c.Reason = CertValid, NoReason
	if revoked {
		c.Status = CertRevoked
		c.RevokedAt = time.Unix(0, revokedAt).UTC()
		c.Reason = int(reason)
	}
	return c, nil
}

// carve copies field onto the end of own, whose capacity holds it, and
// returns the copy, capped at its end (nil for an empty field, as clone
// gives).
func carve(own, field []byte) (_, rest []byte) {
	if len(field) == 0 {
		return nil, own
	}
	n := len(own)
	own = append(own, field...)
	return own[n:len(own):len(own)], own
}

// recordHasSerial says whether the certificate record v has serial
// (findSerial compares them) without decoding more than it needs: the DER
// only when the record is coded and leaves the serial out.
func recordHasSerial(v []byte, authorities issuerResolver, serial []byte) (bool, error) {
	h, err := certHead(v)
	if err != nil || h.serial != nil {
		return err == nil && bytes.Equal(h.serial, serial), err
	}
	var buf [1024]byte
	der, err := h.decodeDER(authorities, buf[:0])
	if err != nil {
		return false, err
	}
	got, ok := derSerial(der)
	if !ok || len(got) == 0 {
		return false, fmt.Errorf("%w: certificate record without a serial", ErrCorrupt)
	}
	return bytes.Equal(got, serial), nil
}

// recordHead is a certificate record's first three fields, slices of the
// record: the serial (nil when left out for the DER's), the DER (coded
// when coded is set) and the issuer, with d at the next field.
type recordHead struct {
	d                   certDecoder
	serial, der, issuer []byte
	coded               bool
}

// certHead checks a certificate record's version and reads its head. The
// serial of an uncoded record is the DER's when the record leaves it out.
func certHead(v []byte) (h recordHead, err error) {
	if len(v) == 0 || (v[0] != 1 && v[0] != certCodecVersion && v[0] != certCodedVersion) {
		return h, fmt.Errorf("%w: unknown certificate record version", ErrCorrupt)
	}
	h.coded = v[0] == certCodedVersion
	h.d = certDecoder{b: v[1:]}
	h.serial, h.der, h.issuer = h.d.bytes(), h.d.bytes(), h.d.bytes()
	if h.d.err != nil {
		return h, h.d.err
	}
	if h.coded && (len(h.issuer) != 1+issuerPrefixLen || h.issuer[0] != issuerPrefixMark) {
		return h, fmt.Errorf("%w: coded certificate record without an authority as issuer", ErrCorrupt)
	}
	if h.serial == nil && !h.coded {
		var ok bool
		if h.serial, ok = derSerial(h.der); !ok || len(h.serial) == 0 {
			return h, fmt.Errorf("%w: certificate record without a serial", ErrCorrupt)
		}
	}
	return h, nil
}

// decodeDER appends the record's DER to dst, decoding it when coded.
func (h *recordHead) decodeDER(authorities issuerResolver, dst []byte) ([]byte, error) {
	if !h.coded {
		return append(dst, h.der...), nil
	}
	var dict *derDict
	if authorities != nil {
		if id, ok := authorities.resolve(h.issuer[1:]); ok {
			var err error
			if dict, err = authorities.dict(id); err != nil {
				return nil, err
			}
		}
	}
	if dict == nil {
		return nil, fmt.Errorf("%w: certificate record coded against issuer %x…, whose certificate is missing", ErrCorrupt, h.issuer[1:])
	}
	return dict.decode(dst, h.der)
}

// derSerial reads the serial out of a certificate's DER without parsing the
// rest, as x509.Certificate.SerialNumber.Bytes() would give it: the
// magnitude, big-endian, without leading zeros (none for zero). A
// positive serial is a slice of der, so reading one allocates nothing; a
// negative one (which RFC 5280 forbids but x509 reads) is its magnitude,
// newly made. An integer that is not minimally encoded is refused, as
// cryptobyte refuses it.
func derSerial(der []byte) ([]byte, bool) {
	in := cryptobyte.String(der)
	var cert, tbs, serial cryptobyte.String
	if !in.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.ReadASN1(&serial, asn1.INTEGER) {
		return nil, false
	}
	switch {
	case len(serial) == 0:
		return nil, false
	case len(serial) > 1 && (serial[0] == 0 && serial[1]&0x80 == 0 || serial[0] == 0xff && serial[1]&0x80 != 0):
		return nil, false // not minimal
	case serial[0]&0x80 == 0:
		for len(serial) > 0 && serial[0] == 0 {
			serial = serial[1:]
		}
		return serial, true
	}
	// Negative: the magnitude is the two's complement, ^x + 1.
	mag := make([]byte, len(serial))
	carry := byte(1)
	for i := len(serial) - 1; i >= 0; i-- {
		mag[i] = ^serial[i] + carry
		if mag[i] != 0 {
			carry = 0
		}
	}
	for len(mag) > 0 && mag[0] == 0 {
		mag = mag[1:]
	}
	return mag, true
}

// issuerPrefixMark is the marker byte of a shortened issuer id, beside
// packHex's 0 (a string) and 1 (hex as bytes).
const issuerPrefixMark = 2

// packIssuer shortens id to a prefix when the authorities hold it and no
// other authority shares the prefix; otherwise it packs the whole id.
func packIssuer(id string, authorities issuerResolver) []byte {
	if authorities == nil || len(id) <= 2*issuerPrefixLen || !lowerHex(id) {
		return packHex(id)
	}
	packed := make([]byte, 1+issuerPrefixLen)
	packed[0] = issuerPrefixMark
	if _, err := hex.Decode(packed[1:], []byte(id[:2*issuerPrefixLen])); err != nil {
		return packHex(id)
	}
	if got, ok := authorities.resolve(packed[1:]); !ok || got != id {
		return packHex(id)
	}
	return packed
}

// lowerHex says whether s is hex of whole bytes in lower case, the form of
// an id that packIssuer may shorten (it is read back as lower-case hex).
func lowerHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// issuers resolves issuer prefixes from the authority/ keys of one
// transaction, remembering each answer: a list decodes many certificates
// of one issuer. shared, when set, is the store's memory of the prefixes
// it resolved: an authority is never deleted, and InitCA refuses one that
// starts like another, so a prefix that named one authority always will.
type issuers struct {
	tx     ReadTx
	cache  map[string]string
	shared *sync.Map // prefix (8 bytes, as a string) → id
	// last is the prefix last resolved and lastID its id: the
	// certificates of a list mostly share their issuer, and a look in
	// shared costs two allocations (its key, as a string in an any).
	last   [issuerPrefixLen]byte
	lastID string
	// dicts, when set, is the store's memory of its authorities'
	// dictionaries (dercode.go), by id; lastDict is the one last given.
	dicts    *sync.Map
	lastDict *derDict
	dictID   string
}

func newIssuers(tx ReadTx) *issuers { return &issuers{tx: tx} }

// issuersIn is newIssuers with the store's memory of resolved prefixes
// and of dictionaries.
func (s *Store) issuersIn(tx ReadTx) *issuers {
	return &issuers{tx: tx, shared: &s.issuerIDs, dicts: &s.issuerDicts}
}

// dict gives the dictionary of authority id, read from the transaction
// the first time. One made from a write that is then undone is as good
// as any: the id is the certificate's SHA-256 (authorityDict checks it),
// so it names that certificate whether or not the write stays.
func (r *issuers) dict(id string) (*derDict, error) {
	if r.lastDict != nil && r.dictID == id {
		return r.lastDict, nil
	}
	var d *derDict
	if r.dicts != nil {
		if v, ok := r.dicts.Load(id); ok {
			d = v.(*derDict)
		}
	}
	if d == nil {
		a, err := authority(r.tx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if d = authorityDict(a); d == nil {
			return nil, nil
		}
		if r.dicts != nil {
			r.dicts.Store(id, d)
		}
	}
	r.lastDict, r.dictID = d, id
	return d, nil
}

func (r *issuers) resolve(prefix []byte) (string, bool) {
	if len(prefix) != issuerPrefixLen {
		return "", false
	}
	if r.lastID != "" && bytes.Equal(prefix, r.last[:]) {
		return r.lastID, true
	}
	id, ok := r.lookup(prefix)
	if ok {
		copy(r.last[:], prefix)
		r.lastID = id
	}
	return id, ok
}

// lookup is resolve without its memory of the last answer.
func (r *issuers) lookup(prefix []byte) (string, bool) {
	if r.shared != nil {
		if id, ok := r.shared.Load(string(prefix)); ok {
			return id.(string), true
		}
	}
	want := hex.EncodeToString(prefix)
	if id, ok := r.cache[want]; ok {
		return id, id != ""
	}
	var ids []string
	r.tx.Range(cat(pAuthority, []byte(want)), nil, false, func(k, _ []byte) error {
		id := string(k[len(pAuthority):])
		if strings.IndexByte(id, '/') < 0 {
			ids = append(ids, id)
		}
		if len(ids) > 1 {
			return ErrStopRange
		}
		return nil
	})
	id := ""
	if len(ids) == 1 {
		id = ids[0]
	}
	if r.cache == nil {
		r.cache = make(map[string]string)
	}
	r.cache[want] = id
	if id != "" && r.shared != nil && committedAuthority(r.tx, id) {
		r.shared.Store(string(prefix), id)
	}
	return id, id != ""
}

// committedAuthority says whether authority id is committed data, as seen
// through tx: a resolved prefix is remembered only then (an engine that
// cannot say so is never remembered for). A write transaction of the log's
// overlay can say so too: it reads beside its own writes a view of what is
// committed, so the commits of a store that read no authority yet resolve
// the prefix once, not in each group.
func committedAuthority(tx ReadTx, id string) bool {
	w, ok := tx.(interface{ Writable() bool })
	if ok && !w.Writable() {
		return true
	}
	c, ok := tx.(interface{ committed() ReadTx })
	if !ok {
		return false
	}
	v, err := c.committed().Get(authorityKey(id))
	return err == nil && v != nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// packHex stores a lower-case hex id (an authority id, a serial, a
// fingerprint) as its bytes, behind a marker byte; any other string is kept
// as it is, behind another. Certificates and their events are many, so the
// halving is worth it.
func packHex(id string) []byte {
	if id == "" {
		return nil
	}
	if raw, err := hex.DecodeString(id); err == nil {
		switch id {
		case hex.EncodeToString(raw):
			return append([]byte{1}, raw...)
		case strings.ToUpper(hex.EncodeToString(raw)): // a serial, as localca prints them
			return append([]byte{upperHexMark}, raw...)
		}
	}
	return append([]byte{0}, id...)
}

// upperHexMark is packHex's marker of upper-case hex, beside 0 (a string),
// 1 (lower-case hex) and issuerPrefixMark.
const upperHexMark = 3

func unpackHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case 1:
		return hex.EncodeToString(b[1:])
	case upperHexMark:
		return strings.ToUpper(hex.EncodeToString(b[1:]))
	}
	return string(b[1:])
}
