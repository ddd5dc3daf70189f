package mesh

import "errors"

// ErrRefused is a call the service refused: its TLS stack sent an alert
// (under TLS 1.3, on the first read after the handshake), because the
// caller is not on its allow list, is revoked, or is not of its CA.
var ErrRefused = errors.New("refused by the service")

// ErrNoEcho is a TCP service that closed the connection before echoing.
var ErrNoEcho = errors.New("the service closed the connection before echoing")
