package main

import "github.com/localca/localca/ca"

// maxInputFile is the most the CLI reads of a file the user points it at
// (ca.MaxInputFile).
const maxInputFile = ca.MaxInputFile

// readInput reads a file of at most limit bytes (ca.ReadInput). The error
// names the file and the limit.
func readInput(path string, limit int64) ([]byte, error) { return ca.ReadInput(path, limit) }
