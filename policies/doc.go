// Package policies decides what localca may sign, and explains itself when
// it refuses.
//
// A Policy has key rules, which every certificate and the CA's own keys
// obey, and profiles, one per kind of certificate:
//
//	server        TLS servers: extended key usage serverAuth (default 90 days)
//	client        TLS clients: clientAuth (default 90 days)
//	peer          services talking mTLS: serverAuth and clientAuth (default 24 hours)
//	intermediate  the CA made by `localca init` (default 5 years)
//
// Key usage follows the key type: RSA leaves get digitalSignature and
// keyEncipherment, ECDSA and Ed25519 leaves digitalSignature; the
// intermediate gets keyCertSign, cRLSign and digitalSignature, path length
// 0. Leaf profiles also carry name rules: allow and deny lists for DNS
// names, IP ranges, email addresses and URIs, and whether a wildcard name
// may be issued. Deny wins; an empty allow list allows nothing.
//
// # Use
//
// The CA builds a Request from a CSR (RequestFromCSR) or from names on the
// command line (Request.AddName) and calls Check. Check returns a Decision,
// which holds everything the certificate needs (validity, key usage,
// extended key usage, CA flag and path length, and the names normalised the
// way they go into it), or a *Refusal listing every violation at once:
//
//	policy: name "example.com" is not allowed (profile server, dns.allow: localhost, *.localhost, .test, .internal)
//	policy: IP address 8.8.8.8 is not allowed (profile server, ip.allow: 127.0.0.0/8, ...)
//
// Each Violation names its rule the way the policy file spells the key
// (dns.allow, dns.deny, dns.syntax, wildcards, ip.allow, ip.deny,
// email.allow, uri.allow, key.algorithms, key.curves, key.rsa_min_bits,
// key.rsa_max_bits, validity.max, names), so the user knows which line to
// change. A Refusal matches ErrRefused; an unknown profile is
// ErrUnknownProfile; a broken policy is ErrInvalidPolicy.
//
// Only names are taken from a request: nothing else of a CSR (no
// extension, no CA flag) reaches the Decision. A leaf's common name is
// checked like a SAN and also listed among the SANs, since clients ignore
// the CN. A leaf must carry at least one name and at most MaxNames (100)
// subject alternative names; a request over that is refused at once, under
// the rule names, before any name is checked. A nil PublicKey skips the key
// rules (for `localca policy check --name`); the CA always passes one.
//
// # Names
//
// DNS names are compared after IDNA conversion (golang.org/x/net/idna,
// Lookup profile) to lower-case A-labels without a trailing dot, so
// "Bücher.Test." and "xn--bcher-kva.test" are the same name, and that is the
// form the certificate carries. Names that are not valid host names (empty
// or over-long labels, underscores, a "*" other than a whole leftmost
// label, an IP address) are refused under the rule dns.syntax.
//
// DNS patterns have three forms:
//
//	api.example.test   exactly that name
//	*.example.test     exactly one label under example.test
//	.example.test      any depth under example.test (not example.test itself)
//
// The default allows ".test" and ".internal", so api.dev.test is allowed,
// and "*.localhost", so app.localhost is and a.b.localhost is not. A
// requested wildcard such as "*.dev.test" is a name whose leftmost label is
// "*": it needs wildcards = true in the profile, must match an allow pattern
// ("*.dev.test" or ".test", not "api.dev.test"), and is denied when any
// name it would cover is denied (a deny of "secret.dev.test" refuses
// "*.dev.test").
//
// IP patterns are CIDR ranges or single addresses, IPv4 or IPv6; an
// IPv4-mapped IPv6 address is its IPv4 address. Email patterns are a
// mailbox ("alice@example.test") or a DNS pattern for the domain part. URI
// patterns are scheme://host/path where the host takes the DNS forms and a
// path ending in "/*" means anything below it: "spiffe://localca.test/*" is
// every SPIFFE ID of localca's trust domain. Requested URIs must be
// absolute, without user, port, query or fragment, with a clean path (no
// empty, "." or ".." segments, no encoded slash), so no ID can climb out of
// an allowed prefix.
//
// # The policy file
//
// Policies are TOML files (Load, Parse) that people edit by hand. Decoding
// is strict: an unknown key is an error, and so is a bad pattern, range,
// duration or limit. Every problem is reported at once, each a *ParseError
// with the file, line and key:
//
//	policy: policy.toml:21: profiles.server.ip.allow: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?
//	policy: policy.toml:30: profiles.server.wildcard: unknown key (a profile has validity.default, ...)
//
// Durations are days ("90d") or Go durations ("24h"). Encode prints a policy
// in the same format (what `localca policy show` prints); the output parses
// back to an equal policy. Default is the built-in policy used when there is
// no file. A full example, commented (testdata/example.toml):
//
//	# localca policy: what this CA may sign.
//	#
//	# `localca policy show` prints the policy in force, and
//	# `localca policy check --name api.dev.test` tries a request against it.
//	# Unknown keys are errors, so a typo never silently loosens a rule.
//
//	# Key rules apply to every profile and to the CA's own keys.
//	[key]
//	algorithms = ["ecdsa", "ed25519", "rsa"] # any of rsa, ecdsa, ed25519
//	curves = ["P-256", "P-384"]              # ECDSA curves: P-256, P-384, P-521
//	rsa_min_bits = 2048                      # 2048 is the floor no file can lower
//	rsa_max_bits = 8192                      # 16384 is the ceiling
//
//	# Each profile is a kind of certificate. Leave a profile out to refuse it.
//	#
//	# Validity is days ("90d") or hours ("24h"). A request may ask for less
//	# than validity.max; without a request it gets validity.default.
//	#
//	# Name rules: a name must match an allow pattern and no deny pattern (deny
//	# wins); an empty or missing allow list allows nothing.
//	#   dns:   "api.example.test"  exactly that name (case, a trailing dot and
//	#                              Unicode/punycode forms do not matter)
//	#          "*.example.test"    one label under example.test
//	#          ".example.test"     any depth under example.test, not itself
//	#   ip:    CIDR ranges "10.0.0.0/8", "fd00::/8" or single addresses "::1"
//	#   email: "alice@example.test" one mailbox; "example.test", "*.example.test"
//	#          and ".example.test" any mailbox at such hosts
//	#   uri:   "spiffe://example.test/*" anything below the path;
//	#          "spiffe://example.test/ns/prod/web" exactly; the host part takes
//	#          the dns forms
//	# wildcards = true lets a leaf carry a wildcard name such as "*.dev.test";
//	# it must still match dns.allow, and is denied when any name it would cover
//	# is denied.
//
//	[profiles.server] # TLS servers: extended key usage serverAuth
//	validity.default = "90d"
//	validity.max = "398d"
//	wildcards = true
//	dns.allow = ["localhost", "*.localhost", ".test", ".internal"]
//	dns.deny = ["prod.internal", ".prod.internal"] # keep production names out
//	ip.allow = [
//	  "127.0.0.0/8",    # loopback
//	  "::1",            # loopback
//	  "10.0.0.0/8",     # private (RFC 1918)
//	  "172.16.0.0/12",
//	  "192.168.0.0/16",
//	  "fc00::/7",       # unique local IPv6
//	]
//	ip.deny = ["10.99.0.0/16"]
//	uri.allow = ["spiffe://localca.test/*"]
//
//	[profiles.client] # TLS clients: clientAuth
//	validity.default = "90d"
//	validity.max = "398d"
//	wildcards = false
//	dns.allow = ["localhost", "*.localhost", ".test", ".internal"]
//	dns.deny = [".prod.internal"]
//	ip.allow = ["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
//	email.allow = [".test", "localhost", "admin@corp.internal"]
//	email.deny = ["root@localhost"]
//	uri.allow = ["spiffe://localca.test/*"]
//
//	[profiles.peer] # services in mTLS: serverAuth and clientAuth, short-lived
//	validity.default = "24h"
//	validity.max = "30d"
//	dns.allow = [".test", ".internal"]
//	dns.deny = [".prod.internal"]
//	ip.allow = ["127.0.0.0/8", "::1", "10.0.0.0/8"]
//	uri.allow = ["spiffe://localca.test/ns/dev/*", "spiffe://localca.test/ns/staging/*"]
//	uri.deny = ["spiffe://localca.test/ns/dev/sa/admin"]
//
//	# The intermediate made by `localca init`. It carries name constraints built
//	# from the leaf profiles' allow lists, so even a leaked intermediate cannot
//	# mint a certificate for a public name that clients accept. It takes no name
//	# rules of its own.
//	[profiles.intermediate]
//	validity.default = "1825d"
//	validity.max = "3650d"
//
// # Name constraints
//
// NameConstraints turns the union of the leaf profiles' allow lists into
// RFC 5280 name constraints for the intermediate: "*.x" and ".x" become the
// domain constraint ".x", an exact name becomes itself (which also permits
// names under it: RFC 5280 has nothing narrower), IP ranges stay as they
// are, URI patterns give their hosts. Exclusions come only from deny rules
// that every leaf profile shares and that RFC 5280 says exactly (".x"
// suffixes, IP ranges), so no allowed name is ever excluded. When the
// policy allows no name of a kind, the constraint permits only the
// reserved domain "invalid" (or the unspecified addresses), because an
// empty permitted list would permit everything. The intermediate made this
// way cannot mint a certificate for a public name that a verifying client
// accepts, even if its key leaks; the tests check both directions with
// crypto/x509.
//
// Limits no file can loosen: RSA keys of 2048 to 16384 bits, curves P-256,
// P-384 and P-521.
package policies
