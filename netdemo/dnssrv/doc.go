// Package dnssrv is a small authoritative DNS server for one zone (by
// default localca.test.), with SRV records for service discovery, RFC 2136
// dynamic updates signed with TSIG, a client that discovers a service by
// SRV and connects to it over mTLS, and a side-by-side lookup that shows
// how the system resolver and a direct query differ.
//
// It imports only the standard library and github.com/miekg/dns; whoever
// drives it (the localca CLI) supplies the records, the durability and the
// certificates.
//
// # The zone
//
// A Zone holds its records in memory. Queries read an immutable snapshot
// without locking; Add, Remove and UPDATE build a new snapshot under a
// mutex, bump the SOA serial and swap it in. Durability is the caller's:
// ZoneConfig.Persist is called with the records added and removed BEFORE a
// change is applied; if it fails, nothing changes and an UPDATE is answered
// SERVFAIL. NewZone takes the initial records (those the caller stored).
// Records travel as zone-file text: rr.String() out, ParseRR in. ParseRR
// accepts SRV, A, AAAA, TXT and CNAME, class IN, owner names in the zone
// (relative names are completed with the zone), TTL 1..604800 seconds, and
// refuses CNAMEs beside other data and anything at ns.ZONE.
//
// The zone synthesises its SOA (ns.ZONE, hostmaster.ZONE; serial from
// ZoneConfig.Serial or the Unix time, +1 per change), its NS (ns.ZONE) and
// the A/AAAA of ns.ZONE (ZoneConfig.NSAddrs, default 127.0.0.1).
//
// # What the server answers and refuses
//
//   - Names in the zone: authoritative answers (AA set, RA clear, no
//     recursion), case-insensitive, the question echoed as sent.
//   - SOA, NS, A, AAAA, CNAME, TXT, SRV and ANY. A CNAME is answered and
//     chased inside the zone (up to 8 links, loops stop); a target outside
//     the zone is left to the client's resolver.
//   - SRV answers carry the targets' A and AAAA records in the additional
//     section when the zone holds them; NS answers carry ns.ZONE's address.
//   - A name with other types only: NOERROR with no answer and the SOA in
//     the authority section (NODATA). An empty non-terminal such as
//     _tcp.ZONE is NODATA too (RFC 8020). An unknown name: NXDOMAIN with
//     the SOA. The SOA's minimum (ZoneConfig.TTL, default 60 s) is the
//     negative-caching TTL.
//   - Names outside the zone, classes other than IN, AXFR and IXFR:
//     REFUSED without AA. No wildcards, no DNSSEC.
//   - EDNS0 versions other than 0: BADVERS. Opcodes other than QUERY and
//     UPDATE: NOTIMP. Malformed packets: FORMERR or silence (miekg/dns
//     drops what it cannot parse a header from); responses are dropped.
//
// # Truncation
//
// A UDP answer fits 512 bytes, or with EDNS0 the client's advertised size
// clamped to 512..Server.MaxUDPSize (default 1232, the DNS Flag Day 2020
// value that avoids fragmentation). Records that do not fit are dropped
// whole. TC is set when the answer or authority section lost records, so
// the client retries over TCP (dig does, LookupSRV does); additional
// records that do not fit are dropped silently (RFC 2181 §9). Over TCP the
// only limit is the 64 KiB of a DNS message. TCP connections may pipeline
// any number of queries (MaxTCPQueries is unlimited, so `dnsperf -m tcp`
// loses nothing); idle connections close after Server.IdleTimeout.
//
// Answers are packed once per zone snapshot and question and kept in a
// bounded cache; a hit only copies the bytes and patches the ID, the RD and
// CD flags and the question name's case. BenchmarkServeSRV compares this
// with a bare miekg/dns handler answering the same SRV record.
//
// # Dynamic updates with nsupdate
//
// UPDATE (RFC 2136) must be signed with TSIG (RFC 8945) by one of
// Server.Keys, HMAC-SHA256 only. Unsigned updates are REFUSED; an unknown
// key, a bad MAC or a clock skew over the fudge gets NOTAUTH, unsigned.
// Supported: add records (class IN), delete an RRset (class ANY, type T),
// delete every record at a name (class ANY, type ANY), delete one record
// (class NONE). The same policy as ParseRR applies (a record out of the
// zone: NOTZONE; a type not allowed: REFUSED); a CNAME added beside other
// data is ignored, as RFC 2136 says. Prerequisites are not supported: an
// update with a prerequisite section gets NOTIMP. The SOA and NS cannot be
// changed. All changes of one UPDATE are applied, and persisted, together.
//
// Make a key with NewTSIGKey and give it to both sides:
//
//	key, _ := dnssrv.NewTSIGKey("localca-update")
//	srv := &dnssrv.Server{Zone: zone, Keys: []dnssrv.TSIGKey{key}}
//	fmt.Println(key.NsupdateArg()) // hmac-sha256:localca-update:SECRET
//
// then register a service from a shell:
//
//	nsupdate -y hmac-sha256:localca-update:SECRET <<'EOF'
//	server 127.0.0.1 8053
//	zone localca.test.
//	update add _echo._tcp.localca.test. 60 IN SRV 10 5 7000 echo.localca.test.
//	update add echo.localca.test. 60 IN A 127.0.0.1
//	send
//	EOF
//	dig @127.0.0.1 -p 8053 _echo._tcp.localca.test SRV
//
// `update delete _echo._tcp.localca.test. SRV` removes the RRset. The -y
// form puts the secret on the command line, visible to other local users;
// for anything but a demo write a key file (key "localca-update" {
// algorithm hmac-sha256; secret "SECRET"; };) and use nsupdate -k FILE.
//
// Keys that other processes create or revoke while the server runs (the
// limited keys of `localca dns key create`) reach it through
// Server.FollowKeys, which reads a KeySource every interval; a zone kept in
// step with a durable copy is a BackedZone over a Backing, synced by
// Follow. A Backing that is also a Notifier (the CA's store in etcd,
// watched) says when it changed: Follow and FollowKeysOn then read at
// once, and poll only now and then. These are interfaces of this package,
// so it imports no store.
//
// # Discovery
//
// LookupSRV asks our server for _service._proto.ZONE (UDP, then TCP on
// TC) and returns the SRV records with the additional addresses. Order
// sorts them as RFC 2782 says: lowest priority first; within a priority,
// repeatedly pick at random with probability proportional to weight
// (drawing from [0, sum of weights], weight-0 records first so they are
// picked rarely, or in random order when all weights are 0). A single
// target "." means the service is not offered. Dial does both and tries
// each target in order, each of its addresses in turn, over TLS with
// ServerName set to the target (without the final dot): the server's
// certificate must name the SRV target, not merely be signed by a trusted
// CA. It returns the first connection that completes the handshake, or a
// *DialError listing every target's failure.
//
// # Two ways to resolve
//
// Programs resolve names two ways, and they can disagree. The system path
// (getaddrinfo, Node's dns.lookup, Go's net.DefaultResolver) follows
// /etc/nsswitch.conf, answers from /etc/hosts first, appends the search
// domains of /etc/resolv.conf, asks the servers listed there, may cache
// (nscd, systemd-resolved) and hides the DNS details: you get addresses or
// a generic "no such host". A direct query (dig, Node's dns.resolve*,
// miekg/dns) asks exactly one server one question and shows exactly what
// it said: the rcode, the AA flag, every record. Our zone is not known to
// the system resolver unless the system is configured to ask our server,
// so `localca dns lookup` shows three columns: the system path, Go's own
// stub resolver pointed at our server (library behaviour, our data), and
// the direct query.
package dnssrv
