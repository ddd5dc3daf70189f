package ca

import (
	"fmt"
	"os"
)

// RenewRef reads what `localca renew` is given: a certificate file (any
// regular file: the serial of its first certificate, and certFile, which is
// renewed in place), or else a serial in hex (ErrBadRef when ref is
// neither). certFile is set for a file even when reading it fails, so that
// the caller can tell the two apart.
func RenewRef(ref string) (serial []byte, certFile string, err error) {
	if fi, err := os.Stat(ref); err != nil || !fi.Mode().IsRegular() {
		serial, err := ParseSerial(ref)
		if err != nil {
			return nil, "", &hintError{fmt.Sprintf("%q is neither a file nor a serial: %v", ref, err), ErrBadRef}
		}
		return serial, "", nil
	}
	data, err := ReadInput(ref, MaxInputFile)
	if err != nil {
		return nil, ref, err
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, ref, fmt.Errorf("%s: %w", ref, err)
	}
	return certs[0].SerialNumber.Bytes(), ref, nil
}
