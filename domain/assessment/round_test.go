package assessment

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
)

func TestCreateRound(t *testing.T) {
	create := CreateRound{Meta: teacher("tea-1"), RoundID: "r1", CourseID: "ma-7a", Term: ht, Title: " Matematik HT ",
		ScaleID: "three", SelfAssessment: true, Scale: ScaleFacts{Exists: true, Steps: steps}, Facts: teaches("tea-1")}

	t.Run("a teacher of the course opens a round that copies the scale's steps and fixes the term", func(t *testing.T) {
		domaintest.Given(t, RoundDecider).When(create).Then(created)
	})
	t.Run("a teacher of another course cannot open a round", func(t *testing.T) {
		c := create
		c.Facts = teaches("tea-2")
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("an admin acting on behalf of the course's teacher is recorded as such", func(t *testing.T) {
		c := create
		c.Meta = admin("tea-1")
		want := created
		want.OnBehalfOf = "tea-1"
		domaintest.Given(t, RoundDecider).When(c).Then(want)
	})
	t.Run("an admin must name the teacher they act for", func(t *testing.T) {
		c := create
		c.Meta = admin("")
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("only an admin may act on behalf of someone", func(t *testing.T) {
		c := create
		c.Actor.OnBehalfOf = "tea-2"
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("students and guardians cannot open rounds", func(t *testing.T) {
		for _, role := range []domain.Role{domain.RoleStudent, domain.RoleGuardian, domain.RolePrincipal} {
			c := create
			c.Actor.Role = role
			domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("a free-text scale makes a round without levels", func(t *testing.T) {
		c := create
		c.Scale = ScaleFacts{Exists: true, FreeTextOnly: true}
		want := created
		want.Steps, want.FreeText = nil, true
		domaintest.Given(t, RoundDecider).When(c).Then(want)
	})
	t.Run("the course must cover the term", func(t *testing.T) {
		c := create
		c.Facts.CoversTerm = false
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("the term, course and scale must exist", func(t *testing.T) {
		c := create
		c.Facts.TermExists = false
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeNotFound)
		c = create
		c.Facts.CourseExists = false
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeNotFound)
		c = create
		c.Scale.Exists = false
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeNotFound)
	})
	t.Run("title is required and at most 200 characters", func(t *testing.T) {
		c := create
		c.Title = "  "
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeInvalid)
		c.Title = string(make([]rune, 201))
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("ids and term are validated", func(t *testing.T) {
		c := create
		c.RoundID = "a.b"
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeInvalid)
		c = create
		c.Term = domain.TermRef{SchoolYear: "2026-2027", Kind: "XT"}
		domaintest.Given(t, RoundDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("creating the same round again decides nothing", func(t *testing.T) {
		domaintest.Given(t, RoundDecider, created).When(create).Then()
	})
	t.Run("another round under an existing id is refused", func(t *testing.T) {
		c := create
		c.Title = "Other"
		domaintest.Given(t, RoundDecider, created).When(c).ThenError(domain.CodeRuleViolated)
	})
}

func TestPublishRound(t *testing.T) {
	later := inTerm.Add(48 * time.Hour)
	publish := PublishRound{Meta: teacher("tea-1"), RoundID: "r1", Facts: teaches("tea-1")}

	t.Run("publishing now records the command's instant", func(t *testing.T) {
		domaintest.Given(t, RoundDecider, created).When(publish).Then(RoundPublished{RoundID: "r1", PublishAt: inTerm})
	})
	t.Run("publishing later records the future instant and is not visible before it", func(t *testing.T) {
		c := publish
		c.At = later
		domaintest.Given(t, RoundDecider, created).When(c).Then(RoundPublished{RoundID: "r1", PublishAt: later})
		s := round(RoundPublished{RoundID: "r1", PublishAt: later})
		if s.VisibleAt(inTerm) || !s.VisibleAt(later) {
			t.Fatal("a round scheduled for later must become visible at its publish time, not before")
		}
	})
	t.Run("a publish time in the past is refused", func(t *testing.T) {
		c := publish
		c.At = inTerm.Add(-time.Hour)
		domaintest.Given(t, RoundDecider, created).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("publishing a published round again decides nothing", func(t *testing.T) {
		domaintest.Given(t, RoundDecider, created, RoundPublished{RoundID: "r1", PublishAt: inTerm}).When(publish).Then()
	})
	t.Run("publishing now moves a scheduled publication forward", func(t *testing.T) {
		domaintest.Given(t, RoundDecider, created, RoundPublished{RoundID: "r1", PublishAt: later}).When(publish).
			Then(RoundPublished{RoundID: "r1", PublishAt: inTerm})
	})
	t.Run("a teacher of another course cannot publish", func(t *testing.T) {
		c := publish
		c.Facts = teaches("tea-2")
		domaintest.Given(t, RoundDecider, created).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("an unknown round is not found", func(t *testing.T) {
		domaintest.Given(t, RoundDecider).When(publish).ThenError(domain.CodeNotFound)
	})
	t.Run("unpublishing hides a published round, and again decides nothing", func(t *testing.T) {
		un := UnpublishRound{Meta: admin("tea-1"), RoundID: "r1", Facts: teaches("tea-1")}
		pub := RoundPublished{RoundID: "r1", PublishAt: inTerm}
		domaintest.Given(t, RoundDecider, created, pub).When(un).Then(RoundUnpublished{RoundID: "r1", OnBehalfOf: "tea-1"})
		domaintest.Given(t, RoundDecider, created, pub, RoundUnpublished{RoundID: "r1"}).When(un).Then()
		if round(pub, RoundUnpublished{RoundID: "r1"}).VisibleAt(later) {
			t.Fatal("an unpublished round must not be visible")
		}
	})
	t.Run("self-assessment can be turned off, and turning it off again decides nothing", func(t *testing.T) {
		off := SetSelfAssessment{Meta: teacher("tea-1"), RoundID: "r1", Allowed: false, Facts: teaches("tea-1")}
		changed := RoundSelfAssessmentChanged{RoundID: "r1", Allowed: false}
		domaintest.Given(t, RoundDecider, created).When(off).Then(changed)
		domaintest.Given(t, RoundDecider, created, changed).When(off).Then()
		off.Facts = teaches()
		domaintest.Given(t, RoundDecider, created).When(off).ThenError(domain.CodeForbidden)
	})
}
