//go:build !unix

package safehome

import "io/fs"

// ownerOf knows no owners outside unix: the checks pass there.
func ownerOf(fs.FileInfo) (uint32, bool) { return 0, false }
