package dnssrv

import "fmt"

// AddRecord parses text (zone-file form, a relative owner name taken
// relative to origin; ParseRR) and adds the record to b, for the servers
// that follow b. It returns the record as stored and whether b changed:
// false when b held it already.
func AddRecord(b Backing, text, origin string) (string, bool, error) {
	return applyRecord(b, text, origin, true)
}

// RemoveRecord parses text as AddRecord does and removes the record from
// b; a record b does not hold is ErrNoSuchRecord.
func RemoveRecord(b Backing, text, origin string) (string, bool, error) {
	return applyRecord(b, text, origin, false)
}

func applyRecord(b Backing, text, origin string, add bool) (string, bool, error) {
	rr, err := ParseRR(text, origin)
	if err != nil {
		return "", false, err
	}
	text = rr.String()
	var changed bool
	if add {
		changed, err = b.Apply([]string{text}, nil)
	} else {
		changed, err = b.Apply(nil, []string{text})
	}
	switch {
	case err != nil:
		return text, false, err
	case !changed && !add:
		return text, false, fmt.Errorf("%w: %s", ErrNoSuchRecord, text)
	}
	return text, changed, nil
}
