package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// A trustStore is somewhere clients look for roots: the system's bundle
// (curl, openssl, Go, most programs), NSS databases (Chromium and Firefox on
// Linux), Java's cacerts, the macOS System keychain. Each is driven with its
// own tool, as mkcert does, and each is looked at by fingerprint: a name or
// a file that merely looks like ours proves nothing.
//
// The trust command asks every store first (status and rights) and changes
// any only when all the changes asked for can be made: a user without the
// rights one store needs gets told so, and nothing at all is changed.
type trustStore interface {
	name() string
	// missing says why the store cannot be used here, or "" when it can.
	missing() string
	// status reports, for each place the store keeps roots (one NSS
	// database each), whether our root is trusted there and whether
	// anything of ours is present at all.
	status(ctx context.Context, root *x509.Certificate) ([]trustPlace, error)
	// writable returns nil when this process may change the places given,
	// or an error saying why not (a *needsRootError when rights are missing).
	writable(places []trustPlace) error
	// install trusts root in the places given (those not yet trusted);
	// uninstall removes it from those where something of ours is present.
	// Each returns a sentence saying what it changed.
	install(ctx context.Context, root *x509.Certificate, pemFile string, places []trustPlace) ([]trustStep, error)
	uninstall(ctx context.Context, root *x509.Certificate, places []trustPlace) ([]trustStep, error)
}

// trustPlace is one place of a store and what status found there.
type trustPlace struct {
	where   string // file, database or keystore
	trusted bool   // our root is there, by fingerprint, and in effect
	present bool   // something of ours is there (even if not yet in effect)
	other   bool   // our name (file, nickname, alias) holds another certificate
	note    string // what status saw, for the user
}

// trustStep is one line of output: what one place of one store is, or
// what was done to it.
type trustStep struct {
	Store   string `json:"store"`
	Where   string `json:"where,omitempty"`
	State   string `json:"state"` // trusted, not trusted, installed, already trusted, removed, not installed, skipped, needs root, not changed, failed
	Changed bool   `json:"changed"`
	Detail  string `json:"detail,omitempty"`
}

// trustReport is the whole answer of a trust command, as --json prints it.
type trustReport struct {
	Root   string      `json:"root"`
	SHA256 string      `json:"sha256"`
	Stores []trustStep `json:"stores"`
}

// needsRootError says a store cannot be changed by this user.
type needsRootError struct{ why string }

func (e *needsRootError) Error() string { return e.why }

// errTrustRefused marks a trust command that changed nothing because some
// store could not be changed.
var errTrustRefused = errors.New("trust: nothing was changed")

// trustToolTimeout bounds each run of certutil, keytool, security or an
// update command.
const trustToolTimeout = 2 * time.Minute

func (e *env) trustCommand() *cli.Command {
	flags := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "store", Usage: "trust stores, comma-separated: system, nss (Chromium, Firefox), java, keychain (macOS) (default: all that are present)"},
			jsonFlag(),
		}
	}
	do := func(verb string) cli.ActionFunc {
		return func(c *cli.Context) error { return e.trust(c, verb) }
	}
	return &cli.Command{
		Name:  "trust",
		Usage: "install the CA's root in the system, NSS (browsers), Java and macOS trust stores",
		Description: `   sudo localca trust install                  # every store present: system bundle, browsers' NSS databases, Java
   localca trust install --store nss           # only the browsers (no root needed)
   localca trust status                        # where the root is trusted, by SHA-256 fingerprint
   localca trust uninstall                     # removes exactly this root, nothing else

The system store needs update-ca-certificates (Debian, Ubuntu) or update-ca-trust
(Fedora, RHEL) and root; NSS needs certutil (Debian: libnss3-tools) and a
database (~/.pki/nssdb, Firefox profiles); Java needs keytool; keychain is macOS
only. A store that is not present is skipped with a line saying why when it was
not asked for by name, and is an error when it was. Every store is checked
before any is changed: without the rights a change needs, nothing is changed.
Installing twice changes nothing the second time. Under sudo, the CA and the
NSS databases are those of the user who ran sudo (SUDO_USER).`,
		Subcommands: []*cli.Command{
			{Name: "install", Usage: "trust the root", Flags: flags(), Action: do("install")},
			{Name: "uninstall", Usage: "stop trusting the root (removes only entries with its fingerprint)", Flags: flags(), Action: do("uninstall")},
			{Name: "status", Usage: "say where the root is trusted", Flags: flags(), Action: do("status")},
		},
	}
}

