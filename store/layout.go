package store

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// The keyspace (keyspaceSchema): one ordered space of prefixed keys, the
// same in a bbolt file (its two trees, by randomOrder, merged in every
// range that spans both) and under an etcd prefix.
//
//	meta/schema                    keyspaceMark ("3", "4 ..." or "5 ..." before it,
//	                               store.go; a bbolt file keeps a copy,
//	                               boltMarkBucket)
//	meta/root, meta/intermediate   the active authorities' ids
//	authority/ID                   Authority (JSON; a handful per store)
//	authority/ID/revoked           "" while the intermediate ID is revoked
//	cert/ID8                       Cert (compact binary, codec.go; its DER
//	                               coded against its issuer's certificate
//	                               when the issuer is an authority, dercode.go)
//	serial/SERIAL                  ID8, where ID8 is not serialID(SERIAL)
//	name/NAME 0x00 ID8             ""   (lower-case name)
//	expiry/NOTAFTER8 ID8           ""   (Unix seconds, big endian)
//	key/FP32                       Key (compact binary; an ECDSA key as its scalar)
//	key/FP32 ID8                   ""   (a certificate of the key)
//	revoked/ID8                    ""   (what CRLs list)
//	csr/ID32                       CSR (compact binary)
//	dns/RR                         ""   (zone-file form)
//	setting/NAME                   value
//	token/HASH                     Token (JSON)
//	event/ID8                      Event (compact binary)
//	acme/KEY                       the ACME server's state (acme.go)
//
// ID8 is a time-ordered id: an event's is the Unix nanoseconds of the
// write, raised past the last id this process gave and past any key it
// would collide with (idGen); a certificate's is the one its serial gives
// (serialID), or one of idGen where that is taken or the serial gives
// none. Certificates and events so append at the end of their prefix's
// range, which bbolt fills page by page (boltFillPercent); the expiry and
// event entries do too. Index values point (an ID8, or nothing: the key
// says it all) instead of copying a record.
var (
	pMeta      = []byte("meta/")
	pAuthority = []byte("authority/")
	pCert      = []byte("cert/")
	pSerial    = []byte("serial/")
	pName      = []byte("name/")
	pExpiry    = []byte("expiry/")
	pKey       = []byte("key/")
	pRevoked   = []byte("revoked/")
	pCSR       = []byte("csr/")
	pDNS       = []byte("dns/")
	pSetting   = []byte("setting/")
	pToken     = []byte("token/")
	pEvent     = []byte("event/")

	kSchema       = []byte("meta/schema")
	kRoot         = []byte("meta/root")
	kIntermediate = []byte("meta/intermediate")
)

// randomOrderPrefixes are the kinds whose keys arrive in no order: a key's
// fingerprint, a name, a CSR's or a token's hash, a DNS record, the ACME
// server's random ids, a revocation (of any certificate, old or new). The
// bbolt engine keeps them in a tree of their own (bolt.go); the others
// arrive in key order, or are a handful.
var randomOrderPrefixes = [][]byte{pKey, pName, pCSR, pToken, pDNS, pACME, pRevoked}

