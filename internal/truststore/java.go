package truststore

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// javaStorePass is the password every JDK ships its cacerts with; it
// guards the file's integrity, not a secret.
const javaStorePass = "changeit"

// javaStore is the JDK's cacerts keystore, driven with keytool. The
// keystore is named by path (not keytool's -cacerts) so that the file
// whose rights are checked is the file changed, and so that a test can
// point it at a keystore of its own.
type javaStore struct {
	keytool  string // "" when keytool is not installed
	keystore string // the cacerts file, symlinks resolved
}

// newJavaStore finds keytool and the cacerts of the JDK it belongs to:
// JAVA_HOME is the folder above keytool's bin, and cacerts is
// lib/security/cacerts there (jre/lib/security/cacerts in Java 8).
func newJavaStore() *javaStore {
	p, err := exec.LookPath("keytool")
	if err != nil {
		return &javaStore{}
	}
	s := &javaStore{keytool: p}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return s
	}
	home := filepath.Dir(filepath.Dir(real))
	for _, c := range []string{"lib/security/cacerts", "jre/lib/security/cacerts"} {
		if f, err := filepath.EvalSymlinks(filepath.Join(home, c)); err == nil {
			s.keystore = f
			break
		}
	}
	return s
}

func (*javaStore) name() string { return "java" }

func (s *javaStore) missing() string {
	switch {
	case s.keytool == "":
		return "keytool is not installed"
	case s.keystore == "":
		return "no cacerts keystore found beside " + s.keytool
	}
	return ""
}

// keytoolArgs are args for the store's keystore, after JVM options that
// halve keytool's start-up time (a short run gains nothing from the
// optimising compiler or a parallel collector).
func (s *javaStore) keytoolArgs(args ...string) []string {
	out := append(quickJVM(), args...)
	return append(out, "-keystore", s.keystore, "-storepass", javaStorePass)
}

func quickJVM() []string {
	return []string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto"}
}

// entry reports whether our alias holds our root (ours) or another
// certificate (other).
func (s *javaStore) entry(ctx context.Context, root *x509.Certificate) (ours, other bool, err error) {
	out, err := runTool(ctx, s.keytool, s.keytoolArgs("-exportcert", "-rfc", "-alias", Nickname(root))...)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return false, false, nil // keytool: Alias <...> does not exist
	}
	if err != nil {
		return false, false, err
	}
	found, _ := PEMHolds(out, root.Raw)
	return found, !found, nil
}

func (s *javaStore) status(ctx context.Context, root *x509.Certificate) ([]place, error) {
	ours, other, err := s.entry(ctx, root)
	if err != nil {
		return nil, err
	}
	p := place{where: s.keystore, trusted: ours, present: ours, other: other}
	switch {
	case ours:
		p.note = fmt.Sprintf("as alias %q", Nickname(root))
	case other:
		p.note = fmt.Sprintf("alias %q holds another certificate", Nickname(root))
	}
	if !ours {
		// Trusted all the same when another alias holds it: Debian's
		// ca-certificates-java copies the system store into cacerts.
		alias, err := s.aliasOf(ctx, root)
		if err != nil {
			return nil, err
		}
		if alias != "" {
			p.trusted = true
			p.note = strings.TrimPrefix(p.note+"; ", "; ") + fmt.Sprintf("trusted as alias %q (not ours to remove; the system store's uninstall removes Debian's copy)", alias)
		}
	}
	return []place{p}, nil
}

// aliasOf is the alias under which the keystore holds root, found by its
// DER among every entry, or "".
func (s *javaStore) aliasOf(ctx context.Context, root *x509.Certificate) (string, error) {
	out, err := runTool(ctx, s.keytool, s.keytoolArgs("-list", "-rfc")...)
	if err != nil {
		return "", err
	}
	alias := ""
	for rest := out; ; {
		i := bytes.Index(rest, []byte("Alias name: "))
		if i < 0 {
			return "", nil
		}
		rest = rest[i+len("Alias name: "):]
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		alias = strings.TrimSpace(string(line))
		entry := rest
		if j := bytes.Index(rest, []byte("Alias name: ")); j >= 0 {
			entry = rest[:j]
		}
		if found, _ := PEMHolds(entry, root.Raw); found {
			return alias, nil
		}
	}
}

func (s *javaStore) writable([]place) error { return writableFile(s.keystore) }

func (s *javaStore) install(ctx context.Context, root *x509.Certificate, pemFile string, places []place) ([]Step, error) {
	if places[0].other {
		return nil, fmt.Errorf("%s: alias %q holds another certificate: left alone", s.keystore, Nickname(root))
	}
	if _, err := runTool(ctx, s.keytool, s.keytoolArgs("-importcert", "-noprompt", "-alias", Nickname(root), "-file", pemFile)...); err != nil {
		return nil, err
	}
	return []Step{{Where: s.keystore, State: "installed", Changed: true}}, nil
}

// uninstall deletes our alias; it is given only a keystore where status
// found our root under it (a keystore alias holds one certificate).
func (s *javaStore) uninstall(ctx context.Context, root *x509.Certificate, _ []place) ([]Step, error) {
	if _, err := runTool(ctx, s.keytool, s.keytoolArgs("-delete", "-alias", Nickname(root))...); err != nil {
		return nil, err
	}
	return []Step{{Where: s.keystore, State: "removed", Changed: true}}, nil
}
