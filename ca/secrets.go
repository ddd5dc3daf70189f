package ca

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/localca/localca/store"
)

// A CA kept in etcd shares its store with every node of the cluster and
// with every snapshot an operator takes of it. The CA keys are encrypted
// with the CA password (PKCS#8 PBES2); the other secrets the store keeps
// (the leaf keys Issue keeps, the DNS zone's TSIG keys, the ACME EAB keys)
// are sealed with AES-256-GCM under a key-encryption key derived from the
// same password with PBKDF2-SHA256, once per process: a PBES2 key per
// record would cost half a second per issuance. The KDF's salt and a check
// value live in the store (setting "seal"), so that every node derives the
// same key and a wrong password is refused before anything is sealed.
//
// A store seals when it is in etcd or holds a seal record (a store copied
// back from etcd into a file keeps sealing); a bbolt file without one keeps
// these secrets in clear, as before, and never asks for a password for them.

// sealPrefix opens every sealed value; the version says how it is sealed.
const sealPrefix = "lcsealed1:"

// sealIterations is PBKDF2's count, the one localca's PKCS#8 keys use.
const sealIterations = 600_000

// sealSetting is the store setting that holds the seal record.
const sealSetting = "seal"

// sealCheck is sealed into the record under the name "seal" to test a
// password.
var sealCheck = []byte("localca seal check")

type sealRecord struct {
	Salt       []byte `json:"salt"`
	Iterations int    `json:"iterations"`
	Check      string `json:"check"`
}

// Secrets seals and opens the secrets a store keeps. It asks for the
// password only when a sealed value is written or read, and derives the
// key once. It is safe for concurrent use, and meant for one store.
type Secrets struct {
	password func() ([]byte, error)

	mu      sync.Mutex
	decided bool        // whether the store seals is known
	aead    cipher.AEAD // nil: the store keeps these secrets in clear
}

// NewSecrets returns the sealer of a store whose CA password password
// gives (nil: no password known, so a sealed value cannot be used).
func NewSecrets(password func() ([]byte, error)) *Secrets {
	return &Secrets{password: password}
}

// Sealed reports whether v is a sealed value.
func Sealed(v []byte) bool { return bytes.HasPrefix(v, []byte(sealPrefix)) }

// Seal returns plain sealed under name (the record it belongs to, bound
// into the seal so that a value moved to another record does not open), or
// plain itself when the store st keeps secrets in clear. The first call on
// a store in etcd without a seal record makes one, once the password has
// decrypted the CA's intermediate key.
//
// Inside a transaction of st, call Prepare before the transaction: Seal
// then reads nothing from st. A nil Secrets seals nothing.
func (s *Secrets) Seal(st *store.Store, name string, plain []byte) ([]byte, error) {
	if s == nil {
		return plain, nil
	}
	if err := s.Prepare(st); err != nil {
		return nil, err
	}
	s.mu.Lock()
	aead := s.aead
	s.mu.Unlock()
	if aead == nil {
		return plain, nil
	}
	return seal(aead, name, plain)
}

