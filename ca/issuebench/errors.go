package issuebench

import "errors"

// ErrCallers: a row needs at least one caller.
var ErrCallers = errors.New("want at least one caller")

// ErrCallersList: a caller count must be a number from 1 to MaxCallers.
var ErrCallersList = errors.New("want numbers from 1 to 1024")
