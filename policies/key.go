package policies

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"slices"
	"strconv"
)

// Key algorithm names as the policy file writes them.
const (
	AlgorithmRSA     = "rsa"
	AlgorithmECDSA   = "ecdsa"
	AlgorithmEd25519 = "ed25519"
)

// Hard limits that no policy file can loosen: smaller RSA keys are
// breakable, larger ones are a denial of service on every verifier, and
// P-224 is below 128-bit security.
const (
	minRSABits = 2048
	maxRSABits = 16384
)

var knownCurves = []string{"P-256", "P-384", "P-521"}

// CheckKey applies the key rules alone: the CA calls it before it creates
// or accepts a key, its own included. The error is a *Refusal.
func (p *Policy) CheckKey(pub crypto.PublicKey) error {
	if vs := p.Key.violations(pub, ""); len(vs) > 0 {
		return &Refusal{Violations: vs}
	}
	return nil
}

// violations inspects the key's type and size only.
func (k KeyRules) violations(pub crypto.PublicKey, profile string) []Violation {
	v := func(rule, value, allowed string) []Violation {
		return []Violation{{Profile: profile, Rule: rule, Value: value, Allowed: allowed}}
	}
	algs := list(k.Algorithms)
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if !slices.Contains(k.Algorithms, AlgorithmRSA) {
			return v(ruleKeyAlgorithms, AlgorithmRSA, algs)
		}
		if pub == nil || pub.N == nil {
			return v(ruleKey, "rsa (empty)", "a complete public key")
		}
		bits := pub.N.BitLen()
		if bits < max(k.RSAMinBits, minRSABits) {
			return v(ruleKeyRSAMin, strconv.Itoa(bits), strconv.Itoa(max(k.RSAMinBits, minRSABits)))
		}
		limit := k.RSAMaxBits
		if limit == 0 || limit > maxRSABits {
			limit = maxRSABits
		}
		if bits > limit {
			return v(ruleKeyRSAMax, strconv.Itoa(bits), strconv.Itoa(limit))
		}
		if pub.E < 3 || pub.E%2 == 0 {
			return v(ruleKey, fmt.Sprintf("rsa (public exponent %d)", pub.E), "an odd exponent of at least 3")
		}
	case *ecdsa.PublicKey:
		if !slices.Contains(k.Algorithms, AlgorithmECDSA) {
			return v(ruleKeyAlgorithms, AlgorithmECDSA, algs)
		}
		if pub == nil || pub.Curve == nil {
			return v(ruleKey, "ecdsa (no curve)", "a complete public key")
		}
		name := pub.Curve.Params().Name
		if !slices.Contains(k.Curves, name) || !slices.Contains(knownCurves, name) {
			return v(ruleKeyCurves, name, list(k.Curves))
		}
	case ed25519.PublicKey:
		return k.ed25519(len(pub), v)
	case *ed25519.PublicKey:
		if pub == nil {
			return v(ruleKey, "ed25519 (empty)", "a complete public key")
		}
		return k.ed25519(len(*pub), v)
	default:
		return v(ruleKeyAlgorithms, fmt.Sprintf("%T", pub), algs)
	}
	return nil
}

func (k KeyRules) ed25519(n int, v func(rule, value, allowed string) []Violation) []Violation {
	if !slices.Contains(k.Algorithms, AlgorithmEd25519) {
		return v(ruleKeyAlgorithms, AlgorithmEd25519, list(k.Algorithms))
	}
	if n != ed25519.PublicKeySize {
		return v(ruleKey, fmt.Sprintf("ed25519 (%d bytes)", n), "32 bytes")
	}
	return nil
}