// randomOrder reports whether key (or a prefix) lies in a kind of
// randomOrderPrefixes.
func randomOrder(key []byte) bool {
	for _, p := range randomOrderPrefixes {
		if bytes.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// spansRandomOrder reports whether a range over prefix may hold keys of a
// randomOrderPrefixes kind without lying inside one: a prefix shorter than
// the kind's ("", "k"), as a whole-keyspace scan uses.
func spansRandomOrder(prefix []byte) bool {
	for _, p := range randomOrderPrefixes {
		if bytes.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// kinds are the record kinds `localca store status` counts, by prefix.
var kinds = []struct {
	name   string
	prefix []byte
}{
	{"meta", pMeta}, {"authority", pAuthority}, {"cert", pCert}, {"serial", pSerial},
	{"name", pName}, {"expiry", pExpiry}, {"key", pKey}, {"revoked", pRevoked},
	{"csr", pCSR}, {"dns", pDNS}, {"setting", pSetting}, {"token", pToken}, {"event", pEvent},
	{"acme", pACME},
}

// cat joins key parts into a new slice.
func cat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// withID appends id's 8 bytes to key, whose capacity the key builders
// below leave room for: a key is one allocation, not two.
func withID(key []byte, id uint64) []byte { return binary.BigEndian.AppendUint64(key, id) }

// idKey is prefix followed by id.
func idKey(prefix []byte, id uint64) []byte {
	return withID(append(make([]byte, 0, len(prefix)+8), prefix...), id)
}

func certKey(id uint64) []byte { return idKey(pCert, id) }

// serialID is the id of a certificate whose serial begins with its issue
// time, as the CA's do (ca.newSerial: 16 octets, of which the first 6 are
// Unix milliseconds and the next 2 the millisecond in 65,536ths): that
// time in nanoseconds. A lookup by serial reads the record at that id and
// compares its serial, and an issue writes no serial/ entry: one leaf
// fewer to rewrite per commit, and some 47 bytes fewer per certificate
// (docs/BENCHMARKS.md). The CA draws ascending serials, so its
// certificates append at the end of cert/ as idGen's ids did. A
// certificate whose id is taken (two CAs sharing an etcd store may draw
// one time; a serial of an older localca had random bits after its
// milliseconds), and one whose serial gives no id, is kept under an id of
// idGen with a serial/ entry (certID, findSerial). ok is false for a
// serial of another length, or one whose time would not fit a time.Time.
func serialID(serial []byte) (id uint64, ok bool) {
	if len(serial) != 16 {
		return 0, false
	}
	at := binary.BigEndian.Uint64(serial[:8])
	ms := at >> 16
	if ms > maxSerialMillis {
		return 0, false
	}
	return ms*1_000_000 + (at&0xffff)*1_000_000>>16, true
}

// maxSerialMillis keeps serialID's ids below 2^63 ns (the year 2262), so
// that an id is a time.Time (Events), and below every overflow.
const maxSerialMillis = (1<<63-1)/1_000_000 - 1

func eventKey(id uint64) []byte { return idKey(pEvent, id) }

func serialKey(serial []byte) []byte { return cat(pSerial, serial) }

func nameKey(name string, id uint64) []byte { return withID(namePrefix(name), id) }

// namePrefix is the range of one name's entries: the 0x00 keeps "a.test"
// from matching "a.test.example". It leaves room for an id (nameKey).
func namePrefix(name string) []byte {
	return appendNamePrefix(make([]byte, 0, len(pName)+len(name)+1+8), name)
}

// appendNamePrefix appends namePrefix to b (a reused buffer).
// strings.ToLower allocates only for a name it changes.
func appendNamePrefix(b []byte, name string) []byte {
	return append(append(append(b, pName...), strings.ToLower(name)...), 0)
}

func expiryKey(notAfter int64, id uint64) []byte {
	return withID(withID(append(make([]byte, 0, len(pExpiry)+16), pExpiry...), uint64(notAfter)), id)
}

func keyKey(fp []byte) []byte {
	return append(append(make([]byte, 0, len(pKey)+len(fp)+8), pKey...), fp...)
}

// keyCertKey is the entry that lists a certificate under its key: right
// after the key's own record, so that one range reads both, and one page
// usually takes the key and its first certificate.
func keyCertKey(fp []byte, id uint64) []byte { return withID(keyKey(fp), id) }

func revokedKey(id uint64) []byte { return idKey(pRevoked, id) }

func csrKey(id []byte) []byte { return cat(pCSR, id) }

func authorityKey(id string) []byte { return cat(pAuthority, []byte(id)) }

func authorityRevokedKey(id string) []byte { return cat(pAuthority, []byte(id), []byte("/revoked")) }

func tokenKey(hash []byte) []byte { return cat(pToken, hash) }

func settingKey(name string) []byte { return cat(pSetting, []byte(name)) }

func dnsKey(rr string) []byte { return cat(pDNS, []byte(rr)) }

// idAt reads the ID8 at the end of an index key.
func idAt(k []byte) uint64 {
	if len(k) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k[len(k)-8:])
}

// hasSuffixLen reports whether k is prefix followed by exactly n bytes.
func hasSuffixLen(k, prefix []byte, n int) bool {
	return len(k) == len(prefix)+n && bytes.HasPrefix(k, prefix)
}
