package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/iup-platform/iup/domain"
)

// Claims this service reads besides the registered ones.
const (
	ClaimTenant = "tenant" // the organiser (huvudman) id
	ClaimRoles  = "roles"  // array of admin, principal, mentor, teacher, student, guardian
)

// KeySource gives the issuer's current public keys (a JWKS).
type KeySource interface {
	Keys(ctx context.Context) (jwk.Set, error)
}

// StaticKeys is a fixed key set (the embedded issuer's, or a test's).
type StaticKeys struct{ Set jwk.Set }

// Keys implements KeySource.
func (s StaticKeys) Keys(context.Context) (jwk.Set, error) { return s.Set, nil }

// DefaultAlgorithms are the signature algorithms accepted unless configured:
// asymmetric only, so a public key can never serve as an HMAC secret.
var DefaultAlgorithms = []string{"ES256", "ES384", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}

// VerifierConfig configures a Verifier. Issuer, Audience and Keys are
// required.
type VerifierConfig struct {
	Issuer     string
	Audience   string
	Keys       KeySource
	Algorithms []string         // DefaultAlgorithms when empty
	Clock      func() time.Time // time.Now when nil
	Skew       time.Duration    // tolerated clock skew for exp and nbf
	// CacheSize bounds the verified tokens remembered, least recently used
	// first out (DefaultCacheSize when 0; negative: no cache).
	CacheSize int
	// CacheMaxAge is the longest a verified token is trusted without its
	// signature being checked again (DefaultCacheMaxAge when 0): a key
	// withdrawn from the issuer's JWKS stops being accepted within it.
	CacheMaxAge time.Duration
}

// Defaults of the verified-token cache.
const (
	DefaultCacheSize   = 10000
	DefaultCacheMaxAge = 5 * time.Minute
)

// Verifier checks OIDC access tokens: signature by a key of the issuer's
// JWKS (kid required), an allowed algorithm, issuer, audience, expiry and
// not-before; then reads sub, tenant and roles.
//
// A verified token is remembered (by the SHA-256 of its string, never the
// token itself) with its principal, exp and nbf, so a client's next
// request skips the signature check, which was a third of a read's CPU.
// A remembered token is still checked against the clock every time, and
// is forgotten at its exp or after CacheMaxAge, whichever comes first.
type Verifier struct {
	cfg   VerifierConfig
	algs  []jwa.SignatureAlgorithm
	cache *lru.Cache[[sha256.Size]byte, verified] // nil: no cache
}

// verified is a token that passed every check, as remembered.
type verified struct {
	p        Principal
	exp, nbf time.Time // nbf zero when the token has none
	until    time.Time // verify again after this (CacheMaxAge)
}

// NewVerifier checks cfg.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.Keys == nil {
		return nil, errors.New("auth: a verifier needs an issuer, an audience and a key source")
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = DefaultAlgorithms
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.CacheMaxAge <= 0 {
		cfg.CacheMaxAge = DefaultCacheMaxAge
	}
	v := &Verifier{cfg: cfg}
	if cfg.CacheSize > 0 {
		c, err := lru.New[[sha256.Size]byte, verified](cfg.CacheSize)
		if err != nil {
			return nil, fmt.Errorf("auth: token cache: %w", err)
		}
		v.cache = c
	}
	for _, name := range cfg.Algorithms {
		alg, ok := jwa.LookupSignatureAlgorithm(name)
		if !ok || name == jwa.NoSignature().String() || slices.Contains([]string{"HS256", "HS384", "HS512"}, name) {
			return nil, fmt.Errorf("auth: algorithm %q is not allowed (asymmetric signatures only)", name)
		}
		v.algs = append(v.algs, alg)
	}
	return v, nil
}

// Why a token was refused; Reason turns them into a client message.
var (
	ErrMalformed    = errors.New("malformed token")
	ErrAlgorithm    = errors.New("signature algorithm not allowed")
	ErrSignature    = errors.New("signature does not verify with a key of the issuer")
	ErrExpired      = errors.New("token expired")
	ErrNotYetValid  = errors.New("token not yet valid")
	ErrIssuer       = errors.New("token from another issuer")
	ErrAudience     = errors.New("token for another audience")
	ErrClaims       = errors.New("token lacks sub, tenant or a known role")
	ErrKeysNotReady = errors.New("issuer keys unavailable")
)

// Reason is a short, safe explanation of a refusal for the 401 body.
func Reason(err error) string {
	for _, e := range []error{ErrMalformed, ErrAlgorithm, ErrSignature, ErrExpired, ErrNotYetValid, ErrIssuer, ErrAudience, ErrClaims, ErrKeysNotReady} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "refused"
}

