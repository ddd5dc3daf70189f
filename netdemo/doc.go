// Package netdemo puts a CA's certificates to work: TLS and mutual-TLS
// servers and clients over TCP and HTTP, and a plain UDP echo, written as a
// correct reference for doing TLS and mTLS in Go. It backs the
// `localca demo ...` commands, and it imports no package of localca: it
// takes a certificate (an Identity), a trust pool (*x509.CertPool), a
// RevocationChecker and AllowRules as inputs, so any PKI can drive it.
//
// # The demos
//
// TCP (TCPServer, TCPClient): a line echo that shows TCP is a duplex stream.
// The server greets each client as soon as the connection (and handshake) is
// up, optionally sends "tick <time>" every Tick while the client is silent,
// and answers every line with "echo: <line>". The client prints what the
// server sends the moment it arrives, independently of what it sends. When
// the client's input ends it closes its sending side; the server says "bye"
// and closes. On shutdown the server says "bye: server shutting down".
//
// HTTP (HTTPServer, NewHTTPClient, Whoami, HTTPClientDemo): GET /whoami
// answers JSON (ConnInfo) with the client certificate's subject, SANs,
// SPIFFE ID, serial, issuer and validity left, the TLS version, cipher suite,
// ALPN protocol and HTTP protocol. HTTP/2 and HTTP/1.1 both work (ALPN
// "h2", "http/1.1"). POST /echo returns its body, to show the body limit.
//
// UDP (UDPServer, UDPClient): plain datagrams, no connection, no TLS. The
// server answers each datagram to its sender with the same bytes, never
// more (a UDP server that answers with more than it got is an amplifier for
// spoofed traffic). The payload limit defaults to DefaultUDPPayload, 1472
// bytes (1500 MTU - 20 IPv4 - 8 UDP: no fragmentation on Ethernet), and can
// be raised to MaxUDPPayload, 65507. The client refuses a larger payload with
// a *PayloadTooLargeError (ErrPayloadTooLarge) before sending anything, and
// reports a reply that does not come within its Timeout (default 2s) as
// ErrNoReply instead of waiting forever; the server drops and logs datagrams
// over its limit.
//
// # TLS configuration
//
// ServerTLS.Config and ClientTLS.Config build the tls.Config values. Both
// require TLS 1.2 or later and read the certificate through GetCertificate /
// GetClientCertificate from an Identity, an atomic pointer: Identity.Set (or
// Reload, or WatchFiles for files renewed on disk) swaps in a renewed
// certificate, new handshakes use it at once, and open connections carry on.
// That is hot reload without a restart or a dropped connection.
//
// The client never uses the system trust store implicitly: RootCAs and
// ServerName are required, and crypto/tls verifies the chain and the host
// name as usual (there is no InsecureSkipVerify anywhere).
//
// # A peer from any PKI
//
// NewPeer assembles one side of a connection from a PeerConfig: its
// certificate from an issuer function (renewed at two thirds of its life
// by Peer.Keep) or from files (reloaded when they change), the roots it
// trusts, the CA certificates whose CRLs it accepts, and a CRL source.
// Peer.Revocation starts the CRLChecker, and Peer.ServerTLS and
// Peer.ClientTLS describe the two sides. `localca demo` builds its peers
// this way, with the CA as the issuer; any other CA can stand in.
//
// # mTLS, done right
//
// A server is mTLS when ServerTLS.ClientCAs is set. Then:
//
//   - The trust pool should hold only our CA (root), so a certificate from
//     any other authority fails chain verification.
//   - A client certificate is required. The refusal of a client without one
//     is the TLS alert "certificate required".
//   - The checks run in tls.Config.VerifyConnection (PeerPolicy), in this
//     order: chain to the pool with the clientAuth extended key usage (so an
//     expired certificate, a server-only one, or another CA's fails here);
//     then revocation; then the allow rules. VerifyConnection runs on every
//     handshake, resumed sessions included; VerifyPeerCertificate does not,
//     so a check placed there would let a revoked client back in on a session
//     ticket. A refusal on a resumed session says "(on a resumed session)".
//   - Errors name the failing check and the certificate's subject, serial and
//     SANs, and wrap a sentinel (ErrUntrusted, ErrRevoked,
//     ErrRevocationUnknown, ErrNotAllowed) for errors.Is. They appear in the
//     server's log; the client only sees the TLS alert "bad certificate".
//   - Under TLS 1.3 the client's handshake completes before the server has
//     judged the client's certificate, so the refusal reaches the client on
//     its first read, not from Dial/Handshake. A tool such as
//     `openssl s_client </dev/null` exits 0 even when refused; send a request
//     and check the reply.
//
// # Revocation
//
// RevocationChecker is one method, Check(leaf), called on every handshake;
// it must be a lookup in memory. CRLChecker implements it from the CA's CRL:
// Fetch returns the CRL (DER, or PEM with one block per issuer), whose
// signature is verified against Issuers; the revoked serials are kept per
// issuer in a map. Start fetches once and then refreshes in the background
// every Refresh (default DefaultCRLRefresh, one minute), or sooner when the
// CRL's nextUpdate comes first, until Close or the context ends. A revoked
// certificate is therefore refused by a running server at most one refresh
// interval after the CA publishes the CRL that lists it. A CRL with a lower
// CRL number than the one held is refused (no rollback); a failed refresh
// keeps the CRL held.
//
// Fail-closed is the default: if no valid CRL for the certificate's issuer is
// held (never fetched, the CA unreachable since start, or the held CRL's
// nextUpdate has passed), every peer is refused with ErrRevocationUnknown and
// a message saying "failing closed". FailOpen: true accepts such peers
// instead, trading safety for availability during a CA outage. Only the leaf
// is checked; intermediates are not.
//
// # Authorisation
//
// ParseAllowRules reads --allow values: "dns:web.localca.test",
// "dns:*.localca.test" (one label), "uri:spiffe://localca.test/web",
// "uri:spiffe://localca.test/*" (a trailing * matches any non-empty rest),
// "ip:10.0.0.0/8", "email:ops@localca.test", "cn:Name", or a bare value that
// matches any SAN. A peer is allowed if any rule matches; an empty list allows
// any certificate that chains to the trust pool.
//
// # Limits and their defaults
//
// Every server is bounded (Limits; a zero field takes its default):
//
//	HandshakeTimeout   10s    TLS handshake (HTTP: also caps ReadHeaderTimeout,
//	                          since net/http bounds the handshake by it)
//	ReadHeaderTimeout   5s    HTTP request headers (slowloris)
//	ReadTimeout        30s    whole HTTP request; a TCP line once begun
//	WriteTimeout       30s    HTTP response; one TCP line
//	IdleTimeout         2m    keep-alive, or a silent TCP client
//	MaxHeaderBytes     16 KiB HTTP headers; more gets 431
//	MaxBodyBytes        1 MiB HTTP body (POST /echo); more gets 413
//	MaxLineBytes        4 KiB one TCP line; longer closes the connection
//	MaxConns          256     connections at once; more wait to be accepted
//
// Servers take a net.Listener (or net.PacketConn) and serve until their
// context is done, then shut down gracefully and return nil. The CLI should
// listen on loopback (127.0.0.1) unless told otherwise.
package netdemo
