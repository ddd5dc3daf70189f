// Package web is the CA's page for people, served by `localca serve` at /:
// what the CA is, how to trust its root on any device, and what it issued.
//
// Everything is rendered on the server with html/template from views
// prepared in Go (view.go, inventory.go, detail.go, trust.go); the
// templates only print. There is no script: the Content-Security-Policy
// allows none, and the page works with JavaScript off. The stylesheet is
// served by the page itself, and the QR code of the trust page is inline
// SVG drawn from the matrix of github.com/yeqown/go-qrcode/v2.
//
// Nothing here changes the CA. The page reads the store through
// Config.Read, which the server backs with the same per-request store
// lease as its other endpoints, so other localca commands keep working.
// The inventory pages by key (store.PageQuery), so a page costs what it
// shows however many certificates the store holds.
//
// Two handlers: Handler is the whole page for serve's TLS listener, with
// the inventory behind Config.Authorize when that is set; TrustHandler is
// the public part alone (the trust page, the root's downloads), for a
// plain-HTTP listener that a device which does not trust the root yet can
// open without a warning.
package web
