package passprompt

import "errors"

// ErrMismatch is Ask's answer when the password and its confirmation differ.
var ErrMismatch = errors.New("the two passwords differ")
