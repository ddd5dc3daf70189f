package benchalt

import "errors"

var (
	// ErrTooFewPairs: a figure is taken from at least MinPairs alternations.
	ErrTooFewPairs = errors.New("fewer pairs than MinPairs")
	// ErrNoOperations: each side must do at least one operation per pair.
	ErrNoOperations = errors.New("no operations")
	// ErrNoCommand: a side of Commands has no command to run.
	ErrNoCommand = errors.New("no command")
)
