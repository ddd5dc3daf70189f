package online

import "errors"

// ErrBadURL: a listener's URL is not scheme://HOST[:PORT] with no path.
var ErrBadURL = errors.New("online: bad URL")
