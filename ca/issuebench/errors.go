package issuebench

import "errors"

// ErrCallers: a row needs at least one caller.
var ErrCallers = errors.New("want at least one caller")
