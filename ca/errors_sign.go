package ca

import "errors"

// ErrCAProfile is a request to sign a CSR, or to self-sign one, under a
// profile that makes CA certificates (intermediate). Only init makes CAs;
// from a CSR the CA issues leaves. It lives apart from errors.go, which
// another part of the package owns.
var ErrCAProfile = errors.New("ca: that profile makes CA certificates; only init makes them")