// Prepare learns whether st seals its secrets, and derives the key when it
// does (making the seal record of a store in etcd that has none). A nil
// Secrets refuses a store that seals: it could seal nothing there.
func (s *Secrets) Prepare(st *store.Store) error {
	if s == nil {
		if store.IsEtcdURL(st.Path()) {
			return fmt.Errorf("%w: %s seals its secrets with the CA password", ErrPasswordRequired, st.Path())
		}
		if _, err := st.Setting(sealSetting); !errors.Is(err, store.ErrNotFound) {
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: %s seals its secrets with the CA password", ErrPasswordRequired, st.Path())
		}
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.decided {
		return nil
	}
	return s.load(st, true)
}

// Open returns v opened: v itself when it is not sealed, else its plain
// text, which needs the password (ErrPasswordRequired without one,
// ErrWrongPassword when it is not the store's).
func (s *Secrets) Open(st *store.Store, name string, v []byte) ([]byte, error) {
	if !Sealed(v) {
		return v, nil
	}
	if s == nil {
		return nil, fmt.Errorf("%w: %s is sealed with the CA password", ErrPasswordRequired, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aead == nil {
		if err := s.load(st, false); err != nil {
			return nil, err
		}
		if s.aead == nil {
			return nil, fmt.Errorf("%w: %s is sealed, but the store holds no seal record", store.ErrCorrupt, name)
		}
	}
	return s.open(name, v)
}

func (s *Secrets) open(name string, v []byte) ([]byte, error) {
	raw, err := base64.RawStdEncoding.DecodeString(string(v[len(sealPrefix):]))
	ns := s.aead.NonceSize()
	if err != nil || len(raw) < ns {
		return nil, fmt.Errorf("%w: sealed %s does not decode", store.ErrCorrupt, name)
	}
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("%w: sealed %s does not open: %v", store.ErrCorrupt, name, err)
	}
	return plain, nil
}

func seal(aead cipher.AEAD, name string, plain []byte) ([]byte, error) {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	raw := aead.Seal(nonce, nonce, plain, []byte(name))
	return []byte(sealPrefix + base64.RawStdEncoding.EncodeToString(raw)), nil
}

// load reads st's seal record and derives the key from it. Without one, a
// store in etcd gets one when create says so; any other store keeps its
// secrets in clear.
func (s *Secrets) load(st *store.Store, create bool) error {
	raw, err := st.Setting(sealSetting)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if !store.IsEtcdURL(st.Path()) {
			s.decided = true
			return nil
		}
		if !create {
			return nil
		}
		pw, err := s.pass()
		if err != nil {
			return err
		}
		if err := checkCAPassword(st, pw); err != nil {
			return err
		}
		return s.create(st, pw)
	case err != nil:
		return err
	}
	pw, err := s.pass()
	if err != nil {
		return err
	}
	return s.use([]byte(raw), pw)
}

func (s *Secrets) pass() ([]byte, error) {
	if s.password == nil {
		return nil, fmt.Errorf("%w: the store's secrets are sealed with the CA password (give --password-file or LOCALCA_PASSWORD_FILE)", ErrPasswordRequired)
	}
	pw, err := s.password()
	if err != nil {
		return nil, fmt.Errorf("ca: reading the CA password: %w", err)
	}
	return pw, nil
}

// create stores a new seal record for pw in st, or, when another process
// made one first, uses that one.
func (s *Secrets) create(st *store.Store, pw []byte) error {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	aead, err := deriveSealKey(pw, salt, sealIterations)
	if err != nil {
		return err
	}
	check, err := seal(aead, sealSetting, sealCheck)
	if err != nil {
		return err
	}
	mine, err := json.Marshal(sealRecord{Salt: salt, Iterations: sealIterations, Check: string(check)})
	if err != nil {
		return err
	}
	raw, err := st.SettingOrInit(sealSetting, func() (string, error) { return string(mine), nil })
	if err != nil {
		return fmt.Errorf("ca: storing the seal record: %w", err)
	}
	if raw != string(mine) {
		return s.use([]byte(raw), pw)
	}
	s.aead, s.decided = aead, true
	return nil
}

// use derives the key of the seal record raw from pw and checks it.
func (s *Secrets) use(raw, pw []byte) error {
	var rec sealRecord
	if err := json.Unmarshal(raw, &rec); err != nil || len(rec.Salt) < 8 || rec.Iterations < 1 || rec.Iterations > maxPBKDF2Iterations {
		return fmt.Errorf("%w: the seal record does not read", store.ErrCorrupt)
	}
	aead, err := deriveSealKey(pw, rec.Salt, rec.Iterations)
	if err != nil {
		return err
	}
	s.aead = aead
	if got, err := s.open(sealSetting, []byte(rec.Check)); err != nil || !bytes.Equal(got, sealCheck) {
		s.aead = nil
		return fmt.Errorf("%w: the store's secrets are sealed with another password", ErrWrongPassword)
	}
	s.decided = true
	return nil
}

// checkCAPassword refuses to seal with a password that is not the CA's:
// the CA in st must exist and its intermediate key open with pw.
func checkCAPassword(st *store.Store, pw []byte) error {
	_, inter, err := st.CA()
	if err != nil {
		return fmt.Errorf("ca: sealing secrets needs the CA's password, and %s holds no CA yet: %w", st.Path(), err)
	}
	if !inter.Encrypted {
		return fmt.Errorf("%w: a CA kept in etcd (%s) needs a password", ErrUnencryptedIntoEtcd, st.Path())
	}
	if _, err := ParseKey(inter.KeyPEM, pw); err != nil {
		return err
	}
	return nil
}

func deriveSealKey(pw, salt []byte, iterations int) (cipher.AEAD, error) {
	kek, err := pbkdf2.Key(sha256.New, string(pw), salt, iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("ca: deriving the seal key: %w", err)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
