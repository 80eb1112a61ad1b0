package auth

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Whatever arrives as a bearer token, the verifier answers with an error
// or, for the token it issued, its principal: never a panic, never another
// principal. (A token that differs only in base64 padding bits may decode
// to the same signed bytes; that is the same token, not a forgery.)
func FuzzAuthenticate(f *testing.F) {
	iss, err := OpenLocalIssuer(filepath.Join(f.TempDir(), "key.jwk"))
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{Issuer: "iss-a", Audience: "aud-a", Keys: StaticKeys{iss.Keys()},
		Clock: func() time.Time { return t0 }})
	if err != nil {
		f.Fatal(err)
	}
	valid, err := iss.Mint(good())
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	for _, seed := range []string{valid, "", ".", "..", "a.b.c", parts[0] + "." + parts[1] + ".",
		parts[0] + ".e30." + parts[2], "eyJhbGciOiJub25lIn0." + parts[1] + ".",
		strings.Repeat("A", 5000), valid + "x", strings.ToUpper(valid)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Authenticate(context.Background(), token)
		if err != nil {
			return
		}
		if p.Subject != "mentor-1" || p.Tenant != "t1" || len(p.Roles) != 2 {
			t.Fatalf("accepted %q as %+v", token, p)
		}
	})
}
