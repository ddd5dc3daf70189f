package acme

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Statuses of RFC 8555 section 7.1.6.
const (
	StatusPending     = "pending"
	StatusReady       = "ready"
	StatusProcessing  = "processing"
	StatusValid       = "valid"
	StatusInvalid     = "invalid"
	StatusDeactivated = "deactivated"
	StatusRevoked     = "revoked"
	StatusExpired     = "expired"
)

// Identifier types: RFC 8555's dns and RFC 8738's ip.
const (
	IdentDNS = "dns"
	IdentIP  = "ip"
)

// Challenge types this server validates.
const (
	ChallHTTP01    = "http-01"
	ChallTLSALPN01 = "tls-alpn-01"
	ChallDNS01     = "dns-01"
)

// Ident is an ACME identifier.
type Ident struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Account is an ACME account: a public key and what it may do.
type Account struct {
	ID         string          `json:"id"`
	Key        json.RawMessage `json:"key"` // the public JWK
	Thumbprint string          `json:"thumbprint"`
	Status     string          `json:"status"`
	Contact    []string        `json:"contact,omitempty"`
	EABKeyID   string          `json:"eab_kid,omitempty"` // the binding it was made with
	Addr       string          `json:"addr,omitempty"`    // the client address that made it
	Created    time.Time       `json:"created"`
}

// Order is an ACME order.
type Order struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account"`
	Status      string    `json:"status"`
	Identifiers []Ident   `json:"identifiers"`
	Profile     string    `json:"profile,omitempty"`
	AuthzIDs    []string  `json:"authzs"`
	Replaces    string    `json:"replaces,omitempty"` // ARI certificate id
	Serial      string    `json:"serial,omitempty"`   // hex, once valid
	Error       *Problem  `json:"error,omitempty"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
}

// Authz is an authorization with its challenges.
type Authz struct {
	ID         string      `json:"id"`
	AccountID  string      `json:"account"`
	OrderID    string      `json:"order"`
	Identifier Ident       `json:"identifier"`
	Wildcard   bool        `json:"wildcard,omitempty"`
	Status     string      `json:"status"`
	Expires    time.Time   `json:"expires"`
	Challenges []Challenge `json:"challenges"`
}

// Challenge is one way to prove control of an authorization's identifier.
type Challenge struct {
	Type      string    `json:"type"`
	Token     string    `json:"token"`
	Status    string    `json:"status"`
	Validated time.Time `json:"validated,omitzero"`
	Error     *Problem  `json:"error,omitempty"`
}

// EABKey is an external account binding key: a key id, an HMAC key, and
// the names an account bound with it may order.
type EABKey struct {
	KeyID   string    `json:"kid"`
	HMAC    []byte    `json:"hmac"`
	Name    string    `json:"name"`
	Allow   []string  `json:"allow"`
	Created time.Time `json:"created"`
	// Account is the account it was bound to; a key binds one account.
	Account string `json:"account,omitempty"`
}

// certRef ties an issued certificate to its order and account, for
// download, revocation by the account and ARI's replaces.
type certRef struct {
	Order   string `json:"order"`
	Account string `json:"account"`
}

// newID is 128 random bits, base64url: ids and tokens alike.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Storage keys.
func keyAccount(id string) string            { return "acct/" + id }
func keyAccountByKey(thumb string) string    { return "acctkey/" + thumb }
func keyOrder(id string) string              { return "order/" + id }
func keyAccountOrder(acct, id string) string { return "acctorder/" + acct + "/" + id }
func keyAuthz(id string) string              { return "authz/" + id }
func keyEAB(kid string) string               { return "eab/" + kid }
func keyCert(serialHex string) string        { return "cert/" + serialHex }
func keyReplaced(serialHex string) string    { return "replaced/" + serialHex }