// trustStores are the stores this machine may have, by name, and the
// default selection.
func (e *env) trustStores(inv *invoker) (map[string]trustStore, []string) {
	nss := newNSSStore(e.getenv("HOME"))
	if inv != nil {
		nss.home, nss.as = inv.home, inv
	}
	all := map[string]trustStore{
		"system":   newSystemStore(),
		"nss":      nss,
		"java":     newJavaStore(),
		"keychain": newKeychainStore(),
	}
	def := []string{"system", "nss", "java"}
	if runtime.GOOS == "darwin" {
		def = []string{"keychain", "nss", "java"}
	}
	return all, def
}

func (e *env) trust(c *cli.Context, verb string) error {
	inv, err := e.sudoInvoker()
	if err != nil {
		return err
	}
	if inv != nil {
		var home string
		if e, home, err = e.forInvoker(c, inv); err != nil {
			return err
		}
		e.note("localca: run through sudo by %s: %s's CA (%s) and NSS databases (%s), certutil run as %s", inv.name, inv.name, home, inv.home, inv.name)
	}
	all, names := e.trustStores(inv)
	explicit := c.IsSet("store")
	if explicit {
		names = nil
		for _, n := range strings.Split(c.String("store"), ",") {
			n = strings.TrimSpace(n)
			if _, ok := all[n]; !ok {
				return usagef("--store %q: want system, nss, java or keychain", n)
			}
			names = append(names, n)
		}
	}
	stores := make([]trustStore, len(names))
	for i, n := range names {
		stores[i] = all[n]
	}
	root, err := e.trustRoot(c, inv)
	if err != nil {
		return err
	}
	report, err := runTrust(c.Context, verb, root, stores, explicit)
	if c.Bool("json") {
		if perr := e.printJSON(report); perr != nil {
			return perr
		}
	} else {
		printTrust(e.stdout, report)
	}
	return err
}

// trustRoot reads the CA's root from the store, and nothing else: trust
// needs no policy and no key. Under sudo the store must be the invoker's own
// regular file, so that root reads nothing the invoker could not.
func (e *env) trustRoot(c *cli.Context, inv *invoker) (*x509.Certificate, error) {
	h, err := e.home(c)
	if err != nil {
		return nil, err
	}
	if inv != nil {
		if err := inv.owns(filepath.Join(h, "localca.db"), false); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	st, err := e.openStore(c, true)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	a, _, err := st.CA()
	if err != nil {
		return nil, fmt.Errorf("%w in %s: run `localca init` first", err, st.Path())
	}
	return x509.ParseCertificate(a.CertDER)
}

// runTrust does verb on the stores: it asks each store where it stands,
// checks the rights for every change before making any, then makes them.
// explicit makes an absent store an error rather than a skipped line.
func runTrust(ctx context.Context, verb string, root *x509.Certificate, stores []trustStore, explicit bool) (trustReport, error) {
	report := trustReport{Root: root.Subject.CommonName, SHA256: rootID(root)}
	add := func(s trustStep) { report.Stores = append(report.Stores, s) }
	var failed []string
	type plan struct {
		store  trustStore
		places []trustPlace // those to change
	}
	var plans []plan
	refused := false
	for _, s := range stores {
		if why := s.missing(); why != "" {
			add(trustStep{Store: s.name(), State: "skipped", Detail: why})
			if explicit {
				failed = append(failed, s.name()+": "+why)
			}
			continue
		}
		places, err := s.status(ctx, root)
		if err != nil {
			add(trustStep{Store: s.name(), State: "failed", Detail: err.Error()})
			failed = append(failed, fmt.Sprintf("%s: %v", s.name(), err))
			continue
		}
		var change []trustPlace
		for _, p := range places {
			switch {
			case verb == "status":
				state := map[bool]string{true: "trusted", false: "not trusted"}[p.trusted]
				add(trustStep{Store: s.name(), Where: p.where, State: state, Detail: p.note})
			case verb == "install" && p.trusted:
				add(trustStep{Store: s.name(), Where: p.where, State: "already trusted", Detail: "nothing changed"})
			case verb == "uninstall" && !p.present:
				detail := "nothing changed"
				if p.note != "" {
					detail += "; " + p.note + ", left alone"
				}
				add(trustStep{Store: s.name(), Where: p.where, State: "not installed", Detail: detail})
			default:
				change = append(change, p)
			}
		}
		if len(change) == 0 {
			continue
		}
		if err := s.writable(change); err != nil {
			refused = true
			detail := err.Error()
			var nr *needsRootError
			if errors.As(err, &nr) {
				detail += "; needs root: sudo localca trust " + verb
			}
			add(trustStep{Store: s.name(), State: "not changed", Detail: detail})
			failed = append(failed, fmt.Sprintf("%s: %s", s.name(), detail))
			continue
		}
		plans = append(plans, plan{s, change})
	}
	if refused {
		for _, p := range plans {
			add(trustStep{Store: p.store.name(), State: "not changed", Detail: "another store could not be changed (--store " + p.store.name() + " changes this one alone)"})
		}
		order := map[string]int{}
		for i, s := range stores {
			order[s.name()] = i
		}
		sort.SliceStable(report.Stores, func(i, j int) bool {
			return order[report.Stores[i].Store] < order[report.Stores[j].Store]
		})
		return report, fmt.Errorf("%w: %s", errTrustRefused, strings.Join(failed, "; "))
	}
	pemFile, cleanup, err := rootPEMFile(root)
	if err != nil {
		return report, err
	}
	defer cleanup()
	for _, p := range plans {
		var steps []trustStep
		var err error
		if verb == "install" {
			steps, err = p.store.install(ctx, root, pemFile, p.places)
		} else {
			steps, err = p.store.uninstall(ctx, root, p.places)
		}
		for _, st := range steps {
			st.Store = p.store.name()
			add(st)
		}
		if err != nil {
			add(trustStep{Store: p.store.name(), State: "failed", Detail: err.Error()})
			failed = append(failed, fmt.Sprintf("%s: %v", p.store.name(), err))
		}
	}
	if len(failed) > 0 {
		return report, fmt.Errorf("trust %s: %s", verb, strings.Join(failed, "; "))
	}
	return report, nil
}

// printTrust writes the report for a human: the root and its fingerprint,
// then a line per store (per database for NSS).
func printTrust(w io.Writer, r trustReport) {
	fmt.Fprintf(w, "%-8s %s, SHA-256 %s\n", "root", r.Root, r.SHA256)
	for _, s := range r.Stores {
		line := s.State
		if s.Where != "" {
			sep := map[string]string{"installed": " in ", "removed": " from "}[s.State]
			if sep == "" {
				sep = ": "
			}
			line += sep + s.Where
		}
		if s.Detail != "" {
			if s.Where != "" {
				line += " (" + s.Detail + ")"
			} else {
				line += ": " + s.Detail
			}
		}
		fmt.Fprintf(w, "%-8s %s\n", s.Store, line)
	}
}

// rootPEMFile writes the root to a temporary file for the tools that read
// one, and returns a function that removes it.
func rootPEMFile(root *x509.Certificate) (string, func(), error) {
	dir, err := os.MkdirTemp("", "localca-trust-")
	if err != nil {
		return "", nil, err
	}
	// The root is public, and under sudo certutil reads it as the user
	// (trust_sudo.go): the folder may be entered by anyone.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	f := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(f, rootPEM(root), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return f, func() { os.RemoveAll(dir) }, nil
}

func rootPEM(root *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})
}

