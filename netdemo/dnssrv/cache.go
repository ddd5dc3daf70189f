package dnssrv

import (
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// maxCached bounds the packed answers kept per zone snapshot, so a flood of
// random names cannot grow memory without limit.
const maxCached = 4096

// cacheKey is everything besides the ID, the flags RD/CD and the case of
// the question name that decides the bytes of an answer.
type cacheKey struct {
	name   string // canonical question name
	qtype  uint16
	qclass uint16
	limit  int  // size limit the answer was truncated to (0: TCP)
	edns   bool // the query had an OPT record
	do     bool // ... with the DO bit
}

// answerCache holds packed answers of one zone snapshot; a change to the
// zone makes a new snapshot with an empty cache, so nothing is stale.
// Reads take no lock (sync.Map suits a read-mostly cache shared by cores).
type answerCache struct {
	m sync.Map     // cacheKey -> *cachedAnswer
	n atomic.Int64 // entries, bounded by maxCached
}

// cachedAnswer is a packed answer and the question name as packed in it.
type cachedAnswer struct {
	packed []byte
	qname  string
}

func newAnswerCache() *answerCache { return &answerCache{} }

func (c *answerCache) get(k cacheKey) *cachedAnswer {
	v, ok := c.m.Load(k)
	if !ok {
		return nil
	}
	return v.(*cachedAnswer)
}

func (c *answerCache) put(k cacheKey, packed []byte, qname string) {
	if c.n.Load() >= maxCached {
		return
	}
	if _, loaded := c.m.LoadOrStore(k, &cachedAnswer{packed: packed, qname: qname}); !loaded {
		c.n.Add(1)
	}
}

// fromCache rewrites a cached answer for req: its ID, its RD and CD flags,
// and the question name exactly as the client sent it (RFC 5452 0x20
// case). It returns nil if the name does not fit the cached bytes.
func fromCache(a *cachedAnswer, req *dns.Msg) []byte {
	packed := a.packed
	out := make([]byte, len(packed))
	copy(out, packed)
	out[0], out[1] = byte(req.Id>>8), byte(req.Id)
	const rd, cd = 0x01, 0x10 // in bytes 2 and 3 of the header
	out[2] &^= rd
	if req.RecursionDesired {
		out[2] |= rd
	}
	out[3] &^= cd
	if req.CheckingDisabled {
		out[3] |= cd
	}
	if req.Question[0].Name == a.qname {
		return out
	}
	n, err := dns.PackDomainName(req.Question[0].Name, out, 12, nil, false)
	if err != nil || n != 12+domainLen(packed[12:]) {
		return nil
	}
	return out
}

// domainLen is the wire length of the uncompressed name at the start of b
// (the question name is never compressed), or -1.
func domainLen(b []byte) int {
	for i := 0; i < len(b); {
		l := int(b[i])
		if l == 0 {
			return i + 1
		}
		if l&0xC0 != 0 {
			return -1
		}
		i += 1 + l
	}
	return -1
}

// canonical is dns.CanonicalName without its allocation in the common case
// of a name that is already lower-case and fully qualified.
func canonical(name string) string {
	if name == "" || name[len(name)-1] != '.' {
		return dns.CanonicalName(name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			return dns.CanonicalName(name)
		}
	}
	return name
}
