package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/iup-platform/iup/domain"
)

// LocalIssuer is the embedded default's signing key: an ES256 key created on
// first start under the data dir, so a newcomer can mint a token for every
// role (iupd token) without an identity provider.
type LocalIssuer struct {
	private jwk.Key
	public  jwk.Set
}

// OpenLocalIssuer loads the private key (a JWK file) at path, creating it
// (mode 0600) when missing.
func OpenLocalIssuer(path string) (*LocalIssuer, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", filepath.Base(path), err)
	}
	key, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", filepath.Base(path), err)
	}
	if private, err := jwk.IsPrivateKey(key); err != nil || !private {
		return nil, fmt.Errorf("signing key %s: not a private key", filepath.Base(path))
	}
	pub, err := key.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("signing key: public part: %w", err)
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return &LocalIssuer{private: key, public: set}, nil
}

func createKeyFile(path string) ([]byte, error) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	key, err := jwk.Import(ec)
	if err != nil {
		return nil, err
	}
	if err := jwk.AssignKeyID(key); err != nil {
		return nil, err
	}
	for k, v := range map[string]any{jwk.AlgorithmKey: jwa.ES256(), jwk.KeyUsageKey: "sig"} {
		if err := key.Set(k, v); err != nil {
			return nil, err
		}
	}
	raw, err := json.Marshal(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once must not both write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(raw); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return raw, f.Close()
}

// Keys is the public key set (what /.well-known/jwks.json serves).
func (l *LocalIssuer) Keys() jwk.Set { return l.public }

// JWKSHandler serves the public key set.
func (l *LocalIssuer) JWKSHandler() http.Handler {
	body, _ := json.Marshal(l.public)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(body)
	})
}

// TokenRequest is what Mint puts in a token.
type TokenRequest struct {
	Issuer, Audience string
	Subject, Tenant  string
	Roles            []domain.Role
	Now              time.Time
	TTL              time.Duration
}

// Mint signs an access token.
func (l *LocalIssuer) Mint(t TokenRequest) (string, error) {
	if !domain.ValidID(t.Subject) || !domain.ValidID(t.Tenant) {
		return "", errors.New("subject and tenant must be opaque ids (1-64 letters, digits, '-' or '_'), never personal identity numbers")
	}
	if len(t.Roles) == 0 {
		return "", errors.New("at least one role is needed")
	}
	roles := make([]string, 0, len(t.Roles))
	for _, r := range t.Roles {
		if !r.Valid() || r == domain.RoleSystem {
			return "", fmt.Errorf("unknown role %q (want admin, principal, mentor, teacher, student or guardian)", r)
		}
		roles = append(roles, string(r))
	}
	tok, err := jwt.NewBuilder().
		Issuer(t.Issuer).Audience([]string{t.Audience}).Subject(t.Subject).
		IssuedAt(t.Now).NotBefore(t.Now).Expiration(t.Now.Add(t.TTL)).
		Claim(ClaimTenant, t.Tenant).Claim(ClaimRoles, roles).
		Build()
	if err != nil {
		return "", fmt.Errorf("build token: %w", err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), l.private))
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return string(signed), nil
}
