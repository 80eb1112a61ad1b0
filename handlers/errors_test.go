package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers/auth"
)

func TestOneTableFromErrorsToProblems(t *testing.T) {
	staff := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "m1", Tenant: "t1", Role: domain.RoleMentor})
	home := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "g1", Tenant: "t1", Role: domain.RoleGuardian})
	wrap := func(err error) error { return fmt.Errorf("handle plan: %w", err) }
	cases := []struct {
		name   string
		ctx    context.Context
		err    error
		status int
		typ    string
		server bool
	}{
		{"invalid", staff, wrap(domain.Invalid("level", "is not a step of the scale")), 422, ProblemInvalid, false},
		{"rule violated", staff, domain.RuleViolated("the talk was held"), 422, ProblemRuleViolated, false},
		{"not found", staff, domain.NotFound("no such plan"), 404, ProblemNotFound, false},
		{"conflict", staff, domain.Conflict("changed"), 409, ProblemConflict, false},
		{"precondition", staff, domain.PreconditionFailed("moved"), 412, ProblemPreconditionFailed, false},
		{"forbidden to staff", staff, domain.Forbidden("not your mentee"), 403, ProblemForbidden, false},
		{"forbidden to home is not found", home, domain.Forbidden("not your child"), 404, ProblemNotFound, false},
		{"store unavailable", staff, fmt.Errorf("append: %w", eventstore.ErrUnavailable), 503, ProblemUnavailable, true},
		{"unexpected", staff, errors.New("disk says: /var/lib/secret path"), 500, ProblemInternal, true},
		{"bad body", staff, badBody("grade", "grade must be a number"), 400, ProblemMalformedBody, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, server := problemFor(tc.ctx, tc.err)
			if p.Status != tc.status || p.Type != tc.typ || server != tc.server {
				t.Fatalf("problem = %+v (server fault %v), want %d %s", p, server, tc.status, tc.typ)
			}
			if tc.server && strings.Contains(p.Detail, tc.err.Error()) {
				t.Fatalf("a server fault's cause reached the client: %q", p.Detail)
			}
			if tc.name == "forbidden to home is not found" && strings.Contains(p.Detail, "child") {
				t.Fatalf("the 404 repeats the refusal: %q", p.Detail)
			}
		})
	}
	if p, _ := problemFor(staff, domain.Invalid("level", "x")); p.Field != "level" {
		t.Fatalf("field = %q", p.Field)
	}
	_ = http.StatusOK
}

func TestConsistencyTokensAreBoundAndUnforgeable(t *testing.T) {
	ct, err := NewConsistencyTokens([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	pos := eventstore.Position{Commit: 42, Prepare: 42}
	tok := ct.Issue("t1", pos)
	if got, err := ct.Parse("t1", tok); err != nil || got != pos {
		t.Fatalf("parse = %v, %v", got, err)
	}
	other, _ := NewConsistencyTokens([]byte(strings.Repeat("x", 32)))
	forged := []byte(tok)
	forged[3] ^= 1
	for name, bad := range map[string]func() error{
		"other tenant": func() error { _, err := ct.Parse("t2", tok); return err },
		"other key":    func() error { _, err := other.Parse("t1", tok); return err },
		"edited":       func() error { _, err := ct.Parse("t1", string(forged)); return err },
		"garbage":      func() error { _, err := ct.Parse("t1", "%%%"); return err },
	} {
		if err := bad(); !errors.Is(err, ErrBadConsistencyToken) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := NewConsistencyTokens([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}
