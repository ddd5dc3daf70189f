package truststore

import "errors"

// needsRootError says a store cannot be changed by this user.
type needsRootError struct{ why string }

func (e *needsRootError) Error() string { return e.why }

// ErrRefused marks a trust command that changed nothing because some
// store could not be changed.
var ErrRefused = errors.New("trust: nothing was changed")

// ErrUnknownStore marks a store name that Select does not know.
var ErrUnknownStore = errors.New("want system, nss, java or keychain")

// errNoKeychain: the keychain store exists only on macOS.
var errNoKeychain = errors.New("keychain: only on macOS")
