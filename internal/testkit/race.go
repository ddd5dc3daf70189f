//go:build race

package testkit

// RaceFactor stretches time limits and shrinks fan-outs under the race
// detector, which makes a process several times slower and bigger: a test
// that starts 64 processes or waits 20 s for a tool otherwise fails on a
// 2-core CI machine for want of time, not for a fault.
const RaceFactor = 4
