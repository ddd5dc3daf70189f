package truststore

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/localca/localca/internal/atomicfile"
)

// systemStore is the operating system's bundle, which curl, openssl, Go and
// most programs read: our root as a file in the anchors folder, then the
// distribution's update command, which rebuilds the bundle from it.
//
// Its fields are what differs between distributions, and what a test
// points at a folder of its own.
type systemStore struct {
	dir    string   // the anchors folder our file goes into
	bundle string   // the bundle the update command writes
	update []string // the update command and its arguments

	// Debian only: the folder of the links update-ca-certificates makes,
	// and of the hooks it tells about each added or removed link. It
	// never notices a removed file by itself (it rebuilds the bundle but
	// keeps the links and tells no hook, so ca-certificates-java keeps
	// the root in Java's cacerts), so uninstall does what its own removal
	// path does: drop the links, then tell each hook "-LINK".
	links, hooks string
}

// newSystemStore finds this machine's system store: Debian's and Ubuntu's
// update-ca-certificates, or Fedora's and RHEL's update-ca-trust. Neither
// found, it is a store with no update command, which says it is missing.
func newSystemStore() *systemStore {
	if p, err := exec.LookPath("update-ca-certificates"); err == nil {
		return &systemStore{dir: "/usr/local/share/ca-certificates", bundle: "/etc/ssl/certs/ca-certificates.crt",
			update: []string{p}, links: "/etc/ssl/certs", hooks: "/etc/ca-certificates/update.d"}
	}
	if p, err := exec.LookPath("update-ca-trust"); err == nil {
		return &systemStore{dir: "/etc/pki/ca-trust/source/anchors", bundle: "/etc/pki/tls/certs/ca-bundle.crt",
			update: []string{p, "extract"}}
	}
	return &systemStore{}
}

func (*systemStore) name() string { return "system" }

func (s *systemStore) missing() string {
	if len(s.update) == 0 {
		return "neither update-ca-certificates nor update-ca-trust is installed"
	}
	return ""
}

// file is where our root goes; the fingerprint in its name keeps two CAs'
// roots apart.
func (s *systemStore) file(root *x509.Certificate) string {
	return filepath.Join(s.dir, "localca-"+Fingerprint(root)[:16]+".crt")
}

// fileState says whether our file holds exactly our root (ours), holds
// something else (other), or is absent.
func (s *systemStore) fileState(root *x509.Certificate) (ours, other bool, err error) {
	data, err := os.ReadFile(s.file(root))
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	found, n := PEMHolds(data, root.Raw)
	if found && n == 1 {
		return true, false, nil
	}
	return false, true, nil
}

// inBundle reports whether the bundle holds our root's DER.
func (s *systemStore) inBundle(root *x509.Certificate) (bool, error) {
	data, err := os.ReadFile(s.bundle)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	found, _ := PEMHolds(data, root.Raw)
	return found, nil
}

func (s *systemStore) status(_ context.Context, root *x509.Certificate) ([]place, error) {
	ours, other, err := s.fileState(root)
	if err != nil {
		return nil, fmt.Errorf("system: %w", err)
	}
	bundled, err := s.inBundle(root)
	if err != nil {
		return nil, fmt.Errorf("system: %w", err)
	}
	p := place{where: s.file(root), trusted: ours && bundled, present: ours || bundled}
	switch {
	case p.trusted:
		p.note = "in " + s.bundle
	case ours:
		p.note = "file present, not yet in " + s.bundle
	case other:
		p.note = "the file holds another certificate"
	case bundled:
		p.note = "in " + s.bundle + " through another file"
	}
	return []place{p}, nil
}

func (s *systemStore) writable([]place) error {
	if s.links != "" {
		if err := writableDir(s.links); err != nil {
			return err
		}
	}
	return writableDir(s.dir)
}

// command names a command for the user: "update-ca-certificates --fresh".
func command(c []string) string {
	return strings.Join(append([]string{filepath.Base(c[0])}, c[1:]...), " ")
}

func (s *systemStore) run(ctx context.Context, c []string) error {
	_, err := runTool(ctx, c[0], c[1:]...)
	return err
}

