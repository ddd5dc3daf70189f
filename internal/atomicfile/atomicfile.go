// Package atomicfile writes files so that a reader sees the old content or
// the new, never a torn mix, and a crash leaves no half-written key behind:
// write a temporary file in the same folder, fsync it, rename it over the
// target, fsync the folder. Replace does the same without the fsyncs, for
// files that are copies of what a durable store already holds.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// File is one file for WriteFiles.
type File struct {
	Path string
	Data []byte
	Perm os.FileMode
}

// WriteFile writes data to path with the given permissions, atomically. The
// permissions are set on the temporary file before any byte is written, so a
// private key is never readable by others, even for a moment.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteFiles(File{Path: path, Data: data, Perm: perm})
}

// WriteFiles writes several files as WriteFile does, with one fsync of each
// folder at the end instead of one per file: `localca issue` writes a key
// and a certificate side by side.
func WriteFiles(files ...File) error {
	dirs := map[string]bool{}
	for _, f := range files {
		if err := write(f, true); err != nil {
			return err
		}
		dirs[filepath.Dir(f.Path)] = true
	}
	for dir := range dirs {
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// Replace writes files as WriteFiles does (a temporary file with its
// permissions set before any byte, renamed over the target, so that a reader
// sees the old content or the new and never a torn mix), but syncs nothing
// to disk. It is for files that can be written again from a durable copy:
// `localca issue` commits the certificate and its key to the store first,
// and `localca export SERIAL --key` writes them again. A power cut soon
// after can lose such a file, or leave it empty (ext4 does not order a new
// file's data before its rename without the fsync); it cannot lose the
// record. Without the three fsyncs (each file, then the folder) a one-shot
// `issue` took 0.56x its wall time on a busy disk (docs/BENCHMARKS.md).
func Replace(files ...File) error {
	for _, f := range files {
		if err := write(f, false); err != nil {
			return err
		}
	}
	return nil
}

func write(file File, durable bool) error {
	dir := filepath.Dir(file.Path)
	f, err := os.CreateTemp(dir, tempPattern(filepath.Base(file.Path)))
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(file.Perm); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if _, err := f.Write(file.Data); err != nil {
		return fmt.Errorf("atomicfile: writing %s: %w", file.Path, err)
	}
	if durable {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("atomicfile: syncing %s: %w", file.Path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := os.Rename(tmp, file.Path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	ok = true
	return nil
}

// maxTempBase bounds the part of a temporary file's name taken from the
// file's own: the dot, ".tmp" and CreateTemp's random digits (up to 10)
// must fit in the 255 bytes of a file name as well, so a file whose name
// is near the limit can still be written.
const maxTempBase = 200

// tempPattern is the name pattern of base's temporary file: hidden, next to
// it, recognisably its own.
func tempPattern(base string) string {
	if len(base) > maxTempBase {
		base = base[:maxTempBase]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
	}
	return "." + base + ".tmp*"
}
