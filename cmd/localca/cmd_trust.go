package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// A trustStore is somewhere clients look for roots: the system's bundle
// (curl, openssl, Go, most programs), NSS databases (Chromium and Firefox on
// Linux), Java's cacerts. Each is driven with its own tool, as mkcert does.
type trustStore interface {
	name() string
	// missing says why the store cannot be used here, or "" when it can.
	missing() string
	install(root *x509.Certificate, pemFile string) error
	uninstall(root *x509.Certificate) error
	installed(root *x509.Certificate) (bool, error)
}

func (e *env) trustCommand() *cli.Command {
	storesFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "store", Value: "system,nss", Usage: "trust stores, comma-separated: system, nss (Chromium, Firefox), java"}
	}
	do := func(verb string) cli.ActionFunc {
		return func(c *cli.Context) error { return e.trust(c, verb) }
	}
	return &cli.Command{
		Name:  "trust",
		Usage: "install the CA's root in the system, NSS (browsers) and Java trust stores",
		Description: `   sudo localca trust install                  # system bundle and the browsers' NSS databases
   localca trust install --store nss           # only the browsers (no root needed)
   localca trust status --store system,nss,java
   localca trust uninstall

The system store needs update-ca-certificates (Debian, Ubuntu) or update-ca-trust
(Fedora, RHEL) and root; NSS needs certutil (Debian: libnss3-tools); Java needs
keytool. A store whose tool is missing is skipped with a message when it was
not asked for by name, and is an error when it was.`,
		Subcommands: []*cli.Command{
			{Name: "install", Usage: "trust the root", Flags: []cli.Flag{storesFlag()}, Action: do("install")},
			{Name: "uninstall", Usage: "stop trusting the root", Flags: []cli.Flag{storesFlag()}, Action: do("uninstall")},
			{Name: "status", Usage: "say where the root is trusted", Flags: []cli.Flag{storesFlag(), jsonFlag()}, Action: do("status")},
		},
	}
}

func (e *env) trust(c *cli.Context, verb string) error {
	home := e.getenv("HOME")
	all := map[string]trustStore{"system": newSystemStore(), "nss": nssStore{home: home}, "java": javaStore{}}
	var stores []trustStore
	for _, n := range strings.Split(c.String("store"), ",") {
		s, ok := all[strings.TrimSpace(n)]
		if !ok {
			return usagef("--store %q: want system, nss or java", n)
		}
		stores = append(stores, s)
	}
	explicit := c.IsSet("store")
	authority, st, err := e.loadCA(c, true)
	if err != nil {
		return err
	}
	st.Close()
	root := authority.Root()
	dir, err := os.MkdirTemp("", "localca-trust-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pemFile := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o644); err != nil {
		return err
	}
	status := map[string]string{}
	var failed []string
	for _, s := range stores {
		if why := s.missing(); why != "" {
			status[s.name()] = "unavailable: " + why
			if explicit {
				failed = append(failed, fmt.Sprintf("%s: %s", s.name(), why))
			}
			continue
		}
		var err error
		switch verb {
		case "install":
			err = s.install(root, pemFile)
			status[s.name()] = "installed"
		case "uninstall":
			err = s.uninstall(root)
			status[s.name()] = "removed"
		default:
			var ok bool
			ok, err = s.installed(root)
			status[s.name()] = map[bool]string{true: "trusted", false: "not trusted"}[ok]
		}
		if err != nil {
			status[s.name()] = "failed: " + err.Error()
			failed = append(failed, fmt.Sprintf("%s: %v", s.name(), err))
		}
	}
	if c.Bool("json") {
		e.printJSON(map[string]any{"root": root.Subject.CommonName, "sha256": rootID(root), "stores": status})
	} else {
		for _, s := range stores {
			fmt.Fprintf(e.stdout, "%-7s %s\n", s.name(), status[s.name()])
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("trust %s: %s", verb, strings.Join(failed, "; "))
	}
	return nil
}

// rootID is the root's SHA-256, the part of file names and nicknames that
// tells this CA's root from another's (a re-initialised CA has a new root).
func rootID(root *x509.Certificate) string {
	sum := sha256.Sum256(root.Raw)
	return hex.EncodeToString(sum[:])
}

func nickname(root *x509.Certificate) string { return "localca " + rootID(root)[:16] }

func run1(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// systemStore is the OS bundle: a file in the anchors folder, then the
// distribution's update command.
type systemStore struct{ dir, update string }

func newSystemStore() systemStore {
	if p, err := exec.LookPath("update-ca-certificates"); err == nil {
		return systemStore{dir: "/usr/local/share/ca-certificates", update: p}
	}
	if p, err := exec.LookPath("update-ca-trust"); err == nil {
		return systemStore{dir: "/etc/pki/ca-trust/source/anchors", update: p}
	}
	return systemStore{}
}

func (systemStore) name() string { return "system" }

func (s systemStore) missing() string {
	if s.update == "" {
		return "neither update-ca-certificates nor update-ca-trust is installed"
	}
	return ""
}

func (s systemStore) file(root *x509.Certificate) string {
	return filepath.Join(s.dir, "localca-"+rootID(root)[:16]+".crt")
}

func (s systemStore) install(root *x509.Certificate, pemFile string) error {
	data, err := os.ReadFile(pemFile)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.file(root), data, 0o644); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("writing %s needs root (sudo localca trust install)", s.file(root))
		}
		return err
	}
	return run1(s.update)
}

