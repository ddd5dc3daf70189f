// Package policies decides what localca may sign, and explains itself when
// it refuses.
//
// A Policy has key rules, which every certificate and the CA's own keys
// obey, and profiles, one per kind of certificate: server (serverAuth),
// client (clientAuth), peer (both, short-lived) and intermediate (the CA
// that `localca init` makes). Leaf profiles carry name rules: allow and
// deny lists for DNS names, IP ranges, email addresses and URIs, and
// whether a wildcard may be issued. Deny wins; an empty allow list allows
// nothing.
//
// # Use
//
// Build a Request from a CSR (RequestFromCSR) or from names (Request.AddName)
// and call Policy.Check. It returns a Decision, which holds everything the
// certificate needs (validity, key usage, extended key usage, CA flag and
// path length, and the names normalised as they go into it), or a *Refusal
// listing every violation at once, each naming its rule the way the policy
// file spells the key:
//
//	policy: name "example.com" is not allowed (profile server, dns.allow: localhost, *.localhost, .test, .internal)
//
// Only names are taken from a request: nothing else of a CSR (no
// extension, no CA flag) reaches the Decision. A Refusal matches
// ErrRefused; an unknown profile is ErrUnknownProfile; a broken policy is
// ErrInvalidPolicy.
//
// DNS names are compared as lower-case IDNA A-labels without a trailing
// dot. DNS patterns have three forms: "api.example.test" (that name),
// "*.example.test" (one label under it) and ".example.test" (any depth
// under it, not itself). IP patterns are CIDR ranges or addresses; URI
// patterns are scheme://host/path, where a path ending in "/*" means
// anything below it.
//
// # The policy file
//
// Policies are TOML files that people edit by hand (Load, Parse; Encode
// writes one back). Decoding is strict: an unknown key, a bad pattern,
// range, duration or limit is an error, each a *ParseError with the file,
// line and key, all reported at once. Default is the built-in policy used
// when there is no file; testdata/example.toml is a full example,
// commented.
//
// # Name constraints
//
// NameConstraints turns the union of the leaf profiles' allow lists into
// RFC 5280 name constraints for the intermediate, so that even a leaked
// intermediate cannot mint a certificate for a public name that a
// verifying client accepts. When the policy allows no name of a kind, the
// constraint permits only the reserved domain "invalid", because an empty
// permitted list would permit everything.
//
// Limits no file can loosen: RSA keys of 2048 to 16384 bits, curves P-256,
// P-384 and P-521.
package policies
