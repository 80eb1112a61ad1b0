package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/roster"
)

// The right-of-access export holds the student's events decoded, the views'
// documents about them, and marks content culled after an erasure.
func TestExportAndErasure(t *testing.T) {
	w := newPrivacyWorld(t)
	ctx := context.Background()
	now := time.Date(2027, 9, 1, 8, 0, 0, 0, time.UTC)

	x, err := buildExport(ctx, w.store, w.codec, tenant, w.victim, now)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := x.write(&js, "json"); err != nil {
		t.Fatal(err)
	}
	var back studentExport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("the JSON export does not parse: %v", err)
	}
	types := map[string]bool{}
	for _, e := range back.Events {
		types[e.Type] = true
		if e.Culled {
			t.Errorf("%s is marked culled before any culling", e.Type)
		}
	}
	for _, want := range []string{"roster.student-registered", "roster.student-renamed", "plan.field-set", "conference.held", "roster.student-left"} {
		if !types[want] {
			t.Errorf("the export lacks the student's %s events", want)
		}
	}
	views := map[string]bool{}
	for _, d := range back.Views {
		views[d.View] = true
	}
	for _, want := range []string{"mentor-overview", "home-guardian", "home-student", "audit"} {
		if !views[want] {
			t.Errorf("the export lacks the student's documents of view %s (has %v)", want, views)
		}
	}
	for _, s := range w.secrets[:2] {
		if !strings.Contains(js.String(), s) {
			t.Errorf("the JSON export lacks the student's text %q", s)
		}
	}
	// No other student's events: each names the student or was made by them.
	for _, e := range back.Events {
		if !mentions(e.Data, w.victim) && e.ActorID != w.victim {
			t.Errorf("event %s/%d is not about the student", e.Stream, e.Revision)
		}
	}
	var page bytes.Buffer
	if err := x.write(&page, "html"); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"<!DOCTYPE html>", "Registerutdrag", "plan.field-set", "Zelda Qvarnström-Ödqvist", "No access log entries"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML export lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the HTML export must be self-contained: no scripts, no external assets")
	}

	// Erasure: refused for someone who is not an admin; done by one.
	c, err := newCuller(w.store, w.codec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.erase(ctx, now, tenant, w.victim, "nobody", "GDPR art. 17, case 2027/3"); !domain.IsCode(err, domain.CodeForbidden) {
		t.Fatalf("erasure by a non-admin: want forbidden, got %v", err)
	}
	adminMeta := domain.Meta{Actor: domain.Actor{Tenant: tenant, ID: "admin", Role: domain.RoleAdmin}, Now: now}
	if _, err := w.log.Append(ctx, roster.StaffStream(tenant, "adm-9"), domain.NoStream, adminMeta, []domain.Event{
		roster.StaffRegistered{StaffID: "adm-9", DisplayName: "Admin Nio"},
		roster.StaffRoleGranted{StaffID: "adm-9", Role: domain.RoleAdmin, EffectiveFrom: domain.MustDate("2020-01-01")}}); err != nil {
		t.Fatal(err)
	}
	if err := c.erase(ctx, now, tenant, w.victim, "adm-9", "GDPR art. 17, case 2027/3"); err != nil {
		t.Fatal(err)
	}
	st, _, err := retention.LoadStudent(ctx, w.log, tenant, w.victim)
	if err != nil || !st.Erased || !st.Culled[retention.Identity] {
		t.Fatalf("after erasure: %+v %v", st, err)
	}
	x, err = buildExport(ctx, w.store, w.codec, tenant, w.victim, now)
	if err != nil {
		t.Fatal(err)
	}
	js.Reset()
	_ = x.write(&js, "json")
	for _, s := range w.secrets {
		if strings.Contains(js.String(), s) {
			t.Errorf("the export after erasure still shows %q", s)
		}
	}
	culled, erased := 0, false
	for _, e := range x.Events {
		if e.Culled {
			culled++
		}
		erased = erased || e.Type == "retention.student-culled"
	}
	if culled == 0 || !erased {
		t.Errorf("after erasure the export must show shells marked culled (%d) and the erasure event (%v)", culled, erased)
	}
}
