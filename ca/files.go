package ca

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/localca/localca/internal/atomicfile"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// Limits of a file name and a path on Linux and macOS (NAME_MAX, PATH_MAX).
// A DNS name may have 253 characters: FIRST-key.pem then has 261, which no
// file system of theirs takes.
const (
	maxFileName = 255
	maxPath     = 4095
)

// DefaultP12Password is mkcert's, so that tools and docs that expect it
// work: the bundle is a transport format, the key file beside it is the
// secret.
const DefaultP12Password = "changeit"

// Files are where an issued certificate goes, as `localca issue` writes
// it: the chain (leaf, then intermediate), the key (0600), and a PKCS#12
// bundle of the three when P12 is set.
// Its JSON form, what `localca issue --json` says of the files, leaves the
// password out.
type Files struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
	// P12 is the bundle's path; "" writes none.
	P12 string `json:"p12,omitempty"`
	// P12Password protects the bundle; "" means DefaultP12Password.
	P12Password string `json:"-"`
}

// FilesFor names the files of a certificate whose first name is first, in
// dir, as mkcert does: FIRST.pem, FIRST-key.pem and, with p12, FIRST.p12,
// where "*" becomes "_wildcard" and ":" (IPv6) and "/" (URIs) become "_".
func FilesFor(dir, first string, p12 bool) Files {
	base := filepath.Join(dir, FileBase(first))
	f := Files{Cert: base + ".pem", Key: base + "-key.pem"}
	if p12 {
		f.P12 = base + ".p12"
	}
	return f
}

// ReadP12Password sets the bundle's password from the first line of the
// file at path (ReadPasswordFile); path "" keeps DefaultP12Password.
func (f *Files) ReadP12Password(path string) error {
	if path == "" {
		return nil
	}
	pw, err := ReadPasswordFile(path)
	if err != nil {
		return err
	}
	f.P12Password = string(pw)
	return nil
}

// ExistingKey reads the key file f names (ReadKeyFile, password called only
// for an encrypted key) when it is there, a regular file; nil when it is
// not, so that a renewal that reuses the key (RenewRequest.Key) falls back
// to the key the store kept.
func (f Files) ExistingKey(password func() ([]byte, error)) (crypto.Signer, error) {
	if fi, err := os.Stat(f.Key); err != nil || !fi.Mode().IsRegular() {
		return nil, nil
	}
	return ReadKeyFile(f.Key, password)
}

// FileBase turns a name into a file name as mkcert does.
func FileBase(name string) string {
	return strings.NewReplacer("*", "_wildcard", ":", "_", "/", "_").Replace(name)
}

// keyFileFor is the key file that `localca issue` writes beside a
// certificate file: app.test.pem → app.test-key.pem.
func keyFileFor(certFile string) string {
	return strings.TrimSuffix(certFile, filepath.Ext(certFile)) + "-key.pem"
}

// paths are the files f writes, the key first.
func (f Files) paths() []string {
	ps := []string{f.Key, f.Cert}
	if f.P12 != "" {
		ps = append(ps, f.P12)
	}
	return ps
}

// Check reports what would keep f from being written, so that a command
// can refuse before it issues anything: a folder that is missing, is not a
// folder or cannot be written, a file name or path longer than the system
// takes, or a path that names a folder. Each failure wraps ErrCannotWrite.
// A file that can still fail after Check (a full disk) fails in Write,
// which then names the stored certificate.
func (f Files) Check() error {
	dirs := map[string]bool{}
	for _, p := range f.paths() {
		if p == "" {
			return fmt.Errorf("%w: an empty file name", ErrCannotWrite)
		}
		if n := len(filepath.Base(p)); n > maxFileName {
			return fmt.Errorf("%w: the file name %q has %d bytes, more than the %d a file system takes (name the files yourself)",
				ErrCannotWrite, filepath.Base(p), n, maxFileName)
		}
		if abs, err := filepath.Abs(p); err == nil && len(abs) > maxPath {
			return fmt.Errorf("%w: the path %q is longer than %d bytes", ErrCannotWrite, p, maxPath)
		}
		if fi, err := os.Stat(p); err == nil && !fi.Mode().IsRegular() {
			return fmt.Errorf("%w: %q exists and is not a regular file", ErrCannotWrite, p)
		}
		dirs[filepath.Dir(p)] = true
	}
	for dir := range dirs {
		if err := checkDir(dir); err != nil {
			return err
		}
	}
	return nil
}

// checkDir makes sure files can be created in dir by creating one (access(2)
// answers for the real uid and knows nothing of read-only mounts).
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: the folder %q does not exist", ErrCannotWrite, dir)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrCannotWrite, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %q is not a folder", ErrCannotWrite, dir)
	}
	probe, err := os.CreateTemp(dir, ".localca-probe-*")
	if err != nil {
		return fmt.Errorf("%w: cannot create files in %q: %w", ErrCannotWrite, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// Write writes iss, which must carry its key (Issue's do), into f, each file
// atomically and the key first, so that a certificate file never stands
// without its key. Its error is a *FilesError naming the certificate, which
// is issued and stored whatever happens here.
func (f Files) Write(iss *Issued) error {
	if err := f.write(iss); err != nil {
		return &FilesError{Serial: iss.Cert.SerialNumber.Bytes(), Files: f, Err: err}
	}
	return nil
}

func (f Files) write(iss *Issued) error {
	if len(iss.KeyPEM) == 0 {
		return errors.New("ca: no private key to write")
	}
	// Renamed into place, not fsynced: the store holds both already
	// (committed, fsynced), and Stored writes them again after a crash.
	if err := atomicfile.Replace(
		atomicfile.File{Path: f.Key, Data: iss.KeyPEM, Perm: 0o600},
		atomicfile.File{Path: f.Cert, Data: iss.ChainPEM(), Perm: 0o644},
	); err != nil {
		return err
	}
	if f.P12 == "" {
		return nil
	}
	key := iss.Key
	if key == nil {
		var err error
		if key, err = ParseKey(iss.KeyPEM, nil); err != nil {
			return err
		}
	}
	pw := f.P12Password
	if pw == "" {
		pw = DefaultP12Password
	}
	var chain []*x509.Certificate
	if iss.Issuer != nil {
		chain = append(chain, iss.Issuer)
	}
	pfx, err := pkcs12.Modern.Encode(key, iss.Cert, chain, pw)
	if err != nil {
		return fmt.Errorf("ca: encoding PKCS#12: %w", err)
	}
	return atomicfile.Replace(atomicfile.File{Path: f.P12, Data: pfx, Perm: 0o600})
}

// FilesError is a failure to write the files of a certificate that is
// issued and stored: Serial names it, so that its files can be written
// again from the store (`localca export SERIAL --key`).
type FilesError struct {
	Serial []byte
	Files  Files
	Err    error
}

func (e *FilesError) Error() string {
	return fmt.Sprintf("ca: certificate %s is issued and stored, but writing its files failed: %v", FormatSerial(e.Serial), e.Err)
}

func (e *FilesError) Unwrap() error { return e.Err }
