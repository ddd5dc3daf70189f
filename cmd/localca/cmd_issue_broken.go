package main

import (
	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
	"github.com/urfave/cli/v2"
)

// brokenFlag is issue's --broken CASE.
func brokenFlag() cli.Flag {
	return &cli.StringFlag{Name: "broken", Usage: "write a broken-on-purpose fixture instead (expired, self-signed, ...; see `localca demo bad-server`)"}
}

// issueBroken is `localca issue --broken CASE`: the certificate (then the
// certificates a correct server sends after it) and key of a certificate
// case, written as CASE.bad.localca.test.pem and -key.pem, for unit tests.
// A server case has no broken certificate and is refused.
func (e *env) issueBroken(c *cli.Context) error {
	fc, err := ca.LookupFixtureCase(c.String("broken"))
	if err != nil {
		return usageError{err}
	}
	if fc.Server {
		return usagef("--broken %s: %s; that is the server's doing, not a certificate's (run `localca demo bad-server`)", fc.Name, fc.Defect)
	}
	name := ca.FixtureName(fc.Name)
	if c.NArg() > 1 || (c.NArg() == 1 && c.Args().First() != name) {
		return usagef("--broken %s names its certificate %s; give no other name", fc.Name, name)
	}
	authority, err := e.openCA(c, ca.Access{Hold: true, InitIfNone: true})
	if err != nil {
		return err
	}
	defer authority.Close()
	f, err := authority.Fixture(fc.Name)
	if err != nil {
		return err
	}
	files, err := f.WriteFiles(c.String("out-dir"))
	if err != nil {
		return err
	}
	return e.printLine(c, f.Report(files))
}

func fixturesFlag() cli.Flag {
	return &cli.BoolFlag{Name: "fixtures", Usage: "list the broken-on-purpose fixtures (profile fixtures) only; without it they are left out"}
}

// skipFixture says whether list leaves a certificate of this profile out:
// with --fixtures everything but fixtures, without it the fixtures (a
// bad-server start makes a set, which would crowd out what a user issued).
func skipFixture(c *cli.Context, profile string) bool {
	return (profile == policies.ProfileFixtures) != c.Bool("fixtures")
}
