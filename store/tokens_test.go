package store

import (
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newToken(name string, expires time.Time) *Token {
	h := sha256.Sum256([]byte("secret of " + name))
	return &Token{Hash: h[:], Name: name, Created: testNow, Expires: expires}
}

func TestUseToken(t *testing.T) {
	tests := []struct {
		name    string
		token   *Token // stored first; nil stores nothing
		use     []byte // hash presented; nil means the token's
		at      time.Time
		wantErr bool
	}{
		{"fresh", newToken("fresh", testNow.Add(time.Hour)), nil, testNow, false},
		{"at its expiry", newToken("edge", testNow), nil, testNow, false},
		{"expired", newToken("old", testNow.Add(-time.Second)), nil, testNow, true},
		{"unknown", nil, []byte("no such hash"), testNow, true},
		{"other hash", newToken("x", testNow.Add(time.Hour)), []byte("no such hash"), testNow, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, nil)
			hash := tt.use
			if tt.token != nil {
				if err := s.PutToken(tt.token); err != nil {
					t.Fatalf("PutToken: %v", err)
				}
				if hash == nil {
					hash = tt.token.Hash
				}
			}
			got, err := s.UseToken(hash, tt.at)
			if tt.wantErr {
				if !errors.Is(err, ErrTokenInvalid) || got != nil {
					t.Fatalf("UseToken = %+v, %v; want ErrTokenInvalid", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("UseToken: %v", err)
			}
			if got.Name != tt.token.Name || !got.Used.Equal(tt.at) {
				t.Errorf("UseToken = %+v, want %q used at %s", got, tt.token.Name, tt.at)
			}
			before := takeSnapshot(t, s)
			if _, err := s.UseToken(hash, tt.at); !errors.Is(err, ErrTokenInvalid) {
				t.Errorf("second UseToken: err = %v, want ErrTokenInvalid", err)
			}
			before.assertSame(t, takeSnapshot(t, s))
			// Storing the same token again must not make it fresh.
			if err := s.PutToken(tt.token); err == nil {
				t.Errorf("PutToken of an existing hash succeeded")
			}
			if _, err := s.UseToken(hash, tt.at); !errors.Is(err, ErrTokenInvalid) {
				t.Errorf("UseToken after a second PutToken: err = %v, want ErrTokenInvalid", err)
			}
		})
	}
}

func TestPutTokenWithoutHash(t *testing.T) {
	s := openTest(t, nil)
	if err := s.PutToken(&Token{Name: "x", Expires: testNow.Add(time.Hour)}); err == nil {
		t.Errorf("PutToken without a hash succeeded")
	}
}

func TestUseTokenConcurrent(t *testing.T) {
	s := openTest(t, &Options{NoSync: true})
	tok := newToken("race", testNow.Add(time.Hour))
	if err := s.PutToken(tok); err != nil {
		t.Fatal(err)
	}
	const callers = 16
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-start
			_, err := s.UseToken(tok.Hash, testNow)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrTokenInvalid):
				refused.Add(1)
			default:
				t.Errorf("UseToken: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != callers-1 {
		t.Errorf("%d callers passed and %d were refused, want 1 and %d", ok.Load(), refused.Load(), callers-1)
	}
}
