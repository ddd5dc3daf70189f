// Package safehome refuses a CA home, store or policy file that another
// user could have planted or could change, as OpenSSH's StrictModes does.
//
// The store holds the CA's keys and the policy decides what the CA signs.
// If a neighbour on the machine owns the home folder, or may write to it or
// to any folder above it, they can put their own store or policy.toml
// there before localca runs (and read the keys written into their file),
// or swap them afterwards. So before anything is read or created, every
// component of the path is checked: owned by the user or root, and
// writable by neither group nor others. The one exception is a folder
// above the home that root owns with the sticky bit (/tmp): others may
// create entries there but not rename or remove ours.
package safehome

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// Checker checks paths for one user.
type Checker struct {
	// UID is the user whose files these are; root (0) may own them too.
	UID uint32
}

// ForProcess is the checker for this process's user: under sudo (root with
// SUDO_UID set) the user who ran sudo, whose files these are.
func ForProcess(getenv func(string) string) (Checker, error) {
	uid := uint32(os.Geteuid())
	if s := getenv("SUDO_UID"); uid == 0 && s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return Checker{}, fmt.Errorf("SUDO_UID %q: %w", s, err)
		}
		uid = uint32(n)
	}
	return Checker{UID: uid}, nil
}

// UnsafeError says which path was refused, who owns it, its mode, and how
// to fix it.
type UnsafeError struct {
	Path  string
	Owner uint32
	Mode  fs.FileMode
	Why   string
	Fix   string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("%s: %s is owned by %s with mode %s: %s; fix: %s",
		ErrUnsafe, strconv.Quote(e.Path), userName(e.Owner), e.Mode, e.Why, e.Fix)
}

func (e *UnsafeError) Unwrap() error { return ErrUnsafe }

// Dir checks a home folder and every folder above it. A home that does
// not exist yet passes when the folders that would hold it do.
func (c Checker) Dir(path string) error { return c.check(path, true) }

// File checks a store or policy file and every folder above it. A file
// that does not exist yet passes when its folders do.
func (c Checker) File(path string) error { return c.check(path, false) }

// MakeHome checks path, creates what is missing of it with mode 0700, and
// checks it again (a neighbour may have raced to create it).
func (c Checker) MakeHome(path string) error {
	if err := c.Dir(path); err != nil {
		return err
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return fmt.Errorf("creating the home folder: %w", err)
	}
	return c.Dir(path)
}

func (c Checker) check(path string, dir bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// The path as given, component by component, then the same with every
	// link resolved: a link's target and the folders above it count too.
	existing := abs
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking %q: %w", existing, err)
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		existing = parent
	}
	if err := c.chain(existing, abs, dir); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return fmt.Errorf("checking %q: %w", existing, err)
	}
	if real != existing {
		return c.chain(real, real+"\x00", dir) // the target is never the leaf by name
	}
	return nil
}

// chain checks p and every folder above it; leaf is the path being
// checked, held to the strict rule (no sticky exception).
func (c Checker) chain(p, leaf string, dir bool) error {
	for {
		if err := c.one(p, p == leaf, dir); err != nil {
			return err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

func (c Checker) one(p string, isLeaf, dir bool) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("checking %q: %w", p, err)
	}
	uid, ok := ownerOf(fi)
	if !ok {
		return nil // no owners to check on this system
	}
	mode := fi.Mode()
	fail := func(why, fix string) error {
		return &UnsafeError{Path: p, Owner: uid, Mode: mode, Why: why, Fix: fix}
	}
	badOwner := uid != c.UID && uid != 0
	if mode&fs.ModeSymlink != 0 {
		if badOwner {
			return fail("only "+userName(c.UID)+" or root may own it", "remove the link, or choose another --home (LOCALCA_HOME)")
		}
		return nil // a link's own mode means nothing; its target is checked
	}
	if isLeaf && !dir && !mode.IsRegular() {
		return fail("not a regular file", "remove it")
	}
	writable := mode.Perm()&0o022 != 0
	if writable && !isLeaf && mode.IsDir() && uid == 0 && mode&fs.ModeSticky != 0 {
		writable = false // /tmp: others create entries, but cannot move ours
	}
	chmod := "chmod go-w"
	if !mode.IsDir() {
		chmod = "chmod 600"
	}
	q := strconv.Quote(p)
	switch {
	case badOwner && writable:
		return fail("only "+userName(c.UID)+" or root may own it, and group or others may write to it",
			fmt.Sprintf("chown %s %s && %s %s, or choose another --home (LOCALCA_HOME)", chownName(c.UID), q, chmod, q))
	case badOwner:
		return fail("only "+userName(c.UID)+" or root may own it",
			fmt.Sprintf("chown %s %s, or choose another --home (LOCALCA_HOME)", chownName(c.UID), q))
	case writable:
		return fail("group or others may write to it", fmt.Sprintf("%s %s", chmod, q))
	}
	return nil
}

// chownName is the user as chown takes it: the name, else the number.
func chownName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return id
}

func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return fmt.Sprintf("%s (uid %s)", u.Username, id)
	}
	return "uid " + id
}
