package cliargs_test

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/internal/cliargs"
)

func TestInterspersed(t *testing.T) {
	app := &cli.App{
		Flags: []cli.Flag{&cli.StringFlag{Name: "home"}},
		Commands: []*cli.Command{
			{Name: "issue", Aliases: []string{"i"}, Flags: []cli.Flag{&cli.StringFlag{Name: "out", Aliases: []string{"o"}}, &cli.BoolFlag{Name: "client"}}},
			{Name: "dns", Subcommands: []*cli.Command{{Name: "add", Flags: []cli.Flag{&cli.StringFlag{Name: "zone"}}}}},
		},
	}
	tests := []struct{ in, want string }{
		{"x issue a --client", "x issue --client a"},
		{"x i a -o f b", "x i -o f a b"},
		{"x --home h issue a --out=f", "x --home h issue --out=f a"},
		{"x dns add r --zone z.", "x dns add --zone z. r"},
		{"x issue -- --odd", "x issue -- --odd"},
		{"x unknown a --client", "x --client unknown a"}, // the path ends at what is no command
		{"x", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got, want := cliargs.Interspersed(app, strings.Fields(tt.in)), strings.Fields(tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestLineage(t *testing.T) {
	const ours = "the CA's store"
	var got []string
	action := func(c *cli.Context) error {
		got = append(got, cliargs.Lineage(c, "store", ours), cliargs.Lineage(c, "home", ""))
		return nil
	}
	global := []cli.Flag{&cli.StringFlag{Name: "store", Usage: ours}, &cli.StringFlag{Name: "home"}}
	app := &cli.App{
		Flags: global, Writer: io.Discard, ErrWriter: io.Discard,
		Commands: []*cli.Command{
			{Name: "list", Flags: []cli.Flag{&cli.StringFlag{Name: "store", Usage: ours + ": a file"}, &cli.StringFlag{Name: "home"}}, Action: action},
			{Name: "trust", Flags: []cli.Flag{&cli.StringFlag{Name: "store", Usage: "trust stores"}}, Action: action},
		},
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"x", "--store", "g.db", "list", "--home", "h"}, []string{"g.db", "h"}},
		{[]string{"x", "--store", "g.db", "list", "--store", "l.db"}, []string{"l.db", ""}},
		{[]string{"x", "--store", "g.db", "trust", "--store", "nss"}, []string{"g.db", ""}},
		{[]string{"x", "trust", "--store", "nss"}, []string{"", ""}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got = nil
			if err := app.Run(tt.args); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsMissingRequiredFlag(t *testing.T) {
	app := &cli.App{Writer: io.Discard, ErrWriter: io.Discard, Commands: []*cli.Command{
		{Name: "sign", Flags: []cli.Flag{&cli.StringFlag{Name: "csr", Required: true}}, Action: func(*cli.Context) error { return nil }},
	}}
	err := app.Run([]string{"x", "sign"})
	if err == nil || !cliargs.IsMissingRequiredFlag(err) {
		t.Fatalf("sign without --csr: %v, want a missing required flag", err)
	}
	if cliargs.IsMissingRequiredFlag(errors.New("other")) {
		t.Error("another error read as a missing required flag")
	}
}