// Authenticate verifies token and returns its principal (Role unset: the
// caller picks it with Acting).
func (v *Verifier) Authenticate(ctx context.Context, token string) (Principal, error) {
	if v.cache == nil {
		p, _, err := v.verify(ctx, token)
		return p, err
	}
	key := sha256.Sum256([]byte(token))
	now := v.cfg.Clock()
	if c, ok := v.cache.Get(key); ok {
		switch {
		case !now.Before(c.exp.Add(v.cfg.Skew)):
			v.cache.Remove(key)
			return Principal{}, ErrExpired
		case !c.nbf.IsZero() && now.Before(c.nbf.Add(-v.cfg.Skew)):
			return Principal{}, ErrNotYetValid
		case now.Before(c.until):
			return c.p.clone(), nil
		}
		v.cache.Remove(key) // trusted long enough: check the signature again
	}
	p, c, err := v.verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	c.until = now.Add(v.cfg.CacheMaxAge)
	v.cache.Add(key, c)
	return p.clone(), nil
}

// verify checks the token in full.
func (v *Verifier) verify(ctx context.Context, token string) (Principal, verified, error) {
	raw := []byte(token)
	// The algorithm is checked before any key is tried: "none" and HMAC
	// with a public key never get near the verifier.
	msg, err := jws.Parse(raw, jws.WithCompact())
	if err != nil || len(msg.Signatures()) != 1 {
		return Principal{}, verified{}, ErrMalformed
	}
	alg, ok := msg.Signatures()[0].ProtectedHeaders().Algorithm()
	if !ok || !slices.Contains(v.algs, alg) {
		return Principal{}, verified{}, ErrAlgorithm
	}
	keys, err := v.cfg.Keys.Keys(ctx)
	if err != nil {
		return Principal{}, verified{}, fmt.Errorf("%w: %w", ErrKeysNotReady, err)
	}
	tok, err := jwt.Parse(raw,
		jwt.WithKeySet(keys, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(true)),
		jwt.WithValidate(true),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithClock(jwt.ClockFunc(v.cfg.Clock)),
		jwt.WithAcceptableSkew(v.cfg.Skew),
	)
	if err != nil {
		return Principal{}, verified{}, classify(err)
	}
	p, err := principalOf(tok)
	if err != nil {
		return Principal{}, verified{}, err
	}
	exp, _ := tok.Expiration() // required above
	nbf, _ := tok.NotBefore()
	return p, verified{p: p, exp: exp, nbf: nbf}, nil
}

func classify(err error) error {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return fmt.Errorf("%w: %w", ErrExpired, err)
	case errors.Is(err, jwt.TokenNotYetValidError()), errors.Is(err, jwt.InvalidIssuedAtError()):
		return fmt.Errorf("%w: %w", ErrNotYetValid, err)
	case errors.Is(err, jwt.InvalidIssuerError()):
		return fmt.Errorf("%w: %w", ErrIssuer, err)
	case errors.Is(err, jwt.InvalidAudienceError()):
		return fmt.Errorf("%w: %w", ErrAudience, err)
	case errors.Is(err, jwt.MissingRequiredClaimError()), errors.Is(err, jwt.ValidateError()):
		return fmt.Errorf("%w: %w", ErrClaims, err)
	}
	return fmt.Errorf("%w: %w", ErrSignature, err)
}

func principalOf(tok jwt.Token) (Principal, error) {
	sub, _ := tok.Subject()
	var tenant string
	var roles []any
	if err := tok.Get(ClaimTenant, &tenant); err != nil {
		return Principal{}, fmt.Errorf("%w: no tenant", ErrClaims)
	}
	if err := tok.Get(ClaimRoles, &roles); err != nil {
		return Principal{}, fmt.Errorf("%w: no roles", ErrClaims)
	}
	if !domain.ValidID(sub) || !domain.ValidID(tenant) {
		return Principal{}, fmt.Errorf("%w: sub and tenant must be opaque ids", ErrClaims)
	}
	p := Principal{Subject: sub, Tenant: tenant}
	for _, r := range roles {
		s, _ := r.(string)
		role := domain.Role(s)
		// Roles this service does not know are another application's
		// business; "system" is the service itself and never a caller.
		if role.Valid() && role != domain.RoleSystem && !p.Has(role) {
			p.Roles = append(p.Roles, role)
		}
	}
	if len(p.Roles) == 0 {
		return Principal{}, fmt.Errorf("%w: no known role", ErrClaims)
	}
	return p, nil
}
