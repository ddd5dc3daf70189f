// Package truststore installs, checks and removes a root certificate in
// the places clients look for roots: the operating system's bundle
// (update-ca-certificates or update-ca-trust), the user's NSS databases
// (Chromium and Firefox on Linux, driven with certutil), the JDK's cacerts
// (keytool) and the macOS System keychain (security), one file per store as
// mkcert keeps them.
//
// Run is the whole protocol: it asks every store where the root stands and
// whether this process may make each change, and changes nothing at all
// unless every change asked for can be made. Every store finds the root by
// its fingerprint, never by a name or a file that merely looks like ours.
//
// Under sudo (SudoUser), the NSS databases are the invoking user's and
// certutil runs with that user's rights, so that the databases stay theirs.
package truststore
