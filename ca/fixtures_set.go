package ca

import "errors"

// Fixtures makes the fixture of every case (FixtureCases), the set a bad
// server serves. A case this CA cannot make (ErrFixtureUnavailable) is left
// out and passed to skipped, when set, with the reason; any other error
// stops the set.
func (c *CA) Fixtures(skipped func(caseName string, err error)) ([]*Fixture, error) {
	var out []*Fixture
	for _, fc := range FixtureCases() {
		f, err := c.Fixture(fc.Name)
		if errors.Is(err, ErrFixtureUnavailable) {
			if skipped != nil {
				skipped(fc.Name, err)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// DERChain is what a server sends for f: its certificate, then Chain, DER.
func (f *Fixture) DERChain() [][]byte {
	out := [][]byte{f.Cert.Raw}
	for _, c := range f.Chain {
		out = append(out, c.Raw)
	}
	return out
}
