package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/roster"
)

// eraseCommand is a lawful erasure of one student: every document and the
// identity culled at once, recorded with the admin and the reason.
func eraseCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	var tf toolFlags
	tf.register(fs)
	tenant := fs.String("tenant", "", "the organiser (tenant id)")
	student := fs.String("student", "", "the student's id")
	admin := fs.String("admin", "", "id of the organiser admin who decided the erasure")
	reason := fs.String("reason", "", "case reference and legal ground (no personal content: it stays readable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tenant == "" || *student == "" || *admin == "" || strings.TrimSpace(*reason) == "" {
		return fmt.Errorf("erase: --tenant, --student, --admin and --reason are required")
	}
	store, codec, closeAll, err := tf.open()
	if err != nil {
		return err
	}
	defer closeAll()
	c, err := newCuller(store, codec, tf.logger(stderr))
	if err != nil {
		return err
	}
	return c.erase(ctx, time.Now(), *tenant, *student, *admin, *reason)
}

// erase checks that admin holds the organiser-admin role today, then erases.
func (c *culler) erase(ctx context.Context, now time.Time, tenant, student, admin, reason string) error {
	today := domain.DateOf(now, c.loc)
	staff, _, err := roster.LoadStaff(ctx, c.log, tenant, admin)
	if err != nil {
		return fmt.Errorf("erase: load admin: %w", err)
	}
	if !staff.Exists || !staff.HasRole(domain.RoleAdmin, "", today) {
		return domain.Forbidden("erase: %s is not an organiser admin today", admin)
	}
	cmd := retention.Erase{Meta: domain.Meta{Actor: domain.Actor{Tenant: tenant, ID: admin, Role: domain.RoleAdmin}, Now: now.UTC()},
		StudentID: student, Reason: reason, Today: today}
	res, err := retention.Handle(ctx, c.log, c.keys, cmd)
	if err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	if len(res.Events) == 0 {
		c.logger.Info("erasure: nothing left to erase", "tenant", tenant)
		return nil
	}
	c.logger.Info("erasure: done", "tenant", tenant, "doc_types", res.Events[0].(retention.StudentCulled).DocTypes, "position", res.Position)
	return nil
}
