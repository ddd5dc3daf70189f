package truststore

// User is the user behind `sudo localca trust install`. sudo makes HOME
// root's, so without it the command would look for a CA in root's data
// folder and trust it in root's NSS databases, which no browser of the user
// reads. Under sudo, trust works with the user's CA and NSS databases, and
// runs certutil as the user, so that the databases stay theirs; only the
// system and Java stores use root's rights.
type User struct {
	Name, Home string // Home is "" when the user's home folder is unknown
	UID, GID   uint32
}
