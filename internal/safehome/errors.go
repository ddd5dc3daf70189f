package safehome

import "errors"

// ErrUnsafe is wrapped by every refusal: a path that someone other than
// the user (or root) owns or may write.
var ErrUnsafe = errors.New("unsafe permissions")
