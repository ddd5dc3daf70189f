package policies

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// RequestForNames is a request for names typed by a user, each sorted into
// its kind by AddName, in profile: what `localca policy check --name`
// asks about when it has no CSR (RequestFromCSR).
func RequestForNames(names []string, profile string) Request {
	req := Request{Profile: profile}
	for _, n := range names {
		req.AddName(n)
	}
	return req
}

// Verdict is Check's answer as a report (`localca policy check`): allowed,
// with what would be issued, or refused, with every violation. Its JSON
// keys are part of the command line's interface.
type Verdict struct {
	Allowed    bool        `json:"allowed"`
	Decision   *Decision   `json:"decision,omitempty"`
	Violations []Violation `json:"violations,omitempty"`
}

// Judge checks req as Check does and returns Check's error with the
// Verdict: a refusal (a *Refusal error) is a verdict too, so a script can
// read the violations; any other error (an unknown profile) has none.
func (p *Policy) Judge(req Request) (*Verdict, error) {
	d, err := p.Check(req)
	var refusal *Refusal
	switch {
	case errors.As(err, &refusal):
		return &Verdict{Violations: refusal.Violations}, err
	case err != nil:
		return nil, err
	}
	return &Verdict{Allowed: true, Decision: d}, nil
}

// WriteText writes the verdict for people: the profile, validity and
// names that would be issued, or every violation, one per line.
func (v *Verdict) WriteText(w io.Writer) error {
	if !v.Allowed {
		var b strings.Builder
		b.WriteString("refused:\n")
		for _, x := range v.Violations {
			fmt.Fprintf(&b, "  %s\n", x.Error())
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	d := v.Decision
	_, err := fmt.Fprintf(w, "allowed: profile %s, valid %s\n  names: %s\n", d.Profile, Duration(d.Validity), strings.Join(d.Names(), ", "))
	return err
}
