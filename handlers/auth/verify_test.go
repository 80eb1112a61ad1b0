package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/iup-platform/iup/domain"
)

var t0 = time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)

func newIssuer(t *testing.T) (*LocalIssuer, *Verifier) {
	t.Helper()
	iss, err := OpenLocalIssuer(filepath.Join(t.TempDir(), "key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{Issuer: "iss-a", Audience: "aud-a", Keys: StaticKeys{iss.Keys()},
		Clock: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return iss, v
}

func good() TokenRequest {
	return TokenRequest{Issuer: "iss-a", Audience: "aud-a", Subject: "mentor-1", Tenant: "t1",
		Roles: []domain.Role{domain.RoleMentor, domain.RoleTeacher}, Now: t0.Add(-time.Minute), TTL: time.Hour}
}

func mint(t *testing.T, iss *LocalIssuer, change func(*TokenRequest)) string {
	t.Helper()
	req := good()
	if change != nil {
		change(&req)
	}
	tok, err := iss.Mint(req)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(v any) string {
	raw, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func TestGoodTokenGivesThePrincipal(t *testing.T) {
	iss, v := newIssuer(t)
	p, err := v.Authenticate(context.Background(), mint(t, iss, nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "mentor-1" || p.Tenant != "t1" || len(p.Roles) != 2 || !p.Has(domain.RoleTeacher) {
		t.Fatalf("principal = %+v", p)
	}
	acting, err := p.Acting("")
	if err != nil || acting.Role != domain.RoleMentor {
		t.Fatalf("default acting role = %v, %v; want mentor", acting.Role, err)
	}
	if _, err := p.Acting("admin"); !errors.Is(err, ErrRoleNotGranted) {
		t.Fatalf("acting as an ungranted role: %v", err)
	}
}

func TestRefusedTokens(t *testing.T) {
	iss, v := newIssuer(t)
	goodTok := mint(t, iss, nil)
	parts := strings.Split(goodTok, ".")
	pubJSON, _ := json.Marshal(iss.Keys())
	kid := func() string {
		k, _ := iss.Keys().Key(0)
		id, _ := k.KeyID()
		return id
	}()
	claims := map[string]any{"iss": "iss-a", "aud": "aud-a", "sub": "x1", "tenant": "t1", "roles": []string{"admin"},
		"exp": t0.Add(time.Hour).Unix(), "nbf": t0.Add(-time.Hour).Unix()}

	hs256 := func() string {
		tok := jwt.New()
		for k, val := range claims {
			_ = tok.Set(k, val)
		}
		key, _ := jwk.Import(pubJSON)
		_ = key.Set(jwk.KeyIDKey, kid)
		signed, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256(), key))
		if err != nil {
			t.Fatal(err)
		}
		return string(signed)
	}()
	otherKey := func() string {
		ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		key, _ := jwk.Import(ec)
		_ = key.Set(jwk.KeyIDKey, "unknown-kid")
		tok := jwt.New()
		for k, val := range claims {
			_ = tok.Set(k, val)
		}
		signed, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), key))
		if err != nil {
			t.Fatal(err)
		}
		return string(signed)
	}()
	tampered := func() string {
		var payload map[string]any
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(raw, &payload)
		payload["roles"] = []string{"admin"}
		return parts[0] + "." + b64(payload) + "." + parts[2]
	}()

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"expired", mint(t, iss, func(r *TokenRequest) { r.Now = t0.Add(-2 * time.Hour) }), ErrExpired},
		{"not yet valid", mint(t, iss, func(r *TokenRequest) { r.Now = t0.Add(10 * time.Minute) }), ErrNotYetValid},
		{"wrong issuer", mint(t, iss, func(r *TokenRequest) { r.Issuer = "iss-b" }), ErrIssuer},
		{"wrong audience", mint(t, iss, func(r *TokenRequest) { r.Audience = "aud-b" }), ErrAudience},
		{"alg none", b64(map[string]string{"alg": "none", "typ": "JWT", "kid": kid}) + "." + b64(claims) + ".", ErrAlgorithm},
		{"HS256 keyed with the public key", hs256, ErrAlgorithm},
		{"unknown kid", otherKey, ErrSignature},
		{"tampered payload", tampered, ErrSignature},
		{"not a JWT", "abc.def", ErrMalformed},
		{"empty", "", ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Authenticate(context.Background(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v (principal %+v), want %v", err, p, tc.want)
			}
			if Reason(err) != tc.want.Error() {
				t.Fatalf("Reason = %q", Reason(err))
			}
		})
	}
}

func TestClaimsMustNameTenantAndAKnownRole(t *testing.T) {
	iss, v := newIssuer(t)
	sign := func(claims map[string]any) string {
		tok := jwt.New()
		for k, val := range claims {
			_ = tok.Set(k, val)
		}
		signed, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), iss.private))
		if err != nil {
			t.Fatal(err)
		}
		return string(signed)
	}
	base := func() map[string]any {
		return map[string]any{"iss": "iss-a", "aud": "aud-a", "sub": "p1", "tenant": "t1", "roles": []string{"teacher"},
			"exp": t0.Add(time.Hour).Unix()}
	}
	for name, change := range map[string]func(map[string]any){
		"no tenant":           func(c map[string]any) { delete(c, "tenant") },
		"no roles":            func(c map[string]any) { delete(c, "roles") },
		"only unknown roles":  func(c map[string]any) { c["roles"] = []string{"janitor", "system"} },
		"no expiry":           func(c map[string]any) { delete(c, "exp") },
		"personal number sub": func(c map[string]any) { c["sub"] = "19121212-1212" },
		"tenant with a slash": func(c map[string]any) { c["tenant"] = "t1/../t2" },
	} {
		t.Run(name, func(t *testing.T) {
			c := base()
			change(c)
			if _, err := v.Authenticate(context.Background(), sign(c)); !errors.Is(err, ErrClaims) {
				t.Fatalf("err = %v, want ErrClaims", err)
			}
		})
	}
	if _, err := v.Authenticate(context.Background(), sign(base())); err != nil {
		t.Fatalf("the base claims are refused: %v", err)
	}
}

func TestLocalKeyIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "key.jwk")
	a, err := OpenLocalIssuer(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenLocalIssuer(path)
	if err != nil {
		t.Fatal(err)
	}
	tok := mint(t, a, nil)
	v, _ := NewVerifier(VerifierConfig{Issuer: "iss-a", Audience: "aud-a", Keys: StaticKeys{b.Keys()}, Clock: func() time.Time { return t0 }})
	if _, err := v.Authenticate(context.Background(), tok); err != nil {
		t.Fatalf("a token of the first open does not verify with the second: %v", err)
	}
	pub, _ := json.Marshal(b.Keys())
	if strings.Contains(string(pub), `"d"`) {
		t.Fatal("the public key set carries the private exponent")
	}
	if _, err := NewVerifier(VerifierConfig{Issuer: "i", Audience: "a", Keys: StaticKeys{b.Keys()}, Algorithms: []string{"HS256"}}); err == nil {
		t.Fatal("HS256 was accepted as an allowed algorithm")
	}
}
