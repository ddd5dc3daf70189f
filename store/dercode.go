package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// A certificate record of version 3 (codec.go) keeps its DER coded against
// a dictionary: copies of byte runs the dictionary holds, and literals for
// the rest. The dictionary is a fixed run of DER that leaves share
// (staticDict) followed by the issuer's own certificate, which the store
// keeps under authority/: a leaf repeats its issuer's subject as its
// issuer name, its issuer's key identifier, its algorithm identifiers and
// most extension headers. A localca leaf of 500 bytes so codes to some
// 280, and a store holds certificates by the million.
//
// A general compressor (compress/flate with the same dictionary) codes a
// leaf some 15% smaller but takes 5 µs to read one back, which every list
// and lookup would pay; copies and literals decode in a fraction of a
// microsecond, and the code is a few dozen lines the fuzzer covers.
//
// The form: uvarint(length of the DER), then tokens until that length is
// reached, each uvarint(n), n literal bytes, and, unless the DER is then
// complete, uvarint(copy length - minCopy) and uvarint(offset in the
// dictionary).

// staticDict is the first part of every dictionary. It must never change:
// records coded against it could no longer be read (TestStaticDictFixed
// holds its hash). It is the DER that Go's x509 writes for localca's leaf
// profiles, in a leaf's order: the version and a 16-octet serial's
// header; signature algorithms; subject name attribute headers; public key
// headers of P-256, P-384, Ed25519 and RSA of 2048, 3072 and 4096 bits;
// then for each key usage a leaf gets (digitalSignature, and with
// keyEncipherment for RSA) and each extended key usage (server, client,
// both): key usage, extended key usage, basic constraints (not a CA) and
// the subject key identifier's header; then the authority key
// identifier's header, and the OIDs of the names, the CRL distribution
// point and the authority information access.
const staticDict = "" +
	"a0030201020210" +
	"300a06082a8648ce3d040302" + "300a06082a8648ce3d040303" +
	"300d06092a864886f70d01010b0500" + "300506032b6570" +
	"06035504030c" + "060355040313" + "060355040a13" + "060355040b0c" +
	"3059301306072a8648ce3d020106082a8648ce3d03010703420004" +
	"3076301006072a8648ce3d020106052b8104002203620004" +
	"302a300506032b6570032100" +
	"30820122300d06092a864886f70d01010105000382010f003082010a0282010100" +
	"308201a2300d06092a864886f70d01010105000382018f003082018a0282018100" +
	"30820222300d06092a864886f70d01010105000382020f003082020a0282020100" +
	"0203010001" +
	"300e0603551d0f0101ff040403020780" + "30130603551d25040c300a06082b06010505070301" +
	"300c0603551d130101ff04023000" + "301d0603551d0e04160414" +
	"300e0603551d0f0101ff040403020780" + "30130603551d25040c300a06082b06010505070302" +
	"300c0603551d130101ff04023000" + "301d0603551d0e04160414" +
	"300e0603551d0f0101ff040403020780" + "301d0603551d250416301406082b0601050507030106082b06010505070302" +
	"300c0603551d130101ff04023000" + "301d0603551d0e04160414" +
	"300e0603551d0f0101ff0404030205a0" + "30130603551d25040c300a06082b06010505070301" +
	"300c0603551d130101ff04023000" + "301d0603551d0e04160414" +
	"300e0603551d0f0101ff0404030205a0" + "30130603551d25040c300a06082b06010505070302" +
	"300c0603551d130101ff04023000" + "301d0603551d0e04160414" +
	"300e0603551d0f0101ff0404030205a0" + "301d0603551d250416301406082b0601050507030106082b06010505070302" +
	"300c0603551d130101ff04023000" + "301d0603551d0e04160414" +
	"301f0603551d23041830168014" +
	"0603551d1104" + "0603551d1f04" +
	"06082b06010505070101" + "06082b06010505073001" + "06082b06010505073002"

// minCopy is the shortest run worth a copy: a copy costs a byte of length,
// two of offset and the next token's literal length.
const minCopy = 5

// maxCodedDER bounds what is coded: the offsets and lengths stay small,
// and a decoder refuses a record that claims more (a corrupt length
// would otherwise make it allocate at will). A larger certificate is kept
// as it is, in a version 2 record.
const maxCodedDER = 1 << 16

// dictHashBits sizes the coder's index: 2,048 heads for a dictionary of
// some 1,200 bytes (the fixed run and an issuer's certificate).
const dictHashBits = 11

// derDict is the dictionary of one issuer, with the index the coder
// searches. It is made from the issuer's certificate, whose id (its
// SHA-256) names it, so one made in a transaction that is then undone is
// still right: the store remembers it by that id (issuers.dict).
type derDict struct {
	b    []byte
	head [1 << dictHashBits]uint16 // a hash of 4 bytes → the last position + 1
	prev []uint16                  // position → the position before it of the same hash + 1
}

// newDERDict makes the dictionary of the issuer whose certificate is
// issuerDER; nil when that is too large to be coded against (or were
// staticDict not hex, which TestStaticDictFixed rules out).
func newDERDict(issuerDER []byte) *derDict {
	static, err := hex.DecodeString(staticDict)
	if err != nil || len(static)+len(issuerDER) >= maxCodedDER {
		return nil
	}
	d := &derDict{b: append(static, issuerDER...)}
	d.prev = make([]uint16, len(d.b))
	for p := 0; p+4 <= len(d.b); p++ {
		h := hash4(d.b[p:])
		d.prev[p] = d.head[h]
		d.head[h] = uint16(p + 1)
	}
	return d
}

