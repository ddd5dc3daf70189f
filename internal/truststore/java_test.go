package truststore

import (
	"context"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// keytoolFingerprint is how keytool -list prints a SHA-256 fingerprint:
// upper-case hex pairs joined by colons.
func keytoolFingerprint(root *x509.Certificate) string {
	id := strings.ToUpper(Fingerprint(root))
	pairs := make([]string, 0, len(id)/2)
	for i := 0; i < len(id); i += 2 {
		pairs = append(pairs, id[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// javaCount is how many entries of the keystore have root's fingerprint,
// as keytool -list -v itself reports them.
func javaCount(t *testing.T, keystore string, root *x509.Certificate) int {
	t.Helper()
	args := append(quickJVM(), "-list", "-v", "-keystore", keystore, "-storepass", javaStorePass)
	out := testkit.MustRun(t, "keytool", args...)
	return strings.Count(out, "SHA256: "+keytoolFingerprint(root))
}

// checkJavaRoundTrip runs status, install (twice), status and uninstall
// through do, and checks each against the keystore with keytool -list.
func checkJavaRoundTrip(t *testing.T, keystore string, root *x509.Certificate, do func(verb string) Report) {
	t.Helper()
	if n := javaCount(t, keystore, root); n != 0 {
		t.Fatalf("the keystore holds the root %d times before install", n)
	}
	oneStep(t, do("status"), "java", "not trusted")
	if s := oneStep(t, do("install"), "java", "installed"); s.Where != keystore || !s.Changed {
		t.Errorf("install says %+v, want a change to %s", s, keystore)
	}
	if n := javaCount(t, keystore, root); n != 1 {
		t.Errorf("keytool -list finds the root %d times after install, want 1", n)
	}
	oneStep(t, do("status"), "java", "trusted")
	if s := oneStep(t, do("install"), "java", "already trusted"); s.Changed {
		t.Errorf("second install reports a change: %+v", s)
	}
	if n := javaCount(t, keystore, root); n != 1 {
		t.Errorf("keytool -list finds the root %d times after two installs, want 1", n)
	}
	oneStep(t, do("uninstall"), "java", "removed")
	if n := javaCount(t, keystore, root); n != 0 {
		t.Errorf("keytool -list finds the root %d times after uninstall", n)
	}
	oneStep(t, do("status"), "java", "not trusted")
}

// TestTrustJavaKeystore runs the Java store against a keystore of the
// test's own, which already holds another certificate: the round trip
// must leave that one alone.
func TestTrustJavaKeystore(t *testing.T) {
	pki, root, ks, store := javaTestKeystore(t)
	do := func(verb string) Report {
		r, err := Run(context.Background(), verb, root, []Store{store}, true)
		if err != nil {
			t.Fatalf("trust %s: %v", verb, err)
		}
		return r
	}
	checkJavaRoundTrip(t, ks, root, do)
	if n := javaCount(t, ks, pki.Inter); n != 1 {
		t.Errorf("the other certificate is in the keystore %d times, want 1", n)
	}
}

// TestTrustJavaOtherAlias: a keystore that holds our root under an alias of
// its own (as Debian's ca-certificates-java copies the system store into
// cacerts) trusts it, and status says so by fingerprint; install adds
// nothing and uninstall leaves that entry alone, it not being ours.
func TestTrustJavaOtherAlias(t *testing.T) {
	pki, root, ks, store := javaTestKeystore(t)
	testkit.MustRun(t, store.keytool, "-importcert", "-noprompt", "-keystore", ks, "-storepass", javaStorePass, "-alias", "debian:localca-copy.pem", "-file", filepath.Join(pki.Dir, "root.pem"))
	do := func(verb string) Step {
		r, err := Run(context.Background(), verb, root, []Store{store}, true)
		if err != nil {
			t.Fatalf("trust %s: %v", verb, err)
		}
		return oneStep(t, r, "java", map[string]string{"status": "trusted", "install": "already trusted", "uninstall": "not installed"}[verb])
	}
	if s := do("status"); !strings.Contains(s.Detail, "debian:localca-copy.pem") {
		t.Errorf("status does not name the alias that holds the root: %+v", s)
	}
	if s := do("install"); s.Changed {
		t.Errorf("install changed something: %+v", s)
	}
	if s := do("uninstall"); s.Changed {
		t.Errorf("uninstall changed something: %+v", s)
	}
	if n := javaCount(t, ks, root); n != 1 {
		t.Errorf("the keystore holds the root %d times, want the other alias's 1", n)
	}
}

// javaTestKeystore is a CA and a keystore of the test's own that already
// holds another certificate (the intermediate, under "other"), with the
// Java store pointed at it.
func javaTestKeystore(t *testing.T) (*testkit.PKI, *x509.Certificate, string, *javaStore) {
	t.Helper()
	keytool := testkit.NeedTool(t, "keytool")
	pki := testkit.NewPKI(t, "truststore test")
	rootFile, interFile := filepath.Join(pki.Dir, "root.pem"), filepath.Join(pki.Dir, "intermediate.pem")
	testkit.WritePEM(t, rootFile, "CERTIFICATE", pki.Root.Raw)
	testkit.WritePEM(t, interFile, "CERTIFICATE", pki.Inter.Raw)
	ks := filepath.Join(t.TempDir(), "cacerts")
	testkit.MustRun(t, keytool, "-importcert", "-noprompt", "-keystore", ks, "-storepass", javaStorePass, "-alias", "other", "-file", interFile)
	return pki, pki.Root, ks, &javaStore{keytool: keytool, keystore: ks}
}

// TestTrustJavaMachine: install, status and uninstall in the JDK's own
// cacerts, checked with keytool -list by SHA-256 fingerprint.
func TestTrustJavaMachine(t *testing.T) {
	testkit.NeedMachineTrust(t)
	testkit.NeedTool(t, "keytool")
	root := testRoot(t)
	java := newJavaStore()
	t.Cleanup(func() { Run(context.Background(), "uninstall", root, []Store{java}, true) })
	checkJavaRoundTrip(t, java.keystore, root, func(verb string) Report {
		r, err := Run(context.Background(), verb, root, []Store{java}, true)
		if err != nil {
			t.Fatalf("trust %s: %v", verb, err)
		}
		return r
	})
}
