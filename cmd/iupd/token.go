package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/handlers/auth"
)

// tokenCommand mints an access token with the embedded issuer's local key,
// so a newcomer can try every role without an identity provider. The key
// file is the one serve uses (created here on first use too).
func tokenCommand(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	dataDir := fs.String("data-dir", envOr("data-dir", "./data"), "folder of the local signing key ("+envName("data-dir")+")")
	keyFile := fs.String("signing-key-file", envOr("signing-key-file", ""), "signing key (default DATA_DIR/signing-key.jwk) ("+envName("signing-key-file")+")")
	issuer := fs.String("issuer", envOr("auth-issuer", defaultIssuer), "iss claim ("+envName("auth-issuer")+")")
	audience := fs.String("audience", envOr("auth-audience", "iup-api"), "aud claim ("+envName("auth-audience")+")")
	sub := fs.String("sub", "", "the person's opaque id (never a personal identity number)")
	tenant := fs.String("tenant", "", "the organiser (huvudman) id")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	var roles []domain.Role
	fs.Func("role", "a role: admin, principal, mentor, teacher, student or guardian (repeat for several)", func(s string) error {
		for _, r := range strings.Split(s, ",") {
			roles = append(roles, domain.Role(strings.TrimSpace(r)))
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" || *tenant == "" || len(roles) == 0 {
		return errors.New("token: --sub, --tenant and --role are required")
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return errors.New("token: --ttl must be positive and at most 720h")
	}
	if *keyFile == "" {
		*keyFile = filepath.Join(*dataDir, "signing-key.jwk")
	}
	iss, err := auth.OpenLocalIssuer(*keyFile)
	if err != nil {
		return err
	}
	tok, err := iss.Mint(auth.TokenRequest{Issuer: *issuer, Audience: *audience, Subject: *sub, Tenant: *tenant,
		Roles: roles, Now: time.Now(), TTL: *ttl})
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