func hash4(b []byte) uint32 {
	return (binary.LittleEndian.Uint32(b) * 0x9e3779b1) >> (32 - dictHashBits)
}

// maxTries bounds the candidates the coder compares at one position.
const maxTries = 8

// appendCode appends der's code to dst as a length-prefixed field (as
// appendBytes would), coding in place: the code is written after room for
// the longest length it can have, then moved up to the length's end. ok is
// false, and dst as it was, when d is nil, der too large, or its code no
// shorter than it.
func (d *derDict) appendCode(dst, der []byte) (_ []byte, ok bool) {
	if d == nil || len(der) >= maxCodedDER {
		return dst, false
	}
	const room = 3 // a uvarint below maxCodedDER, whose code is shorter
	at := len(dst)
	b := d.encode(append(dst, make([]byte, room)...), der)
	n := len(b) - at - room
	if n >= len(der) {
		return b[:at], false
	}
	k := binary.PutUvarint(b[at:], uint64(n))
	return b[:at+k+copy(b[at+k:], b[at+room:])], true
}

// encode appends der, coded, to dst. der must be shorter than maxCodedDER.
func (d *derDict) encode(dst, der []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(der)))
	lit, misses := 0, 0
	for i := 0; i+minCopy <= len(der); {
		at, n := d.longest(der[i:])
		if n < minCopy {
			// Keys, signatures and serials are random: the longer the
			// run without a match, the longer the stride through it, up
			// to 8, so that no run of 12 bytes or more is stepped over.
			// A match found past its start is extended back below.
			// This halves the coder's time and costs no bytes on
			// localca's leaves (TestDERCode).
			misses++
			i += 1 + min(misses>>1, 7)
			continue
		}
		for i > lit && at > 0 && der[i-1] == d.b[at-1] {
			i, at, n = i-1, at-1, n+1
		}
		misses = 0
		dst = appendBytes(dst, der[lit:i])
		dst = binary.AppendUvarint(dst, uint64(n-minCopy))
		dst = binary.AppendUvarint(dst, uint64(at))
		i += n
		lit = i
	}
	if lit < len(der) || len(der) == 0 {
		dst = appendBytes(dst, der[lit:])
	}
	return dst
}

// longest finds the longest run of the dictionary that begins s.
func (d *derDict) longest(s []byte) (at, n int) {
	if len(s) < 4 {
		return 0, 0
	}
	// Only positions with 4 bytes after them are indexed, and most
	// candidates share s's hash but not its first 4 bytes: one compare
	// rules those out.
	first := binary.LittleEndian.Uint32(s)
	for p, tries := int(d.head[hash4(s)]), 0; p != 0 && tries < maxTries; p, tries = int(d.prev[p-1]), tries+1 {
		c := d.b[p-1:]
		if binary.LittleEndian.Uint32(c) != first {
			continue
		}
		m := 4
		for m < len(c) && m < len(s) && c[m] == s[m] {
			m++
		}
		if m > n {
			at, n = p-1, m
		}
	}
	return at, n
}

// decode appends the DER that code holds to dst, which has room for it
// when the caller sized it with codedLen.
func (d *derDict) decode(dst, code []byte) ([]byte, error) {
	want, k := binary.Uvarint(code)
	if k <= 0 || want >= maxCodedDER {
		return nil, fmt.Errorf("%w: coded certificate: bad length", ErrCorrupt)
	}
	code = code[k:]
	start := len(dst)
	for {
		n, k := binary.Uvarint(code)
		if k <= 0 || uint64(len(code)-k) < n || uint64(len(dst)-start)+n > want {
			return nil, fmt.Errorf("%w: coded certificate: bad literal", ErrCorrupt)
		}
		dst = append(dst, code[k:k+int(n)]...)
		code = code[k+int(n):]
		if uint64(len(dst)-start) == want {
			break
		}
		n, k = binary.Uvarint(code)
		if k <= 0 {
			return nil, fmt.Errorf("%w: coded certificate: bad copy", ErrCorrupt)
		}
		code = code[k:]
		at, k := binary.Uvarint(code)
		if k <= 0 || n > maxCodedDER || at > uint64(len(d.b)) || uint64(len(d.b))-at < n+minCopy || uint64(len(dst)-start)+n+minCopy > want {
			return nil, fmt.Errorf("%w: coded certificate: bad copy", ErrCorrupt)
		}
		code = code[k:]
		dst = append(dst, d.b[at:at+n+minCopy]...)
		if uint64(len(dst)-start) == want {
			break
		}
	}
	if len(code) != 0 {
		return nil, fmt.Errorf("%w: coded certificate: %d bytes after its end", ErrCorrupt, len(code))
	}
	return dst, nil
}

// codedLen is the length of the DER that code holds (0 when unreadable).
func codedLen(code []byte) int {
	n, k := binary.Uvarint(code)
	if k <= 0 || n >= maxCodedDER {
		return 0
	}
	return int(n)
}

// authorityDict makes the dictionary of authority a, after checking that
// its id is its certificate's SHA-256 (the store remembers dictionaries by
// id, so an id must name one certificate only).
func authorityDict(a *Authority) *derDict {
	sum := sha256.Sum256(a.CertDER)
	if hex.EncodeToString(sum[:]) != a.ID {
		return nil
	}
	return newDERDict(a.CertDER)
}
