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
)

// nssTrust is the trust NSS gives our root: "C,," is a CA trusted to issue
// server certificates (SSL), nothing for e-mail or code signing.
const nssTrust = "C,,"

// nssStore is every NSS database of the user: Chromium's (~/.pki/nssdb) and
// each Firefox profile's. Each database is a place of its own: status,
// install and uninstall say which they looked at or changed.
type nssStore struct {
	home     string
	certutil string // "" when certutil is not installed
	as       *User  // under sudo, the user whose databases these are
}

func newNSSStore(home string) *nssStore {
	p, _ := exec.LookPath("certutil")
	return &nssStore{home: home, certutil: p}
}

func (*nssStore) name() string { return "nss" }

func (s *nssStore) missing() string {
	if s.home == "" {
		return "the home folder of the user is unknown"
	}
	if s.certutil == "" {
		return "certutil is not installed (Debian: apt-get install libnss3-tools)"
	}
	if len(s.databases()) == 0 {
		return "no NSS database under " + s.home + " (start Chromium or Firefox once)"
	}
	return ""
}

// databases are the NSS databases (sql: format, cert9.db) under home.
func (s *nssStore) databases() []string {
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

// nssEntry is what a database holds under our nickname.
type nssEntry struct {
	ours, other bool   // a certificate with our fingerprint; one without
	trust       string // the trust attributes of the nickname, e.g. "C,,"
}

func (s *nssStore) entry(ctx context.Context, db string, root *x509.Certificate) (nssEntry, error) {
	var e nssEntry
	nick := Nickname(root)
	out, err := runToolAs(ctx, s.as, s.certutil, "-L", "-d", "sql:"+db, "-n", nick, "-a")
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return e, nil // certutil: Could not find cert
	}
	if err != nil {
		return e, err
	}
	found, n := PEMHolds(out, root.Raw)
	e.ours, e.other = found, n > 1 || (n == 1 && !found)
	list, err := runToolAs(ctx, s.as, s.certutil, "-L", "-d", "sql:"+db)
	if err != nil {
		return e, err
	}
	for _, line := range strings.Split(string(list), "\n") {
		if rest, ok := strings.CutPrefix(line, nick); ok && strings.HasPrefix(rest, " ") {
			if f := strings.Fields(rest); len(f) == 1 {
				e.trust = f[0]
			}
		}
	}
	return e, nil
}

func (s *nssStore) status(ctx context.Context, root *x509.Certificate) ([]place, error) {
	var places []place
	for _, db := range s.databases() {
		e, err := s.entry(ctx, db, root)
		if err != nil {
			return nil, err
		}
		p := place{where: db, present: e.ours, trusted: e.ours && strings.HasPrefix(e.trust, "C")}
		switch {
		case e.other:
			p.note = fmt.Sprintf("%q holds another certificate", Nickname(root))
		case p.trusted:
			p.note = fmt.Sprintf("as %q, trust %s", Nickname(root), e.trust)
		case e.ours:
			p.note = fmt.Sprintf("as %q, without server trust (%s)", Nickname(root), e.trust)
		}
		places = append(places, p)
	}
	return places, nil
}

// writable checks each database's folder, where NSS writes cert9.db and
// its journal.
func (s *nssStore) writable(places []place) error {
	if s.as != nil {
		// Under sudo certutil runs as the invoker: their rights count.
		for _, p := range places {
			if err := s.as.Owns(p.where, true); err != nil {
				return err
			}
			if err := s.as.Owns(filepath.Join(p.where, "cert9.db"), false); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range places {
		if err := writableDir(p.where); err != nil {
			return err
		}
		if err := writableFile(filepath.Join(p.where, "cert9.db")); err != nil {
			return err
		}
	}
	return nil
}

func (s *nssStore) install(ctx context.Context, root *x509.Certificate, pemFile string, places []place) ([]Step, error) {
	return s.each(ctx, root, places, func(db, nick string, e nssEntry) (Step, error) {
		var err error
		switch {
		case e.other:
			return Step{}, fmt.Errorf("%s: %q holds another certificate: left alone", db, nick)
		case e.ours: // there, but without server trust
			_, err = runToolAs(ctx, s.as, s.certutil, "-M", "-d", "sql:"+db, "-n", nick, "-t", nssTrust)
		default:
			_, err = runToolAs(ctx, s.as, s.certutil, "-A", "-d", "sql:"+db, "-n", nick, "-t", nssTrust, "-i", pemFile)
		}
		return Step{Where: db, State: "installed", Changed: true}, err
	})
}

// uninstall deletes our nickname only where every certificate under it is
// our root: a different certificate under a colliding nickname is left
// alone and reported.
func (s *nssStore) uninstall(ctx context.Context, root *x509.Certificate, places []place) ([]Step, error) {
	return s.each(ctx, root, places, func(db, nick string, e nssEntry) (Step, error) {
		if e.other {
			return Step{Where: db, State: "not changed", Detail: fmt.Sprintf("%q holds another certificate: left alone", nick)}, nil
		}
		_, err := runToolAs(ctx, s.as, s.certutil, "-D", "-d", "sql:"+db, "-n", nick)
		return Step{Where: db, State: "removed", Changed: true}, err
	})
}

// each looks up root's entry in each database of places and does change
// there, stopping at the first error; the steps are those done before it.
func (s *nssStore) each(ctx context.Context, root *x509.Certificate, places []place, change func(db, nick string, e nssEntry) (Step, error)) ([]Step, error) {
	var steps []Step
	nick := Nickname(root)
	for _, p := range places {
		e, err := s.entry(ctx, p.where, root)
		if err != nil {
			return steps, err
		}
		step, err := change(p.where, nick, e)
		if err != nil {
			return steps, err
		}
		steps = append(steps, step)
	}
	return steps, nil
}
