//go:build !race

package testkit

// RaceFactor is 1 without the race detector (see race.go).
const RaceFactor = 1
