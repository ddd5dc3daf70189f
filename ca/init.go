package ca

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/user"
	"time"

	"github.com/localca/localca/store"
)

// Validity of the hierarchy `localca init` makes.
const (
	RootValidity         = 10 * 365 * 24 * time.Hour
	IntermediateValidity = 5 * 365 * 24 * time.Hour
)

// InitOptions say what kind of CA Init makes.
type InitOptions struct {
	// KeyType is one of KeyTypes; "" means ecdsa-p256.
	KeyType string
	// Name is the root's common name; "" means "localca Root CA".
	Name string
	// Password encrypts both CA keys (PKCS#8 PBES2). Nil leaves them
	// unencrypted: the explicit --no-password choice for a throwaway CA.
	Password []byte
	// Force replaces an existing CA. Certificates it issued stay in the
	// store, but new ones chain to the new root.
	Force bool
}

// Init makes a root (10 years) and an intermediate (5 years, path length 0,
// name constraints from the policy) and stores them as the active CA.
func Init(st *store.Store, init InitOptions, opts Options) (*CA, error) {
	opts = opts.withDefaults()
	spec, err := ParseKeyType(init.KeyType)
	if err != nil {
		return nil, err
	}
	if init.Name == "" {
		init.Name = "localca Root CA"
	}
	if len(init.Password) == 0 && store.IsEtcdURL(st.Path()) {
		// Every node, and every snapshot of etcd, would hold the keys.
		return nil, fmt.Errorf("%w: a CA kept in etcd (%s) needs a password (--password-file F)", ErrUnencryptedIntoEtcd, st.Path())
	}
	if !init.Force {
		if _, _, err := st.CA(); err == nil {
			return nil, fmt.Errorf("%w: use --force to replace it", store.ErrCAExists)
		}
	}
	var sec *Secrets
	if store.IsEtcdURL(st.Path()) {
		// The seal record first: a store whose secrets are sealed with
		// another password keeps its CA.
		sec = NewSecrets(nil)
		if err := sec.create(st, init.Password); err != nil {
			return nil, err
		}
	}
	now := opts.Now().UTC().Truncate(time.Second)
	owner := ownerName()

	rootKey, err := spec.Generate()
	if err != nil {
		return nil, err
	}
	interKey, err := spec.Generate()
	if err != nil {
		return nil, err
	}
	c := &CA{opts: opts}
	rootTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: init.Name, Organization: []string{"localca"}, OrganizationalUnit: []string{owner}},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(RootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	rootDER, err := c.createCert(rootTmpl, nil, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	rootCert, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, fmt.Errorf("ca: reading back the new root: %w", err)
	}

	nc := opts.Policy.NameConstraints()
	interTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: init.Name + " Intermediate", Organization: []string{"localca"}, OrganizationalUnit: []string{owner}},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(IntermediateValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	nc.ApplyTo(interTmpl)
	interDER, err := c.createCert(interTmpl, rootCert, interKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}

	root, err := newAuthority("root", rootDER, rootKey, init.Password, "", now)
	if err != nil {
		return nil, err
	}
	inter, err := newAuthority("intermediate", interDER, interKey, init.Password, root.ID, now)
	if err != nil {
		return nil, err
	}
	if err := st.InitCA(root, inter, init.Force); err != nil {
		return nil, err
	}
	loaded, err := Load(st, opts)
	if err != nil {
		return nil, err
	}
	loaded.rootSigner, loaded.interSigner = rootKey, interKey
	if sec != nil {
		loaded.secrets = sec
	}
	return loaded, nil
}

func newAuthority(role string, der []byte, key crypto.Signer, password []byte, parent string, now time.Time) (*store.Authority, error) {
	pemKey, err := EncodeKey(key, password)
	if err != nil {
		return nil, err
	}
	return &store.Authority{
		ID: authorityID(der), Role: role, CertDER: der, KeyPEM: pemKey,
		Encrypted: len(password) > 0, ParentID: parent, Created: now,
	}, nil
}

// createCert signs tmpl with a fresh serial; parent nil means self-signed.
// Go checks the new signature before it returns, so a faulty signer cannot
// produce a certificate that would not verify.
func (c *CA) createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, error) {
	serial, err := c.newSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = new(big.Int).SetBytes(serial)
	if tmpl.SubjectKeyId == nil {
		if tmpl.SubjectKeyId, err = subjectKeyID(pub); err != nil {
			return nil, err
		}
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(c.opts.Rand, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("ca: signing certificate for %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

// ownerName is "user@host", like mkcert puts in its root, so that a user who
// sees the root in a trust store knows whose machine made it.
func ownerName() string {
	name := "localca"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		name += "@" + h
	}
	return name
}