// rootID is the root's SHA-256, the part of file names and nicknames that
// tells this CA's root from another's (a re-initialised CA has a new root).
func rootID(root *x509.Certificate) string {
	sum := sha256.Sum256(root.Raw)
	return hex.EncodeToString(sum[:])
}

// rootSHA1 is the fingerprint macOS's security tool names certificates by.
func rootSHA1(root *x509.Certificate) string {
	sum := sha1.Sum(root.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func nickname(root *x509.Certificate) string { return "localca " + rootID(root)[:16] }

// pemHolds reports whether data holds a certificate whose DER is der, and
// how many certificates it holds.
func pemHolds(data, der []byte) (found bool, n int) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return found, n
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		n++
		if string(b.Bytes) == string(der) {
			found = true
		}
	}
}

// runTrustTool runs a store's tool, bounded by trustToolTimeout, and
// returns its standard output; a failure carries the command and what it said.
func runTrustTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	return runTrustToolAs(ctx, nil, name, args...)
}

// runTrustToolAs is runTrustTool as the user behind sudo (nil: as this
// process).
func runTrustToolAs(ctx context.Context, as *invoker, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, trustToolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	as.apply(cmd)
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		said := strings.TrimSpace(stderr.String() + " " + string(out))
		return out, fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, said)
	}
	return out, nil
}

// writableFile checks that this process may write path without changing
// it: opening for writing and closing changes neither content nor mtime.
func writableFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return rightsError(path, err)
	}
	return f.Close()
}

// writableDir checks that this process may create files in dir, by
// creating and removing an empty one.
func writableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".localca-check-*")
	if err != nil {
		return rightsError(dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func rightsError(path string, err error) error {
	if errors.Is(err, os.ErrPermission) {
		return &needsRootError{why: "cannot write " + path}
	}
	// Not a question of rights as such (a missing folder, a read-only
	// file system), but the fix a user can make is still to run it as
	// the administrator, where the folder exists and is writable.
	return &needsRootError{why: fmt.Sprintf("cannot write %s: %v", path, errors.Unwrap(err))}
}
