package netdemo

import (
	"time"

	"github.com/localca/localca/internal/defaults"
)

// Default limits. They are generous for a person typing at a demo client and
// tight enough that a slow or hostile client cannot hold a server's resources.
const (
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 16 << 10 // 16 KiB of request headers
	DefaultMaxBodyBytes      = 1 << 20  // 1 MiB of request body
	DefaultMaxLineBytes      = 4 << 10  // 4 KiB per TCP echo line
	DefaultMaxConns          = 256
	DefaultFirstByteTimeout  = 2 * time.Second
	DefaultMaxPending        = 64
)

// Limits bound what one client can take from a server. The zero value of each
// field means its Default; a negative duration or size is not allowed and is
// also replaced by the default (a demo server never runs unbounded).
type Limits struct {
	// HandshakeTimeout bounds the TLS handshake. For the TCP server it is
	// exact. For the HTTP server Go's net/http bounds the handshake by the
	// smallest of ReadHeaderTimeout, ReadTimeout and WriteTimeout, so the HTTP
	// server lowers ReadHeaderTimeout to HandshakeTimeout when that is smaller.
	HandshakeTimeout time.Duration
	// ReadHeaderTimeout bounds reading an HTTP request's headers (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole HTTP request, or one TCP line once
	// its first byte has arrived.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an HTTP response or one TCP line.
	WriteTimeout time.Duration
	// IdleTimeout closes a connection on which the client sent nothing for
	// this long (HTTP keep-alive, or a quiet TCP echo client).
	IdleTimeout time.Duration
	// MaxHeaderBytes caps HTTP request headers; more gets 431.
	MaxHeaderBytes int
	// MaxBodyBytes caps an HTTP request body; more gets 413.
	MaxBodyBytes int64
	// MaxLineBytes caps one TCP echo line; a longer line closes the connection.
	MaxLineBytes int
	// MaxConns caps connections served at once; further clients wait in the
	// kernel's accept queue until one closes. With TLS, only connections
	// whose handshake completed count.
	MaxConns int
	// FirstByteTimeout bounds the wait for a TLS client's first byte (its
	// ClientHello): a socket that says nothing is closed after it.
	FirstByteTimeout time.Duration
	// MaxPending caps TLS handshakes under way; a new connection closes
	// the oldest pending one when the pool is full, so silent sockets cannot
	// keep real clients out.
	MaxPending int
}

// withDefaults returns l with every unset or invalid field replaced by its default.
func (l Limits) withDefaults() Limits {
	defaults.Positive(&l.HandshakeTimeout, DefaultHandshakeTimeout)
	defaults.Positive(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	defaults.Positive(&l.ReadTimeout, DefaultReadTimeout)
	defaults.Positive(&l.WriteTimeout, DefaultWriteTimeout)
	defaults.Positive(&l.IdleTimeout, DefaultIdleTimeout)
	defaults.Positive(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	defaults.Positive(&l.MaxBodyBytes, DefaultMaxBodyBytes)
	defaults.Positive(&l.MaxLineBytes, DefaultMaxLineBytes)
	defaults.Positive(&l.MaxConns, DefaultMaxConns)
	defaults.Positive(&l.FirstByteTimeout, DefaultFirstByteTimeout)
	defaults.Positive(&l.MaxPending, DefaultMaxPending)
	return l
}
