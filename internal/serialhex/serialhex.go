// Package serialhex prints certificate serials in the one form localca
// uses everywhere (the CLI, /whoami, the demos, logs): the form `openssl
// x509 -serial` prints, upper-case hex of the serial's octets, two digits
// each, without separators (01A2…, never 1a2…). A user can then find a
// serial that one tool printed in what another printed, with grep.
package serialhex

import (
	"encoding/hex"
	"math/big"
	"strings"
)

// Format prints a serial given as the octets of a positive integer
// (big.Int.Bytes: no leading zero octets). An empty serial is "00", as
// openssl prints zero.
func Format(b []byte) string {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) == 0 {
		return "00"
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// FormatInt prints a serial given as a number. A negative serial (which RFC
// 5280 forbids but certificates from elsewhere may carry) gets a minus, as
// openssl prints it.
func FormatInt(n *big.Int) string {
	if n == nil {
		return "00"
	}
	if n.Sign() < 0 {
		return "-" + Format(new(big.Int).Neg(n).Bytes())
	}
	return Format(n.Bytes())
}