func (s systemStore) uninstall(root *x509.Certificate) error {
	if err := os.Remove(s.file(root)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return run1(s.update)
}

func (s systemStore) installed(root *x509.Certificate) (bool, error) {
	_, err := os.Stat(s.file(root))
	return err == nil, nil
}

// nssStore is every NSS database of the user: Chromium's and each Firefox
// profile's.
type nssStore struct{ home string }

func (nssStore) name() string { return "nss" }

func (s nssStore) missing() string {
	if _, err := exec.LookPath("certutil"); err != nil {
		return "certutil is not installed (Debian: apt-get install libnss3-tools)"
	}
	if len(s.databases()) == 0 {
		return "no NSS database under " + s.home + " (start Chromium or Firefox once)"
	}
	return ""
}

func (s nssStore) databases() []string {
	var out []string
	for _, pattern := range []string{".pki/nssdb", ".mozilla/firefox/*", "snap/firefox/common/.mozilla/firefox/*", "snap/chromium/current/.pki/nssdb"} {
		dirs, _ := filepath.Glob(filepath.Join(s.home, pattern))
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, "cert9.db")); err == nil {
				out = append(out, d)
			}
		}
	}
	return out
}

func (s nssStore) install(root *x509.Certificate, pemFile string) error {
	for _, db := range s.databases() {
		// C,, : a CA trusted to issue server certificates.
		if err := run1("certutil", "-A", "-d", "sql:"+db, "-t", "C,,", "-n", nickname(root), "-i", pemFile); err != nil {
			return err
		}
	}
	return nil
}

func (s nssStore) uninstall(root *x509.Certificate) error {
	for _, db := range s.databases() {
		if ok, _ := nssHas(db, root); ok {
			if err := run1("certutil", "-D", "-d", "sql:"+db, "-n", nickname(root)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s nssStore) installed(root *x509.Certificate) (bool, error) {
	dbs := s.databases()
	for _, db := range dbs {
		if ok, err := nssHas(db, root); !ok || err != nil {
			return false, err
		}
	}
	return len(dbs) > 0, nil
}

func nssHas(db string, root *x509.Certificate) (bool, error) {
	err := exec.Command("certutil", "-L", "-d", "sql:"+db, "-n", nickname(root)).Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return false, nil
	}
	return err == nil, err
}

// javaStore is the JDK's cacerts, through keytool.
type javaStore struct{}

func (javaStore) name() string { return "java" }

func (javaStore) missing() string {
	if _, err := exec.LookPath("keytool"); err != nil {
		return "keytool is not installed"
	}
	return ""
}

func (javaStore) install(root *x509.Certificate, pemFile string) error {
	return run1("keytool", "-importcert", "-noprompt", "-cacerts", "-storepass", "changeit", "-alias", nickname(root), "-file", pemFile)
}

func (j javaStore) uninstall(root *x509.Certificate) error {
	if ok, _ := j.installed(root); !ok {
		return nil
	}
	return run1("keytool", "-delete", "-noprompt", "-cacerts", "-storepass", "changeit", "-alias", nickname(root))
}

func (javaStore) installed(root *x509.Certificate) (bool, error) {
	err := exec.Command("keytool", "-list", "-cacerts", "-storepass", "changeit", "-alias", nickname(root)).Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return false, nil
	}
	return err == nil, err
}
