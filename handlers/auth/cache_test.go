package auth

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/iup-platform/iup/domain"
)

// countingKeys counts full verifications: each one asks for the keys.
type countingKeys struct {
	KeySource
	n atomic.Int32
}

func (c *countingKeys) Keys(ctx context.Context) (jwk.Set, error) {
	c.n.Add(1)
	return c.KeySource.Keys(ctx)
}

type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *movingClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func cachingVerifier(t *testing.T, size int) (*LocalIssuer, *Verifier, *countingKeys, *movingClock) {
	t.Helper()
	iss, err := OpenLocalIssuer(filepath.Join(t.TempDir(), "key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{KeySource: StaticKeys{iss.Keys()}}
	clock := &movingClock{now: t0}
	v, err := NewVerifier(VerifierConfig{Issuer: "iss-a", Audience: "aud-a", Keys: keys, Clock: clock.Now,
		CacheSize: size, CacheMaxAge: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return iss, v, keys, clock
}

func TestVerifiedTokenIsNotVerifiedAgain(t *testing.T) {
	iss, v, keys, _ := cachingVerifier(t, 10)
	ctx := context.Background()
	tok := mint(t, iss, nil)
	first, err := v.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Roles[0] = domain.RoleAdmin // a caller's change must not reach the cache
	second, err := v.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if n := keys.n.Load(); n != 1 {
		t.Fatalf("two uses of one token took %d verifications, want 1", n)
	}
	if second.Subject != "mentor-1" || second.Tenant != "t1" || len(second.Roles) != 2 || second.Roles[0] != domain.RoleMentor {
		t.Fatalf("principal from the cache = %+v", second)
	}
	// A refused token is never remembered.
	bad := tok[:len(tok)-4] + "AAAA"
	for range 2 {
		if _, err := v.Authenticate(ctx, bad); !errors.Is(err, ErrSignature) {
			t.Fatalf("a token with a broken signature: %v", err)
		}
	}
	if n := keys.n.Load(); n != 3 {
		t.Fatalf("a refused token was checked %d times in two uses, want 2", n-1)
	}
}

func TestCachedTokenStillExpiresAndIsVerifiedAgainAfterMaxAge(t *testing.T) {
	iss, v, keys, clock := cachingVerifier(t, 10)
	ctx := context.Background()
	short := mint(t, iss, func(r *TokenRequest) { r.TTL = 2 * time.Minute })
	long := mint(t, iss, nil) // an hour
	for _, tok := range []string{short, long} {
		if _, err := v.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(2 * time.Minute) // past short's exp (minted a minute before t0)
	if _, err := v.Authenticate(ctx, short); !errors.Is(err, ErrExpired) {
		t.Fatalf("an expired token from the cache: %v, want ErrExpired", err)
	}
	if _, err := v.Authenticate(ctx, long); err != nil {
		t.Fatal(err)
	}
	if n := keys.n.Load(); n != 2 {
		t.Fatalf("%d verifications, want 2 (one per token)", n)
	}
	clock.Add(10 * time.Minute) // past CacheMaxAge
	if _, err := v.Authenticate(ctx, long); err != nil {
		t.Fatal(err)
	}
	if n := keys.n.Load(); n != 3 {
		t.Fatalf("a token trusted past the cache's max age was not verified again (%d verifications)", n)
	}
}

func TestNotYetValidCachedToken(t *testing.T) {
	iss, v, _, clock := cachingVerifier(t, 10)
	ctx := context.Background()
	tok := mint(t, iss, func(r *TokenRequest) { r.Now = t0 })
	if _, err := v.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	clock.Add(-time.Minute) // the clock steps back before nbf
	if _, err := v.Authenticate(ctx, tok); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("a cached token before its nbf: %v, want ErrNotYetValid", err)
	}
}

func TestTokenCacheIsBounded(t *testing.T) {
	iss, v, keys, _ := cachingVerifier(t, 2)
	ctx := context.Background()
	var toks []string
	for _, sub := range []string{"a", "b", "c"} {
		toks = append(toks, mint(t, iss, func(r *TokenRequest) { r.Subject = sub }))
	}
	for _, tok := range toks {
		if _, err := v.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.cache.Len(); n != 2 {
		t.Fatalf("the cache holds %d tokens, bound 2", n)
	}
	if _, err := v.Authenticate(ctx, toks[0]); err != nil { // the least recently used: gone
		t.Fatal(err)
	}
	if n := keys.n.Load(); n != 4 {
		t.Fatalf("%d verifications, want 4 (the evicted token verified again)", n)
	}
	if _, err := v.Authenticate(ctx, toks[2]); err != nil { // still there
		t.Fatal(err)
	}
	if n := keys.n.Load(); n != 4 {
		t.Fatalf("%d verifications, want 4 (the recent token from the cache)", n)
	}
}
