// Package testkit holds what the tests of every localca package share: the
// outside tools they drive (openssl, curl, dig, ...), an environment free of
// the developer's own LOCALCA_* settings, and a throwaway PKI generated at
// run time. Only tests import it.
//
// A tool that is missing fails the test when CI=true (CI installs every
// tool) and skips it elsewhere, with a message naming the tool.
package testkit