func (s *systemStore) install(ctx context.Context, root *x509.Certificate, _ string, _ []place) ([]Step, error) {
	file := s.file(root)
	ours, other, err := s.fileState(root)
	if err != nil {
		return nil, err
	}
	if other {
		return nil, fmt.Errorf("%s holds another certificate: left alone", file)
	}
	var did []string
	if !ours {
		if err := atomicfile.WriteFile(file, rootPEM(root), 0o644); err != nil {
			return nil, err
		}
		did = append(did, "wrote "+file)
	}
	if err := s.run(ctx, s.update); err != nil {
		return []Step{{State: "failed", Changed: len(did) > 0, Detail: strings.Join(did, ", ")}}, err
	}
	did = append(did, "ran "+command(s.update))
	if ok, err := s.inBundle(root); err != nil || !ok {
		return []Step{{State: "failed", Changed: true, Detail: strings.Join(did, ", ")}},
			fmt.Errorf("%s ran, but %s does not hold the root (%v)", command(s.update), s.bundle, err)
	}
	return []Step{{State: "installed", Changed: true, Detail: strings.Join(did, ", ")}}, nil
}

// uninstall removes our file only when it holds exactly our root, and runs
// the update command so the bundle follows.
func (s *systemStore) uninstall(ctx context.Context, root *x509.Certificate, _ []place) ([]Step, error) {
	file := s.file(root)
	ours, other, err := s.fileState(root)
	if err != nil {
		return nil, err
	}
	var did, notes []string
	if ours {
		if err := os.Remove(file); err != nil {
			return nil, err
		}
		did = append(did, "removed "+file)
	}
	if other {
		notes = append(notes, file+" holds another certificate: left alone")
	}
	link, err := s.unlink(root)
	if err != nil {
		return []Step{{State: "failed", Changed: ours, Detail: strings.Join(did, ", ")}}, err
	}
	if link != "" {
		did = append(did, "removed the links to "+link)
	}
	if err := s.run(ctx, s.update); err != nil {
		return []Step{{State: "failed", Changed: ours, Detail: strings.Join(did, ", ")}}, err
	}
	did = append(did, "ran "+command(s.update))
	if link != "" {
		hooks, err := s.tellHooks(ctx, link)
		if err != nil {
			return []Step{{State: "failed", Changed: true, Detail: strings.Join(did, ", ")}}, err
		}
		if len(hooks) > 0 {
			did = append(did, "told "+strings.Join(hooks, ", ")+" of the removal")
		}
	}
	if ok, _ := s.inBundle(root); ok {
		notes = append(notes, "still in "+s.bundle+" through another file: left alone")
	}
	return []Step{{State: "removed", Changed: true, Detail: strings.Join(append(did, notes...), ", ")}}, nil
}

// unlink removes update-ca-certificates' link to our file (LINKS/localca-
// FP.pem) and the hash links to that link, and returns the link's path; ""
// when there is none (or the store keeps no links).
func (s *systemStore) unlink(root *x509.Certificate) (string, error) {
	if s.links == "" {
		return "", nil
	}
	name := strings.TrimSuffix(filepath.Base(s.file(root)), ".crt") + ".pem"
	link := filepath.Join(s.links, name)
	if target, err := os.Readlink(link); err != nil || target != s.file(root) {
		return "", nil // not there, or not ours
	}
	entries, err := os.ReadDir(s.links)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		p := filepath.Join(s.links, e.Name())
		if t, err := os.Readlink(p); err == nil && (t == name || t == link) {
			if err := os.Remove(p); err != nil {
				return "", err
			}
		}
	}
	return link, os.Remove(link)
}

// tellHooks runs each hook of update-ca-certificates with "-LINK" on its
// input, as update-ca-certificates does for a certificate it removes, and
// returns the hooks' names.
func (s *systemStore) tellHooks(ctx context.Context, link string) ([]string, error) {
	entries, err := os.ReadDir(s.hooks)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var told []string
	for _, e := range entries {
		info, err := e.Info()
		// run-parts' rules: executable files whose names have no dot.
		if err != nil || !info.Mode().IsRegular() || info.Mode()&0o111 == 0 || strings.Contains(e.Name(), ".") {
			continue
		}
		hook := filepath.Join(s.hooks, e.Name())
		ctx, cancel := context.WithTimeout(ctx, toolTimeout)
		cmd := exec.CommandContext(ctx, hook)
		cmd.Stdin = strings.NewReader("-" + link + "\n")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			return told, fmt.Errorf("%s: %w: %s", hook, err, strings.TrimSpace(string(out)))
		}
		told = append(told, e.Name())
	}
	return told, nil
}
