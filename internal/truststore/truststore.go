package truststore

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"
)

// A Store is somewhere clients look for roots: the system's bundle
// (curl, openssl, Go, most programs), NSS databases (Chromium and Firefox on
// Linux), Java's cacerts, the macOS System keychain. Each is driven with its
// own tool, as mkcert does, and each is looked at by fingerprint: a name or
// a file that merely looks like ours proves nothing.
//
// Run asks every store first (status and rights) and changes
// any only when all the changes asked for can be made: a user without the
// rights one store needs gets told so, and nothing at all is changed.
type Store interface {
	name() string
	// missing says why the store cannot be used here, or "" when it can.
	missing() string
	// status reports, for each place the store keeps roots (one NSS
	// database each), whether our root is trusted there and whether
	// anything of ours is present at all.
	status(ctx context.Context, root *x509.Certificate) ([]place, error)
	// writable returns nil when this process may change the places given,
	// or an error saying why not (a *needsRootError when rights are missing).
	writable(places []place) error
	// install trusts root in the places given (those not yet trusted);
	// uninstall removes it from those where something of ours is present.
	// Each returns a sentence saying what it changed.
	install(ctx context.Context, root *x509.Certificate, pemFile string, places []place) ([]Step, error)
	uninstall(ctx context.Context, root *x509.Certificate, places []place) ([]Step, error)
}

// place is one place of a store and what status found there.
type place struct {
	where   string // file, database or keystore
	trusted bool   // our root is there, by fingerprint, and in effect
	present bool   // something of ours is there (even if not yet in effect)
	other   bool   // our name (file, nickname, alias) holds another certificate
	note    string // what status saw, for the user
}

// Step is one line of output: what one place of one store is, or
// what was done to it.
type Step struct {
	Store   string `json:"store"`
	Where   string `json:"where,omitempty"`
	State   string `json:"state"` // trusted, not trusted, installed, already trusted, removed, not installed, skipped, needs root, not changed, failed
	Changed bool   `json:"changed"`
	Detail  string `json:"detail,omitempty"`
}

// Report is the whole answer of a trust command, as --json prints it.
type Report struct {
	Root   string `json:"root"`
	SHA256 string `json:"sha256"`
	Stores []Step `json:"stores"`
}

// toolTimeout bounds each run of certutil, keytool, security or an
// update command.
const toolTimeout = 2 * time.Minute

// Available returns the stores this machine may have, by name, and the
// default selection (the keychain replaces the system store on macOS). home
// is the folder under which the NSS databases are looked for; under sudo,
// as is the invoking user, whose databases they are and whose rights
// certutil runs with (nil otherwise).
func Available(home string, as *User) (map[string]Store, []string) {
	nss := newNSSStore(home)
	if as != nil {
		nss.home, nss.as = as.Home, as
	}
	all := map[string]Store{
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

// Select returns the stores to work on: those named, in order, or, when
// names is nil, this machine's default selection (see Available). A name it
// does not know is an error wrapping ErrUnknownStore. home and as are
// Available's.
func Select(home string, as *User, names []string) ([]Store, error) {
	all, def := Available(home, as)
	if names == nil {
		names = def
	}
	stores := make([]Store, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		s, ok := all[n]
		if !ok {
			return nil, fmt.Errorf("%q: %w", n, ErrUnknownStore)
		}
		stores = append(stores, s)
	}
	return stores, nil
}

// SystemFile is the file under which install puts root into this machine's
// system store.
func SystemFile(root *x509.Certificate) string { return newSystemStore().file(root) }

// Run does verb on the stores: it asks each store where it stands,
// checks the rights for every change before making any, then makes them.
// explicit makes an absent store an error rather than a skipped line.
func Run(ctx context.Context, verb string, root *x509.Certificate, stores []Store, explicit bool) (Report, error) {
	report := Report{Root: root.Subject.CommonName, SHA256: Fingerprint(root)}
	add := func(s Step) { report.Stores = append(report.Stores, s) }
	var failed []string
	type plan struct {
		store  Store
		places []place // those to change
	}
	var plans []plan
	refused := false
	for _, s := range stores {
		if why := s.missing(); why != "" {
			add(Step{Store: s.name(), State: "skipped", Detail: why})
			if explicit {
				failed = append(failed, s.name()+": "+why)
			}
			continue
		}
		places, err := s.status(ctx, root)
		if err != nil {
			add(Step{Store: s.name(), State: "failed", Detail: err.Error()})
			failed = append(failed, fmt.Sprintf("%s: %v", s.name(), err))
			continue
		}
		var change []place
		for _, p := range places {
			switch {
			case verb == "status":
				state := map[bool]string{true: "trusted", false: "not trusted"}[p.trusted]
				add(Step{Store: s.name(), Where: p.where, State: state, Detail: p.note})
			case verb == "install" && p.trusted:
				add(Step{Store: s.name(), Where: p.where, State: "already trusted", Detail: "nothing changed"})
			case verb == "uninstall" && !p.present:
				detail := "nothing changed"
				if p.note != "" {
					detail += "; " + p.note + ", left alone"
				}
				add(Step{Store: s.name(), Where: p.where, State: "not installed", Detail: detail})
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
			add(Step{Store: s.name(), State: "not changed", Detail: detail})
			failed = append(failed, fmt.Sprintf("%s: %s", s.name(), detail))
			continue
		}
		plans = append(plans, plan{s, change})
	}
	if refused {
		for _, p := range plans {
			add(Step{Store: p.store.name(), State: "not changed", Detail: "another store could not be changed (--store " + p.store.name() + " changes this one alone)"})
		}
		order := map[string]int{}
		for i, s := range stores {
			order[s.name()] = i
		}
		sort.SliceStable(report.Stores, func(i, j int) bool {
			return order[report.Stores[i].Store] < order[report.Stores[j].Store]
		})
		return report, fmt.Errorf("%w: %s", ErrRefused, strings.Join(failed, "; "))
	}
	pemFile, cleanup, err := rootPEMFile(root)
	if err != nil {
		return report, err
	}
	defer cleanup()
	for _, p := range plans {
		var steps []Step
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
			add(Step{Store: p.store.name(), State: "failed", Detail: err.Error()})
			failed = append(failed, fmt.Sprintf("%s: %v", p.store.name(), err))
		}
	}
	if len(failed) > 0 {
		return report, fmt.Errorf("trust %s: %s", verb, strings.Join(failed, "; "))
	}
	return report, nil
}
