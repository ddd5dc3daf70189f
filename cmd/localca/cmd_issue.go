package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/localca/localca/internal/atomicfile"

	"github.com/urfave/cli/v2"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/localca/localca/ca"
)

// defaultP12Password is mkcert's, so tools and docs that expect it work; the
// bundle is a transport format, the key file beside it is the secret.
const defaultP12Password = "changeit"

func (e *env) issueCommand() *cli.Command {
	return &cli.Command{
		Name:  "issue",
		Usage: "key + CSR + certificate in one step (makes a CA on first use)",
		UsageText: `localca issue localhost 127.0.0.1 ::1      # writes localhost.pem, localhost-key.pem
   localca issue --client alice@example.test
   localca issue --profile peer --key-type ed25519 api.test spiffe://localca.test/api
   localca issue --p12 app.test                # also app.p12 (password "changeit")`,
		Description: `Writes FIRST.pem (the leaf, then the intermediate) and FIRST-key.pem (0600),
where FIRST is the first name ("*" becomes "_wildcard"). The certificate is in
the store before the files are written.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Value: "server", Usage: "server, client or peer"},
			&cli.BoolFlag{Name: "client", Usage: "shorthand for --profile client"},
			keyTypeFlag(),
			&cli.IntFlag{Name: "days", Usage: "validity in days (default: the profile's: 90 for server and client, 1 for peer)"},
			&cli.BoolFlag{Name: "p12", Usage: "also write FIRST.p12 (PKCS#12: key, leaf, intermediate)"},
			&cli.StringFlag{Name: "p12-password-file", Usage: "password of the .p12 (default \"changeit\")"},
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "folder for the files"},
			passwordFileFlag(),
			policyFlag(),
			urlFlag(),
			jsonFlag(),
			brokenFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.IsSet("broken") {
				return e.issueBroken(c)
			}
			if c.Args().Len() == 0 {
				return usagef("issue needs at least one name, like: localca issue localhost 127.0.0.1")
			}
			profile := c.String("profile")
			if c.Bool("client") {
				if c.IsSet("profile") && profile != "client" {
					return usagef("--client contradicts --profile %s", profile)
				}
				profile = "client"
			}
			if _, err := ca.ParseKeyType(c.String("key-type")); err != nil {
				return usageError{err}
			}
			if c.Int("days") < 0 {
				return usagef("--days must be positive")
			}
			authority, st, err := e.loadOrInitCA(c)
			if err != nil {
				return err
			}
			defer st.Close()
			iss, err := authority.Issue(ca.IssueRequest{
				Names: c.Args().Slice(), Profile: profile, KeyType: c.String("key-type"),
				Validity: time.Duration(c.Int("days")) * 24 * time.Hour,
			})
			if err != nil {
				return err
			}
			return e.writeIssued(c, iss, c.Args().First())
		},
	}
}

// fileBase turns a name into a file name as mkcert does: "*" → "_wildcard",
// ":" (IPv6) and "/" (URIs) → "_".
func fileBase(name string) string {
	r := strings.NewReplacer("*", "_wildcard", ":", "_", "/", "_")
	return r.Replace(name)
}

func (e *env) writeIssued(c *cli.Context, iss *ca.Issued, first string) error {
	dir := c.String("out-dir")
	base := filepath.Join(dir, fileBase(first))
	certFile, keyFile := base+".pem", base+"-key.pem"
	// The key first: a certificate file never stands without its key. The
	// files are renamed into place but not fsynced: the store has both
	// already (committed, fsynced), and export writes them again.
	if err := atomicfile.Replace(
		atomicfile.File{Path: keyFile, Data: iss.KeyPEM, Perm: 0o600},
		atomicfile.File{Path: certFile, Data: iss.ChainPEM(), Perm: 0o644},
	); err != nil {
		s := iss.Record.SerialHex()
		return fmt.Errorf("certificate %s is stored, but its files were not written (write them with `localca export %s --chain --out FILE` and `localca export %s --key --out FILE`): %w", s, s, s, err)
	}
	files := map[string]string{"cert": certFile, "key": keyFile}
	if c.Bool("p12") {
		pw := defaultP12Password
		if f := c.String("p12-password-file"); f != "" {
			b, err := readPasswordFile(f)
			if err != nil {
				return err
			}
			pw = string(b)
		}
		pfx, err := pkcs12.Modern.Encode(iss.Key, iss.Cert, []*x509.Certificate{iss.Issuer}, pw)
		if err != nil {
			return fmt.Errorf("encoding PKCS#12: %w", err)
		}
		if err := e.writeOut(base+".p12", pfx, true); err != nil {
			return err
		}
		files["p12"] = base + ".p12"
	}
	if c.Bool("json") {
		out := map[string]any{"serial": iss.Record.SerialHex(), "names": iss.Record.Names, "profile": iss.Record.Profile,
			"not_after": iss.Cert.NotAfter, "files": files}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	fmt.Fprintf(e.stdout, "Issued %s for %s (%s, serial %s, valid until %s)\n  certificate: %s\n  key:         %s\n",
		iss.Record.Profile, strings.Join(iss.Record.Names, ", "), keyNameOf(iss), iss.Record.SerialHex(),
		iss.Cert.NotAfter.UTC().Format("2006-01-02 15:04 MST"), certFile, keyFile)
	if p, ok := files["p12"]; ok {
		fmt.Fprintf(e.stdout, "  pkcs12:      %s\n", p)
	}
	return nil
}

func keyNameOf(iss *ca.Issued) string {
	alg, size := ca.DescribeKey(iss.Cert.PublicKey)
	return fmt.Sprintf("%s %d", alg, size)
}
