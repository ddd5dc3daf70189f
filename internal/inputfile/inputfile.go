// Package inputfile reads a file a user names (a services file, a roots
// bundle) with a bound, so that a mistaken path (/dev/zero, a large log)
// is refused instead of being read whole into memory.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge: the file is over the caller's limit; nothing of it is kept.
var ErrTooLarge = errors.New("inputfile: file too large")

// Read reads the file at path, of at most limit bytes. The errors name
// the file: an *fs.PathError from opening it, ErrTooLarge with the limit.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: over %d bytes", path, ErrTooLarge, limit)
	}
	return data, nil
}
