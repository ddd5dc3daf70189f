//go:build !darwin

package truststore

import (
	"context"
	"crypto/x509"
)

// keychainStore stands for the macOS System keychain where there is none:
// it says it is missing, so Run skips it (or refuses it when asked for by
// name).
type keychainStore struct{}

func newKeychainStore() *keychainStore { return &keychainStore{} }

func (*keychainStore) name() string    { return "keychain" }
func (*keychainStore) missing() string { return "only on macOS" }

func (*keychainStore) status(context.Context, *x509.Certificate) ([]place, error) {
	return nil, errNoKeychain
}
func (*keychainStore) writable([]place) error { return errNoKeychain }
func (*keychainStore) install(context.Context, *x509.Certificate, string, []place) ([]Step, error) {
	return nil, errNoKeychain
}
func (*keychainStore) uninstall(context.Context, *x509.Certificate, []place) ([]Step, error) {
	return nil, errNoKeychain
}
