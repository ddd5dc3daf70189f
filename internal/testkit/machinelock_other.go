//go:build !unix

package testkit

import "testing"

// lockMachineTrust does nothing where there is no flock(2): the machine
// trust tests need root on a Unix machine and skip before they get here.
func lockMachineTrust(testing.TB) {}
