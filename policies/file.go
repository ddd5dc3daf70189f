package policies

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// MaxFileSize is the largest policy file Load reads. A real policy is a
// few kilobytes; the limit keeps a wrong path (a disk image, /dev/zero)
// from being read into memory whole.
const MaxFileSize = 1 << 20

// Load reads a policy file; errors name the file and the line. A file over
// MaxFileSize is refused (ErrInvalidPolicy) without being read whole.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("policy: reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is over %d bytes (1 MiB)", ErrInvalidPolicy, path, MaxFileSize)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, withFile(err, path)
	}
	return p, nil
}

// withFile stamps the file name on every ParseError inside err.
func withFile(err error, path string) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var pe *ParseError
		if errors.As(e, &pe) {
			pe.File = path
		}
	}
	return err
}

// Parse reads a policy in the TOML format the package documentation shows.
// It is strict: an unknown key is an error, and so is every bad pattern,
// limit or duration. All problems are reported at once, each a *ParseError
// with its line (errors.Join of them when there are several); every one
// matches ErrInvalidPolicy.
func Parse(data []byte) (*Policy, error) {
	var p Policy
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&p)
	if err != nil {
		return nil, tomlError(err)
	}
	lines := newKeyLines(data)
	var errs []error
	var reported []string
	for _, k := range md.Undecoded() {
		key := k.String()
		if insideReported(reported, key) {
			continue
		}
		reported = append(reported, key)
		errs = append(errs, &ParseError{Line: lines.line(key, ""), Key: key, Message: "unknown key" + hintFor(key)})
	}
	for _, k := range md.Keys() {
		// The decoder falls back to case-insensitive field names; a policy
		// file's keys are all lower case, and strict means exact.
		key := k.String()
		if key != strings.ToLower(key) && !insideReported(reported, key) {
			reported = append(reported, key)
			errs = append(errs, &ParseError{Line: lines.line(key, ""), Key: key, Message: "unknown key (keys are lower case)"})
		}
	}
	for _, fe := range p.problems() {
		errs = append(errs, &ParseError{Line: lines.line(fe.key, fe.value), Key: fe.key, Message: fe.msg})
	}
	if len(errs) > 0 {
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, errors.Join(errs...)
	}
	p.dropEmptyLists()
	return &p, nil
}

// dropEmptyLists makes "allow = []" and an absent key the same value, so a
// parsed policy equals the one it was encoded from.
func (p *Policy) dropEmptyLists() {
	nilEmpty := func(s *[]string) {
		if len(*s) == 0 {
			*s = nil
		}
	}
	nilEmpty(&p.Key.Algorithms)
	nilEmpty(&p.Key.Curves)
	for _, r := range []*ProfileRules{p.Profiles.Server, p.Profiles.Client, p.Profiles.Peer, p.Profiles.Intermediate} {
		if r == nil {
			continue
		}
		for _, nr := range []*NameRules{&r.DNS, &r.IP, &r.Email, &r.URI} {
			nilEmpty(&nr.Allow)
			nilEmpty(&nr.Deny)
		}
	}
}

// insideReported reports whether key lies inside a key already
// reported, so an unknown table is one error, not one per key in it.
func insideReported(reported []string, key string) bool {
	for _, r := range reported {
		if key == r || strings.HasPrefix(key, r+".") {
			return true
		}
	}
	return false
}

// hintFor suggests the right key for a few likely slips.
func hintFor(key string) string {
	parts := strings.Split(key, ".")
	if len(parts) == 2 && parts[0] == "profiles" {
		return " (profiles: server, client, peer, intermediate)"
	}
	if len(parts) >= 3 && parts[0] == "profiles" {
		return " (a profile has validity.default, validity.max, wildcards, dns, ip, email, uri)"
	}
	if len(parts) == 2 && parts[0] == "key" {
		return " (key has algorithms, curves, rsa_min_bits, rsa_max_bits)"
	}
	return ""
}

// tomlError turns an error of the TOML decoder into a ParseError.
func tomlError(err error) error {
	var te toml.ParseError
	if errors.As(err, &te) {
		msg := te.Message
		return &ParseError{Line: te.Position.Line, Key: te.LastKey, Message: msg}
	}
	msg := err.Error()
	pe := &ParseError{Message: strings.TrimPrefix(msg, "toml: ")}
	// Compiled here, on the error path, rather than at package init: every
	// localca command would pay for it at start-up.
	tomlLine := regexp.MustCompile(`^toml: (?:line (\d+) ?)?(?:\(last key "([^"]*)"\))?: (?s)(.*)$`)
	if m := tomlLine.FindStringSubmatch(msg); m != nil {
		pe.Line, _ = strconv.Atoi(m[1])
		pe.Key, pe.Message = m[2], m[3]
	}
	return pe
}
