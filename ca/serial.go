package ca

import "github.com/localca/localca/internal/serialhex"

// FormatSerial prints a serial (big.Int.Bytes) as localca prints serials
// everywhere: as `openssl x509 -serial` does, upper-case hex, two digits an
// octet ("01A2…"). ParseSerial reads it back, and every other form users
// copy.
func FormatSerial(serial []byte) string { return serialhex.Format(serial) }
